/**
 * Trust documents: who may assume a role (web identity through the cluster's OIDC provider, or one other role).
 *
 * Pure: nothing here imports Pulumi, so the components, the dynamic provider and the offline preview share it,
 * and it is unit-tested on its own.
 */
import { ConditionBlock, PolicyDocument, PolicyStatement, sortedUnique } from "./iamDocument";

/** The audience EKS projects into service-account tokens; STS checks it against the provider's client ids. */
export const STS_AUDIENCE = "sts.amazonaws.com";

export type SubjectMatch = "StringEquals" | "StringLike";

/** The cluster's OIDC provider as a trust policy names it. */
export interface OidcTrustTarget {
    /** ARN of the cluster's IAM OIDC provider. */
    providerArn: string;
    /** Issuer host/path, the prefix of the `aud` and `sub` condition keys. */
    issuerHostPath: string;
}

export interface WebIdentityTrustArgs extends OidcTrustTarget {
    /** `sub` values allowed to assume the role; at least one. */
    subjects: readonly string[];
    /** `StringEquals` (exact subjects, the default) or `StringLike` (subjects may hold `*` and `?`). */
    subjectMatch?: SubjectMatch;
    /** Statement id; the dynamic provider finds its own statement by it. */
    sid?: string;
}

/**
 * The one statement that lets pods with the listed service-account tokens assume a role through the cluster's
 * OIDC provider. It always carries both an `aud` and a `sub` condition: without `sub`, any service account in
 * the cluster could assume the role; without `aud`, tokens minted for another audience would do.
 */
export function webIdentityTrustStatement(args: WebIdentityTrustArgs): PolicyStatement {
    const subjects = sortedUnique(args.subjects);
    if (subjects.length === 0) {
        throw new Error("a web-identity trust statement needs at least one subject: without a sub condition any service account in the cluster could assume the role");
    }
    if (!args.issuerHostPath || !args.providerArn) {
        throw new Error("a web-identity trust statement needs the OIDC provider ARN and issuer host/path");
    }
    const match = args.subjectMatch ?? "StringEquals";
    const aud = `${args.issuerHostPath}:aud`;
    const sub = `${args.issuerHostPath}:sub`;
    const condition: ConditionBlock =
        match === "StringEquals"
            ? { StringEquals: { [aud]: STS_AUDIENCE, [sub]: subjects } }
            : { StringEquals: { [aud]: STS_AUDIENCE }, StringLike: { [sub]: subjects } };
    return {
        ...(args.sid ? { Sid: args.sid } : {}),
        Effect: "Allow",
        Principal: { Federated: args.providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: condition,
    };
}

export function webIdentityTrustPolicy(args: WebIdentityTrustArgs): PolicyDocument {
    return { Version: "2012-10-17", Statement: [webIdentityTrustStatement(args)] };
}

/** Trust policy that lets exactly one role (not its account's `:root`) assume another, with an optional external id. */
export function roleTrustPolicy(trustedRoleArn: string, externalId: string | undefined, sid: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: sid,
                Effect: "Allow",
                Principal: { AWS: trustedRoleArn },
                Action: "sts:AssumeRole",
                ...(externalId ? { Condition: { StringEquals: { "sts:ExternalId": externalId } } } : {}),
            },
        ],
    };
}
