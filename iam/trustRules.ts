/**
 * The rules of one trust policy on its own, as the offline preview reports them, the policy pack enforces them and
 * adopt reads them: who a trust federates and names, the probes that show a trust open beyond what it names (any
 * service account, any audience, another namespace, cluster or account), and `sub` patterns beyond one namespace.
 * Every verdict comes from the evaluator (evaluate.ts).
 *
 * Pure: part of the IAM core (iam/), which imports nothing else of the project and nothing of Pulumi.
 */
import { OidcTrustTarget, POD_IDENTITY_SERVICE, POD_IDENTITY_TAGS, serviceAccountSubject, shortSubject, STS_AUDIENCE, SUBJECT_PREFIX, subjectParts, WEB_IDENTITY_ACTION } from "./identity";
import { asList, conditionValues, PolicyDocument, PolicyStatement, sortedUnique, statements } from "./document";
import { actionMatches, admittingStatements, evaluateTrust, podIdentityAdmitting, UnsupportedConditionError, webIdentityRequest } from "./evaluate";

/** An audience no token for STS carries: if a trust admits it, the trust does not check `aud`. */
const OTHER_AUDIENCE = "some-other-audience";

/** A subject no configuration names: if it gets in, the trust is open to any service account of the cluster. */
export const PROBE_SUBJECT = serviceAccountSubject("kubeflow-irsa-probe", "any-service-account");

/** The OIDC providers a trust policy names, with the issuer host/path its condition keys use. */
export function federatedTrusts(doc: PolicyDocument): OidcTrustTarget[] {
    const out = new Map<string, OidcTrustTarget>();
    for (const s of statements(doc)) {
        if (s.Principal === "*" || !s.Principal) continue;
        for (const providerArn of asList(s.Principal.Federated)) {
            const hostPath = providerArn.split(":oidc-provider/")[1];
            if (hostPath) out.set(providerArn, { providerArn, issuerHostPath: hostPath });
        }
    }
    return [...out.values()];
}

/** Whether a condition key is an OIDC provider's `sub` key (`<issuer>:sub`, in any case, as IAM reads keys). */
export const isSubKey = (key: string) => key.toLowerCase().endsWith(":sub");

/**
 * The one reader of `sub` conditions: the values a statement lists under `<issuer>:sub` keys (in any case, as IAM
 * reads condition keys), for one issuer when given, under the given operators when given (else any operator).
 */
export function subjectValues(statement: PolicyStatement | undefined, only: { issuerHostPath?: string; operators?: readonly string[] } = {}): string[] {
    const wanted = only.issuerHostPath === undefined ? undefined : `${only.issuerHostPath}:sub`.toLowerCase();
    return conditionValues(statement, wanted === undefined ? isSubKey : (key) => key.toLowerCase() === wanted, only.operators);
}

/** Every `sub` value written in a trust policy (exact subjects and patterns), under any operator. */
export function subjectsNamed(doc: PolicyDocument): string[] {
    return sortedUnique(statements(doc).flatMap((s) => subjectValues(s)));
}

/** The operators a trust lists admitted subjects under (what the package writes, and what adopt carries over). */
const SUBJECT_LIST_OPERATORS = ["StringEquals", "StringLike"];

/** The `sub` entries of one statement for one issuer, under either string operator: what a writer of it owns. */
export function statementSubjects(statement: PolicyStatement | undefined, issuerHostPath: string): string[] {
    return sortedUnique(subjectValues(statement, { issuerHostPath, operators: SUBJECT_LIST_OPERATORS }));
}

/** What a trust grants one OIDC provider's tokens, read once (adopt carries it over into a profile's config). */
export interface WebIdentityReading {
    /** Exact `sub` values of the statements federating the provider (`system:serviceaccount:<ns>:<sa>`). */
    subjects: string[];
    /** `sub` values with wildcards. */
    patterns: string[];
    /** The evaluator admits a service account nobody names: the trust has no effective `sub` condition. */
    anySubject: boolean;
    /** The evaluator admits a token minted for another audience: the trust has no effective `aud` condition. */
    anyAudience: boolean;
    /** Statements that do not federate the provider (other principals). */
    otherStatements: PolicyStatement[];
    /** Set when a condition operator the evaluator does not model keeps it from deciding the two above. */
    undecided?: string;
}

/**
 * Reads a trust for one OIDC provider: the statements that allow it `sts:AssumeRoleWithWebIdentity`, their subjects,
 * and what the evaluator says of any subject and any audience. Undefined when no statement federates the provider.
 */
export function readWebIdentityTrust(trust: PolicyDocument, provider: OidcTrustTarget): WebIdentityReading | undefined {
    const federates = (s: PolicyStatement) => s.Effect === "Allow" && s.Principal !== "*" && asList(s.Principal?.Federated).includes(provider.providerArn) && actionMatches(s, WEB_IDENTITY_ACTION);
    const ours = statements(trust).filter(federates);
    if (ours.length === 0) return undefined;
    const values = ours.flatMap((s) => subjectValues(s, { issuerHostPath: provider.issuerHostPath, operators: SUBJECT_LIST_OPERATORS }));
    const subjects = sortedUnique(values.filter((v) => !/[*?]/.test(v)));
    const patterns = sortedUnique(values.filter((v) => /[*?]/.test(v)));
    const otherStatements = statements(trust).filter((s) => !federates(s));
    try {
        const admits = (subject: string, audience?: string) => evaluateTrust(trust, webIdentityRequest(provider, subject, audience)) === "Allowed";
        const anySubject = admits(PROBE_SUBJECT);
        const anyAudience = [...subjects, ...patterns.map(patternInstance), PROBE_SUBJECT].some((s) => admits(s, OTHER_AUDIENCE));
        return { subjects, patterns, anySubject, anyAudience, otherStatements };
    } catch (err) {
        if (!(err instanceof UnsupportedConditionError)) throw err;
        return { subjects, patterns, anySubject: false, anyAudience: false, otherStatements, undecided: err.message };
    }
}

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
                const [value] = conditionValues(s, (k) => k === key);
                return value === undefined ? undefined : patternInstance(value);
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
 * The web-identity side of one trust, for each provider it federates (or each of `providers`): which of `candidates`
 * it admits (as `ns:sa`; `(any service account)` when a subject no configuration names gets in), and its risks: a
 * subject admitted for any audience, no effective `sub` condition.
 */
export function webIdentityReview(trust: PolicyDocument, candidates: readonly string[], providers: readonly OidcTrustTarget[] = federatedTrusts(trust)): { admitted: string[]; risks: TrustRisk[] } {
    const admitted: string[] = [];
    const risks: TrustRisk[] = [];
    const audFix = (p: OidcTrustTarget) => `add "StringEquals": {"${p.issuerHostPath}:aud": "${STS_AUDIENCE}"} to the statement`;
    const anyAudience = (p: OidcTrustTarget, subject: string) => admittingStatements(trust, webIdentityRequest(p, subject, OTHER_AUDIENCE));
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

/** Whether a `sub` pattern can match service accounts of more than one namespace (or is no service-account subject at all). */
function beyondOneNamespace(pattern: string): boolean {
    const parts = subjectParts(pattern);
    return parts === undefined || /[*?]/.test(parts.namespace);
}

/**
 * `sub` patterns of a trust that reach beyond one namespace (checked on the text: no evaluation needed), with the
 * statements that write them; only the `sub` keys of `providers` when given.
 */
export function subPatternRisks(trust: PolicyDocument, providers?: readonly OidcTrustTarget[]): TrustRisk[] {
    const found = new Map<string, Set<string>>();
    statements(trust).forEach((statement, index) => {
        const values = providers ? providers.flatMap((p) => subjectValues(statement, { issuerHostPath: p.issuerHostPath })) : subjectValues(statement);
        for (const pattern of values.filter((v) => /[*?]/.test(v) && beyondOneNamespace(v))) {
            found.set(pattern, (found.get(pattern) ?? new Set()).add(statement.Sid ?? `#${index}`));
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

export type Severity = "high" | "medium" | "info";

/** Operators under which a condition admits exactly the values it lists. */
const EXACT_OPERATORS = new Set(["StringEquals", "StringEqualsIgnoreCase"]);

/**
 * Whether every condition of a trust on the keys `isKey` picks lists exact values: then no value it does not list can
 * match, so only the values it names need probing (a trust with no such condition at all is caught by a probe). What
 * keeps the preview's analysis and the pack's stack-wide rule linear in the roles and Profiles.
 */
export function exactValuesOnly(trust: PolicyDocument, isKey: (key: string) => boolean): boolean {
    return statements(trust).every((s) => Object.entries(s.Condition ?? {}).every(([operator, keys]) => EXACT_OPERATORS.has(operator) || !Object.keys(keys).some(isKey)));
}
