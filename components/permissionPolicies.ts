/**
 * Permission policies: what a role may do (S3 prefixes, the profile controller's exact roles, assuming one role).
 * What a policy risks is iam/permissionRisks.ts.
 *
 * Pure: nothing here imports Pulumi, so the components, the dynamic provider and the offline preview share it,
 * and it is unit-tested on its own.
 */
import { asList, PolicyDocument, PolicyStatement, sortedUnique, statements } from "../iam/document";

/** The profile role's inline policy that `s3Buckets` becomes. */
export const S3_ACCESS_POLICY_NAME = "s3-access";
/** Its statement on the objects under the granted buckets and prefixes. */
const S3_OBJECTS_SID = "ReadWriteObjects";

/** The object ARNs an `s3-access` policy grants (what the profile's `s3Buckets` name), as the report reads them back. */
export function s3ObjectArns(policy: PolicyDocument | undefined): string[] {
    return policy ? asList(statements(policy).find((s) => s.Sid === S3_OBJECTS_SID)?.Resource) : [];
}

/** IAM's limit on the summed size of a role's inline policies (characters, whitespace excluded). */
export const ROLE_INLINE_POLICIES_MAX_LENGTH = 10240;

/** Permission policy whose only right is `sts:AssumeRole` on one role. */
export function assumeRolePolicy(targetRoleArn: string, sid = "AssumeAssetRole", tagSession = false): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: sid, Effect: "Allow", Action: tagSession ? ["sts:AssumeRole", "sts:TagSession"] : "sts:AssumeRole", Resource: targetRoleArn }],
    };
}

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
        Sid: S3_OBJECTS_SID,
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
