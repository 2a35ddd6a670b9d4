/**
 * The config's rules that need more than one entry (unique names and roles, who trusts whom, sizes of what several
 * entries write together, the deploy limits of limits.ts applied to each entry), and the resolution of each profile's
 * settings from the stack-wide defaults.
 */
import { ResolvedController, ResolvedProfile, StackConfig } from "./schema";
import { Problem } from "./errors";
import { profileControllerRoleName, profileRoleDescription, profileRoleName } from "../components/names";
import { profileControllerPolicy, ROLE_INLINE_POLICIES_MAX_LENGTH, s3AccessPolicy } from "../components/permissionPolicies";
import { arnAccount, roleArn } from "../iam/arns";
import { PolicyDocument, policyLength } from "../iam/document";
import { isConcreteSubject, issuerHostPath, issuerHostPathFromProviderArn, usesPodIdentity } from "../iam/identity";
import { IAM_ROLE_DESCRIPTION_MAX_LENGTH, MANAGED_POLICIES_PER_ROLE_DEFAULT, MANAGED_POLICIES_PER_ROLE_MAX, POD_IDENTITY_ASSOCIATIONS_PER_CLUSTER, reservedNamespaceReason, rolesQuotaVerdict, roleTagsProblem, StackRoleCount } from "./limits";
import { CONTROLLER_OWN_TAG_KEYS, PROFILE_OWN_TAG_KEYS, ROLE_PAIR_OWN_TAG_KEYS } from "../components/tags";

/** Account id placeholder: only its length matters when estimating policy sizes before the account is known. */
const ACCOUNT_PLACEHOLDER = "000000000000";

/**
 * The rules across entries: the problems that refuse the config, and the warnings of what it allows but a reviewer
 * should see (the program logs them, the preview lists them as findings).
 */
export function crossEntryChecks(cfg: StackConfig, resolved: ResolvedProfile[]): { problems: Problem[]; warnings: string[] } {
    const problems: Problem[] = [];
    // The controller's inline policy lists every managed role ARN; IAM caps a role's inline policies in total.
    const managed = resolved.filter((p) => !p.annotateOnly);
    const controllerPolicy = profileControllerPolicy(managed.map((p) => roleArn("aws-us-gov", ACCOUNT_PLACEHOLDER, p.rolePath, p.roleName)));
    if (controllerPolicy && policyLength(controllerPolicy) > ROLE_INLINE_POLICIES_MAX_LENGTH) {
        problems.push({
            path: ["profiles"],
            message: `has ${managed.length} profiles with annotateOnly: false; the controller policy listing their role ARNs would be ${policyLength(controllerPolicy)} characters, over IAM's ${ROLE_INLINE_POLICIES_MAX_LENGTH}-character inline policy quota: set annotateOnly: true on more profiles (this package manages their trust policies itself)`,
        });
    }

    if (cfg.oidcIssuerUrl && cfg.oidcProviderArn && issuerHostPath(cfg.oidcIssuerUrl) !== issuerHostPathFromProviderArn(cfg.oidcProviderArn)) {
        problems.push({
            path: ["oidcProviderArn"],
            message: `names issuer ${issuerHostPathFromProviderArn(cfg.oidcProviderArn)}, but oidcIssuerUrl is ${cfg.oidcIssuerUrl}: they must name the same issuer (or drop oidcIssuerUrl)`,
        });
    }
    resolved.forEach((p, i) => {
        if (p.identity !== "irsa" && !p.annotateOnly) {
            problems.push({
                path: ["profiles", i, "annotateOnly"],
                message: `is false, but the profile's identity is ${p.identity}: off irsa the Profile carries no IAM plugin, so the controller manages nothing; remove annotateOnly`,
            });
        }
    });
    cfg.rolePairs.forEach((pair, i) => {
        const identity = pair.identity ?? cfg.identity;
        if (identity === "irsa") return;
        if (pair.subjectMatch !== "StringEquals") {
            problems.push({ path: ["rolePairs", i, "subjectMatch"], message: `must be StringEquals on ${identity}: a Pod Identity association names one concrete service account, no patterns` });
        }
        pair.subjects.forEach((subject, j) => {
            if (!isConcreteSubject(subject)) {
                problems.push({ path: ["rolePairs", i, "subjects", j], message: `is not a concrete system:serviceaccount:<namespace>:<name>: on ${identity} each subject becomes one Pod Identity association, so patterns are not possible` });
            }
        });
        if (identity === "podIdentity" && pair.externalId !== undefined) {
            problems.push({ path: ["rolePairs", i, "externalId"], message: "has no effect on podIdentity (EKS generates an external id per association): remove it, or keep irsa+podIdentity while IRSA pods still use it" });
        }
    });
    const pairAssociations = cfg.rolePairs.filter((pair) => usesPodIdentity(pair.identity ?? cfg.identity)).reduce((n, pair) => n + pair.subjects.length, 0);
    const associations = resolved.filter((p) => usesPodIdentity(p.identity)).reduce((n, p) => n + p.serviceAccounts.length, pairAssociations);
    if (associations > POD_IDENTITY_ASSOCIATIONS_PER_CLUSTER) {
        problems.push({
            path: ["profiles"],
            message: `needs ${associations} Pod Identity associations (one per service account of each profile, and per subject of each role pair, on podIdentity or irsa+podIdentity), over EKS's ${POD_IDENTITY_ASSOCIATIONS_PER_CLUSTER} per cluster, which AWS does not raise: keep ${associations - POD_IDENTITY_ASSOCIATIONS_PER_CLUSTER} or more of them on irsa`,
        });
    }

    problems.push(...deployLimitProblems(cfg, resolved));
    const rolesQuota = rolesQuotaVerdict(stackRoleCount(cfg, resolved), cfg.iamRolesQuota);
    if (rolesQuota.problem) problems.push({ path: ["profiles"], message: rolesQuota.problem });

    const create = cfg.cluster.create;
    if (create) {
        for (const key of ["oidcIssuerUrl", "oidcProviderArn", "oidcThumbprints"] as const) {
            if (cfg[key] !== undefined) {
                problems.push({ path: [key], message: "cannot be used with cluster.create: the created cluster brings its own issuer and OIDC provider; remove it" });
            }
        }
        if (!create.kubeflowInstalled && cfg.profiles.length > 0) {
            problems.push({
                path: ["cluster", "create", "kubeflowInstalled"],
                message: `is false, but ${cfg.profiles.length} profiles are listed: a cluster this stack creates has no Kubeflow (no Profile CRD, no controller) yet. Deploy with profiles: [] first, install Kubeflow, then set cluster.create.kubeflowInstalled: true`,
            });
        }
    }
    if (cfg.oidcProviderArn && cfg.oidcThumbprints) {
        problems.push({ path: ["oidcThumbprints"], message: "has no effect with oidcProviderArn (an adopted provider is not changed): remove one of them" });
    }
    return { problems, warnings: rolesQuota.warning ? [rolesQuota.warning] : [] };
}

/** Namespaces a Profile may not take, and what IAM would refuse at deploy (limits.ts). */
function deployLimitProblems(cfg: StackConfig, resolved: ResolvedProfile[]): Problem[] {
    const problems: Problem[] = [];
    // Stack tags over the limit are one problem, not one per role.
    const stackTagProblem = roleTagsProblem(cfg.tags, CONTROLLER_OWN_TAG_KEYS);
    resolved.forEach((p, i) => {
        const reason = reservedNamespaceReason(p.name, cfg.profileController.namespace, cfg.reservedNamespaces);
        if (reason) {
            problems.push({ path: ["profiles", i, "name"], message: `${reason}: name the profile after a namespace of its own (the Profile makes it, and its service accounts get the role)` });
        }
        const tagProblem = stackTagProblem ? undefined : roleTagsProblem(p.tags, PROFILE_OWN_TAG_KEYS);
        if (tagProblem) problems.push({ path: ["profiles", i, "tags"], message: tagProblem });
        const description = profileRoleDescription(p.name, p.serviceAccounts, p.identity);
        if (description.length > IAM_ROLE_DESCRIPTION_MAX_LENGTH) {
            problems.push({ path: ["profiles", i, "serviceAccounts"], message: `makes the role's description ${description.length} characters (it lists the service accounts), over IAM's ${IAM_ROLE_DESCRIPTION_MAX_LENGTH}: split the profile's workloads over fewer service accounts` });
        }
        if (p.policyArns.length > cfg.managedPoliciesPerRole) {
            problems.push({ path: ["profiles", i, "policyArns"], message: `lists ${p.policyArns.length} managed policies, over the ${cfg.managedPoliciesPerRole} per role of managedPoliciesPerRole (IAM's quota; default ${MANAGED_POLICIES_PER_ROLE_DEFAULT}, raised up to ${MANAGED_POLICIES_PER_ROLE_MAX} on request): merge some into inlinePolicy, or raise the account's quota and managedPoliciesPerRole` });
        }
        // The longest partition's ARNs: the size must hold wherever the stack deploys.
        const inline = [s3AccessPolicy("aws-us-gov", p.s3Buckets), p.inlinePolicy as PolicyDocument | undefined].reduce((n, doc) => n + (doc ? policyLength(doc) : 0), 0);
        if (inline > ROLE_INLINE_POLICIES_MAX_LENGTH) {
            problems.push({ path: ["profiles", i, p.inlinePolicy ? "inlinePolicy" : "s3Buckets"], message: `gives the role ${inline} characters of inline policy (s3Buckets' policy and inlinePolicy together), over IAM's ${ROLE_INLINE_POLICIES_MAX_LENGTH} per role: grant whole buckets instead of many prefixes, or move rights into a managed policy (policyArns)` });
        }
    });
    if (stackTagProblem) problems.push({ path: ["tags"], message: stackTagProblem });
    cfg.rolePairs.forEach((pair, i) => {
        const tagProblem = stackTagProblem ? undefined : roleTagsProblem({ ...cfg.tags, ...pair.tags }, ROLE_PAIR_OWN_TAG_KEYS);
        if (tagProblem) problems.push({ path: ["rolePairs", i, "tags"], message: tagProblem });
        if (pair.assetPolicyArns.length > cfg.managedPoliciesPerRole) {
            problems.push({ path: ["rolePairs", i, "assetPolicyArns"], message: `lists ${pair.assetPolicyArns.length} managed policies, over the ${cfg.managedPoliciesPerRole} per role of managedPoliciesPerRole (IAM's quota; default ${MANAGED_POLICIES_PER_ROLE_DEFAULT}, raised up to ${MANAGED_POLICIES_PER_ROLE_MAX} on request)` });
        }
        if (pair.assetPolicy && policyLength(pair.assetPolicy as PolicyDocument) > ROLE_INLINE_POLICIES_MAX_LENGTH) {
            problems.push({ path: ["rolePairs", i, "assetPolicy"], message: `is ${policyLength(pair.assetPolicy as PolicyDocument)} characters, over IAM's ${ROLE_INLINE_POLICIES_MAX_LENGTH} of inline policy per role: move rights into a managed policy (assetPolicyArns)` });
        }
    });
    return problems;
}

export function resolveProfiles(cfg: StackConfig): ResolvedProfile[] {
    return cfg.profiles.map((p) => ({
        ...p,
        identity: p.identity ?? cfg.identity,
        roleName: p.roleName ?? profileRoleName(p.name, cfg.clusterName),
        rolePath: p.rolePath ?? cfg.rolePath,
        permissionsBoundaryArn: p.permissionsBoundaryArn ?? cfg.permissionsBoundaryArn,
        tags: { ...cfg.tags, ...p.tags },
    }));
}

export function resolveController(cfg: StackConfig): ResolvedController {
    return {
        roleName: cfg.profileController.roleName ?? profileControllerRoleName(cfg.clusterName),
        rolePath: cfg.profileController.rolePath ?? cfg.rolePath,
        permissionsBoundaryArn: cfg.profileController.permissionsBoundaryArn ?? cfg.permissionsBoundaryArn,
    };
}

/** The stack's account, when the config names it (`pipeline.accountId`, or an adopted OIDC provider's). */
export function stackAccount(cfg: StackConfig): string | undefined {
    return cfg.pipeline?.accountId ?? (cfg.oidcProviderArn ? arnAccount(cfg.oidcProviderArn) : undefined);
}

/** The IAM roles the stack makes in its own account (asset roles count where their account is the stack's, when known). */
export function stackRoleCount(cfg: StackConfig, resolved: ResolvedProfile[]): StackRoleCount {
    const account = stackAccount(cfg);
    return {
        profiles: resolved.length,
        controller: 1,
        rolePairs: cfg.rolePairs.reduce((n, pair) => n + 1 + (pair.assetAccountId === account ? 1 : 0), 0),
        pipeline: cfg.pipeline ? 2 : 0,
        cluster: cfg.cluster.create ? 2 : 0,
    };
}
