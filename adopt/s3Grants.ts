/**
 * Reading hand-written S3 statements back into `s3Buckets` grants (`bucket` or `bucket/prefix`), never wider than
 * what they replace. A statement is replaced only when every resource it names is covered by a grant and the
 * statements behind each grant allow at least what the grant's policy allows (`s3AccessPolicy`); anything else
 * (conditions other than the `s3:prefix` listing `s3Buckets` writes, NotAction/NotResource, other services,
 * read-only grants, patterns) stays as written. What a grant
 * no longer allows compared with the statements it replaces is reported, as is the one action it adds
 * (`s3:GetBucketLocation`, bucket metadata). Nothing here imports Pulumi.
 */
import { asList, PolicyStatement, wildcardMatch } from "../iam/document";

/** What a grant's policy allows on the bucket and on its objects (see `s3AccessPolicy`). */
const BUCKET_ACTIONS = ["s3:ListBucket"];
const OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
/** Granted with every bucket; not required of the statements it replaces (bucket metadata, not data). */
const ADDED_ACTION = "s3:GetBucketLocation";
const GRANT_ACTIONS = [...BUCKET_ACTIONS, ...OBJECT_ACTIONS, ADDED_ACTION];

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_ARN = /^arn:aws(?:-[a-z]+)*:s3:::([^/]+)(?:\/(.*))?$/;

/** A resource of an S3 statement: a bucket (`prefix` undefined) or the objects under a prefix ("" = all). */
interface S3Resource {
    bucket: string;
    prefix?: string;
}

/** Parses `arn:…:s3:::bucket`, `…:bucket/*` or `…:bucket/some/prefix/*`; undefined for anything else. */
function parseS3Resource(arn: string): S3Resource | undefined {
    const match = S3_ARN.exec(arn);
    if (!match || !BUCKET_NAME.test(match[1])) return undefined;
    const [, bucket, objects] = match;
    if (objects === undefined) return { bucket };
    if (objects === "*") return { bucket, prefix: "" };
    const prefix = objects.endsWith("/*") ? objects.slice(0, -2) : undefined;
    if (prefix === undefined || prefix === "" || /[*?$]/.test(prefix) || prefix.split("/").some((part) => part === "")) return undefined;
    return { bucket, prefix };
}

interface Candidate {
    statement: PolicyStatement;
    actions: string[];
    resources: S3Resource[];
    /** For a listing limited by `s3:prefix` (as `s3Buckets` writes it): the prefixes it lists. */
    listPrefixes?: string[];
}

/**
 * The prefixes of a `StringLike` `s3:prefix` condition written as `s3Buckets` writes it (`p` and `p/*` for each
 * prefix); undefined for any other condition.
 */
function listedPrefixes(condition: PolicyStatement["Condition"]): string[] | undefined {
    const operators = Object.keys(condition ?? {});
    if (operators.length !== 1 || operators[0] !== "StringLike") return undefined;
    const keys = Object.keys(condition!.StringLike);
    if (keys.length !== 1 || keys[0].toLowerCase() !== "s3:prefix") return undefined;
    const values = asList(condition!.StringLike[keys[0]]);
    const prefixes = values.filter((v) => !v.endsWith("/*"));
    const complete = prefixes.length > 0 && prefixes.every((p) => !/[*?]/.test(p) && values.includes(`${p}/*`)) && values.length === prefixes.length * 2;
    return complete ? prefixes : undefined;
}

/**
 * A plain Allow of S3 actions on buckets and object prefixes, without conditions, or a bucket listing limited to
 * prefixes: the only kinds that are read back.
 */
function candidate(statement: PolicyStatement): Candidate | undefined {
    if (statement.Effect !== "Allow" || statement.NotAction || statement.NotResource || statement.Principal || statement.NotPrincipal) return undefined;
    const actions = asList(statement.Action);
    const resources = asList(statement.Resource).map(parseS3Resource);
    if (actions.length === 0 || resources.length === 0) return undefined;
    if (!actions.every((a) => /^s3:/i.test(a)) || resources.some((r) => r === undefined)) return undefined;
    if (!statement.Condition) return { statement, actions, resources: resources as S3Resource[] };
    const listPrefixes = listedPrefixes(statement.Condition);
    const listingOnly = actions.every((a) => a.toLowerCase() === "s3:listbucket") && resources.every((r) => r!.prefix === undefined);
    return listPrefixes && listingOnly ? { statement, actions, resources: resources as S3Resource[], listPrefixes } : undefined;
}

const allows = (patterns: readonly string[], action: string) => patterns.some((p) => wildcardMatch(p, action, true));
const objectKey = (bucket: string, prefix: string) => `${bucket}/${prefix}`;
const grantName = (bucket: string, prefix: string) => (prefix ? `${bucket}/${prefix}` : bucket);

/** The grants the candidates justify: object scopes whose object and bucket actions are both fully allowed. */
function justifiedGrants(candidates: readonly Candidate[]): Map<string, Set<string>> {
    const bucketActions = new Map<string, string[]>();
    const listedPrefixesOf = new Map<string, Set<string>>();
    const objectActions = new Map<string, string[]>();
    for (const c of candidates) {
        for (const r of c.resources) {
            if (c.listPrefixes) {
                const listed = listedPrefixesOf.get(r.bucket) ?? new Set<string>();
                c.listPrefixes.forEach((p) => listed.add(p));
                listedPrefixesOf.set(r.bucket, listed);
                continue;
            }
            const [map, key] = r.prefix === undefined ? [bucketActions, r.bucket] : [objectActions, objectKey(r.bucket, r.prefix)];
            map.set(key, [...(map.get(key) ?? []), ...c.actions]);
        }
    }
    const grants = new Map<string, Set<string>>();
    for (const [key, actions] of objectActions) {
        const slash = key.indexOf("/");
        const bucket = key.slice(0, slash);
        const prefix = key.slice(slash + 1);
        const listsBucket = BUCKET_ACTIONS.every((a) => allows(bucketActions.get(bucket) ?? [], a));
        const listsPrefix = prefix !== "" && (listedPrefixesOf.get(bucket)?.has(prefix) ?? false);
        if (OBJECT_ACTIONS.every((a) => allows(actions, a)) && (listsBucket || listsPrefix)) {
            grants.set(bucket, (grants.get(bucket) ?? new Set()).add(prefix));
        }
    }
    return grants;
}

const withinGrant = (prefixes: Set<string> | undefined, prefix: string) => prefixes !== undefined && (prefixes.has("") || prefixes.has(prefix));

/** Whether everything the candidate names (resources, listed prefixes) lies within a grant. */
function consumedBy(c: Candidate, grants: Map<string, Set<string>>): boolean {
    return c.resources.every((r) => {
        const prefixes = grants.get(r.bucket);
        if (c.listPrefixes) return c.listPrefixes.every((p) => withinGrant(prefixes, p));
        return prefixes !== undefined && (r.prefix === undefined || withinGrant(prefixes, r.prefix));
    });
}

export interface S3Narrowing {
    /** The grant (`bucket` or `bucket/prefix`) that replaces the statements. */
    grant: string;
    /** What the replaced statements allowed that the grant does not, in words. */
    lost: string[];
}

export interface S3Reading {
    /** Grants that replace the statements read back, sorted. */
    s3Buckets: string[];
    /** Statements left exactly as they were written. */
    remaining: PolicyStatement[];
    /** Per grant, what the replaced statements allowed beyond it (empty list: none). */
    narrowed: S3Narrowing[];
    /** Grants whose statements did not allow `s3:GetBucketLocation`, which the grant adds. */
    gainsBucketLocation: string[];
}

/**
 * Splits identity-policy statements into `s3Buckets` grants and statements kept as written. Grants are read back
 * only where that never widens access beyond bucket metadata; narrowing (e.g. `s3:*` on a bucket) is reported.
 */
export function readS3Grants(statements: readonly PolicyStatement[]): S3Reading {
    let candidates = statements.map(candidate).filter((c): c is Candidate => c !== undefined);
    let grants = justifiedGrants(candidates);
    // A statement that reaches beyond the grants stays whole, so the grants may only rest on the ones replaced.
    for (;;) {
        const kept = candidates.filter((c) => consumedBy(c, grants));
        if (kept.length === candidates.length) break;
        candidates = kept;
        grants = justifiedGrants(candidates);
    }
    const replaced = new Set(candidates.map((c) => c.statement));

    const s3Buckets: string[] = [];
    const narrowed: S3Narrowing[] = [];
    const gainsBucketLocation: string[] = [];
    for (const bucket of [...grants.keys()].sort()) {
        const prefixes = grants.get(bucket)!;
        // A whole-bucket grant makes narrower prefixes of the same bucket redundant.
        const kept = prefixes.has("") ? [""] : [...prefixes].sort();
        const behind = candidates.filter((c) => c.resources.some((r) => r.bucket === bucket));
        for (const prefix of kept) {
            const grant = grantName(bucket, prefix);
            s3Buckets.push(grant);
            const lost = new Set<string>();
            for (const c of behind) {
                for (const action of c.actions) {
                    if (!GRANT_ACTIONS.some((a) => a.toLowerCase() === action.toLowerCase())) lost.add(action);
                }
            }
            const listsWholeBucket = behind.some((c) => !c.listPrefixes && c.resources.some((r) => r.prefix === undefined) && allows(c.actions, "s3:ListBucket"));
            const words = [...lost].sort().map((a) => (a.includes("*") ? `every other action ${a} matches` : a));
            if (prefix && listsWholeBucket) words.push(`listing outside ${prefix}/`);
            if (words.length) narrowed.push({ grant, lost: words });
            if (!behind.some((c) => allows(c.actions, ADDED_ACTION))) gainsBucketLocation.push(grant);
        }
    }
    return { s3Buckets, remaining: statements.filter((s) => !replaced.has(s)), narrowed, gainsBucketLocation };
}
