/**
 * Pure read-modify-write of trust policies shared with other writers: decode what IAM returns, normalize for
 * comparison, merge our statement's `sub` entries without touching anyone else's, and check the size quota.
 * Used by the role-pair provider (check, diff, update, read) and by the preview. Nothing here imports Pulumi.
 */
import { asList, PolicyDocument, policyLength, PolicyStatement, sortedUnique } from "./iamDocument";
import { SUBJECT_PREFIX } from "./names";
import { SubjectMatch, webIdentityTrustStatement } from "./trustDocuments";

/** IAM's default quota on a role trust policy (characters, whitespace excluded). */
export const DEFAULT_TRUST_POLICY_MAX_LENGTH = 2048;
/** The largest trust-policy quota IAM grants on request. */
export const MAX_TRUST_POLICY_QUOTA = 8192;

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
    return undefined;
}

/** IAM returns policy documents URL-encoded (RFC 3986): the JSON text of either form. */
export function policyDocumentText(text: string): string {
    return /^\s*\{/.test(text) ? text : decodeURIComponent(text);
}

export function decodePolicyDocument(text: string): PolicyDocument {
    return JSON.parse(policyDocumentText(text)) as PolicyDocument;
}

type SetMap = Record<string, string[]>;

interface CanonicalStatement {
    Sid?: string;
    Effect: string;
    Principal?: SetMap | "*";
    NotPrincipal?: SetMap;
    Action?: string[];
    NotAction?: string[];
    Resource?: string[];
    NotResource?: string[];
    Condition?: Record<string, SetMap>;
}

function asSet(value: string | string[] | boolean | number): string[] {
    return sortedUnique((Array.isArray(value) ? value : [value]).map(String));
}

function setMap(values: Record<string, string | string[]>): SetMap {
    return Object.fromEntries(Object.keys(values).sort().map((k) => [k, asSet(values[k])]));
}

function canonicalStatement(s: PolicyStatement): CanonicalStatement {
    const out: CanonicalStatement = { Effect: s.Effect };
    if (s.Sid) out.Sid = s.Sid;
    if (s.Principal !== undefined) out.Principal = s.Principal === "*" ? "*" : setMap(s.Principal);
    if (s.NotPrincipal !== undefined) out.NotPrincipal = setMap(s.NotPrincipal);
    for (const key of ["Action", "NotAction", "Resource", "NotResource"] as const) {
        if (s[key] !== undefined) out[key] = asSet(s[key]!);
    }
    if (s.Condition !== undefined) {
        out.Condition = Object.fromEntries(Object.keys(s.Condition).sort().map((op) => [op, setMap(s.Condition![op])]));
    }
    return out;
}

/**
 * Canonical form for comparison: a string and a one-element list are the same, action/resource/principal and
 * condition value lists are sets, key order carries no meaning; statement order is kept. A missing Version is
 * IAM's implicit "2008-10-17".
 */
export function canonicalPolicy(doc: PolicyDocument): { Version: string; Statement: CanonicalStatement[] } {
    return { Version: doc.Version ?? "2008-10-17", Statement: asStatements(doc).map(canonicalStatement) };
}

export function policiesEqual(a: PolicyDocument, b: PolicyDocument): boolean {
    return JSON.stringify(canonicalPolicy(a)) === JSON.stringify(canonicalPolicy(b));
}

/** The statement we own, found by Sid. */
export function findStatement(doc: PolicyDocument | undefined, sid: string): PolicyStatement | undefined {
    return doc ? asStatements(doc).find((s) => s.Sid === sid) : undefined;
}

function asStatements(doc: PolicyDocument): PolicyStatement[] {
    return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement as unknown as PolicyStatement];
}

/** The `sub` entries of a statement under either string operator. */
export function statementSubjects(statement: PolicyStatement | undefined, issuerHostPath: string): string[] {
    if (!statement?.Condition) {
        return [];
    }
    const key = `${issuerHostPath}:sub`;
    return sortedUnique([...asList(statement.Condition.StringEquals?.[key]), ...asList(statement.Condition.StringLike?.[key])]);
}

export interface OwnedStatementSpec {
    /** Sid of the statement this writer owns. */
    sid: string;
    providerArn: string;
    issuerHostPath: string;
    subjectMatch: SubjectMatch;
    /** The subjects this writer wants present now. */
    subjects: readonly string[];
    /** The subjects this writer added before (from its last recorded state): only these may be removed. */
    previouslyOwned: readonly string[];
    /** Own the whole `sub` list: drop entries others added. */
    exclusive: boolean;
}

export interface MergeResult {
    document: PolicyDocument;
    /** Subjects in our statement after the merge. */
    subjects: string[];
    /** Entries others added that were kept (empty when exclusive). */
    foreignSubjects: string[];
    /** Whether the merged document differs from the current one (false: no write needed). */
    changed: boolean;
}

/**
 * Merges our statement into the current trust policy. Other statements and our statement's other condition keys
 * stay as they are; `sub` entries someone else added stay unless `exclusive`; only entries we added before and
 * no longer want are removed. The result always has both `aud` and `sub` conditions.
 */
export function mergeOwnedStatement(current: PolicyDocument | undefined, spec: OwnedStatementSpec): MergeResult {
    const existing = findStatement(current, spec.sid);
    const present = statementSubjects(existing, spec.issuerHostPath);
    const previously = new Set(spec.previouslyOwned);
    const wanted = new Set(spec.subjects);
    const foreignSubjects = spec.exclusive ? [] : present.filter((s) => !previously.has(s) && !wanted.has(s));
    const subjects = sortedUnique([...spec.subjects, ...foreignSubjects]);

    const fresh = webIdentityTrustStatement({ providerArn: spec.providerArn, issuerHostPath: spec.issuerHostPath, subjects, subjectMatch: spec.subjectMatch, sid: spec.sid });
    const statement = existing ? withOurConditions(existing, fresh) : fresh;
    const others = current ? asStatements(current).filter((s) => s.Sid !== spec.sid) : [];
    const ourIndex = current ? asStatements(current).findIndex((s) => s.Sid === spec.sid) : -1;
    const statements = [...others];
    statements.splice(ourIndex < 0 ? statements.length : ourIndex, 0, statement);
    const document: PolicyDocument = { Version: "2012-10-17", Statement: statements };
    return { document, subjects, foreignSubjects, changed: !current || !policiesEqual(current, document) };
}

/**
 * Our statement with the principal, action, aud and sub of `fresh`, and every other condition key kept. Any
 * `<issuer>:aud`/`<issuer>:sub` key in our statement is ours to rewrite, also one of a previous issuer (the pair
 * moved to another cluster's provider in the same account): keeping it would demand a token from both issuers.
 */
function withOurConditions(existing: PolicyStatement, fresh: PolicyStatement): PolicyStatement {
    const condition: Record<string, Record<string, string | string[]>> = {};
    for (const [operator, keys] of Object.entries(existing.Condition ?? {})) {
        const kept = Object.fromEntries(Object.entries(keys).filter(([k]) => !k.endsWith(":aud") && !k.endsWith(":sub")));
        if (Object.keys(kept).length > 0) {
            condition[operator] = kept;
        }
    }
    for (const [operator, keys] of Object.entries(fresh.Condition ?? {})) {
        condition[operator] = { ...(condition[operator] ?? {}), ...keys };
    }
    return { ...existing, Effect: "Allow", Principal: fresh.Principal, Action: fresh.Action, Condition: condition };
}

export interface QuotaVerdict {
    ok: boolean;
    length: number;
    max: number;
    /** How many of the given subjects fit under the quota (with the rest of the document as given). */
    fitting: number;
    message?: string;
}

/**
 * Checks a trust policy against the quota before it is written. When it does not fit, says how many subjects do
 * and what to do about it.
 */
export function checkTrustQuota(document: PolicyDocument, spec: Pick<OwnedStatementSpec, "sid" | "issuerHostPath">, max: number, roleName: string): QuotaVerdict {
    const length = policyLength(document);
    if (length <= max) {
        return { ok: true, length, max, fitting: statementSubjects(findStatement(document, spec.sid), spec.issuerHostPath).length };
    }
    const subjects = statementSubjects(findStatement(document, spec.sid), spec.issuerHostPath);
    // Each subject adds its quoted text plus a comma: remove subjects from the end until the document fits.
    let excess = length - max;
    let fitting = subjects.length;
    while (fitting > 0 && excess > 0) {
        fitting -= 1;
        excess -= JSON.stringify(subjects[fitting]).length + 1;
    }
    const message =
        `the trust policy of role ${roleName} would be ${length} characters, over the ${max}-character quota: ` +
        `${fitting} of its ${subjects.length} sub entries fit. Raise the IAM quota "Role trust policy length" ` +
        `(up to ${MAX_TRUST_POLICY_QUOTA}) and set trustPolicyMaxLength to match, use subjectMatch: StringLike with a pattern ` +
        `such as system:serviceaccount:<namespace>:run-*, or shard the subjects across several role pairs`;
    return { ok: false, length, max, fitting, message };
}
