import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument } from "../iam/document";
import { IdentityBackend, OidcTrustTarget, usesIrsa, usesPodIdentity } from "../iam/identity";
import { profileTrustPolicy } from "./trustDocuments";
import { S3_ACCESS_POLICY_NAME, s3AccessPolicy } from "./permissionPolicies";
import { profileRoleDescription } from "./names";
import { profileRoleTags } from "./tags";
import { CONTROLLER_OWNED_SERVICE_ACCOUNTS, PLUGIN_ANNOTATED_SERVICE_ACCOUNT, PROFILE_DELETION_ANNOTATIONS, profileManifest, profileMetadata, profileReadyAnnotations, ResourceQuotaSpec, serviceAccountManifest } from "./manifests";
import { PROFILE_COMPONENT_TYPE } from "./typeTokens";

export interface ProfileArgs {
    /** Owner's user name or email (or group name with `ownerKind: "Group"`). */
    owner: string;
    /** Kind of the owner subject. */
    ownerKind: "User" | "Group";
    /**
     * Service accounts in the profile's namespace allowed to assume the role (at least one). Each one except
     * `default-editor` (which the Kubeflow plugin annotates) gets the role annotation from this component.
     */
    serviceAccounts: string[];
    /** Buckets or `bucket/prefix`es the role may list, read, write and delete objects in. */
    s3Buckets: string[];
    /** Managed policies attached to the role; the role owns the list exclusively. */
    policyArns: string[];
    /** Extra identity policy for the role. */
    inlinePolicy?: PolicyDocument;
    /** When true, the profile controller only annotates service accounts and never rewrites the role. */
    annotateOnly: boolean;
    /** How pods get the role: IRSA, EKS Pod Identity, or both (migration window). */
    identity: IdentityBackend;
    /** Physical IAM role name (already within 64 characters). */
    roleName: string;
    /** IAM path of the role. */
    rolePath: string;
    /** Maximum session duration in seconds (IAM default 3600). */
    maxSessionDuration?: number;
    /** Managed policy ARN used as the role's permissions boundary. */
    permissionsBoundaryArn?: string;
    /** Tags of the role. */
    tags: Record<string, string>;
    /** Copied to the Profile's `resourceQuotaSpec`. */
    resourceQuota?: ResourceQuotaSpec;
    /** How long `pulumi up` waits for the controller to reconcile the Profile (when objects go into its namespace). */
    readyTimeoutSeconds: number;
    /** The cluster's OIDC provider ARN and issuer host/path (`ClusterOidcProvider.trustTarget`); used with IRSA. */
    oidc: pulumi.Input<OidcTrustTarget>;
    /** The cluster's name, ARN and account; used with Pod Identity. */
    cluster: { name: string; arn: pulumi.Input<string>; accountId: pulumi.Input<string> };
    /** AWS partition (`aws`, `aws-cn`, `aws-us-gov`) for S3 ARNs. */
    partition: pulumi.Input<string>;
}

/**
 * One Kubeflow profile: an IAM role only the profile's service accounts can assume, with exactly the listed S3
 * access and policies, and the `kubeflow.org/v1` Profile that points at it. The role owns its inline policies and
 * managed attachments exclusively (`inlinePolicies` / `managedPolicyArns`), so anything attached out of band is
 * removed on the next update, and a profile costs two resources instead of one per policy.
 *
 * Kubernetes objects go through the provider given in `opts.providers` (the stack's cluster). With IRSA, service
 * accounts other than `default-editor` get the role annotation here, since the plugin annotates only that one:
 * created when this package owns them, patched when the controller does (`default-viewer`). With Pod Identity, one
 * association per service account is the binding, the Profile has no IAM plugin, and listed accounts this package
 * owns are still created (without annotation). With both (the migration), the trust accepts both while the
 * associations exist and the IRSA plugin and annotations are gone. Objects in the namespace are applied after the
 * Profile, which then waits until the controller has reconciled it (its namespace exists).
 */
export class Profile extends pulumi.ComponentResource {
    /** ARN of the profile's IAM role. */
    public readonly roleArn: pulumi.Output<string>;
    /** Name of the profile's IAM role. */
    public readonly roleName: pulumi.Output<string>;
    /** The Profile's name, which is also its namespace. */
    public readonly profileName: string;

    constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
        super(PROFILE_COMPONENT_TYPE, name, {}, opts);
        this.profileName = name;

        const irsa = usesIrsa(args.identity);
        const podIdentity = usesPodIdentity(args.identity);
        // What puts IRSA credentials into new pods: the plugin and the annotations. Only on IRSA alone: AWS SDKs try
        // web identity before container credentials, so while they exist pods never switch to Pod Identity. During
        // the migration (both backends) the trust still accepts running IRSA pods.
        const irsaBindings = args.identity === "irsa";
        // One apply per document: every Output costs time at thousands of profiles (BENCHMARKS.md).
        const trustOf = (oidc?: OidcTrustTarget, cluster?: { arn: string; accountId: string }) =>
            JSON.stringify(profileTrustPolicy({ identity: args.identity, namespace: name, serviceAccounts: args.serviceAccounts, oidc, cluster }));
        const trustPolicy = podIdentity
            ? pulumi.all([irsa ? args.oidc : undefined, args.cluster.arn, args.cluster.accountId]).apply(([oidc, arn, accountId]) => trustOf(oidc, { arn, accountId }))
            : pulumi.output(args.oidc).apply((oidc) => trustOf(oidc));
        const inlinePolicies = pulumi.output(args.partition).apply((partition) => {
            const s3 = s3AccessPolicy(partition, args.s3Buckets);
            const named = [
                ...(s3 ? [{ name: S3_ACCESS_POLICY_NAME, policy: JSON.stringify(s3) }] : []),
                ...(args.inlinePolicy ? [{ name: "inline", policy: JSON.stringify(args.inlinePolicy) }] : []),
            ];
            // One empty entry tells the provider to remove every inline policy: exclusive ownership even with none.
            return named.length > 0 ? named : [{}];
        });

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                path: args.rolePath,
                description: profileRoleDescription(name, args.serviceAccounts, args.identity),
                assumeRolePolicy: trustPolicy,
                inlinePolicies,
                managedPolicyArns: [...args.policyArns].sort(),
                maxSessionDuration: args.maxSessionDuration,
                permissionsBoundary: args.permissionsBoundaryArn,
                tags: profileRoleTags(args.tags, name),
            },
            { parent: this },
        );

        // Objects this component puts into the namespace: with IRSA every account but the plugin's (for the
        // annotation); otherwise the accounts the controller does not create (they must exist).
        const namespaceAccounts = args.serviceAccounts.filter((sa) => sa !== PLUGIN_ANNOTATED_SERVICE_ACCOUNT && (irsaBindings || !CONTROLLER_OWNED_SERVICE_ACCOUNTS.includes(sa)));
        const profile = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "kubeflow.org/v1",
                kind: "Profile",
                // Never an empty annotations map: pulumi-kubernetes would diff `annotations: {}` on every up.
                metadata: profileMetadata({ name, annotations: { ...PROFILE_DELETION_ANNOTATIONS, ...(namespaceAccounts.length > 0 ? profileReadyAnnotations(args.readyTimeoutSeconds) : {}) } }),
                spec: role.arn.apply(
                    (arn) =>
                        profileManifest({
                            name,
                            owner: args.owner,
                            ownerKind: args.ownerKind,
                            roleArn: irsaBindings ? arn : undefined,
                            annotateOnly: args.annotateOnly,
                            resourceQuota: args.resourceQuota,
                        }).spec,
                ),
            },
            { parent: this },
        );

        // A profile name has no '.', so `<profile>.<account>` never collides across profiles.
        for (const account of namespaceAccounts) {
            const { metadata } = serviceAccountManifest(name, account, irsaBindings ? role.arn : undefined);
            const opts = { parent: this, dependsOn: [profile] };
            if (CONTROLLER_OWNED_SERVICE_ACCOUNTS.includes(account)) {
                new k8s.core.v1.ServiceAccountPatch(`${name}.${account}`, { metadata }, opts);
            } else {
                new k8s.core.v1.ServiceAccount(`${name}.${account}`, { metadata }, opts);
            }
        }

        if (podIdentity) {
            for (const account of args.serviceAccounts) {
                new aws.eks.PodIdentityAssociation(
                    `${name}.${account}`,
                    {
                        clusterName: args.cluster.name,
                        namespace: name,
                        serviceAccount: account,
                        roleArn: role.arn,
                        // The trust matches the session tags: without them no pod could assume the role.
                        disableSessionTags: false,
                        tags: profileRoleTags(args.tags, name),
                    },
                    { parent: this },
                );
            }
        }

        this.roleArn = role.arn;
        this.roleName = role.name;
        this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
    }
}
