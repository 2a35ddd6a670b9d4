/**
 * The tag keys the package sets on what it creates, exported once: ownership marks that the role-pair provider, adopt
 * and the config's tag-count rules read. Pure: nothing here imports Pulumi.
 */

/** The tag the package adds to each profile's role (and its Pod Identity associations): which profile owns it. */
export const PROFILE_TAG = "kubeflow-irsa/profile";

/** A profile role's tags: the stack's and the profile's (already merged), and the package's own. */
export function profileRoleTags(tags: Record<string, string>, profileName: string): Record<string, string> {
    return { ...tags, [PROFILE_TAG]: profileName };
}

export const ROLE_PAIR_OWNER_TAG = "kubeflow-irsa:role-pair";

/**
 * The tag on every role the stack creates (profiles, the controller, both roles of each pair): which stack's roles
 * they are, by the cluster the stack serves. The pipeline's deploy role may write only roles that carry it with this
 * value, may create roles only with it, and may never set or remove it (components/pipelineRoles.ts).
 */
export const STACK_OWNER_TAG = "kubeflow-irsa:cluster";

/** The tags of a role the stack creates: the configured ones, and the ownership mark. */
export function stackRoleTags(tags: Record<string, string>, clusterName: string): Record<string, string> {
    return { ...tags, [STACK_OWNER_TAG]: clusterName };
}

/** The package's own tag keys on each role of a pair (counted against IAM's 50, and no configured key may equal one). */
export const ROLE_PAIR_OWN_TAG_KEYS: readonly string[] = [ROLE_PAIR_OWNER_TAG, STACK_OWNER_TAG];

/** The package's own tag keys on a profile's role. */
export const PROFILE_OWN_TAG_KEYS: readonly string[] = [PROFILE_TAG, STACK_OWNER_TAG];

/** The package's own tag keys on the controller's role. */
export const CONTROLLER_OWN_TAG_KEYS: readonly string[] = [STACK_OWNER_TAG];
