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
/**
 * Service accounts the profile controller itself creates in every profile namespace: this package patches one
 * annotation on them (server-side apply) instead of owning them.
 */
export const CONTROLLER_OWNED_SERVICE_ACCOUNTS: readonly string[] = [PLUGIN_ANNOTATED_SERVICE_ACCOUNT, "default-viewer"];
/**
 * The finalizer the profile controller adds once it has created the namespace, its service accounts, role
 * bindings and plugins (kubeflow/dashboard `profile_controller.go`): the sign that the namespace exists.
 */
export const PROFILE_READY_FINALIZER = "profile-finalizer";
/** How long `pulumi up` waits for the controller to reconcile a Profile before it fails. */
export const PROFILE_READY_TIMEOUT_SECONDS = 600;

/**
 * Annotations that make the Kubernetes provider wait (on create and update) until the controller has reconciled the
 * Profile, so objects placed in its namespace are applied only once the namespace exists.
 */
export function profileReadyAnnotations(timeoutSeconds: number = PROFILE_READY_TIMEOUT_SECONDS): Record<string, string> {
    return {
        "pulumi.com/waitFor": `jsonpath={.metadata.finalizers[0]}=${PROFILE_READY_FINALIZER}`,
        "pulumi.com/timeoutSeconds": String(timeoutSeconds),
    };
}

/**
 * How `pulumi destroy` (or removing a profile) deletes a Profile: in the background, as `kubectl delete profile`
 * does. pulumi-kubernetes deletes with Foreground propagation by default, so the garbage collector would first delete
 * what the Profile owns (its namespace and `default-editor`) while the Profile waits on the controller's finalizer;
 * the controller's cleanup (RevokePlugin) then finds no `default-editor`, fails, and re-creates the namespace until a
 * later pass wins. In the background the finalizer runs first, on an intact namespace. The service accounts this
 * package writes own nothing the controller waits on: their default (Foreground) deletion is harmless.
 */
export const PROFILE_DELETION_ANNOTATIONS: Readonly<Record<string, string>> = { "pulumi.com/deletionPropagationPolicy": "background" };

/** `Arn` is a string, or a Pulumi output of one where the role is still being created. */
export interface ServiceAccountManifest<Arn = string> {
    apiVersion: "v1";
    kind: "ServiceAccount";
    metadata: { name: string; namespace: string; annotations?: Record<string, Arn>; labels?: Record<string, string> };
}

/**
 * A service account in a profile namespace, annotated with the profile's role for IRSA (no annotation for Pod
 * Identity, where the association is the binding). For the controller's own accounts only the annotation is applied
 * (a patch); the others are created and owned by this package (with its label).
 */
export function serviceAccountManifest<Arn = string>(namespace: string, name: string, roleArn?: Arn): ServiceAccountManifest<Arn> {
    const owned = !CONTROLLER_OWNED_SERVICE_ACCOUNTS.includes(name);
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: {
            name,
            namespace,
            ...(roleArn !== undefined ? { annotations: { [ROLE_ARN_ANNOTATION]: roleArn } } : {}),
            ...(owned ? { labels: { "app.kubernetes.io/managed-by": "kubeflow-irsa" } } : {}),
        },
    };
}

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
    /** The role the `AwsIamForServiceAccount` plugin points at; absent (Pod Identity only): no plugin. */
    roleArn?: string;
    annotateOnly: boolean;
    resourceQuota?: ResourceQuotaSpec;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export interface ProfileManifest {
    apiVersion: "kubeflow.org/v1";
    kind: "Profile";
    metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: {
        owner: { apiGroup: string; kind: "User" | "Group"; name: string };
        plugins?: Array<{ kind: "AwsIamForServiceAccount"; spec: { awsIamRole: string; annotateOnly: boolean } }>;
        resourceQuotaSpec?: ResourceQuotaSpec;
    };
}

/** The Profile's metadata: it needs no role ARN, so it is known before the role exists. */
export function profileMetadata(args: Pick<ProfileManifestArgs, "name" | "labels" | "annotations">): ProfileManifest["metadata"] {
    return { name: args.name, ...(args.labels ? { labels: args.labels } : {}), ...(args.annotations ? { annotations: args.annotations } : {}) };
}

/** The cluster-scoped `kubeflow.org/v1` Profile, whose `AwsIamForServiceAccount` plugin (IRSA) points at the role. */
export function profileManifest(args: ProfileManifestArgs): ProfileManifest {
    return {
        apiVersion: "kubeflow.org/v1",
        kind: "Profile",
        metadata: profileMetadata(args),
        spec: {
            owner: { apiGroup: "rbac.authorization.k8s.io", kind: args.ownerKind, name: args.owner },
            ...(args.roleArn !== undefined ? { plugins: [{ kind: "AwsIamForServiceAccount" as const, spec: { awsIamRole: args.roleArn, annotateOnly: args.annotateOnly } }] } : {}),
            ...(args.resourceQuota ? { resourceQuotaSpec: args.resourceQuota } : {}),
        },
    };
}
