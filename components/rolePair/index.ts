import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument } from "../../iam/document";
import { IdentityBackend, SubjectMatch } from "../../iam/identity";
import type { RolePairInputs } from "./inputs";
import { rolePairProviderShim } from "./shim";
import { recordedIdentity } from "./inputs";

// The provider itself (and the AWS SDK) is not imported here: the program never runs it (see shim.ts).

export interface RolePairArgs {
    /** 12-digit id of the account that holds the asset role. */
    assetAccountId: pulumi.Input<string>;
    /** Name of the role created in the asset account. */
    assetRoleName: pulumi.Input<string>;
    /** Name of the matching role created in the EKS account. */
    eksRoleName: pulumi.Input<string>;
    /** Inline identity policy of the asset role. */
    assetPolicy?: pulumi.Input<PolicyDocument>;
    /** Managed policies attached to the asset role. */
    assetPolicyArns?: pulumi.Input<pulumi.Input<string>[]>;
    /** `system:serviceaccount:<ns>:<sa>` entries (patterns with `StringLike`) allowed to assume the EKS role. */
    subjects: pulumi.Input<pulumi.Input<string>[]>;
    /** `StringEquals` (default) or `StringLike` for the `sub` condition. */
    subjectMatch?: pulumi.Input<SubjectMatch>;
    /** Own the whole `sub` list of our statement, removing entries others added (default false). */
    exclusive?: pulumi.Input<boolean>;
    /** `sts:ExternalId` the asset role requires. */
    externalId?: pulumi.Input<string>;
    /** Role the provider assumes to manage the asset account (required when it differs from the EKS account). */
    assetDeployRoleArn?: pulumi.Input<string>;
    /** IAM path of both roles (default `/`). */
    path?: pulumi.Input<string>;
    /** Tags of both roles. */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Maximum session duration of both roles, in seconds. */
    maxSessionDuration?: pulumi.Input<number>;
    /** Quota of the EKS role's trust policy in characters (default 2048; raise it with the IAM quota). */
    trustPolicyMaxLength?: pulumi.Input<number>;
    /** ARN of the cluster's IAM OIDC provider; its account is the EKS account. */
    oidcProviderArn: pulumi.Input<string>;
    /** How pods reach the EKS role: IRSA (default), EKS Pod Identity, or both while migrating. */
    identity?: IdentityBackend;
    /** The cluster (name, ARN) whose Pod Identity associations the pair makes; needed off IRSA. */
    cluster?: pulumi.Input<{ name: pulumi.Input<string>; arn: pulumi.Input<string> }>;
}

/**
 * A role in an asset account and a matching role in the EKS account that may assume it, reached from listed
 * Kubernetes service accounts through the cluster's OIDC provider. The EKS role's trust statement is shared
 * with a runtime mapping service: this resource edits only its own entries.
 */
export class RolePair extends pulumi.dynamic.Resource {
    // `declare`: the base constructor sets these outputs; an initialized class field would overwrite them.
    /** ARN of the EKS-account role (what pods' `AWS_ROLE_ARN` points at). */
    declare public readonly eksRoleArn: pulumi.Output<string>;
    /** ARN of the asset-account role. */
    declare public readonly assetRoleArn: pulumi.Output<string>;
    /** `sub` entries this resource owns. */
    declare public readonly ownedSubjects: pulumi.Output<string[]>;
    /** `sub` entries others added, as last seen. */
    declare public readonly foreignSubjects: pulumi.Output<string[]>;
    /** Minified length of the EKS role's trust policy, as last written or read. */
    declare public readonly trustPolicyLength: pulumi.Output<number>;
    /** The Pod Identity associations the pair made (subject, id, the external id EKS generated). */
    declare public readonly associations: pulumi.Output<Array<{ subject: string; associationId: string; externalId: string }> | undefined>;

    constructor(name: string, args: RolePairArgs, opts?: pulumi.CustomResourceOptions) {
        const props: Record<keyof RolePairInputs, unknown> & Record<string, unknown> = {
            name,
            owner: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
            ...args,
            identity: recordedIdentity(args.identity),
            cluster: recordedIdentity(args.identity) ? args.cluster : undefined,
            // Not a secret to AWS, but it gates a cross-account trust: keep it out of plain state and previews.
            externalId: args.externalId === undefined ? undefined : pulumi.secret(args.externalId),
            eksRoleArn: undefined,
            assetRoleArn: undefined,
            ownedSubjects: undefined,
            foreignSubjects: undefined,
            trustPolicyLength: undefined,
            eksAccountId: undefined,
            associations: undefined,
        } as never;
        // The shim, not the provider: it loads the project's provider code at call time (see shim.ts).
        super(rolePairProviderShim, name, props, { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "externalId"] }, "kubeflow-irsa", "RolePair");
    }
}
