import { DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_MAX_LENGTH } from "../iam/identity";
/**
 * What AWS or Kubernetes would refuse at deploy, checked before it: IAM's tag rules and per-role quotas, EKS's
 * associations per cluster, the API server's validation of a ResourceQuota, and the namespaces a Profile may not
 * take. Each rule returns the problem in words that name the limit, or undefined. The README's "Limits checked before
 * deploy" lists them.
 *
 * Pure: nothing here imports Pulumi.
 */

// ---------------------------------------------------------------------------------------------------------------
// IAM (the IAM and STS quotas page; "Tagging IAM resources")
// ---------------------------------------------------------------------------------------------------------------

/** IAM's default quota on a role trust policy (characters, whitespace excluded). */
export const DEFAULT_TRUST_POLICY_MAX_LENGTH = 2048;
/** The largest trust-policy quota IAM grants on request. */
export const MAX_TRUST_POLICY_QUOTA = 8192;
/** Tags per IAM role. */
export const IAM_TAGS_PER_ROLE = 50;
export const IAM_TAG_KEY_MAX_LENGTH = 128;
export const IAM_TAG_VALUE_MAX_LENGTH = 256;
/** Letters, digits, white space and `_ . : / = + - @`, in any language: IAM's tag character set. */
const IAM_TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** A role's description. */
export const IAM_ROLE_DESCRIPTION_MAX_LENGTH = 1000;
/** Managed policies attached to one role: the default quota, and the most IAM raises it to. */
export const MANAGED_POLICIES_PER_ROLE_DEFAULT = 10;
export const MANAGED_POLICIES_PER_ROLE_MAX = 20;
/** Roles per account: IAM's default quota, and the most IAM raises it to (Service Quotas, "Roles per account"). */
export const IAM_ROLES_PER_ACCOUNT_DEFAULT = 1000;
export const IAM_ROLES_PER_ACCOUNT_MAX = 5000;
/** Share of an account quota from which the stack's own use is worth a warning: the account's other roles count too. */
export const ACCOUNT_QUOTA_WARNING_SHARE = 0.8;

/** The IAM roles a stack makes in its own account, by what makes them. */
export interface StackRoleCount {
    profiles: number;
    controller: number;
    /** The EKS side of every role pair, and the asset side of pairs whose asset account is the stack's. */
    rolePairs: number;
    /** The preview and deploy roles of the pipeline (`pipeline`), made by its bootstrap but in the same account. */
    pipeline: number;
    /** The service and node roles of a cluster the stack creates (`cluster.create`, @pulumi/eks). */
    cluster: number;
}

const COUNT_WORDS: Record<keyof StackRoleCount, string> = { profiles: "the profiles", controller: "the profile controller", rolePairs: "the role pairs", pipeline: "the pipeline", cluster: "the created cluster" };

/**
 * The stack's roles against the account's roles quota: a problem above it (IAM would refuse a CreateRole in the middle
 * of `pulumi up`, half made), a warning from 80 % of it; undefined below.
 */
export function rolesQuotaVerdict(count: StackRoleCount, quota: number): { problem?: string; warning?: string } {
    const total = Object.values(count).reduce((a, b) => a + b, 0);
    const parts = (Object.keys(count) as Array<keyof StackRoleCount>).filter((k) => count[k] > 0).map((k) => `${count[k]} for ${COUNT_WORDS[k]}`).join(", ");
    const raise = `raise "Roles per account" in Service Quotas (IAM's default ${IAM_ROLES_PER_ACCOUNT_DEFAULT}, up to ${IAM_ROLES_PER_ACCOUNT_MAX}) and set iamRolesQuota to match`;
    if (total > quota) {
        return { problem: `makes the stack create ${total} IAM roles in its account (${parts}), over iamRolesQuota ${quota}: ${raise}, or split the profiles over accounts` };
    }
    if (total >= ACCOUNT_QUOTA_WARNING_SHARE * quota) {
        return { warning: `the stack creates ${total} IAM roles in its account (${parts}), ${Math.round((total / quota) * 100)} % of iamRolesQuota ${quota}; the account's other roles count against the same quota: check its use in Service Quotas, or ${raise}` };
    }
    return {};
}

export function tagKeyProblem(key: string): string | undefined {
    if (key.length < 1 || key.length > IAM_TAG_KEY_MAX_LENGTH) return `tag key "${key}" must be 1-${IAM_TAG_KEY_MAX_LENGTH} characters (IAM's limit)`;
    if (!IAM_TAG_CHARACTERS.test(key)) return `tag key "${key}" has characters IAM does not allow: use letters, digits, spaces and _ . : / = + - @`;
    if (/^aws:/i.test(key)) return `tag key "${key}" starts with "aws:", which AWS reserves for its own tags: choose another key`;
    return undefined;
}

export function tagValueProblem(key: string, value: string): string | undefined {
    if (value.length > IAM_TAG_VALUE_MAX_LENGTH) return `the value of tag "${key}" is ${value.length} characters, over IAM's ${IAM_TAG_VALUE_MAX_LENGTH}`;
    if (!IAM_TAG_CHARACTERS.test(value)) return `the value of tag "${key}" has characters IAM does not allow: use letters, digits, spaces and _ . : / = + - @`;
    return undefined;
}

/**
 * The tags a role gets, all counted (the stack's, the entry's and the package's own): at most 50, and no two keys
 * that differ only in case (IAM compares tag keys case-insensitively).
 */
/**
 * Why a role's tags would fail CreateRole or TagRole, or undefined: over IAM's 50 with the package's own keys, two
 * keys equal but for case (IAM ignores case), or a configured key that is (but for case) one of the package's own.
 */
export function roleTagsProblem(tags: Record<string, string>, ownKeys: readonly string[]): string | undefined {
    const keys = Object.keys(tags);
    const total = keys.length + ownKeys.length;
    if (total > IAM_TAGS_PER_ROLE) {
        return `gives the role ${total} tags (${keys.length} from the stack's and this entry's tags, ${ownKeys.length} of the package's own), over IAM's ${IAM_TAGS_PER_ROLE} per role: remove ${total - IAM_TAGS_PER_ROLE} or more`;
    }
    const own = new Map(ownKeys.map((k) => [k.toLowerCase(), k]));
    const seen = new Map<string, string>();
    for (const key of keys) {
        const package_ = own.get(key.toLowerCase());
        if (package_ !== undefined) return `sets tag "${key}", which ${key === package_ ? "is" : "IAM reads (ignoring case) as"} the package's own "${package_}" (it marks who owns the role): choose another key`;
        const other = seen.get(key.toLowerCase());
        if (other !== undefined) return `has tags "${other}" and "${key}", which IAM treats as the same key (it ignores case): keep one`;
        seen.set(key.toLowerCase(), key);
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes ResourceQuota (the API server's ValidateResourceQuota)
// ---------------------------------------------------------------------------------------------------------------

/** Resource names a quota may use without a domain prefix. */
const STANDARD_QUOTA_RESOURCES = new Set([
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
    "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "services", "replicationcontrollers", "resourcequotas",
    "secrets", "persistentvolumeclaims", "configmaps", "services.nodeports", "services.loadbalancers",
]);
/** Quota resources counted in whole objects. */
const INTEGER_QUOTA_RESOURCES = new Set(["pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "persistentvolumeclaims", "configmaps", "services.nodeports", "services.loadbalancers"]);
export const QUOTA_SCOPES: readonly string[] = ["BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating", "VolumeAttributesClass"];
export const QUOTA_SCOPE_OPERATORS: readonly string[] = ["DoesNotExist", "Exists", "In", "NotIn"];

const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export function quotaResourceNameProblem(name: string): string | undefined {
    const slash = name.indexOf("/");
    if (slash < 0) {
        if (STANDARD_QUOTA_RESOURCES.has(name) || /^(requests\.)?hugepages-/.test(name)) return undefined;
        return `is not a resource a quota can limit: use a standard one (${[...STANDARD_QUOTA_RESOURCES].slice(0, 6).join(", ")}, ...), count/<resource>, or a domain-qualified name such as requests.nvidia.com/gpu`;
    }
    const [prefix, rest] = [name.slice(0, slash), name.slice(slash + 1)];
    if (prefix.length > DNS1123_SUBDOMAIN_MAX_LENGTH || !DNS1123_SUBDOMAIN.test(prefix) || !QUALIFIED_NAME.test(rest)) {
        return "is not a qualified resource name (<dns-subdomain>/<name>, the name at most 63 letters, digits, '-', '_' or '.')";
    }
    return undefined;
}

const SUFFIX_FACTOR: Record<string, number> = {
    "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A quantity's value (the Profile CRD's pattern has already been checked). */
function quantityValue(quantity: string | number): number {
    if (typeof quantity === "number") return quantity;
    const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))((?:[KMGTPE]i)|[numkMGTPE]|(?:[eE][+-]?(?:\d+(?:\.\d*)?|\.\d+)))?$/.exec(quantity);
    if (!m) return NaN;
    const suffix = m[2] ?? "";
    return /^[eE]/.test(suffix) ? Number(`${m[1]}${suffix}`) : Number(m[1]) * SUFFIX_FACTOR[suffix];
}

export function quotaQuantityProblem(resource: string, quantity: string | number): string | undefined {
    const value = quantityValue(quantity);
    if (value < 0) return "is negative: the API server refuses a negative quota, and the Profile would never be reconciled; use 0 or more";
    if ((INTEGER_QUOTA_RESOURCES.has(resource) || resource.startsWith("count/")) && Math.abs(value - Math.round(value)) > 1e-9) {
        return `must be a whole number: ${resource} is counted in objects`;
    }
    return undefined;
}

/** Pod counts and compute: what the pod-tracking scopes may limit (k8s.io/kubernetes pkg/apis/core/helper). */
const POD_QUOTA_RESOURCES = new Set(["pods", "cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"]);
/** The storage a VolumeAttributesClass scope may limit. */
const VOLUME_QUOTA_RESOURCES = new Set(["persistentvolumeclaims", "requests.storage"]);
/** Scopes that contradict each other: the API server refuses both in one quota. */
const CONFLICTING_SCOPES: ReadonlyArray<[string, string]> = [["BestEffort", "NotBestEffort"], ["Terminating", "NotTerminating"]];
/** Scopes a selector may only test for existence. */
const EXISTENCE_ONLY_SCOPES = new Set(["BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity"]);

/** Whether a scope may apply to a standard resource (IsResourceQuotaScopeValidForResource). */
function scopeAllowsResource(scope: string, resource: string): boolean {
    if (!STANDARD_QUOTA_RESOURCES.has(resource) && !/^(requests\.)?hugepages-/.test(resource)) return true;
    if (scope === "BestEffort") return resource === "pods";
    if (scope === "VolumeAttributesClass") return VOLUME_QUOTA_RESOURCES.has(resource);
    return ["Terminating", "NotTerminating", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"].includes(scope) ? POD_QUOTA_RESOURCES.has(resource) : true;
}

export interface QuotaScopes {
    hard?: Record<string, unknown>;
    scopes?: string[];
    scopeSelector?: { matchExpressions?: Array<{ operator: string; scopeName: string; values?: string[] }> };
}

/**
 * What the API server's ValidateResourceQuotaSpec refuses of a quota's scopes: a scope applied to a resource it cannot
 * track, two contradicting scopes, a selector operator the scope does not take, or values where the operator takes
 * none (and none where it needs them). Each as [path under the quota, problem].
 */
export function quotaScopeProblems(quota: QuotaScopes): Array<[PropertyKey[], string]> {
    const problems: Array<[PropertyKey[], string]> = [];
    const resources = Object.keys(quota.hard ?? {});
    const check = (scope: string, path: PropertyKey[]) => {
        const refused = resources.filter((r) => !scopeAllowsResource(scope, r));
        if (refused.length) problems.push([path, `scope ${scope} cannot apply to ${refused.join(", ")} (it tracks ${scope === "BestEffort" ? "pods only" : scope === "VolumeAttributesClass" ? "persistentvolumeclaims and requests.storage" : "pods, cpu and memory"}): put them in a quota of their own, without this scope`]);
    };
    (quota.scopes ?? []).forEach((scope, i) => check(scope, ["scopes", i]));
    (quota.scopeSelector?.matchExpressions ?? []).forEach((e, i) => {
        const path = ["scopeSelector", "matchExpressions", i];
        check(e.scopeName, path);
        if (EXISTENCE_ONLY_SCOPES.has(e.scopeName) && e.operator !== "Exists") problems.push([[...path, "operator"], `must be Exists for scope ${e.scopeName} (the API server takes no other operator for it)`]);
        const values = e.values ?? [];
        if ((e.operator === "In" || e.operator === "NotIn") && values.length === 0) problems.push([[...path, "values"], `must list at least one value for operator ${e.operator}`]);
        if ((e.operator === "Exists" || e.operator === "DoesNotExist") && values.length > 0) problems.push([[...path, "values"], `must be empty for operator ${e.operator}`]);
    });
    const all = [...(quota.scopes ?? []), ...(quota.scopeSelector?.matchExpressions ?? []).map((e) => e.scopeName)];
    for (const [a, b] of CONFLICTING_SCOPES) {
        if (all.includes(a) && all.includes(b)) problems.push([["scopes"], `has both ${a} and ${b}, which contradict each other: keep one`]);
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// EKS
// ---------------------------------------------------------------------------------------------------------------

/** EKS Pod Identity associations per cluster: a hard quota AWS does not raise. */
export const POD_IDENTITY_ASSOCIATIONS_PER_CLUSTER = 5000;

// ---------------------------------------------------------------------------------------------------------------
// Namespaces a Kubeflow Profile must never take: a Profile makes its namespace, and this package trusts that
// namespace's service accounts with the profile's role and writes service accounts into it. The profile controller
// does not own the cluster's own namespaces or Kubeflow's, so a Profile named after one hands its role to whatever
// runs there.
// ---------------------------------------------------------------------------------------------------------------

/** The cluster's own namespaces (Kubernetes reserves the `kube-` prefix). */
export const KUBERNETES_NAMESPACES: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * The namespaces a Kubeflow platform install uses besides the controller's own (`kubeflow`), per the
 * kubeflow/manifests example install (`example/kustomization.yaml`): cert-manager, Istio, oauth2-proxy, Dex (`auth`),
 * Knative Serving and the optional Knative Eventing, and Kubeflow Trainer's `kubeflow-system`.
 */
export const DEFAULT_RESERVED_NAMESPACES: readonly string[] = ["auth", "cert-manager", "istio-system", "knative-eventing", "knative-serving", "kubeflow-system", "oauth2-proxy"];

/**
 * What is wrong with a Profile's owner, or undefined: the owner administers the namespace, and so gets its role. A
 * control character cannot be a user or group name the API server's authenticators produce (and hides what a reviewer
 * reads); `system:` names are Kubernetes' own identities and groups (`system:authenticated` is every signed-in
 * identity, `system:anonymous` everyone else).
 */
export function ownerProblem(owner: string): string | undefined {
    if (/\p{Cc}/u.test(owner)) return "has a control character (a line break, tab or the like): write the owner's user or group name on one line";
    if (/^system:/i.test(owner)) return `is one of Kubernetes' own identities or groups (system:*): as a Profile's owner it would administer the namespace, and so get its role, for ${/^system:(authenticated|unauthenticated|anonymous|serviceaccounts)\b/i.test(owner) ? "every identity of that kind" : "whatever holds that identity"}; name a person or a team's group`;
    return undefined;
}

/** Kubeflow's own namespace: reserved wherever the profile controller runs (its central dashboard and pipelines live there). */
export const KUBEFLOW_NAMESPACE = "kubeflow";

/** Why a profile may not take `namespace`, or undefined when it may. */
export function reservedNamespaceReason(namespace: string, controllerNamespace: string, reserved: readonly string[]): string | undefined {
    if (KUBERNETES_NAMESPACES.includes(namespace) || namespace.startsWith("kube-")) {
        return `is a namespace of Kubernetes itself (${KUBERNETES_NAMESPACES.join(", ")} and every kube-* name): the profile's role would be trusted by the cluster's own workloads there`;
    }
    if (namespace === KUBEFLOW_NAMESPACE && namespace !== controllerNamespace) {
        return `is Kubeflow's own namespace, reserved wherever the profile controller runs (here: ${controllerNamespace}): the profile's role would be trusted by Kubeflow's own workloads there`;
    }
    if (namespace === controllerNamespace) {
        return `is the profile controller's namespace (profileController.namespace): the profile's role would be trusted by the controller's neighbours`;
    }
    if (reserved.includes(namespace)) {
        return `is listed in reservedNamespaces (a namespace of the Kubeflow platform, not of a profile; remove it there only if this cluster does not use it)`;
    }
    return undefined;
}
