/**
 * The IAM policy document model: its types, its size as IAM counts it, and IAM's value-list and wildcard rules.
 *
 * Pure: nothing here imports Pulumi, so the components, the dynamic provider and the offline preview share it,
 * and it is unit-tested on its own.
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
