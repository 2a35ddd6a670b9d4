/**
 * Who can assume what: a small evaluator of IAM trust policies (principal, action, conditions) and the access
 * matrix and findings the preview reports, computed from the documents themselves rather than from the config
 * that produced them. Cross-checked in tests against an independent IAM simulator.
 */
import { asList, PolicyDocument, policyLength, statements } from "../iam/document";

import { POD_IDENTITY_SERVICE } from "../iam/identity";
import { DEFAULT_TRUST_POLICY_MAX_LENGTH } from "../config/limits";
import type { PodIdentityBinding, RoleView } from "./iam";
import { DEFAULT_STANDIN_CLOUD, StandInCloud, standInClusterArn } from "../offline/standInCloud";
import { AssumeRequest, evaluateTrust, podIdentityAllowed, UnsupportedConditionError } from "../iam/evaluate";
import { exactValuesOnly, isSubKey, podIdentityScopeRisks, subjectsNamed, subPatternRisks, TrustRisk, trustsPodIdentity, webIdentityReview } from "../iam/trustRules";
import { broadManagedPolicy } from "../iam/permissionRisks";
import { bySeverity, Finding } from "./findings";

/** Marks a service account that reaches a role through EKS Pod Identity, in tables and compare mode. */
export const POD_IDENTITY_SUFFIX = " (pod identity)";

/**
 * Pod Identity reach of one role: each association whose request the trust allows is an entry; one the trust refuses
 * gives no credentials; probes (another namespace of the cluster, another cluster of the account) must be refused.
 */
function podIdentityAccess(role: RoleView, entry: AccessEntry, findings: Finding[], cloud: StandInCloud): void {
    const bindings: PodIdentityBinding[] = role.associations;
    for (const b of bindings) {
        if (podIdentityAllowed(role.trust, standInClusterArn(b.clusterName, cloud), b.namespace, b.serviceAccount)) {
            entry.serviceAccounts.push(`${b.namespace}:${b.serviceAccount}${POD_IDENTITY_SUFFIX}`);
        } else {
            findings.push({ severity: "medium", role: role.name, message: `the Pod Identity association for ${b.namespace}:${b.serviceAccount} in ${b.clusterName} gives no credentials: the trust does not allow it` });
        }
    }
    if (!trustsPodIdentity(role.trust)) return;
    const clusters = [...new Set(bindings.map((b) => b.clusterName))];
    const sample = bindings[0] ?? { clusterName: "kubeflow-irsa-probe", namespace: "kubeflow-irsa-probe", serviceAccount: "default-editor" };
    const seen = new Set<string>();
    for (const cluster of clusters.length ? clusters : [sample.clusterName]) {
        for (const risk of podIdentityScopeRisks(role.trust, { clusterArn: standInClusterArn(cluster, cloud), namespace: sample.namespace, serviceAccount: sample.serviceAccount })) {
            if (risk.rule === "pod-identity-namespace") entry.serviceAccounts.push(`(any service account of ${cluster})${POD_IDENTITY_SUFFIX}`);
            if (risk.rule === "pod-identity-any-namespace") entry.serviceAccounts.push(`(${sample.serviceAccount} of any namespace of ${cluster})${POD_IDENTITY_SUFFIX}`);
            if (seen.has(risk.message)) continue;
            seen.add(risk.message);
            findings.push(...roleFindings(role.name, [risk]));
        }
    }
}

/** A role's trust risks as the preview's findings. */
function roleFindings(role: string, risks: readonly TrustRisk[]): Finding[] {
    return risks.map((r) => ({ severity: r.severity, role, message: r.message }));
}

export interface AccessEntry {
    role: string;
    /** `ns:sa` (or a pattern) of service accounts that can assume the role, evaluated. */
    serviceAccounts: string[];
    /** AWS principals (roles, accounts) that can assume the role, evaluated; `(external id)` marks a required one. */
    principals: string[];
    /** Service principals (e.g. `ec2.amazonaws.com`). */
    services: string[];
}

export interface AccessAnalysis {
    matrix: AccessEntry[];
    findings: Finding[];
}

function awsPrincipalsOf(doc: PolicyDocument): Array<{ arn: string; externalId?: string }> {
    const out: Array<{ arn: string; externalId?: string }> = [];
    for (const s of statements(doc)) {
        if (s.Effect !== "Allow" || s.Principal === "*" || !s.Principal) continue;
        for (const arn of asList(s.Principal.AWS)) {
            const externalId = asList(s.Condition?.StringEquals?.["sts:ExternalId"])[0];
            out.push({ arn, externalId: externalId === undefined ? undefined : String(externalId) });
        }
    }
    return out;
}

/**
 * The subjects worth evaluating against a role: when every `sub` condition of its trust lists exact values, the role's
 * own subjects suffice; patterns and negated operators need every subject any trust names.
 */
function candidateSubjects(trust: PolicyDocument, universe: string[]): string[] {
    return exactValuesOnly(trust, isSubKey) ? subjectsNamed(trust) : universe;
}

/** Share of the trust-policy quota from which a trust counts as "near" it. */
const NEAR_QUOTA = 0.8;

/**
 * Evaluates every role's trust against every subject any trust names (plus a probe no configuration names), and
 * collects findings: trust without `sub` or `aud`, patterns reaching beyond one namespace, over-broad managed
 * policies, trust policies near the quota. What the permission policies risk is reach.ts riskFindings.
 */
export function analyzeAccess(roles: RoleView[], cloud: StandInCloud = DEFAULT_STANDIN_CLOUD): AccessAnalysis {
    const universe = [...new Set(roles.flatMap((r) => subjectsNamed(r.trust)))].sort();
    const findings: Finding[] = [];
    const matrix: AccessEntry[] = [];

    for (const role of roles) {
        const entry: AccessEntry = { role: role.name, serviceAccounts: [], principals: [], services: [] };
        try {
            const review = webIdentityReview(role.trust, candidateSubjects(role.trust, universe));
            entry.serviceAccounts.push(...review.admitted);
            findings.push(...roleFindings(role.name, review.risks));
            for (const { arn, externalId } of awsPrincipalsOf(role.trust)) {
                const request: AssumeRequest = { principalType: "AWS", principal: arn.endsWith(":root") ? arn.replace(/:root$/, ":role/any") : arn, action: "sts:AssumeRole", context: externalId ? { "sts:ExternalId": externalId } : {} };
                if (evaluateTrust(role.trust, request) === "Allowed") {
                    entry.principals.push(externalId ? `${arn} (external id)` : arn);
                    if (arn.endsWith(":root") || /^\d{12}$/.test(arn)) {
                        findings.push({ severity: "medium", role: role.name, message: `trusts a whole account (${arn}): name the exact role instead` });
                    }
                }
            }
            podIdentityAccess(role, entry, findings, cloud);
        } catch (err) {
            if (!(err instanceof UnsupportedConditionError)) throw err;
            findings.push({ severity: "medium", role: role.name, message: `${err.message}: review this trust by hand` });
        }
        for (const s of statements(role.trust)) {
            // Pod Identity's service principal is shown as the service accounts it serves (above), not as a service.
            if (s.Effect === "Allow" && s.Principal !== "*" && s.Principal?.Service) entry.services.push(...asList(s.Principal.Service).filter((x) => x !== POD_IDENTITY_SERVICE));
        }
        matrix.push(entry);
        findings.push(...roleFindings(role.name, subPatternRisks(role.trust)));
        const length = policyLength(role.trust);
        if (length > DEFAULT_TRUST_POLICY_MAX_LENGTH) {
            findings.push({ severity: "high", role: role.name, message: `trust policy is ${length} characters, over the default ${DEFAULT_TRUST_POLICY_MAX_LENGTH}-character quota (fine only if the account's quota was raised)` });
        } else if (length >= NEAR_QUOTA * DEFAULT_TRUST_POLICY_MAX_LENGTH) {
            findings.push({ severity: "medium", role: role.name, message: `trust policy is ${length} of ${DEFAULT_TRUST_POLICY_MAX_LENGTH} characters: near the quota` });
        }
        for (const name of role.managedPolicyArns.map(broadManagedPolicy)) {
            if (name) findings.push({ severity: "high", role: role.name, message: `attaches ${name}` });
        }
    }
    // One ARN, two roles: IAM refuses the second CreateRole (names are unique per account, whatever their case). The
    // config refuses this where it knows both accounts; here the stand-in account may be the only one there is.
    const byArn = new Map<string, RoleView[]>();
    for (const role of roles) {
        const same = byArn.get(role.arn.toLowerCase());
        if (same) same.push(role);
        else byArn.set(role.arn.toLowerCase(), [role]);
    }
    for (const same of byArn.values()) {
        if (same.length < 2) continue;
        findings.push({ severity: "high", role: same[0].name, message: `${same.length} roles of the stack have the ARN ${same[0].arn} (${same.map((r) => `${r.kind} ${r.declaredBy}`).join(", ")}): IAM role names are unique per account, so the deploy would fail; give one another name` });
    }
    findings.sort(bySeverity);
    return { matrix, findings };
}
