/**
 * A role pair's `check`: its inputs validated and normalized (defaults filled in, IRSA left implicit), and the EKS
 * trust's quota checked, so `pulumi preview` fails before anything is written. Pure: no AWS call.
 */
import { definedOnly, isKnown, pairIdentity, recordedIdentity, RolePairInputs } from "./inputs";
import { sortedUnique } from "../../iam/document";
import { DEFAULT_TRUST_POLICY_MAX_LENGTH, MAX_TRUST_POLICY_QUOTA } from "../../config/limits";
import { IDENTITY_BACKENDS, isConcreteSubject, subjectProblem, usesPodIdentity } from "../../iam/identity";
import { arnAccount } from "../../iam/arns";
import { mergedEksTrust } from "./documents";

export interface CheckFailure {
    property: string;
    reason: string;
}

export interface CheckResult {
    inputs: RolePairInputs;
    failures: CheckFailure[];
}

/** The dynamic-provider check of one pair: what the engine records as its inputs, or the failures to show. */
export function checkRolePair(news: RolePairInputs): CheckResult {
    const failures: CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const inputs: RolePairInputs = {
        ...news,
        owner: news.owner ?? news.name,
        assetPolicyArns: sortedUnique(news.assetPolicyArns ?? []),
        subjects: sortedUnique(news.subjects ?? []),
        subjectMatch: news.subjectMatch ?? "StringEquals",
        exclusive: news.exclusive ?? false,
        path: news.path ?? "/",
        tags: news.tags ?? {},
        trustPolicyMaxLength: news.trustPolicyMaxLength ?? DEFAULT_TRUST_POLICY_MAX_LENGTH,
    };
    const recorded = recordedIdentity(inputs.identity);
    if (recorded === undefined) delete inputs.identity;
    const identity = pairIdentity(inputs);
    if (!IDENTITY_BACKENDS.includes(identity)) fail("identity", "must be irsa, podIdentity or irsa+podIdentity");
    if (usesPodIdentity(identity)) {
        if (!inputs.cluster?.name || !isKnown(inputs.cluster.name)) fail("cluster", "is required with Pod Identity: the cluster whose associations the pair makes");
        if (inputs.subjectMatch !== "StringEquals") fail("subjectMatch", "must be StringEquals with Pod Identity: an association names one concrete service account");
        inputs.subjects.forEach((s, i) => {
            if (!isConcreteSubject(s)) {
                fail(`subjects[${i}]`, `"${s}" is not a concrete system:serviceaccount:<namespace>:<name>: Pod Identity associates one service account each, no patterns`);
            }
        });
    } else {
        delete inputs.cluster;
    }
    if (inputs.subjects.length === 0) {
        fail("subjects", "must list at least one subject: a trust statement without a sub condition lets any service account in the cluster assume the role");
    }
    inputs.subjects.forEach((s, i) => {
        const problem = subjectProblem(s, inputs.subjectMatch);
        if (problem) fail(`subjects[${i}]`, `"${s}" ${problem}`);
    });
    if (!/^\d{12}$/.test(inputs.assetAccountId ?? "")) fail("assetAccountId", "must be a 12-digit AWS account id");
    for (const key of ["assetRoleName", "eksRoleName"] as const) {
        if (!/^[\w+=,.@-]{1,64}$/.test(inputs[key] ?? "")) fail(key, "must be an IAM role name of 1-64 letters, digits and + = , . @ _ -");
    }
    if (!inputs.assetPolicy && inputs.assetPolicyArns.length === 0) fail("assetPolicy", "give the asset role its rights with assetPolicy and/or assetPolicyArns");
    if (inputs.trustPolicyMaxLength < DEFAULT_TRUST_POLICY_MAX_LENGTH || inputs.trustPolicyMaxLength > MAX_TRUST_POLICY_QUOTA) {
        fail("trustPolicyMaxLength", `must be between ${DEFAULT_TRUST_POLICY_MAX_LENGTH} and ${MAX_TRUST_POLICY_QUOTA}`);
    }
    if (isKnown(inputs.oidcProviderArn)) {
        if (!/^arn:[^:]+:iam::\d{12}:oidc-provider\/.+/.test(inputs.oidcProviderArn)) {
            fail("oidcProviderArn", "must be an IAM OIDC provider ARN");
        } else {
            const eksAccountId = arnAccount(inputs.oidcProviderArn);
            if (inputs.assetAccountId !== eksAccountId && !inputs.assetDeployRoleArn) {
                fail("assetDeployRoleArn", `is required: the asset account ${inputs.assetAccountId} differs from the EKS account ${eksAccountId}, and roles there can only be managed through a role assumed in it`);
            }
            if (failures.length === 0) {
                const { verdict } = mergedEksTrust(inputs, undefined, []);
                if (!verdict.ok) fail("subjects", verdict.message!);
            }
        }
    }
    return { inputs: definedOnly(inputs), failures };
}
