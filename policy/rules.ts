/**
 * The policy pack's rules as pure functions: a resource (or a stack's Profiles and roles) in, the violations' messages
 * out. Every verdict comes from the IAM core the offline preview uses (iam/trustRules.ts for trusts,
 * iam/permissionRisks.ts for permissions), so the pack, the preview's findings and the config's refusals cannot
 * disagree; this file only chooses which of their results each rule enforces and words them for a reviewer: the
 * resource, the document and statement, what is wrong, and the fix.
 */
import { conditionValues, PolicyDocument, statements } from "../iam/document";
import { broadManagedPolicy, hasWildcard, refusedRisks, RiskRule, scopeRisks, statementScopes } from "../iam/permissionRisks";
import { isEksIssuer, POD_IDENTITY_TAGS, serviceAccountSubject, shortSubject, subjectParts } from "../iam/identity";
import { admittingStatements, podIdentityAdmitting, UnsupportedConditionError, webIdentityRequest } from "../iam/evaluate";
import { exactValuesOnly, federatedTrusts, isSubKey, patternInstance, podIdentityProbesOf, podIdentityScopeRisks, subjectsNamed, subPatternRisks, TrustRisk, trustsPodIdentity, webIdentityReview } from "../iam/trustRules";
import { awsManagedPolicyDocument } from "../iam/managedPolicies";
import { documentProblems, managedPolicyArnProblem } from "../iam/validate";
import { arnNamesRole, declaringComponents, describe, documentOf, LabelledDocument, managedPolicyArnsOf, permissionDocumentsOf, Target, trustOf } from "./resources";
import { CONTROLLER_COMPONENT_TYPE } from "../components/typeTokens";

/** The permission rules enforced as advisory policies: the offline preview's high findings. */
export const ADVISORY_RISK_RULES = ["privilege-escalation", "resource-exposure", "workload-takeover", "assume-any-role", "data-on-wildcard"] as const satisfies readonly RiskRule[];
export type AdvisoryRiskRule = (typeof ADVISORY_RISK_RULES)[number];

const statementNames = (names: readonly string[]) => (names.length === 1 ? `statement ${names[0]}` : `statements ${names.join(", ")}`);
const trustMessage = (target: Target, trust: LabelledDocument, risk: TrustRisk) =>
    `${describe(target)}: ${trust.label}${risk.statements.length ? `, ${statementNames(risk.statements)}` : ""}: ${risk.message}. Fix: ${risk.fix}`;
/** A trust the evaluator cannot decide (an operator it does not model) is refused: a rule that cannot tell must not pass it. */
const undecided = (target: Target, trust: LabelledDocument, err: UnsupportedConditionError) =>
    `${describe(target)}: ${trust.label}: ${err.message}, so the pack cannot tell who may assume it. Fix: use StringEquals/StringLike conditions, or set this policy to advisory for this stack after a review by hand`;

function trustViolations(target: Target, review: (doc: PolicyDocument) => TrustRisk[]): string[] {
    const trust = trustOf(target);
    if (!trust) return [];
    try {
        const seen = new Set<string>();
        return review(trust.document)
            .map((risk) => trustMessage(target, trust, risk))
            .filter((message) => !seen.has(message) && seen.add(message));
    } catch (err) {
        if (err instanceof UnsupportedConditionError) return [undecided(target, trust, err)];
        throw err;
    }
}

/**
 * Mandatory: a trust that federates an EKS cluster's OIDC provider lets `AssumeRoleWithWebIdentity` in only with
 * `aud = sts.amazonaws.com` and a `sub` naming one namespace (no wildcard there). Other OIDC providers (GitHub's, for
 * the pipeline roles) are not this rule's business.
 */
export function eksWebIdentityViolations(target: Target): string[] {
    return trustViolations(target, (doc) => {
        const eks = federatedTrusts(doc).filter((p) => isEksIssuer(p.issuerHostPath));
        if (eks.length === 0) return [];
        return [...webIdentityReview(doc, subjectsNamed(doc), eks).risks, ...subPatternRisks(doc, eks)];
    });
}

/**
 * Mandatory: a trust of `pods.eks.amazonaws.com` admits only the namespace and service account it names (session
 * tags), and only from its own cluster or account; probed with the association its own conditions describe.
 */
export function eksPodIdentityViolations(target: Target): string[] {
    return trustViolations(target, (doc) => (trustsPodIdentity(doc) ? podIdentityProbesOf(doc).flatMap((probe) => podIdentityScopeRisks(doc, probe)) : []));
}

/** Mandatory: no IAM write on a wildcard resource, in any identity policy the resource declares (what the config refuses). */
export function iamWriteOnWildcardViolations(target: Target): string[] {
    return permissionDocumentsOf(target).flatMap(({ label, document }) =>
        refusedRisks(document).map(({ statement, risk }) => `${describe(target)}: ${label}, statement ${statements(document)[statement].Sid ?? `#${statement}`}: ${risk.message}`),
    );
}

/**
 * Advisory (an organisation may make any of them mandatory): one of the offline preview's high risks, in the
 * resource's own policies and in the AWS-managed policies it attaches. The profile controller's trust rewrites on
 * exact role ARNs are its job (the preview says the same: reach.ts riskFindings); on a wildcard they never are.
 */
export function riskViolations(target: Target, rule: AdvisoryRiskRule, self?: { name: string; path?: string }): string[] {
    // A role's own ARN (its name and path; the account is not known before it exists): its own PassRole is no escalation.
    const selfArnOf = (resource: string) => (self && !hasWildcard(resource) && arnNamesRole(resource, self.path, self.name) ? resource : undefined);
    const byDesign = rule === "privilege-escalation" && declaringComponents(target.urn).includes(CONTROLLER_COMPONENT_TYPE);
    const managed = managedPolicyArnsOf(target).flatMap((arn) => {
        const document = documentOf(awsManagedPolicyDocument(arn));
        return document ? [{ label: `AWS-managed policy ${arn}`, document }] : [];
    });
    const messages = new Set<string>();
    for (const { label, document } of [...permissionDocumentsOf(target), ...managed]) {
        statements(document).forEach((statement, index) => {
            for (const scope of statementScopes(statement)) {
                for (const risk of scopeRisks(scope, { selfArn: selfArnOf(scope.resource) })) {
                    if (risk.rule !== rule || risk.severity !== "high" || (byDesign && !hasWildcard(risk.resource))) continue;
                    messages.add(`${describe(target)}: ${label}, statement ${statement.Sid ?? `#${index}`}: ${risk.message}`);
                }
            }
        });
    }
    return [...messages];
}

/**
 * Mandatory: every document a resource holds is one IAM takes and whose every part can match (iam/validate.ts, the
 * config's refusal), and every AWS-managed policy it attaches exists at that path. The partition and account are the
 * config's to check: the pack sees ARNs before the account is known.
 */
export function policyDocumentViolations(target: Target): string[] {
    const trust = trustOf(target);
    const documents = [...permissionDocumentsOf(target).map((d) => ({ ...d, kind: "identity" as const })), ...(trust ? [{ ...trust, kind: "trust" as const }] : [])];
    const problems = documents.flatMap(({ label, document, kind }) =>
        documentProblems(document, { kind }).map((p) => `${describe(target)}: ${label}${p.statement === undefined ? "" : `, statement ${statements(document)[p.statement]?.Sid ?? `#${p.statement}`}`}: ${p.message}`),
    );
    const arns = managedPolicyArnsOf(target).flatMap((arn) => {
        const problem = /^arn:[^:]+:iam::aws:policy\//.test(arn) ? managedPolicyArnProblem(arn, {}) : undefined;
        return problem ? [`${describe(target)}: ${problem}`] : [];
    });
    return [...problems, ...arns];
}

/** Advisory: attaches an AWS-managed policy that grants far more than a workload should have (the preview's `attaches`). */
export function broadManagedPolicyViolations(target: Target): string[] {
    return managedPolicyArnsOf(target).flatMap((arn) => {
        const name = broadManagedPolicy(arn);
        return name ? [`${describe(target)}: attaches ${name} (${arn}). Fix: grant the actions and resources the workload needs in its own policy`] : [];
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Stack-wide: each Profile's role trusts that Profile's namespace, and no other Profile's
// ---------------------------------------------------------------------------------------------------------------

/** A role the stack declares, with what identifies it before and after it exists. */
export interface StackRole {
    target: Target;
    /** The IAM role name and path (known at preview when the program names the role). */
    name?: string;
    path?: string;
    /** Its ARN, when known. */
    arn?: string;
}

/** A `kubeflow.org/v1` Profile of the stack and the role its `AwsIamForServiceAccount` plugin names. */
export interface StackProfile {
    target: Target;
    /** The Profile's name: its namespace. */
    namespace: string;
    /** `spec.plugins[kind=AwsIamForServiceAccount].spec.awsIamRole`, when known. */
    awsIamRole?: string;
    /** URNs of the resources the Profile's `spec` is computed from (the role, when its ARN is not known yet). */
    specDependsOn: string[];
}

/**
 * Finds a Profile's role among the stack's: by ARN, by name and path, or (its ARN unknown at preview) the one role its
 * spec depends on. Indexed once, so a stack of N Profiles and N roles costs N lookups, not N².
 */
export function profileRoleFinder(roles: readonly StackRole[]): (profile: StackProfile) => StackRole | undefined {
    const byArn = new Map(roles.filter((r) => r.arn !== undefined).map((r) => [r.arn!, r]));
    // An ARN's resource part (`role/<path>/<name>`) names the role whatever the account.
    const byResource = new Map(roles.filter((r) => r.name !== undefined).map((r) => [`role${r.path ?? "/"}${r.name}`, r]));
    const byUrn = new Map(roles.map((r) => [r.target.urn, r]));
    return (profile) => {
        if (profile.awsIamRole !== undefined) return byArn.get(profile.awsIamRole) ?? byResource.get(profile.awsIamRole.split(":").slice(5).join(":"));
        const candidates = profile.specDependsOn.flatMap((urn) => byUrn.get(urn) ?? []);
        return candidates.length === 1 ? candidates[0] : undefined;
    };
}

/** The service accounts probed in any namespace: the one the plugin annotates, and one nobody configured. */
const genericProbes = (namespace: string) => [serviceAccountSubject(namespace, "default-editor"), serviceAccountSubject(namespace, "kubeflow-irsa-probe")];

/**
 * One trust, read once for the stack-wide rule: the service accounts of a namespace to probe against it (the one the
 * plugin annotates, one nobody configured, and those the trust itself names there, as subjects or as Pod Identity
 * service-account tags, patterns filled in), and the statements through which it admits a subject (any EKS
 * web-identity provider it federates, or Pod Identity), an explicit Deny taken into account.
 */
function trustProbe(trust: PolicyDocument) {
    const subjects = subjectsNamed(trust);
    const eksProviders = federatedTrusts(trust).filter((p) => isEksIssuer(p.issuerHostPath));
    const podProbes = trustsPodIdentity(trust) ? podIdentityProbesOf(trust) : [];
    return {
        probes(namespace: string): string[] {
            const named = [...subjects.filter((s) => subjectParts(s)?.namespace === namespace).map(patternInstance), ...podProbes.map((probe) => serviceAccountSubject(namespace, probe.serviceAccount))];
            return [...new Set([...genericProbes(namespace), ...named])];
        },
        admits(subject: string): string[] {
            const { namespace, serviceAccount } = subjectParts(subject)!;
            const viaIrsa = eksProviders.flatMap((p) => admittingStatements(trust, webIdentityRequest(p, subject)));
            const viaPods = podProbes.flatMap((probe) => podIdentityAdmitting(trust, probe.clusterArn, namespace, serviceAccount));
            return [...new Set([...viaIrsa, ...viaPods])];
        },
    };
}

/**
 * The Profiles' namespaces worth probing against a trust. When every condition on a subject or a Pod Identity
 * namespace lists exact values, no namespace it does not name can get in (a trust open to any namespace is caught by the
 * probe first), so only those are probed: the stack-wide rule stays linear in the Profiles, not quadratic.
 */
function namespacesToProbe(trust: PolicyDocument, profileNamespaces: ReadonlySet<string>): Iterable<string> {
    const podNamespaceKey = (key: string) => key.toLowerCase() === POD_IDENTITY_TAGS.namespace.toLowerCase();
    if (!exactValuesOnly(trust, (key) => isSubKey(key) || podNamespaceKey(key))) return profileNamespaces;
    const podNamespaces = statements(trust).flatMap((st) => conditionValues(st, podNamespaceKey));
    return new Set([...subjectsNamed(trust).flatMap((s) => subjectParts(s)?.namespace ?? []), ...podNamespaces]);
}

/**
 * Mandatory, stack-wide: the role a Profile's `AwsIamForServiceAccount` plugin names, where the stack declares it,
 * admits that Profile's `default-editor` (the service account the plugin annotates) and no service account of another
 * Profile's namespace. Profiles whose role the stack does not declare are another stack's business.
 */
export function profileRoleViolations(profile: StackProfile, role: StackRole, profileNamespaces: ReadonlySet<string>): string[] {
    const trust = trustOf(role.target);
    if (!trust) return [];
    const roleName = describe(role.target);
    const where = `Profile "${profile.namespace}" (AwsIamForServiceAccount) names ${roleName}`;
    try {
        const violations: string[] = [];
        const own = serviceAccountSubject(profile.namespace, "default-editor");
        const probe = trustProbe(trust.document);
        if (probe.admits(own).length === 0) {
            violations.push(`${where}, whose ${trust.label} does not admit ${profile.namespace}:default-editor: the profile's notebooks and pipelines get no credentials. Fix: trust system:serviceaccount:${profile.namespace}:default-editor (with aud = sts.amazonaws.com), or name the profile's own role`);
        }
        // A trust open to a namespace nobody configured is open to every other Profile's.
        const anyNamespace = probe.probes("kubeflow-irsa-probe-namespace").some((subject) => probe.admits(subject).length > 0);
        const others = (namespaces: Iterable<string>) => [...namespaces].filter((ns) => ns !== profile.namespace && profileNamespaces.has(ns)).sort();
        const admitted = others(anyNamespace ? profileNamespaces : namespacesToProbe(trust.document, profileNamespaces)).flatMap((namespace) => {
            for (const subject of probe.probes(namespace)) {
                const through = probe.admits(subject);
                if (through.length) return [{ namespace, serviceAccount: shortSubject(subject), through }];
            }
            return [];
        });
        if (admitted.length) {
            const through = [...new Set(admitted.flatMap((a) => a.through))];
            const first = admitted[0];
            const more = admitted.length > 1 ? ` and service accounts of ${admitted.length - 1} more Profiles' namespaces (${admitted.slice(1, 6).map((a) => a.namespace).join(", ")}${admitted.length > 6 ? ", …" : ""})` : "";
            violations.push(`${where}, whose ${trust.label} (${statementNames(through)}) also admits ${first.serviceAccount}, a service account of Profile "${first.namespace}"${more}: ${more ? "those profiles'" : "that profile's"} pods can act as this one, with its data. Fix: give each profile its own role whose trust names only its own namespace`);
        }
        return violations;
    } catch (err) {
        if (err instanceof UnsupportedConditionError) return [undecided(role.target, trust, err)];
        throw err;
    }
}
