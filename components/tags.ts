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

/** How many tags of its own the role-pair provider sets on each role of a pair (counted against IAM's 50). */
export const ROLE_PAIR_OWN_TAGS = [ROLE_PAIR_OWNER_TAG].length;
