/**
 * The IAM policy document model: its types, its statements as a list, decoding what IAM returns, its canonical form
 * and equality, its size as IAM counts it, and IAM's value-list and wildcard rules.
 *
 * Pure: part of the IAM core (iam/), which imports nothing else of the project and nothing of Pulumi.
 */

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

/** Sorted, de-duplicated copy: IAM treats condition value lists as sets, so order carries no meaning. */
export function sortedUnique(values: Iterable<string>): string[] {
    return [...new Set(values)].sort();
}

/** A policy field that may hold one value or a list, as a list. */
export function asList<T>(value: T | T[] | undefined): T[] {
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

/** A document's statements as a list: IAM also accepts a single statement object in place of the array. */
export function statements(doc: PolicyDocument): PolicyStatement[] {
    return asList(doc.Statement as PolicyStatement | PolicyStatement[]);
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
    return { Version: doc.Version ?? "2008-10-17", Statement: statements(doc).map(canonicalStatement) };
}

export function policiesEqual(a: PolicyDocument, b: PolicyDocument): boolean {
    return JSON.stringify(canonicalPolicy(a)) === JSON.stringify(canonicalPolicy(b));
}

/** The statement we own, found by Sid. */
export function findStatement(doc: PolicyDocument | undefined, sid: string): PolicyStatement | undefined {
    return doc ? statements(doc).find((s) => s.Sid === sid) : undefined;
}

/**
 * The values a statement's conditions list under the keys `isKey` picks, in the order the statement writes them,
 * under `operators` when given (else any operator). The one reader of condition values by key.
 */
export function conditionValues(statement: PolicyStatement | undefined, isKey: (key: string) => boolean, operators?: readonly string[]): string[] {
    return Object.entries(statement?.Condition ?? {}).flatMap(([operator, keys]) =>
        operators && !operators.includes(operator) ? [] : Object.entries(keys).flatMap(([key, values]) => (isKey(key) ? asList(values).map(String) : [])),
    );
}
