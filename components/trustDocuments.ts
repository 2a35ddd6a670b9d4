/**
 * Trust documents: who may assume a role (web identity through the cluster's OIDC provider, EKS Pod Identity, or
 * one other role).
 *
 * Pure: nothing here imports Pulumi, so the components, the dynamic provider and the offline preview share it,
 * and it is unit-tested on its own.
 */
import { ConditionBlock, PolicyDocument, PolicyStatement, sortedUnique } from "../iam/document";
import { IdentityBackend, OidcTrustTarget, POD_IDENTITY_SERVICE, POD_IDENTITY_TAGS, serviceAccountSubject, STS_AUDIENCE, SubjectMatch, usesIrsa, usesPodIdentity, WEB_IDENTITY_ACTION } from "../iam/identity";

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
        Action: WEB_IDENTITY_ACTION,
        Condition: condition,
    };
}

export function webIdentityTrustPolicy(args: WebIdentityTrustArgs): PolicyDocument {
    return { Version: "2012-10-17", Statement: [webIdentityTrustStatement(args)] };
}

export interface PodIdentityTrustArgs {
    /** ARN of the one cluster whose associations may use the role. */
    clusterArn: string;
    /** The cluster's account: `aws:SourceAccount` of the request EKS makes. */
    accountId: string;
    /** The namespace of the service accounts. */
    namespace: string;
    /** Service accounts of that namespace; at least one. */
    serviceAccounts: readonly string[];
    /** Statement id. */
    sid?: string;
}

/**
 * The statement that lets EKS Pod Identity assume a role for exactly the listed service accounts of one namespace of
 * one cluster. Any association in the account could otherwise use the role: the association is the binding, so the
 * trust must name the cluster, namespace and service accounts itself (session tags EKS sets on every request).
 */
export function podIdentityTrustStatement(args: PodIdentityTrustArgs): PolicyStatement {
    const serviceAccounts = sortedUnique(args.serviceAccounts);
    if (serviceAccounts.length === 0 || !args.namespace) {
        throw new Error("a Pod Identity trust statement needs a namespace and at least one service account: without them any association in the account could use the role");
    }
    if (!args.clusterArn || !args.accountId) {
        throw new Error("a Pod Identity trust statement needs the cluster ARN and account");
    }
    return {
        ...(args.sid ? { Sid: args.sid } : {}),
        Effect: "Allow",
        Principal: { Service: POD_IDENTITY_SERVICE },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
            StringEquals: {
                "aws:SourceAccount": args.accountId,
                [POD_IDENTITY_TAGS.clusterArn]: args.clusterArn,
                [POD_IDENTITY_TAGS.namespace]: args.namespace,
                [POD_IDENTITY_TAGS.serviceAccount]: serviceAccounts,
            },
        },
    };
}

export interface ProfileTrustArgs {
    identity: IdentityBackend;
    namespace: string;
    serviceAccounts: readonly string[];
    /** Needed with IRSA. */
    oidc?: OidcTrustTarget;
    /** Needed with Pod Identity. */
    cluster?: { arn: string; accountId: string };
}

/**
 * A profile role's trust for its backend: the web-identity statement (IRSA, unchanged from earlier releases, so an
 * IRSA profile's trust stays byte-identical), the Pod Identity statement, or both during a migration.
 */
export function profileTrustPolicy(args: ProfileTrustArgs): PolicyDocument {
    const statements: PolicyStatement[] = [];
    if (usesIrsa(args.identity)) {
        if (!args.oidc) throw new Error("an IRSA trust needs the cluster's OIDC provider");
        statements.push(webIdentityTrustStatement({ ...args.oidc, subjects: args.serviceAccounts.map((sa) => serviceAccountSubject(args.namespace, sa)) }));
    }
    if (usesPodIdentity(args.identity)) {
        if (!args.cluster) throw new Error("a Pod Identity trust needs the cluster's ARN and account");
        statements.push(podIdentityTrustStatement({ clusterArn: args.cluster.arn, accountId: args.cluster.accountId, namespace: args.namespace, serviceAccounts: args.serviceAccounts, sid: "PodIdentity" }));
    }
    return { Version: "2012-10-17", Statement: statements };
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
