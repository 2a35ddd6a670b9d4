/**
 * Names and ARNs: IAM role names (the 64-character rule), service-account subjects, ARNs, and the OIDC issuer's
 * host/path that names the provider and its condition keys.
 *
 * Pure: nothing here imports Pulumi, so the components, the dynamic provider and the offline preview share it,
 * and it is unit-tested on its own.
 */
import { createHash } from "crypto";
import type { IdentityBackend } from "./trustDocuments";

/** IAM's hard limit on a role name. */
export const ROLE_NAME_MAX_LENGTH = 64;

/**
 * Fits `name` into `max` characters. A name that fits is returned unchanged; a longer one keeps its readable
 * head and ends in `-` plus 8 hex characters of the SHA-256 of the whole name, so two long names that share a
 * head still differ, and the same input always gives the same result.
 */
export function shortenName(name: string, max: number = ROLE_NAME_MAX_LENGTH): string {
    if (name.length <= max) {
        return name;
    }
    const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
    const head = name.slice(0, max - hash.length - 1).replace(/[-_.]+$/, "");
    return `${head}-${hash}`;
}

/** The default IAM role name of a profile, as the AWS Kubeflow docs name it: `<profile>-<cluster>-role`. */
export function profileRoleName(profileName: string, clusterName: string): string {
    return shortenName(`${profileName}-${clusterName}-role`);
}

const BACKEND_WORDS: Record<IdentityBackend, string> = { irsa: "IRSA", podIdentity: "EKS Pod Identity", "irsa+podIdentity": "IRSA and EKS Pod Identity" };

/** The description of a profile's role (IAM allows 1,000 characters: the config checks it). */
export function profileRoleDescription(profileName: string, serviceAccounts: readonly string[], identity: IdentityBackend): string {
    return `Kubeflow profile ${profileName}: assumed by ${serviceAccounts.join(", ")} via ${BACKEND_WORDS[identity]}`;
}

/** The tag the package adds to each profile's role (and its Pod Identity associations): which profile owns it. */
export const PROFILE_TAG = "kubeflow-irsa/profile";

/** A profile role's tags: the stack's and the profile's (already merged), and the package's own. */
export function profileRoleTags(tags: Record<string, string>, profileName: string): Record<string, string> {
    return { ...tags, [PROFILE_TAG]: profileName };
}

/** The IAM role name of the Kubeflow profile controller. */
export function profileControllerRoleName(clusterName: string): string {
    return shortenName(`${clusterName}-kf-profile-controller`);
}

/** How every service account's `sub` claim begins. */
export const SUBJECT_PREFIX = "system:serviceaccount:";

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

/** The account id field of an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
export function arnAccount(arn: string): string {
    return arn.split(":")[4];
}

/** `arn:<partition>:iam::<account>:role<path><name>`; a role's ARN is known before it exists. */
export function roleArn(partition: string, accountId: string, path: string, name: string): string {
    return `arn:${partition}:iam::${accountId}:role${path}${name}`;
}

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
