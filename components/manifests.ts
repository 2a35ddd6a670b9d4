/**
 * Kubernetes manifests: the Kubeflow Profile and the annotation the EKS pod identity webhook reads.
 *
 * Pure: nothing here imports Pulumi, so the components, the dynamic provider and the offline preview share it,
 * and it is unit-tested on its own.
 */
/** The annotation the EKS pod identity webhook reads to inject web-identity credentials. */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";
/**
 * The one service account the Kubeflow `AwsIamForServiceAccount` plugin annotates (kubeflow/dashboard
 * `plugin_iam.go`); with `annotateOnly: false` the controller also rewrites the role's trust to it alone.
 */
export const PLUGIN_ANNOTATED_SERVICE_ACCOUNT = "default-editor";

export interface ResourceQuotaSpec {
    hard?: Record<string, string | number>;
    scopes?: string[];
    scopeSelector?: { matchExpressions?: Array<{ operator: string; scopeName: string; values?: string[] }> };
}

export interface ProfileManifestArgs {
    /** Profile name, which is also its namespace. */
    name: string;
    owner: string;
    ownerKind: "User" | "Group";
    roleArn: string;
    annotateOnly: boolean;
    resourceQuota?: ResourceQuotaSpec;
    labels?: Record<string, string>;
}

export interface ProfileManifest {
    apiVersion: "kubeflow.org/v1";
    kind: "Profile";
    metadata: { name: string; labels?: Record<string, string> };
    spec: {
        owner: { apiGroup: string; kind: "User" | "Group"; name: string };
        plugins: Array<{ kind: "AwsIamForServiceAccount"; spec: { awsIamRole: string; annotateOnly: boolean } }>;
        resourceQuotaSpec?: ResourceQuotaSpec;
    };
}

/** The cluster-scoped `kubeflow.org/v1` Profile whose `AwsIamForServiceAccount` plugin points at the role. */
export function profileManifest(args: ProfileManifestArgs): ProfileManifest {
    return {
        apiVersion: "kubeflow.org/v1",
        kind: "Profile",
        metadata: { name: args.name, ...(args.labels ? { labels: args.labels } : {}) },
        spec: {
            owner: { apiGroup: "rbac.authorization.k8s.io", kind: args.ownerKind, name: args.owner },
            plugins: [{ kind: "AwsIamForServiceAccount", spec: { awsIamRole: args.roleArn, annotateOnly: args.annotateOnly } }],
            ...(args.resourceQuota ? { resourceQuotaSpec: args.resourceQuota } : {}),
        },
    };
}
