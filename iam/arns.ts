/**
 * ARNs: their parts, and the ARN of a role known before it exists.
 *
 * Pure: part of the IAM core (iam/), which imports nothing else of the project and nothing of Pulumi.
 */
import { wildcardMatch } from "./document";

/** The account id field of an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
export function arnAccount(arn: string): string {
    return arn.split(":")[4];
}

/** `arn:<partition>:iam::<account>:role<path><name>`; a role's ARN is known before it exists. */
export function roleArn(partition: string, accountId: string, path: string, name: string): string {
    return `arn:${partition}:iam::${accountId}:role${path}${name}`;
}

/** The partition of a region (`cn-north-1` -> aws-cn, `us-gov-west-1` -> aws-us-gov, `us-iso-east-1` -> aws-iso). */
export function partitionOf(region: string): string {
    const prefixes: Array<[string, string]> = [["cn-", "aws-cn"], ["us-gov-", "aws-us-gov"], ["us-isob-", "aws-iso-b"], ["us-isof-", "aws-iso-f"], ["us-iso-", "aws-iso"], ["eu-isoe-", "aws-iso-e"], ["eusc-", "aws-eusc"]];
    return prefixes.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";
}

/** The six fields of an ARN (`arn`, partition, service, region, account, resource); the resource keeps its colons. */
export function arnFields(arn: string): string[] | undefined {
    const parts = arn.split(":");
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(":")];
}

/** In a format pattern: a variable that names one path segment (a bucket name holds no `/`). */
const SEGMENT_WILDCARD = "\u0002";

/**
 * Whether some string matches both of two IAM wildcard patterns (`*` any run, `?` one character, SEGMENT_WILDCARD
 * any run without `/`): a resource pattern against an ARN format whose variables are wildcards. Case-sensitive, as
 * ARNs are.
 */
function globsIntersect(a: string, b: string): boolean {
    const memo = new Map<number, boolean>();
    const star = (c: string | undefined) => c === "*" || c === SEGMENT_WILDCARD;
    // A run wildcard may take the other side's next character: any one for `*`, all but `/` for a segment.
    const takes = (w: string, c: string) => w === "*" || c !== "/";
    const step = (i: number, j: number): boolean => {
        const key = i * (b.length + 1) + j;
        const known = memo.get(key);
        if (known !== undefined) return known;
        let result: boolean;
        if (i === a.length && j === b.length) result = true;
        else if (star(a[i]) && star(b[j])) result = step(i + 1, j) || step(i, j + 1);
        else if (star(a[i])) result = step(i + 1, j) || (j < b.length && takes(a[i], b[j]) && step(i, j + 1));
        else if (star(b[j])) result = step(i, j + 1) || (i < a.length && takes(b[j], a[i]) && step(i + 1, j));
        else if (i === a.length || j === b.length) result = false;
        else result = (a[i] === "?" || b[j] === "?" || a[i] === b[j]) && step(i + 1, j + 1);
        memo.set(key, result);
        return result;
    };
    return step(0, 0);
}

/** Variables whose values never hold `/` wherever they stand: S3's naming rules allow none in a bucket name. */
const SINGLE_SEGMENT_VARIABLES = new Set(["BucketName"]);

/**
 * An ARN format of the service reference (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`) as a pattern. Names
 * may hold `/` (a secret's, a log group's, a role's path), except a variable the format follows with `/` (it is one
 * segment of a path) and those of SINGLE_SEGMENT_VARIABLES.
 */
function formatPattern(format: string): string {
    return format.replace(/\$\{([^}]*)\}(\/?)/g, (_, name: string, slash: string) => (slash || SINGLE_SEGMENT_VARIABLES.has(name) ? SEGMENT_WILDCARD : "*") + slash);
}

/** Whether a resource pattern can name a resource of an ARN format (every field can match; the partition aside). */
export function fitsArnFormat(resource: string, format: string): boolean {
    if (resource === "*") return true;
    const pattern = arnFields(resource);
    const shape = arnFields(formatPattern(format));
    if (!pattern || !shape) return false;
    return [2, 3, 4, 5].every((i) => globsIntersect(pattern[i], shape[i]));
}

/** A value no resource name holds: what a format's variables become when asking whether a pattern covers them all. */
const ANY_NAME = "\u0000\u0001\u0000";

/**
 * Whether a resource pattern names every resource of an ARN format within its account and region: `*`,
 * `arn:aws:ssm:*:*:parameter/*` and `arn:aws:ssm:us-east-1:111122223333:parameter/*` all name every parameter.
 */
export function coversEveryResource(resource: string, format: string): boolean {
    if (resource === "*") return true;
    const pattern = arnFields(resource);
    const shape = arnFields(format.replace(/\$\{[^}]*\}/g, ANY_NAME));
    if (!pattern || !shape) return false;
    return wildcardMatch(pattern[2], shape[2]) && wildcardMatch(pattern[5], shape[5]);
}
