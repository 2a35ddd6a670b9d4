/**
 * IAM policy evaluation shared by the trust evaluator (access.ts) and the permission evaluator (reach.ts): action
 * matching, condition operators, and the statement list of a document. Cross-checked against an IAM simulator.
 */
import { asList, PolicyDocument, PolicyStatement, wildcardMatch } from "../components/iamDocument";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export function actionMatches(statement: PolicyStatement, action: string): boolean {
    if (statement.NotAction !== undefined) {
        return !asList(statement.NotAction).some((p) => wildcardMatch(p, action, true));
    }
    return asList(statement.Action).some((p) => wildcardMatch(p, action, true));
}

/** Thrown for condition operators this evaluator does not model; the preview reports them as findings. */
export class UnsupportedConditionError extends Error {}

export function conditionHolds(operatorWithQualifiers: string, key: string, expected: string[], context: Record<string, string>): boolean {
    const operator = operatorWithQualifiers.replace(/^(ForAnyValue|ForAllValues):/, "");
    const ifExists = operator.endsWith("IfExists");
    const base = ifExists ? operator.slice(0, -"IfExists".length) : operator;
    const actual = context[key];
    if (base === "Null") {
        return expected.some((e) => (e === "true") === (actual === undefined));
    }
    if (actual === undefined) {
        // A missing key satisfies negated operators and IfExists, and nothing else.
        return ifExists || base.includes("Not") || operatorWithQualifiers.startsWith("ForAllValues:");
    }
    switch (base) {
        case "StringEquals":
            return expected.includes(actual);
        case "StringNotEquals":
            return !expected.includes(actual);
        case "StringEqualsIgnoreCase":
            return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
        case "StringNotEqualsIgnoreCase":
            return !expected.some((e) => e.toLowerCase() === actual.toLowerCase());
        case "StringLike":
            return expected.some((e) => wildcardMatch(e, actual));
        case "StringNotLike":
            return !expected.some((e) => wildcardMatch(e, actual));
        case "Bool":
            return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
        default:
            throw new UnsupportedConditionError(`condition operator ${operatorWithQualifiers} is not evaluated by the preview`);
    }
}

export function conditionsHold(statement: PolicyStatement, context: Record<string, string>): boolean {
    return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, asList(values).map(String), context)),
    );
}

export function statements(doc: PolicyDocument): PolicyStatement[] {
    return asList(doc.Statement as PolicyStatement | PolicyStatement[]);
}

