/**
 * Who can assume what: a small evaluator of IAM trust policies (principal, action, conditions) and the access
 * matrix and findings the preview reports, computed from the documents themselves rather than from the config
 * that produced them. Cross-checked in tests against an independent IAM simulator.
 */
import { asList, PolicyDocument, policyLength, PolicyStatement } from "../components/iamDocument";
import { arnAccount, serviceAccountSubject, SUBJECT_PREFIX } from "../components/names";
import { POD_IDENTITY_SERVICE, POD_IDENTITY_TAGS, STS_AUDIENCE } from "../components/trustDocuments";
import { DEFAULT_TRUST_POLICY_MAX_LENGTH, subjectProblem } from "../components/trust";
import type { PodIdentityBinding, RoleView } from "./iam";
import { DEFAULT_STANDIN_CLOUD, StandInCloud, standInClusterArn } from "./mocks";
import { actionMatches, conditionsHold, Decision, statements, UnsupportedConditionError } from "./evaluate";

export { Decision, UnsupportedConditionError };


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

/** The decision and the Allow statements (by index) that grant it, in one pass over the statements. */
function decide(doc: PolicyDocument, request: AssumeRequest): { decision: Decision; allowing: number[] } {
    const applicable = statements(doc).flatMap((s, i) => (principalMatches(s, request) && actionMatches(s, request.action) && conditionsHold(s, request.context) ? [{ s, i }] : []));
    if (applicable.some(({ s }) => s.Effect === "Deny")) return { decision: "ExplicitlyDenied", allowing: [] };
    const allowing = applicable.filter(({ s }) => s.Effect === "Allow").map(({ i }) => i);
    return { decision: allowing.length ? "Allowed" : "ImplicitlyDenied", allowing };
}

// ---------------------------------------------------------------------------------------------------------------
// Access matrix
// ---------------------------------------------------------------------------------------------------------------

/** A subject no configuration names: if it gets in, the trust is open to any service account of the cluster. */
export const PROBE_SUBJECT = serviceAccountSubject("kubeflow-irsa-probe", "any-service-account");

export interface FederatedTrust {
    providerArn: string;
    issuerHostPath: string;
}

/** The OIDC providers a trust policy names, with the issuer host/path its condition keys use. */
export function federatedTrusts(doc: PolicyDocument): FederatedTrust[] {
    const out = new Map<string, FederatedTrust>();
    for (const s of statements(doc)) {
        if (s.Principal === "*" || !s.Principal) continue;
        for (const providerArn of asList(s.Principal.Federated)) {
            const hostPath = providerArn.split(":oidc-provider/")[1];
            if (hostPath) out.set(providerArn, { providerArn, issuerHostPath: hostPath });
        }
    }
    return [...out.values()];
}

/** Every `sub` value written in a trust policy (exact subjects and patterns). */
export function subjectsNamed(doc: PolicyDocument): string[] {
    const found = new Set<string>();
    for (const s of statements(doc)) {
        for (const keys of Object.values(s.Condition ?? {})) {
            for (const [key, values] of Object.entries(keys)) {
                if (key.endsWith(":sub")) asList(values).forEach((v) => found.add(String(v)));
            }
        }
    }
    return [...found].sort();
}

export function webIdentityRequest(trust: FederatedTrust, subject: string, audience = STS_AUDIENCE): AssumeRequest {
    return {
        principalType: "Federated",
        principal: trust.providerArn,
        action: "sts:AssumeRoleWithWebIdentity",
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

/** Marks a service account that reaches a role through EKS Pod Identity, in tables and compare mode. */
export const POD_IDENTITY_SUFFIX = " (pod identity)";

/** Whether a statement lets EKS Pod Identity's service principal in. */
const isPodIdentityStatement = (s: PolicyStatement) => s.Effect === "Allow" && s.Principal !== "*" && asList(s.Principal?.Service).includes(POD_IDENTITY_SERVICE);

export function trustsPodIdentity(trust: PolicyDocument): boolean {
    return statements(trust).some(isPodIdentityStatement);
}

/** What a Pod Identity request that the trust should admit names: the cluster, namespace and service account. */
export interface PodIdentityProbe {
    clusterArn: string;
    namespace: string;
    serviceAccount: string;
}

/** A concrete instance of a condition value (a pattern's wildcards filled in), for a request that should match it. */
export const patternInstance = (value: string) => value.replace(/[*?]/g, "x");

/**
 * Requests a Pod Identity trust is written to admit, one per statement that trusts the service, read from that
 * statement's own conditions (the cluster, namespace and service account it names; probes where it names none):
 * what podIdentityScopeRisks needs when no association of the stack says which service account the role is for.
 */
export function podIdentityProbesOf(trust: PolicyDocument): PodIdentityProbe[] {
    return statements(trust)
        .filter(isPodIdentityStatement)
        .map((s) => {
            const named = (key: string) => {
                const value = Object.values(s.Condition ?? {}).map((keys) => asList(keys[key])[0]).find((v) => v !== undefined);
                return value === undefined ? undefined : patternInstance(String(value));
            };
            const account = named("aws:SourceAccount") ?? "111122223333";
            return {
                clusterArn: named(POD_IDENTITY_TAGS.clusterArn) ?? `arn:aws:eks:us-east-1:${account}:cluster/kubeflow-irsa-probe`,
                namespace: named(POD_IDENTITY_TAGS.namespace) ?? "kubeflow-irsa-probe",
                serviceAccount: named(POD_IDENTITY_TAGS.serviceAccount) ?? "default-editor",
            };
        });
}

/** The rules of one trust policy on its own, as the preview reports them and the policy pack enforces them. */
export type TrustRule =
    | "web-identity-aud"
    | "web-identity-sub"
    | "sub-beyond-namespace"
    | "pod-identity-namespace"
    | "pod-identity-any-namespace"
    | "pod-identity-service-account"
    | "pod-identity-cluster"
    | "pod-identity-account";

export interface TrustRisk {
    rule: TrustRule;
    severity: Severity;
    message: string;
    /** What to change in the trust, in plain words (the policy pack adds it to its messages). */
    fix: string;
    /** The Allow statements that admit the request the rule refuses (Sid, or `#<index>` without one). */
    statements: string[];
}

/**
 * The Allow statements through which a trust admits a request, named by Sid (or `#<index>`), for messages; none when
 * IAM refuses it (an explicit Deny wins, as in evaluateTrust).
 */
export function admittingStatements(doc: PolicyDocument, request: AssumeRequest): string[] {
    const all = statements(doc);
    return decide(doc, request).allowing.map((i) => all[i].Sid ?? `#${i}`);
}

/** Whether an OIDC provider (by its issuer host/path) is an EKS cluster's: `oidc.eks.<region>.amazonaws.com[.cn]/id/<id>`. */
export function isEksIssuer(issuerHostPath: string): boolean {
    return /^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[^/]+$/.test(issuerHostPath);
}

const clusterNameOf = (clusterArn: string) => clusterArn.split(":cluster/")[1] ?? clusterArn;
/** The same cluster ARN in another account (`111111111111` never names a real one here). */
const inAnotherAccount = (clusterArn: string) => clusterArn.replace(/^(arn:[^:]+:eks:[^:]*:)(\d{12})(:)/, (_, a, account, c) => `${a}${account === "111111111111" ? "222222222222" : "111111111111"}${c}`);

/**
 * Whether a Pod Identity trust is scoped: given a request it should admit (`probe`), it must refuse the same request
 * from another namespace (with any service account, and with the probe's own), from another service account, from
 * another cluster of the account, and from another account. What it admits beyond that, each a risk in plain words.
 */
export function podIdentityScopeRisks(trust: PolicyDocument, probe: PodIdentityProbe): TrustRisk[] {
    const risks: TrustRisk[] = [];
    const cluster = clusterNameOf(probe.clusterArn);
    const admitting = (clusterArn: string, namespace: string, serviceAccount: string) => podIdentityAdmitting(trust, clusterArn, namespace, serviceAccount);
    const tagFix = (what: string) => `add StringEquals conditions on ${what} to the statement that trusts ${POD_IDENTITY_SERVICE}`;
    const anyNamespace = admitting(probe.clusterArn, "kubeflow-irsa-probe", "any-service-account");
    // The probe's own service account in a namespace other than the probe's: a trust may name the account, not the namespace.
    const otherNamespace = probe.namespace === "kubeflow-irsa-probe" ? "kubeflow-irsa-probe-other" : "kubeflow-irsa-probe";
    const sameAccountElsewhere = anyNamespace.length ? [] : admitting(probe.clusterArn, otherNamespace, probe.serviceAccount);
    const anyServiceAccount = anyNamespace.length ? [] : admitting(probe.clusterArn, probe.namespace, "any-service-account");
    if (anyNamespace.length) {
        risks.push({ rule: "pod-identity-namespace", severity: "high", message: `Pod Identity trust does not restrict namespace and service account: any association in cluster ${cluster} can use it`, fix: tagFix(`${POD_IDENTITY_TAGS.namespace} and ${POD_IDENTITY_TAGS.serviceAccount}`), statements: anyNamespace });
    }
    if (sameAccountElsewhere.length) {
        risks.push({ rule: "pod-identity-any-namespace", severity: "high", message: `Pod Identity trust does not restrict the namespace: service account ${probe.serviceAccount} of any namespace in cluster ${cluster} can use it`, fix: tagFix(POD_IDENTITY_TAGS.namespace), statements: sameAccountElsewhere });
    }
    if (anyServiceAccount.length) {
        risks.push({ rule: "pod-identity-service-account", severity: "high", message: `Pod Identity trust does not restrict the service account: any association in namespace ${probe.namespace} of cluster ${cluster} can use it`, fix: tagFix(POD_IDENTITY_TAGS.serviceAccount), statements: anyServiceAccount });
    }
    const otherCluster = probe.clusterArn.replace(/:cluster\/.*$/, ":cluster/kubeflow-irsa-probe-cluster");
    const anyCluster = admitting(otherCluster, probe.namespace, probe.serviceAccount);
    if (anyCluster.length) {
        risks.push({ rule: "pod-identity-cluster", severity: "high", message: "Pod Identity trust does not restrict the cluster: an association in any cluster of the account can use it", fix: tagFix(POD_IDENTITY_TAGS.clusterArn), statements: anyCluster });
    }
    const anyAccount = admitting(inAnotherAccount(otherCluster), probe.namespace, probe.serviceAccount);
    if (anyAccount.length) {
        risks.push({ rule: "pod-identity-account", severity: "high", message: "Pod Identity trust restricts neither the cluster nor the account (aws:SourceAccount): an association in any account can use it", fix: tagFix(`${POD_IDENTITY_TAGS.clusterArn} (or aws:SourceAccount)`), statements: anyAccount });
    }
    return risks;
}

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

/**
 * The web-identity side of one trust, for each provider it federates (or each of `providers`): which of `candidates`
 * it admits (as `ns:sa`; `(any service account)` when a subject no configuration names gets in), and its risks: a
 * subject admitted for any audience, no effective `sub` condition.
 */
export function webIdentityReview(trust: PolicyDocument, candidates: readonly string[], providers: readonly FederatedTrust[] = federatedTrusts(trust)): { admitted: string[]; risks: TrustRisk[] } {
    const admitted: string[] = [];
    const risks: TrustRisk[] = [];
    const audFix = (p: FederatedTrust) => `add "StringEquals": {"${p.issuerHostPath}:aud": "${STS_AUDIENCE}"} to the statement`;
    const anyAudience = (p: FederatedTrust, subject: string) => admittingStatements(trust, webIdentityRequest(p, subject, "some-other-audience"));
    for (const provider of providers) {
        for (const subject of candidates) {
            if (evaluateTrust(trust, webIdentityRequest(provider, subject)) !== "Allowed") continue;
            admitted.push(shortSubject(subject));
            const open = anyAudience(provider, subject);
            if (open.length) {
                risks.push({ rule: "web-identity-aud", severity: "high", message: `trust does not check aud: a token for any audience from ${provider.issuerHostPath} can assume it as ${shortSubject(subject)}`, fix: audFix(provider), statements: open });
            }
        }
        const anySubject = admittingStatements(trust, webIdentityRequest(provider, PROBE_SUBJECT));
        if (anySubject.length) {
            admitted.push("(any service account)");
            risks.push({
                rule: "web-identity-sub",
                severity: "high",
                message: `trust has no effective sub condition: any service account of ${provider.issuerHostPath} can assume it`,
                fix: `add "StringEquals": {"${provider.issuerHostPath}:sub": "${SUBJECT_PREFIX}<namespace>:<service account>"} naming the service accounts that need the role`,
                statements: anySubject,
            });
            // With no subject of its own to show it, say here too that any audience gets in.
            const open = candidates.length ? [] : anyAudience(provider, PROBE_SUBJECT);
            if (open.length) {
                risks.push({ rule: "web-identity-aud", severity: "high", message: `trust does not check aud: a token for any audience from ${provider.issuerHostPath} can assume it`, fix: audFix(provider), statements: open });
            }
        }
    }
    return { admitted, risks };
}

/** A role's trust risks as the preview's findings. */
function roleFindings(role: string, risks: readonly TrustRisk[]): Finding[] {
    return risks.map((r) => ({ severity: r.severity, role, message: r.message }));
}

/**
 * `sub` patterns of a trust that reach beyond one namespace (checked on the text: no evaluation needed), with the
 * statements that write them; only the `sub` keys of `providers` when given.
 */
export function subPatternRisks(trust: PolicyDocument, providers?: readonly FederatedTrust[]): TrustRisk[] {
    const keys = providers && new Set(providers.map((p) => `${p.issuerHostPath}:sub`));
    const found = new Map<string, Set<string>>();
    statements(trust).forEach((statement, index) => {
        for (const block of Object.values(statement.Condition ?? {})) {
            for (const [key, values] of Object.entries(block)) {
                if (!key.endsWith(":sub") || (keys && !keys.has(key))) continue;
                for (const pattern of asList(values).map(String).filter((v) => /[*?]/.test(v) && subjectProblem(v, "StringLike") !== undefined)) {
                    found.set(pattern, (found.get(pattern) ?? new Set()).add(statement.Sid ?? `#${index}`));
                }
            }
        }
    });
    return [...found]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([pattern, named]) => ({
            rule: "sub-beyond-namespace",
            severity: "high",
            message: `sub pattern ${pattern} matches beyond one namespace`,
            fix: `name one namespace exactly (${SUBJECT_PREFIX}<namespace>:<service account>; a wildcard only in the service account)`,
            statements: [...named],
        }));
}

/** `system:serviceaccount:ns:sa` -> `ns:sa`, for tables. */
export function shortSubject(subject: string): string {
    return subject.startsWith(SUBJECT_PREFIX) ? subject.slice(SUBJECT_PREFIX.length) : subject;
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

export type Severity = "high" | "medium" | "info";

const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, info: 2 };

/** Findings order: most severe first, then by role and message. */
export function bySeverity(a: Finding, b: Finding): number {
    return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.role.localeCompare(b.role) || a.message.localeCompare(b.message);
}

export interface Finding {
    severity: Severity;
    role: string;
    message: string;
    /** The risk rule behind a permission finding (components/iamRisk.ts), for tools that filter by rule. */
    rule?: string;
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

/** Operators under which a `sub` condition admits exactly the values it lists. */
const EXACT_OPERATORS = new Set(["StringEquals", "StringEqualsIgnoreCase"]);

/**
 * The subjects worth evaluating against a role: when every `sub` condition of its trust lists exact values, no
 * subject outside its own lists can match (a trust with no `sub` at all is caught by the probe), so the role's own
 * subjects suffice; patterns and negated operators need every subject any trust names. This keeps the analysis
 * linear in the number of roles.
 */
function candidateSubjects(trust: PolicyDocument, universe: string[]): string[] {
    const exactOnly = statements(trust).every((s) =>
        Object.entries(s.Condition ?? {}).every(([operator, keys]) => EXACT_OPERATORS.has(operator) || !Object.keys(keys).some((k) => k.endsWith(":sub"))),
    );
    return exactOnly ? subjectsNamed(trust) : universe;
}

/** Managed policies that grant far more than a profile should have. */
const BROAD_MANAGED_POLICIES = ["AdministratorAccess", "AmazonS3FullAccess", "IAMFullAccess", "PowerUserAccess"];

/** The name of an AWS-managed policy that grants far more than a profile should have, or undefined. */
export function broadManagedPolicy(arn: string): string | undefined {
    const name = arn.split("/").pop()!;
    return BROAD_MANAGED_POLICIES.includes(name) ? name : undefined;
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
    findings.sort(bySeverity);
    return { matrix, findings };
}
