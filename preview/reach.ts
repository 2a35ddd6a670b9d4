/**
 * Who can reach which data: each role's identity policies evaluated into plain-word grants (read / write / delete /
 * list / other) per resource, and each principal that can assume the role (from the access matrix) given those
 * grants, also through role chaining (a role allowed to `sts:AssumeRole` another role of the plan reaches what that
 * role reaches). Computed from the documents, like the access matrix; the evaluator is cross-checked in tests
 * against an independent IAM simulator.
 */
import { accessLevels, expandActionPattern } from "../iam/actions";
import { asList, ConditionBlock, PolicyStatement, statements, wildcardMatch } from "../iam/document";
import { GrantScope, hasWildcard, scopeRisks } from "../iam/permissionRisks";
import type { AccessAnalysis } from "./access";
import type { Finding } from "./findings";
import { actionMatches, evaluateIdentity, resourceMatches } from "../iam/evaluate";
import { awsManagedPolicyDocument } from "../iam/managedPolicies";
import type { RoleView } from "./iam";
import { S3_ACCESS_POLICY_NAME, s3ObjectArns } from "../components/permissionPolicies";

export type Word = "read" | "write" | "delete" | "list" | "assume" | "change the permissions of" | "rewrite the trust of" | "other";
export const WORD_ORDER: readonly Word[] = ["read", "write", "delete", "list", "assume", "change the permissions of", "rewrite the trust of", "other"];

/** Words that take their resource directly ("assume `role/x`"), not "on" it. */
const DIRECT_WORDS: readonly Word[] = ["assume", "change the permissions of", "rewrite the trust of"];

/** "read, write on `x`"; "read, rewrite the trust of `x`": the words in order, then the resource as the last word takes it. */
export function wordsOn(words: Iterable<Word | string>, resource: string): string {
    const given = new Set<string>(words);
    const ordered = WORD_ORDER.filter((w) => given.has(w));
    return `${ordered.join(", ")}${DIRECT_WORDS.includes(ordered[ordered.length - 1]) ? "" : " on"} ${resource}`;
}

/** Actions whose plain word is not their access level's: assuming a role, and rewriting who may assume one. */
const WORD_OF_ACTION: Record<string, Word> = {
    "sts:assumerole": "assume", "sts:assumerolewithwebidentity": "assume", "sts:assumerolewithsaml": "assume",
    "iam:updateassumerolepolicy": "rewrite the trust of",
};

/** One thing a role (or a principal through it) may do: plain-word actions on one resource, maybe under a condition. */
export interface Grant {
    /** `s3://bucket/prefix/*`, `s3://bucket (bucket)`, an ARN as it is, or a description of what was not evaluated. */
    resource: string;
    words: Word[];
    /** `if ...` / `unless ...` when the grant depends on the request. */
    condition?: string;
    /** The actions behind the words, per resource pattern as written: what the risk rules (iamRisk.ts) read. */
    scopes?: GrantScope[];
}

const WORD_OF_LEVEL: Record<string, Word> = { Read: "read", Write: "write", List: "list", Tagging: "other", "Permissions management": "change the permissions of", "Permissions management, Write": "change the permissions of" };

/** Plain words of AWS actions, from their access level in the AWS service reference (iam/actions.ts). */
export class ActionCatalog {
    /** Grants of AWS-managed policies alone, by ARN (shared by every role without a Deny). */
    readonly managedGrants = new Map<string, Found>();
    private readonly words = new Map<string, Word>();
    private readonly expanded = new Map<string, string[]>();

    /** `s3:GetObject` -> read; Delete* -> delete; sts:AssumeRole -> assume; unknown actions -> other. */
    async wordOf(action: string): Promise<Word> {
        const key = action.toLowerCase();
        let word = this.words.get(key);
        if (!word) {
            word = WORD_OF_ACTION[key] ?? (/^delete/i.test(action.split(":")[1] ?? "") ? "delete" : WORD_OF_LEVEL[accessLevels(action).join(", ")] ?? "other");
            this.words.set(key, word);
        }
        return word;
    }

    /** Every action of the catalog a pattern names (`s3:Get*`); a pattern over every service stays as it is. */
    async expand(pattern: string): Promise<string[]> {
        let actions = this.expanded.get(pattern);
        if (!actions) {
            actions = expandActionPattern(pattern);
            this.expanded.set(pattern, actions);
        }
        return actions;
    }
}

/** `arn:aws:s3:::b/p/*` -> `s3://b/p/*`; a bucket ARN -> `s3://b (bucket)`; anything else as it is. */
export function resourceLabel(arn: string): string {
    const s3 = /^arn:[^:]+:s3:::(.+)$/.exec(arn);
    if (!s3) return arn;
    return s3[1].includes("/") ? `s3://${s3[1]}` : `s3://${s3[1]} (bucket)`;
}

function conditionText(condition: ConditionBlock): string {
    return Object.entries(condition)
        .flatMap(([operator, keys]) => Object.entries(keys).map(([key, values]) => `${key} ${operator} ${asList(values).map(String).join(", ")}`))
        .join(" and ");
}

/**
 * A `ListBucket` allowed only for `s3:prefix` values is a listing of those prefixes: shown as the prefix (the
 * condition decided offline), not as the whole bucket under a condition.
 */
function prefixListing(action: string, resource: string, condition: ConditionBlock | undefined): string[] | undefined {
    if (action.toLowerCase() !== "s3:listbucket" || !condition) return undefined;
    const entries = Object.entries(condition);
    const keys = entries.flatMap(([, k]) => Object.keys(k));
    if (keys.length !== 1 || keys[0] !== "s3:prefix" || !["StringLike", "StringEquals"].includes(entries[0][0])) return undefined;
    const prefixes = [...new Set(asList(entries[0][1]["s3:prefix"]).map((p) => String(p).replace(/\/?\*$/, "")))];
    return prefixes.map((p) => `${resource}/${p}/*`);
}

type Found = Map<string, { resource: string; condition?: string; words: Set<Word>; actions: Set<string>; arns: Set<string>; written: Set<string>; exceptActions?: string[] }>;

/**
 * Grants of `allows` against every statement of the role (`all`, for its denies), added to `found`. A managed
 * policy's grants say which policy they come from.
 */
async function addGrants(found: Found, allows: PolicyStatement[], all: PolicyStatement[], catalog: ActionCatalog, source?: string): Promise<void> {
    // `arn` is the resource pattern as written and `written` the statement's action patterns: the grant's scope.
    const add = (resource: string, word: Word, action: string, condition: string | undefined, arn: string, written: string[], exceptActions?: string[]) => {
        const full = [condition, source ? `through ${source}` : ""].filter(Boolean).join(", ") || undefined;
        const key = `${resource}\u0000${full ?? ""}`;
        const entry = found.get(key) ?? { resource, condition: full, words: new Set<Word>(), actions: new Set<string>(), arns: new Set<string>(), written: new Set<string>(), ...(exceptActions ? { exceptActions } : {}) };
        entry.words.add(word);
        entry.actions.add(action);
        entry.arns.add(arn);
        written.forEach((w) => entry.written.add(w));
        found.set(key, entry);
    };
    for (const statement of allows) {
        if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
            const what = statement.NotAction !== undefined ? `every action except ${asList(statement.NotAction).join(", ")}` : asList(statement.Action).join(", ");
            const where = statement.NotResource !== undefined ? `every resource except ${asList(statement.NotResource).join(", ")}` : asList(statement.Resource).map(resourceLabel).join(", ");
            const condition = statement.Condition ? `if ${conditionText(statement.Condition)}` : undefined;
            // NotResource counts as every resource; NotAction as every action but those it names.
            const arns = statement.NotResource !== undefined ? ["*"] : asList(statement.Resource);
            const except = statement.NotAction !== undefined ? asList(statement.NotAction) : undefined;
            const actions = statement.NotAction !== undefined ? ["*"] : asList(statement.Action);
            for (const arn of arns) for (const action of actions) add(`${what} on ${where}`, "other", action, condition, arn, actions, except);
            continue;
        }
        const actions = (await Promise.all(asList(statement.Action).map((a) => catalog.expand(a)))).flat();
        for (const resource of asList(statement.Resource)) {
            for (const action of actions) {
                const denies = all.filter((s) => s.Effect === "Deny" && actionMatches(s, action) && resourceMatches(s, resource));
                if (denies.some((d) => !d.Condition)) continue;
                const unless = denies.length ? `unless ${denies.map((d) => conditionText(d.Condition!)).join(" or ")}` : undefined;
                const word = /[*?]/.test(action) ? "other" : await catalog.wordOf(action);
                const listed = prefixListing(action, resource, statement.Condition);
                const written = asList(statement.Action);
                if (listed) {
                    listed.forEach((r) => add(resourceLabel(r), word, action, unless, resource, written));
                } else {
                    const condition = [statement.Condition ? `if ${conditionText(statement.Condition)}` : "", unless ?? ""].filter(Boolean).join(", ") || undefined;
                    add(/[*?]/.test(action) ? `${action} on ${resourceLabel(resource)}` : resourceLabel(resource), word, action, condition, resource, written);
                }
            }
        }
    }
}

/**
 * What a role's identity policies let it do, per resource, in plain words. Candidates are the actions the Allow
 * statements name (wildcards expanded from the AWS service reference) on the resources they name; Deny statements
 * remove what they cover and are shown as carve-outs of wider grants. AWS-managed policies are evaluated from the
 * managed-policy snapshot; customer-managed ones and permissions boundaries are not known offline and say so.
 */
export async function roleGrants(role: RoleView, catalog: ActionCatalog): Promise<Grant[]> {
    const inline = Object.values(role.inlinePolicies).flatMap(statements);
    const managed = role.managedPolicyArns.map((arn) => ({ arn, name: arn.split("/").pop()!, doc: awsManagedPolicyDocument(arn) }));
    const all = [...inline, ...managed.flatMap((m) => (m.doc ? statements(m.doc) : []))];
    const found: Found = new Map();
    await addGrants(found, inline.filter((s) => s.Effect === "Allow"), all, catalog);
    for (const m of managed.filter((x) => x.doc)) {
        // Without a Deny anywhere in the role, a managed policy's grants are the same for every role: computed once.
        const alone = all.some((s) => s.Effect === "Deny") ? undefined : catalog.managedGrants.get(m.arn);
        if (alone) {
            alone.forEach((v, k) => found.set(k, { ...v, words: new Set(v.words), actions: new Set(v.actions), arns: new Set(v.arns), written: new Set(v.written) }));
            continue;
        }
        const own: Found = new Map();
        await addGrants(own, statements(m.doc!).filter((s) => s.Effect === "Allow"), all, catalog, `managed policy ${m.name}`);
        if (!all.some((s) => s.Effect === "Deny")) catalog.managedGrants.set(m.arn, own);
        own.forEach((v, k) => found.set(k, v));
    }
    // A Deny on a narrower resource than a grant, for some of its actions, carves it out: say so on the grant.
    for (const deny of all.filter((s) => s.Effect === "Deny" && !s.Condition)) {
        for (const resource of asList(deny.Resource)) {
            for (const entry of [...found.values()].filter((e) => [...e.actions].some((a) => a === "*" || actionMatches(deny, a)))) {
                const label = resourceLabel(resource);
                if (entry.resource !== label && wildcardMatch(entry.resource.replace(/ \(bucket\)$/, ""), label.replace(/ \(bucket\)$/, ""))) {
                    entry.condition = [entry.condition, `except ${label} (denied)`].filter(Boolean).join(", ");
                }
            }
        }
    }
    const grants: Grant[] = [...found.values()].map((e) => ({
        resource: e.resource,
        words: WORD_ORDER.filter((w) => e.words.has(w)),
        ...(e.condition ? { condition: e.condition } : {}),
        scopes: [...e.arns].sort().map((arn) => ({ actions: [...e.actions].sort(), ...(e.exceptActions ? { exceptActions: e.exceptActions } : {}), resource: arn, written: [...e.written].sort() })),
    }));
    for (const m of managed.filter((x) => !x.doc)) {
        grants.push({ resource: `managed policy ${m.name} (contents not evaluated)`, words: ["other"] });
    }
    if (role.permissionsBoundary) {
        for (const g of grants) g.condition = [g.condition, `within boundary ${role.permissionsBoundary.split("/").pop()} (not evaluated)`].filter(Boolean).join(", ");
    }
    return grants.sort((a, b) => a.resource.localeCompare(b.resource) || (a.condition ?? "").localeCompare(b.condition ?? ""));
}

/** One principal's reach: what it may do on one resource, and through which role(s). */
export interface Reach {
    principal: string;
    resource: string;
    word: Word;
    condition?: string;
    /** The role it goes through; with chaining, `first -> second`. */
    via: string;
}

/**
 * Every principal's reach: for each role, each principal the access matrix says can assume it gets the role's
 * grants; a role granted `sts:AssumeRole` on another role of the plan passes that role's grants on to its own
 * principals (one hop: role pairs), with the target's trust conditions (e.g. the external id) in the path.
 */
export async function allGrants(roles: RoleView[], catalog = new ActionCatalog()): Promise<Map<string, Grant[]>> {
    const grantsOf = new Map<string, Grant[]>();
    for (const role of roles) grantsOf.set(role.name, await roleGrants(role, catalog));
    return grantsOf;
}

export function reachability(roles: RoleView[], access: AccessAnalysis, grantsOf: Map<string, Grant[]>): Reach[] {
    const entryOf = new Map(access.matrix.map((m) => [m.role, m]));
    const byArn = new Map(roles.map((r) => [r.arn, r]));
    const byName = new Map(roles.map((r) => [r.name, r]));
    // role ARN -> the roles whose trust lets it in: the only candidates for chaining (linear, not every pair).
    const trustedBy = new Map<string, RoleView[]>();
    for (const m of access.matrix) {
        for (const principal of m.principals) {
            const arn = principal.replace(/ \(external id\)$/, "");
            const target = byName.get(m.role);
            if (byArn.has(arn) && target) trustedBy.set(arn, [...(trustedBy.get(arn) ?? []), target]);
        }
    }
    const out: Reach[] = [];
    for (const role of roles) {
        const entry = entryOf.get(role.name);
        // AWS principals that are roles of this plan are reached through chaining, not listed as end principals.
        const principals = [...(entry?.serviceAccounts ?? []), ...(entry?.principals ?? []).filter((p) => !byArn.has(p.replace(/ \(external id\)$/, "")))];
        // Roles that trust this one (from the matrix) and that its own policies let it assume.
        const chained = (trustedBy.get(role.arn) ?? []).filter(
            (target) => target !== role && evaluateIdentity(Object.values(role.inlinePolicies), { action: "sts:AssumeRole", resource: target.arn, context: {} }) === "Allowed",
        );
        const paths: Array<{ via: string; grants: Grant[] }> = [
            { via: role.name, grants: grantsOf.get(role.name)! },
            ...chained.map((t) => ({
                via: `${role.name} -> ${t.name}${(entryOf.get(t.name)?.principals ?? []).some((p) => p === `${role.arn} (external id)`) ? " (external id)" : ""}`,
                grants: grantsOf.get(t.name)!,
            })),
        ];
        for (const principal of principals) {
            for (const { via, grants } of paths) {
                for (const g of grants) {
                    for (const word of g.words) out.push({ principal, resource: g.resource, word, via, ...(g.condition ? { condition: g.condition } : {}) });
                }
            }
        }
    }
    return out;
}

/** A change of reach, grouped: these principals gain (or lose) these plain-word actions on one resource. */
export interface ReachChange {
    principals: string[];
    words: Word[];
    resource: string;
    condition?: string;
    /** Role chains it goes through (only when it is a chain: `eks-role -> asset-role`). */
    via?: string;
}

function reachKey(r: Reach): string {
    return [r.principal, r.resource, r.word, r.condition ?? ""].join("\u0000");
}

/** Reach present in `from` and absent in `to`, grouped per resource (and condition), then per identical word set. */
function lostFrom(from: Reach[], to: Reach[]): ReachChange[] {
    const present = new Set(to.map(reachKey));
    const byResource = new Map<string, { resource: string; condition?: string; words: Map<string, Set<Word>>; vias: Set<string> }>();
    for (const r of from.filter((x) => !present.has(reachKey(x)))) {
        const key = `${r.resource}\u0000${r.condition ?? ""}`;
        const group = byResource.get(key) ?? { resource: r.resource, condition: r.condition, words: new Map(), vias: new Set() };
        group.words.set(r.principal, (group.words.get(r.principal) ?? new Set()).add(r.word));
        if (r.via.includes(" -> ")) group.vias.add(r.via);
        byResource.set(key, group);
    }
    const changes: ReachChange[] = [];
    for (const group of byResource.values()) {
        const byWords = new Map<string, string[]>();
        for (const [principal, words] of group.words) {
            const key = WORD_ORDER.filter((w) => words.has(w)).join(",");
            byWords.set(key, [...(byWords.get(key) ?? []), principal]);
        }
        for (const [words, principals] of byWords) {
            changes.push({
                principals: principals.sort(),
                words: words.split(",") as Word[],
                resource: group.resource,
                ...(group.condition ? { condition: group.condition } : {}),
                ...(group.vias.size ? { via: [...group.vias].sort().join("; ") } : {}),
            });
        }
    }
    // Most principals first: the widest change is the one to read first.
    return changes.sort((a, b) => b.principals.length - a.principals.length || a.resource.localeCompare(b.resource) || a.principals[0].localeCompare(b.principals[0]));
}

export function reachChanges(before: Reach[], after: Reach[]): { gained: ReachChange[]; lost: ReachChange[] } {
    return { gained: lostFrom(after, before), lost: lostFrom(before, after) };
}

/** One line a reviewer reads: "`a`, `b` gain read, write on `s3://x/*`". */
export function reachLine(change: ReachChange, verb: "gain" | "lose"): string {
    const who = change.principals.map((p) => `\`${p}\``).join(", ");
    const singular = change.principals.length === 1;
    const word = singular ? `${verb}s` : verb;
    return `${who} ${word} ${wordsOn(change.words, `\`${change.resource}\``)}${change.condition ? ` ${change.condition}` : ""}${change.via ? ` (through ${change.via})` : ""}`;
}

/** `s3://bucket/prefix/*` -> { bucket, prefix }; undefined for anything that is not an S3 object or bucket grant. */
function s3Location(resource: string): { bucket: string; prefix: string } | undefined {
    const m = /^s3:\/\/([^/ ]+)(?:\/(.*?))?\/?\*?(?: \(bucket\))?$/.exec(resource);
    return m ? { bucket: m[1], prefix: (m[2] ?? "").replace(/\/?\*$/, "") } : undefined;
}

export interface ReachFindingOptions {
    /** A bucket writable by more profiles than this is reported (info). */
    maxBucketWriters: number;
}

/**
 * Findings about data, from the profile roles' grants: a profile that can write another profile's prefix; a whole
 * bucket (or `*`) reaching a bucket others hold only a prefix of; a bucket writable by many profiles; access to a
 * bucket no profile names in its `s3Buckets` (e.g. through an inline policy).
 */
export function reachFindings(roles: RoleView[], grantsOf: Map<string, Grant[]>, options: ReachFindingOptions): Finding[] {
    const profiles = roles.filter((r) => r.kind === "profile");
    const findings: Finding[] = [];
    // What each profile writes, and the prefixes its s3Buckets name (the s3-access policy's object grants).
    const writes = new Map<string, Array<{ bucket: string; prefix: string }>>();
    const named = new Map<string, Array<{ bucket: string; prefix: string }>>();
    for (const role of profiles) {
        const grants = grantsOf.get(role.name) ?? [];
        writes.set(role.name, grants.filter((g) => g.words.includes("write") && !g.condition).flatMap((g) => s3Location(g.resource) ?? []));
        const own = s3ObjectArns(role.inlinePolicies[S3_ACCESS_POLICY_NAME]).flatMap((arn) => s3Location(resourceLabel(arn)) ?? []);
        named.set(role.name, own);
    }
    const label = (l: { bucket: string; prefix: string }) => `s3://${l.bucket}${l.prefix ? `/${l.prefix}` : ""}/*`;
    // A write grant covers a location when it is on the same bucket at the same prefix or one of its ancestors (""
    // being the whole bucket): index the writes by (bucket, prefix) and look up only those, not every pair of profiles.
    type Location = { bucket: string; prefix: string };
    const key = (bucket: string, prefix: string) => `${bucket}\u0000${prefix}`;
    const writesAt = new Map<string, Array<{ writer: number; order: number; location: Location }>>();
    // Writes the profile's own s3Buckets declare (what else reaches another profile is crossProfileReach's, and high).
    const declared = (role: string, l: Location) => (named.get(role) ?? []).some((n) => n.bucket === l.bucket && n.prefix === l.prefix);
    profiles.forEach((a, writer) =>
        (writes.get(a.name) ?? []).filter((l) => declared(a.name, l)).forEach((location, order) => {
            const k = key(location.bucket, location.prefix);
            const list = writesAt.get(k) ?? [];
            list.push({ writer, order, location });
            writesAt.set(k, list);
        }),
    );
    const ancestors = (prefix: string) => (prefix === "" ? [""] : ["", ...prefix.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"))]);
    const hits: Array<{ writer: number; holder: number; index: number; hit: Location; theirs: Location }> = [];
    profiles.forEach((b, holder) =>
        (named.get(b.name) ?? []).forEach((theirs, index) => {
            // Per writer, its first write (in its own order) that covers this location.
            const first = new Map<number, { order: number; location: Location }>();
            for (const prefix of ancestors(theirs.prefix)) {
                for (const w of writesAt.get(key(theirs.bucket, prefix)) ?? []) {
                    if (w.writer === holder) continue;
                    const seen = first.get(w.writer);
                    if (!seen || w.order < seen.order) first.set(w.writer, w);
                }
            }
            for (const [writer, w] of first) hits.push({ writer, holder, index, hit: w.location, theirs });
        }),
    );
    // In the order of the pairs (writer, holder, location), as the findings read best.
    hits.sort((x, y) => x.writer - y.writer || x.holder - y.holder || x.index - y.index);
    for (const { writer, holder, hit, theirs } of hits) {
        const a = profiles[writer];
        const b = profiles[holder];
        const shared = (named.get(a.name) ?? []).some((mine) => mine.bucket === theirs.bucket && mine.prefix === theirs.prefix);
        if (shared) {
            // Both name it: one finding for the pair, on the first.
            if (a.name < b.name) findings.push({ severity: "medium", role: a.name, message: `shares ${label(theirs)} with profile ${b.declaredBy}: both can write it` });
            continue;
        }
        const whole = hit.prefix === "" && theirs.prefix !== "";
        findings.push({
            severity: "medium",
            role: a.name,
            message: whole
                ? `a whole-bucket grant on ${hit.bucket} reaches ${label(theirs)}, which profile ${b.declaredBy} holds only a prefix of`
                : `can write profile ${b.declaredBy}'s prefix ${label(theirs)}`,
        });
    }
    findings.push(...crossProfileReach(profiles, grantsOf, named));
    const writersByBucket = new Map<string, Set<string>>();
    for (const [role, locations] of writes) for (const l of locations) writersByBucket.set(l.bucket, (writersByBucket.get(l.bucket) ?? new Set()).add(role));
    for (const [bucket, writers] of writersByBucket) {
        if (writers.size > options.maxBucketWriters) {
            const names = [...writers].sort();
            const listed = names.length > 10 ? `${names.slice(0, 10).join(", ")} and ${names.length - 10} more` : names.join(", ");
            findings.push({ severity: "info", role: names[0], message: `bucket ${bucket} is writable by ${writers.size} profiles (more than ${options.maxBucketWriters}): ${listed}` });
        }
    }
    const namedBuckets = new Set([...named.values()].flat().map((l) => l.bucket));
    for (const role of profiles) {
        // A bucket pattern (`acme-ml-*`) is no bucket: what it reaches of the profiles' data is crossProfileReach's.
        const other = [...new Set((grantsOf.get(role.name) ?? []).flatMap((g) => s3Location(g.resource) ?? []).map((l) => l.bucket).filter((b) => !namedBuckets.has(b) && !hasWildcard(b)))];
        for (const bucket of other.sort()) {
            findings.push({ severity: "info", role: role.name, message: `reaches bucket ${bucket}, which no profile names in its s3Buckets` });
        }
    }
    return findings;
}

/** Whether an S3 ARN pattern reaches objects under a location (`bucket`, `prefix`; "" is the whole bucket). */
function reachesLocation(arn: string, location: { bucket: string; prefix: string }): boolean {
    const partition = arn.split(":")[1];
    const under = `arn:${partition}:s3:::${location.bucket}/${location.prefix ? `${location.prefix}/` : ""}`;
    // A key no one writes stands for "any object there": a pattern that matches it matches the location's objects.
    return wildcardMatch(arn, `${under}\u0000`) || (!hasWildcard(arn) && arn.startsWith(under));
}

/**
 * Reads and writes of another profile's data through a policy document (an inline policy's exact ARN or pattern, a
 * managed policy's), not through the profile's own s3Buckets: a pattern is expanded against every location the
 * profiles declare, so `arn:aws:s3:::acme-ml-*` + `/*` reaching team-b's prefix is the same finding as the exact ARN.
 * Patterns over every bucket (`*`, `arn:aws:s3:::*`) are the data-on-wildcard risk's.
 */
function crossProfileReach(profiles: RoleView[], grantsOf: Map<string, Grant[]>, named: Map<string, Array<{ bucket: string; prefix: string }>>): Finding[] {
    const findings: Finding[] = [];
    const locations = profiles.flatMap((holder) => (named.get(holder.name) ?? []).map((location) => ({ holder, location })));
    const byBucket = new Map<string, typeof locations>();
    for (const l of locations) {
        const list = byBucket.get(l.location.bucket);
        if (list) list.push(l);
        else byBucket.set(l.location.bucket, [l]);
    }
    const label = (l: { bucket: string; prefix: string }) => `s3://${l.bucket}${l.prefix ? `/${l.prefix}` : ""}/*`;
    for (const role of profiles) {
        const own = new Set(s3ObjectArns(role.inlinePolicies[S3_ACCESS_POLICY_NAME]));
        const reached = new Map<string, { words: Set<string>; holders: Map<string, string> }>();
        for (const grant of grantsOf.get(role.name) ?? []) {
            if (/\b(if|unless) /.test(grant.condition ?? "")) continue;
            const words = grant.words.filter((w) => w === "read" || w === "write" || w === "delete");
            if (words.length === 0) continue;
            for (const { resource: arn } of grant.scopes ?? []) {
                const bucket = /^arn:[^:]+:s3:::([^/]*)/.exec(arn)?.[1];
                // An exact bucket ARN (ListBucket, GetBucketLocation) reaches no object: skipped, not tried against
                // every location of its bucket (which made this quadratic in the profiles sharing a bucket).
                const bucketOnly = !arn.includes("/") && !hasWildcard(arn);
                if (bucket === undefined || bucketOnly || own.has(arn) || /^\*?$/.test(bucket)) continue;
                for (const { holder, location } of hasWildcard(bucket) ? locations : byBucket.get(bucket) ?? []) {
                    if (holder === role || !reachesLocation(arn, location)) continue;
                    const entry = reached.get(arn) ?? { words: new Set<string>(), holders: new Map<string, string>() };
                    words.forEach((w) => entry.words.add(w === "delete" ? "write" : w));
                    if (!entry.holders.has(holder.declaredBy)) entry.holders.set(holder.declaredBy, label(location));
                    reached.set(arn, entry);
                }
            }
        }
        for (const [arn, { words, holders }] of reached) {
            const list = [...holders].map(([who, where]) => `${who} (${where})`);
            const shown = list.length > 5 ? `${list.slice(0, 5).join(", ")} and ${list.length - 5} more` : list.join(", ");
            const verb = [...words].sort().join(" and ");
            findings.push({
                severity: "high",
                role: role.name,
                message: `can ${verb} the data of profile${holders.size === 1 ? "" : "s"} ${shown} through ${arn}${hasWildcard(arn.replace(/\/\*$/, "")) ? ", a pattern" : ""} in a policy document: name only this profile's own buckets or prefixes (s3Buckets), or share on purpose by listing the location in both profiles' s3Buckets`,
            });
        }
    }
    return findings;
}

/**
 * The risk rules (iam/permissionRisks.ts: escalation paths, IAM writes on wildcards, sts:AssumeRole on any account,
 * data actions on `*`, service wildcards) applied to every role's grants, so the findings say what the reach table
 * shows. The profile controller's trust rewrites on the exact profile roles it manages are its job, built by
 * profileControllerPolicy (which refuses anything but exact profile role ARNs) and shown in the access matrix: no
 * finding; anything else on the controller is one.
 */
export function riskFindings(roles: RoleView[], grantsOf: Map<string, Grant[]>): Finding[] {
    const managedByController = new Set(roles.filter((r) => r.kind === "profile").map((r) => r.arn));
    const findings: Finding[] = [];
    for (const role of roles) {
        const seen = new Set<string>();
        for (const grant of grantsOf.get(role.name) ?? []) {
            for (const scope of grant.scopes ?? []) {
                for (const risk of scopeRisks(scope, { selfArn: role.arn })) {
                    const byDesign = role.kind === "profile-controller" && risk.rule === "privilege-escalation" && !hasWildcard(risk.resource) && managedByController.has(risk.resource);
                    const message = `${risk.message}${grant.condition ? ` (${grant.condition})` : ""}`;
                    if (byDesign || seen.has(message)) continue;
                    seen.add(message);
                    findings.push({ severity: risk.severity, role: role.name, message, rule: risk.rule });
                }
            }
        }
    }
    return findings;
}
