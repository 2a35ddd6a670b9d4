/**
 * Pure builders: IAM names, policy documents and the Kubeflow Profile manifest.
 *
 * Nothing here imports Pulumi: every function maps plain input to a plain object, so the same code serves the
 * components, the dynamic provider and the offline preview, and is unit-tested on its own.
 */
import { createHash } from "crypto";

/** The audience EKS projects into service-account tokens; STS checks it against the provider's client ids. */
export const STS_AUDIENCE = "sts.amazonaws.com";
/** IAM's hard limit on a role name. */
export const ROLE_NAME_MAX_LENGTH = 64;
/** The annotation the EKS pod identity webhook reads to inject web-identity credentials. */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";
/** IAM's limit on the summed size of a role's inline policies (characters, whitespace excluded). */
export const ROLE_INLINE_POLICIES_MAX_LENGTH = 10240;

export type ConditionValues = Record<string, string | string[]>;
export type ConditionBlock = Record<string, ConditionValues>;

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: Record<string, string | string[]> | "*";
    NotPrincipal?: Record<string, string | string[]>;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: ConditionBlock;
}

export interface PolicyDocument {
    Version: "2012-10-17" | "2008-10-17";
    Id?: string;
    Statement: PolicyStatement[];
}

/** Length of a document as IAM counts it against its quotas: the minified JSON. */
export function policyLength(doc: PolicyDocument): number {
    return JSON.stringify(doc).length;
}

// ---------------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------------

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

/** The IAM role name of the Kubeflow profile controller. */
export function profileControllerRoleName(clusterName: string): string {
    return shortenName(`${clusterName}-kf-profile-controller`);
}

/** How every service account's `sub` claim begins. */
export const SUBJECT_PREFIX = "system:serviceaccount:";

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

// ---------------------------------------------------------------------------------------------------------------
// OIDC issuer
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Trust policies
// ---------------------------------------------------------------------------------------------------------------

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

/** Sorted, de-duplicated copy: IAM treats condition value lists as sets, so order carries no meaning. */
export function sortedUnique(values: Iterable<string>): string[] {
    return [...new Set(values)].sort();
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

/** Permission policy whose only right is `sts:AssumeRole` on one role. */
export function assumeRolePolicy(targetRoleArn: string, sid = "AssumeAssetRole"): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: sid, Effect: "Allow", Action: "sts:AssumeRole", Resource: targetRoleArn }],
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Permission policies
// ---------------------------------------------------------------------------------------------------------------

/** A grant entry `bucket` or `bucket/prefix`, split. An empty prefix means the whole bucket. */
export function parseBucketGrant(grant: string): { bucket: string; prefix: string } {
    const slash = grant.indexOf("/");
    if (slash < 0) {
        return { bucket: grant, prefix: "" };
    }
    return { bucket: grant.slice(0, slash), prefix: grant.slice(slash + 1).replace(/^\/+|\/+$/g, "") };
}

/** Statement ids allow only alphanumerics. */
function sidSuffix(text: string): string {
    return text.replace(/[^A-Za-z0-9]/g, "");
}

/**
 * Read/write access to exactly the listed buckets or `bucket/prefix`es: list (limited to the prefix where one is
 * given), bucket location, and get/put/delete of objects under them. Returns undefined for an empty list.
 */
export function s3AccessPolicy(partition: string, grants: readonly string[]): PolicyDocument | undefined {
    if (grants.length === 0) {
        return undefined;
    }
    // bucket -> prefixes; an empty prefix (whole bucket) makes narrower prefixes of that bucket redundant.
    const byBucket = new Map<string, Set<string>>();
    for (const grant of grants) {
        const { bucket, prefix } = parseBucketGrant(grant);
        const prefixes = byBucket.get(bucket) ?? new Set<string>();
        prefixes.add(prefix);
        byBucket.set(bucket, prefixes);
    }
    const buckets = [...byBucket.keys()].sort();
    const bucketArn = (bucket: string) => `arn:${partition}:s3:::${bucket}`;
    const wholeBuckets = buckets.filter((b) => byBucket.get(b)!.has(""));
    const prefixedBuckets = buckets.filter((b) => !byBucket.get(b)!.has(""));

    const statements: PolicyStatement[] = [
        { Sid: "BucketLocation", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: buckets.map(bucketArn) },
    ];
    if (wholeBuckets.length > 0) {
        statements.push({ Sid: "ListBuckets", Effect: "Allow", Action: "s3:ListBucket", Resource: wholeBuckets.map(bucketArn) });
    }
    for (const bucket of prefixedBuckets) {
        const prefixes = [...byBucket.get(bucket)!].sort();
        statements.push({
            Sid: `ListPrefixes${sidSuffix(bucket)}`,
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: bucketArn(bucket),
            Condition: { StringLike: { "s3:prefix": prefixes.flatMap((p) => [p, `${p}/*`]) } },
        });
    }
    const objectArns = buckets.flatMap((bucket) =>
        wholeBuckets.includes(bucket)
            ? [`${bucketArn(bucket)}/*`]
            : [...byBucket.get(bucket)!].sort().map((p) => `${bucketArn(bucket)}/${p}/*`),
    );
    statements.push({
        Sid: "ReadWriteObjects",
        Effect: "Allow",
        Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        Resource: objectArns,
    });
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The Kubeflow profile controller's rights: read and rewrite the trust policy of exactly the profile roles it
 * manages (those whose plugin is not annotate-only). Never `Resource: "*"`: with that, any profile owner could
 * point a Profile at any role in the account and have the controller open its trust to their namespace.
 * Returns undefined when there is nothing to manage: then the controller gets no IAM rights at all.
 */
export function profileControllerPolicy(managedRoleArns: readonly string[]): PolicyDocument | undefined {
    const resources = sortedUnique(managedRoleArns);
    if (resources.length === 0) {
        return undefined;
    }
    if (resources.some((arn) => arn.includes("*") || arn.includes("?") || !/^arn:[^:]+:iam::\d{12}:role\/./.test(arn))) {
        throw new Error(`the profile controller may only be granted exact role ARNs, got: ${resources.join(", ")}`);
    }
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ManageProfileRoleTrust",
                Effect: "Allow",
                Action: ["iam:GetRole", "iam:UpdateAssumeRolePolicy"],
                Resource: resources,
            },
        ],
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Kubeflow Profile
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Policy checks (shared by config validation and the preview's findings)
// ---------------------------------------------------------------------------------------------------------------

/** IAM actions that only read; every other `iam:` action changes identities or their rights. */
const IAM_READ_ONLY_PREFIXES = ["Get", "List", "Simulate", "GenerateCredentialReport", "GenerateServiceLastAccessedDetails", "GenerateOrganizationsAccessReport"];
/** Representative IAM writes, used to test whether a wildcard action pattern reaches any write. */
const IAM_WRITE_SAMPLES = [
    "iam:AttachRolePolicy", "iam:CreateAccessKey", "iam:CreatePolicyVersion", "iam:CreateRole", "iam:CreateUser",
    "iam:DeleteRole", "iam:PassRole", "iam:PutRolePolicy", "iam:PutUserPolicy", "iam:AddUserToGroup",
    "iam:SetDefaultPolicyVersion", "iam:TagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateLoginProfile",
    "iam:DeleteRolePermissionsBoundary", "iam:UploadSSHPublicKey",
];

function asList(value: string | string[] | undefined): string[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const wildcardPatterns = new Map<string, RegExp>();

/** IAM's wildcard match (`*` any run, `?` one character), case-insensitive as action names are. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
    const key = `${caseInsensitive ? "i" : "s"}${pattern}`;
    let re = wildcardPatterns.get(key);
    if (!re) {
        const body = pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("");
        re = new RegExp(`^${body}$`, caseInsensitive ? "i" : "");
        wildcardPatterns.set(key, re);
    }
    return re.test(value);
}

/** Whether an action pattern (`iam:*`, `*`, `iam:Put*`, `iam:CreateRole`) covers any IAM write. */
export function isIamWriteAction(pattern: string): boolean {
    if (pattern.includes("*") || pattern.includes("?")) {
        return IAM_WRITE_SAMPLES.some((sample) => wildcardMatch(pattern, sample, true));
    }
    const [service, name] = pattern.split(":");
    return service?.toLowerCase() === "iam" && name !== undefined && !IAM_READ_ONLY_PREFIXES.some((p) => name.startsWith(p));
}

/** An Allow statement granting some IAM write on every resource (`Resource: "*"` or any `NotResource`). */
export function grantsIamWriteOnAnyResource(statement: PolicyStatement): boolean {
    if (statement.Effect !== "Allow") {
        return false;
    }
    const writes = statement.NotAction !== undefined
        ? !IAM_WRITE_SAMPLES.every((sample) => asList(statement.NotAction).some((p) => wildcardMatch(p, sample, true)))
        : asList(statement.Action).some(isIamWriteAction);
    const anyResource = statement.NotResource !== undefined || asList(statement.Resource).some((r) => r === "*" || /^arn:[^:]*:iam::[^:]*:\*$/.test(r));
    return writes && anyResource;
}
