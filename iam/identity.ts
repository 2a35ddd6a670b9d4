/**
 * EKS identity facts: service-account subjects (make, split, check), the OIDC issuer's host/path that names a provider
 * and its condition keys, the audience STS checks, the session tags EKS Pod Identity sets, and the identity backends
 * a role can be reached through.
 *
 * Pure: part of the IAM core (iam/), which imports nothing else of the project and nothing of Pulumi.
 */

/** How every service account's `sub` claim begins. */
export const SUBJECT_PREFIX = "system:serviceaccount:";

/**
 * Kubernetes' name rules (the API server's validation): a namespace is a DNS-1123 label of at most 63 characters, a
 * service account a DNS-1123 subdomain of at most 253. The patterns leave the length to the caller.
 */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const isNamespaceName = (name: string) => name.length <= DNS1123_LABEL_MAX_LENGTH && DNS1123_LABEL.test(name);
const isServiceAccountName = (name: string) => name.length <= DNS1123_SUBDOMAIN_MAX_LENGTH && DNS1123_SUBDOMAIN.test(name);

/** `system:serviceaccount:<namespace>:<name>` naming one service account: no patterns, valid Kubernetes names. */
const CONCRETE_SUBJECT = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Whether a subject names exactly one service account (what a Pod Identity association can bind). */
export function isConcreteSubject(subject: string): boolean {
    return CONCRETE_SUBJECT.test(subject);
}

/** The subject EKS puts in a service account's token (`sub` claim). */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
    return `${SUBJECT_PREFIX}${namespace}:${serviceAccount}`;
}

/**
 * `system:serviceaccount:<ns>:<sa>` (patterns too) -> its namespace and service account; undefined for anything that
 * is not a service-account subject with both parts.
 */
export function subjectParts(subject: string): { namespace: string; serviceAccount: string } | undefined {
    if (!subject.startsWith(SUBJECT_PREFIX)) return undefined;
    const parts = subject.slice(SUBJECT_PREFIX.length).split(":");
    return parts.length === 2 && parts[0] && parts[1] ? { namespace: parts[0], serviceAccount: parts[1] } : undefined;
}

/** `system:serviceaccount:ns:sa` -> `ns:sa`, for tables and messages; anything else as it is. */
export function shortSubject(subject: string): string {
    return subject.startsWith(SUBJECT_PREFIX) ? subject.slice(SUBJECT_PREFIX.length) : subject;
}

/** How a trust matches `sub`: exact subjects, or patterns (`*` and `?`). */
export type SubjectMatch = "StringEquals" | "StringLike";

/** What is wrong with a subject (`system:serviceaccount:<ns>:<sa>`) under a match operator, or undefined. */
export function subjectProblem(subject: string, match: SubjectMatch): string | undefined {
    const parts = subject.split(":");
    if (!subject.startsWith(SUBJECT_PREFIX) || parts.length !== 4 || parts[3] === "") {
        return `is not a service-account subject: write ${SUBJECT_PREFIX}<namespace>:<service account>`;
    }
    if (parts[2] === "" || /[*?]/.test(parts[2])) {
        return "must name one namespace exactly: a wildcard in the namespace lets every namespace's service accounts assume the role";
    }
    if (match === "StringEquals" && /[*?]/.test(subject)) {
        return "has a wildcard but subjectMatch is StringEquals: set subjectMatch: StringLike, or list exact subjects";
    }
    if (!isNamespaceName(parts[2])) {
        return `can never match: its namespace "${parts[2]}" is not a Kubernetes namespace name (a lowercase DNS label: a-z, 0-9 and '-', at most 63 characters), and EKS puts the namespace in the token as Kubernetes names it`;
    }
    // A pattern's service account: wildcards aside, only the characters a service-account name can have.
    const serviceAccount = parts[3];
    if (/[*?]/.test(serviceAccount) ? !/^[-a-z0-9.*?]+$/.test(serviceAccount) : !isServiceAccountName(serviceAccount)) {
        return `can never match: its service account "${serviceAccount}" is not a Kubernetes service-account name (a lowercase DNS subdomain: a-z, 0-9, '-' and '.')`;
    }
    return undefined;
}

/** The action a pod's token is exchanged for credentials with (IRSA). */
export const WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity";

/** The audience EKS projects into service-account tokens; STS checks it against the provider's client ids. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/**
 * The issuer's host and path without scheme or trailing slash (`oidc.eks.<region>.amazonaws.com/id/<ID>`): IAM
 * names both the OIDC provider and its condition keys (`<hostPath>:aud`, `<hostPath>:sub`) after it.
 */
export function issuerHostPath(issuerUrl: string): string {
    return issuerUrl.replace(/^https:\/\//, "").replace(/\/+$/, "");
}

/** The issuer host/path an IAM OIDC provider ARN names (`arn:aws:iam::<acct>:oidc-provider/<hostPath>`). */
export function issuerHostPathFromProviderArn(providerArn: string): string {
    const marker = ":oidc-provider/";
    const at = providerArn.indexOf(marker);
    if (at < 0) {
        throw new Error(`"${providerArn}" is not an IAM OIDC provider ARN (expected arn:<partition>:iam::<account>:oidc-provider/<issuer host/path>)`);
    }
    return providerArn.slice(at + marker.length);
}

/** The cluster's OIDC provider as a trust policy names it. */
export interface OidcTrustTarget {
    /** ARN of the cluster's IAM OIDC provider. */
    providerArn: string;
    /** Issuer host/path, the prefix of the `aud` and `sub` condition keys. */
    issuerHostPath: string;
}

/** Whether an OIDC provider (by its issuer host/path) is an EKS cluster's: `oidc.eks.<region>.amazonaws.com[.cn]/id/<id>`. */
export function isEksIssuer(issuerHostPath: string): boolean {
    return /^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[^/]+$/.test(issuerHostPath);
}

/** The region an EKS issuer names (in its URL, host/path or OIDC provider ARN: `oidc.eks.<region>.amazonaws.com[.cn]`). */
export function issuerRegion(text: string): string | undefined {
    return /oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com/.exec(text)?.[1];
}

/** The service principal EKS Pod Identity assumes roles as. */
export const POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com";
/**
 * Session tags EKS Pod Identity adds to its AssumeRole request (Amazon EKS User Guide, "List of session tags added by
 * EKS Pod Identity"); the trust matches them as `aws:RequestTag/<key>`.
 */
export const POD_IDENTITY_TAGS = {
    clusterArn: "aws:RequestTag/eks-cluster-arn",
    namespace: "aws:RequestTag/kubernetes-namespace",
    serviceAccount: "aws:RequestTag/kubernetes-service-account",
} as const;

/** How pods get a role's credentials: IRSA (web identity), EKS Pod Identity, or both during a migration. */
export const IDENTITY_BACKENDS = ["irsa", "podIdentity", "irsa+podIdentity"] as const;
export type IdentityBackend = (typeof IDENTITY_BACKENDS)[number];

export function usesIrsa(identity: IdentityBackend): boolean {
    return identity !== "podIdentity";
}

export function usesPodIdentity(identity: IdentityBackend): boolean {
    return identity !== "irsa";
}
