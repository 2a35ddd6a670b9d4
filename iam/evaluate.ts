/**
 * THE evaluator of IAM policies: condition operators, action and resource matching, the decision for an assume
 * request against a trust policy, and for a request against identity policies. The preview, the config refusals, the
 * policy pack and adopt all decide through it; it is cross-checked in tests against an independent IAM simulator.
 *
 * Pure: part of the IAM core (iam/), which imports nothing else of the project and nothing of Pulumi.
 */
import { asList, PolicyDocument, PolicyStatement, statements, wildcardMatch } from "./document";
import { arnAccount } from "./arns";
import { OidcTrustTarget, POD_IDENTITY_SERVICE, POD_IDENTITY_TAGS, STS_AUDIENCE, WEB_IDENTITY_ACTION } from "./identity";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export function actionMatches(statement: PolicyStatement, action: string): boolean {
    if (statement.NotAction !== undefined) {
        return !asList(statement.NotAction).some((p) => wildcardMatch(p, action, true));
    }
    return asList(statement.Action).some((p) => wildcardMatch(p, action, true));
}

/** Thrown for condition operators this evaluator does not model; the preview reports them as findings. */
export class UnsupportedConditionError extends Error {}

/** A request's value for a condition key: IAM reads condition keys in any case. */
function contextValue(context: Record<string, string>, key: string): string | undefined {
    if (key in context) return context[key];
    const lower = key.toLowerCase();
    const found = Object.keys(context).find((k) => k.toLowerCase() === lower);
    return found === undefined ? undefined : context[found];
}

export function conditionHolds(operatorWithQualifiers: string, key: string, expected: string[], context: Record<string, string>): boolean {
    const operator = operatorWithQualifiers.replace(/^(ForAnyValue|ForAllValues):/, "");
    const ifExists = operator.endsWith("IfExists");
    const base = ifExists ? operator.slice(0, -"IfExists".length) : operator;
    const actual = contextValue(context, key);
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
        // ARN operators match field by field with wildcards, as StringLike does on the whole ARN.
        case "ArnEquals":
        case "ArnLike":
            return expected.some((e) => wildcardMatch(e, actual));
        case "ArnNotEquals":
        case "ArnNotLike":
            return !expected.some((e) => wildcardMatch(e, actual));
        default:
            throw new UnsupportedConditionError(`condition operator ${operatorWithQualifiers} is not evaluated by the preview`);
    }
}

export function conditionsHold(statement: PolicyStatement, context: Record<string, string>): boolean {
    return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, asList(values).map(String), context)),
    );
}

export interface AssumeRequest {
    principalType: "Federated" | "AWS" | "Service";
    principal: string;
    action: string;
    /** Condition keys present in the request (e.g. `<issuer>:sub`, `<issuer>:aud`, `sts:ExternalId`). */
    context: Record<string, string>;
}

function principalMatches(statement: PolicyStatement, request: AssumeRequest): boolean {
    if (statement.NotPrincipal !== undefined) {
        // NotPrincipal in a trust policy is an anti-pattern; never count it as granting access to a named principal.
        return false;
    }
    if (statement.Principal === "*") {
        return true;
    }
    const listed = asList(statement.Principal?.[request.principalType]);
    return listed.some((p) => {
        if (p === "*" || p === request.principal) return true;
        // An account (id or :root) as principal means every principal of that account the account lets in.
        const account = /^\d{12}$/.test(p) ? p : /^arn:[^:]+:iam::(\d{12}):root$/.exec(p)?.[1];
        return request.principalType === "AWS" && account !== undefined && arnAccount(request.principal) === account;
    });
}

/** IAM's decision for one request against one trust policy: an explicit Deny wins, then any Allow. */
export function evaluateTrust(doc: PolicyDocument, request: AssumeRequest): Decision {
    return decide(doc, request).decision;
}

/**
 * IAM's decision over the statements that apply to a request: an explicit Deny wins, then any Allow. With the Allow
 * statements (by index) that grant it, in one pass.
 */
function decideOver(all: PolicyStatement[], applies: (s: PolicyStatement) => boolean): { decision: Decision; allowing: number[] } {
    const applicable = all.flatMap((s, i) => (applies(s) ? [{ s, i }] : []));
    if (applicable.some(({ s }) => s.Effect === "Deny")) return { decision: "ExplicitlyDenied", allowing: [] };
    const allowing = applicable.filter(({ s }) => s.Effect === "Allow").map(({ i }) => i);
    return { decision: allowing.length ? "Allowed" : "ImplicitlyDenied", allowing };
}

/** The decision of a trust policy for an assume request, with the Allow statements that grant it. */
function decide(doc: PolicyDocument, request: AssumeRequest): { decision: Decision; allowing: number[] } {
    return decideOver(statements(doc), (s) => principalMatches(s, request) && actionMatches(s, request.action) && conditionsHold(s, request.context));
}

export function webIdentityRequest(trust: OidcTrustTarget, subject: string, audience = STS_AUDIENCE): AssumeRequest {
    return {
        principalType: "Federated",
        principal: trust.providerArn,
        action: WEB_IDENTITY_ACTION,
        context: { [`${trust.issuerHostPath}:sub`]: subject, [`${trust.issuerHostPath}:aud`]: audience },
    };
}

/** What EKS Pod Identity sends when it assumes a role for a pod of `namespace:serviceAccount` in a cluster. */
export function podIdentityRequests(clusterArn: string, namespace: string, serviceAccount: string): AssumeRequest[] {
    const context = {
        "aws:SourceAccount": arnAccount(clusterArn),
        [POD_IDENTITY_TAGS.clusterArn]: clusterArn,
        "aws:RequestTag/eks-cluster-name": clusterArn.split(":cluster/")[1] ?? "",
        [POD_IDENTITY_TAGS.namespace]: namespace,
        [POD_IDENTITY_TAGS.serviceAccount]: serviceAccount,
    };
    // It tags the session, so the trust must allow both actions.
    return ["sts:AssumeRole", "sts:TagSession"].map((action) => ({ principalType: "Service", principal: POD_IDENTITY_SERVICE, action, context }));
}

/** Whether EKS Pod Identity can assume the role for that service account: both its actions allowed. */
export function podIdentityAllowed(trust: PolicyDocument, clusterArn: string, namespace: string, serviceAccount: string): boolean {
    return podIdentityAdmitting(trust, clusterArn, namespace, serviceAccount).length > 0;
}

/** The statements through which EKS Pod Identity gets that service account's credentials (both actions allowed), or none. */
export function podIdentityAdmitting(trust: PolicyDocument, clusterArn: string, namespace: string, serviceAccount: string): string[] {
    const [assume, ...rest] = podIdentityRequests(clusterArn, namespace, serviceAccount);
    return rest.every((request) => evaluateTrust(trust, request) === "Allowed") ? admittingStatements(trust, assume) : [];
}

/**
 * The Allow statements through which a trust admits a request, named by Sid (or `#<index>`), for messages; none when
 * IAM refuses it (an explicit Deny wins, as in evaluateTrust).
 */
export function admittingStatements(doc: PolicyDocument, request: AssumeRequest): string[] {
    const all = statements(doc);
    return decide(doc, request).allowing.map((i) => all[i].Sid ?? `#${i}`);
}

export interface IdentityRequest {
    action: string;
    resource: string;
    /** Condition keys of the request. */
    context: Record<string, string>;
}

export function resourceMatches(statement: PolicyStatement, resource: string): boolean {
    if (statement.NotResource !== undefined) {
        return !asList(statement.NotResource).some((p) => wildcardMatch(p, resource));
    }
    return asList(statement.Resource).some((p) => wildcardMatch(p, resource));
}

/** IAM's decision for a request against identity policies alone: an explicit Deny wins, then any Allow. */
export function evaluateIdentity(docs: PolicyDocument[], request: IdentityRequest): Decision {
    return decideOver(docs.flatMap(statements), (s) => actionMatches(s, request.action) && resourceMatches(s, request.resource) && conditionsHold(s, request.context)).decision;
}
