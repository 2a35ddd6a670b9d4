/**
 * How a bad stack config is told: one line per problem, naming the key path (a list entry by its `name` too), the bad
 * value, what is wrong and the fix, with "did you mean" for a misspelt key; all of them in one StackConfigError that
 * names the stack file.
 */
import { z } from "zod";
import { CONFIG_NAMESPACE, knownKeysAt } from "./schema";
import { editDistance } from "../iam/validate";

export interface Problem {
    path: PropertyKey[];
    message: string;
}

/** `profiles[417] (geo-lab).serviceAccounts`: a key's path, an entry of a list named by its `name` too. */
export function keyPath(path: readonly PropertyKey[], raw: unknown): string {
    let out = "";
    path.forEach((part, i) => {
        if (typeof part === "number") {
            const name = i === 1 && (path[0] === "profiles" || path[0] === "rolePairs") ? valueAt(raw, [path[0], part, "name"]) : undefined;
            out += typeof name === "string" && name !== "" ? `[${part}] (${name})` : `[${part}]`;
        } else {
            out += i === 0 ? String(part) : `.${String(part)}`;
        }
    });
    return out;
}

/** `kubeflow-irsa:profiles[417] (geo-lab).serviceAccounts`: the key as the stack file writes it. */
function formatPath(path: readonly PropertyKey[], raw: unknown): string {
    return path.length ? `${CONFIG_NAMESPACE}:${keyPath(path, raw)}` : CONFIG_NAMESPACE;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let node: unknown = root;
    for (const part of path) {
        if (node === null || typeof node !== "object") {
            return undefined;
        }
        node = (node as Record<PropertyKey, unknown>)[part as string];
    }
    return node;
}

function describeValue(value: unknown): string {
    if (value === undefined) {
        return "missing";
    }
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function unknownKeyProblems(issue: z.core.$ZodIssueUnrecognizedKeys): Problem[] {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
        const nearest = known
            .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
            .sort((x, y) => x.d - y.d)[0];
        const hint = nearest && nearest.d <= Math.max(1, Math.floor(key.length / 3)) ? ` (did you mean "${nearest.k}"?)` : "";
        const allowed = known.length ? `; allowed keys: ${known.join(", ")}` : "";
        return { path: [...issue.path, key], message: `is not a known key${hint}${allowed}` };
    });
}

export function issueProblems(issue: z.core.$ZodIssue): Problem[] {
    if (issue.code === "unrecognized_keys") {
        return unknownKeyProblems(issue);
    }
    if (issue.code === "invalid_union") {
        return [{ path: issue.path, message: "has the wrong shape: a string or a list of strings is expected" }];
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
        return [{ path: issue.path, message: issue.message.startsWith("is required") ? issue.message : `is required (${issue.expected} expected)` }];
    }
    if (issue.code === "invalid_type" && issue.expected === "string" && typeof issue.input === "number") {
        return [{ path: issue.path, message: numberForString(issue.path, issue.input) }];
    }
    if (issue.code === "invalid_type") {
        return [{ path: issue.path, message: `must be ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}` }];
    }
    return [{ path: issue.path, message: issue.message }];
}

/** The stack file when none is named: the project's `stackConfigDir` (Pulumi.yaml). */
export const DEFAULT_STACK_FILE = "stacks/Pulumi.<stack>.yaml";

/** Thrown for an invalid stack config; `problems` holds one line per problem, `file` the stack file they are in. */
export class StackConfigError extends Error {
    constructor(
        readonly problems: string[],
        readonly file: string = DEFAULT_STACK_FILE,
    ) {
        super(
            `Invalid stack config: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the ${CONFIG_NAMESPACE}: keys of ${file}\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "StackConfigError";
    }

    /** The same problems, said of the file they were really read from. */
    inFile(file: string): StackConfigError {
        return new StackConfigError(this.problems, file);
    }
}

/** The problems as the lines a StackConfigError lists. */
export function problemLines(problems: readonly Problem[], raw: unknown): string[] {
    return problems.map((p) => `${formatPath(p.path, raw)}: ${describeValue(valueAt(raw, p.path))} ${p.message}`);
}

/**
 * YAML reads an unquoted `012345678901` or `1.30` as a number, which drops the leading or trailing zeros: the value as
 * written is lost, so the hint says to quote what the file says; for an account id it gives the 12 digits.
 */
function numberForString(path: readonly PropertyKey[], input: number): string {
    const key = String(path[path.length - 1] ?? "");
    const account = /accountid$/i.test(key) && Number.isInteger(input) && input >= 0 && input < 1e12;
    const hint = account ? `"${String(input).padStart(12, "0")}"` : "the value exactly as written in the file, in quotes";
    return `must be a string, but YAML read it as the number ${input}, which drops leading (and trailing) zeros: write ${hint}`;
}
