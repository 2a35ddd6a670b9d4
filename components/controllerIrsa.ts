import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { OidcTrustTarget, serviceAccountSubject } from "../iam/identity";
import { webIdentityTrustPolicy } from "./trustDocuments";
import { profileControllerPolicy } from "./permissionPolicies";
import { ROLE_ARN_ANNOTATION } from "./manifests";
import { CONTROLLER_COMPONENT_TYPE } from "./typeTokens";

export interface ProfileControllerIrsaArgs {
    /** Namespace of the profile controller (Kubeflow default `kubeflow`). */
    namespace: string;
    /** The controller's service account (Kubeflow default `profiles-controller-service-account`). */
    serviceAccount: string;
    /** Annotate that service account with the role ARN (a server-side-apply patch of one annotation). */
    annotateServiceAccount: boolean;
    /** Physical IAM role name. */
    roleName: string;
    /** IAM path of the role. */
    rolePath: string;
    /** Managed policy ARN used as the role's permissions boundary. */
    permissionsBoundaryArn?: string;
    /** Tags of the role. */
    tags: Record<string, string>;
    /** The cluster's OIDC provider ARN and issuer host/path (`ClusterOidcProvider.trustTarget`). */
    oidc: pulumi.Input<OidcTrustTarget>;
    /**
     * ARNs of the profile roles whose plugin is not annotate-only: the only roles the controller may read and
     * rewrite. Empty: the controller gets no IAM rights.
     */
    managedRoleArns: pulumi.Input<string>[];
}

/**
 * IRSA for the Kubeflow profile controller, scoped to exactly the roles it manages. The upstream policy grants
 * `iam:UpdateAssumeRolePolicy` on `*`, which lets any profile owner take over any role in the account.
 */
export class ProfileControllerIrsa extends pulumi.ComponentResource {
    /** ARN of the controller's role. */
    public readonly roleArn: pulumi.Output<string>;
    /** Name of the controller's role. */
    public readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: ProfileControllerIrsaArgs, opts?: pulumi.ComponentResourceOptions) {
        super(CONTROLLER_COMPONENT_TYPE, name, {}, opts);

        const trustPolicy = pulumi
            .output(args.oidc)
            .apply((oidc) => JSON.stringify(webIdentityTrustPolicy({ ...oidc, subjects: [serviceAccountSubject(args.namespace, args.serviceAccount)] })));
        const inlinePolicies = pulumi.all(args.managedRoleArns).apply((arns) => {
            const policy = profileControllerPolicy(arns);
            // No managed roles: one empty entry removes every inline policy, leaving the role without IAM rights.
            return policy ? [{ name: "manage-profile-role-trust", policy: JSON.stringify(policy) }] : [{}];
        });

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                path: args.rolePath,
                description: `Kubeflow profile controller (${args.namespace}/${args.serviceAccount}): may rewrite only the trust of non-annotate-only profile roles`,
                assumeRolePolicy: trustPolicy,
                inlinePolicies,
                managedPolicyArns: [],
                permissionsBoundary: args.permissionsBoundaryArn,
                tags: args.tags,
            },
            { parent: this },
        );

        if (args.annotateServiceAccount) {
            // The service account belongs to the Kubeflow manifests: patch one annotation with server-side apply
            // instead of taking over the object.
            new k8s.core.v1.ServiceAccountPatch(
                `${name}-service-account`,
                {
                    metadata: {
                        name: args.serviceAccount,
                        namespace: args.namespace,
                        annotations: { [ROLE_ARN_ANNOTATION]: role.arn },
                    },
                },
                { parent: this },
            );
        }

        this.roleArn = role.arn;
        this.roleName = role.name;
        this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
    }
}
