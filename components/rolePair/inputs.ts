/**
 * A role pair's inputs and state, and every rule about state that older versions of the provider wrote, in one place
 * (as terraform-aws-modules keeps history in one migrations file):
 * - `identity` absent: the pair predates Pod Identity and is IRSA (IRSA stays implicit, so such pairs see no diff);
 * - `owner` absent: the pair predates the owner tag; the next update tags both roles;
 * - `associations` absent: no Pod Identity association was ever made;
 * - `cluster` is kept only with Pod Identity.
 *
 * Pure: nothing here imports Pulumi or the AWS SDK.
 */
import { PolicyDocument } from "../../iam/document";
import { IdentityBackend, SubjectMatch } from "../../iam/identity";
import { ROLE_PAIR_OWNER_TAG } from "../tags";
import type { PairAssociation } from "./associations";

/** The engine's marker for a value not known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const isKnown = (value: unknown) => value !== undefined && value !== UNKNOWN;

/** Inputs of a role pair: the config entry's fields plus the cluster's OIDC provider. */
export interface RolePairInputs {
    /** Pair name (names the Pulumi resource). */
    name: string;
    /** `<project>/<stack>/<pair>`: the owner tag set on both roles at creation, how a retried create knows its own role. */
    owner: string;
    assetAccountId: string;
    assetRoleName: string;
    eksRoleName: string;
    assetPolicy?: PolicyDocument;
    assetPolicyArns: string[];
    subjects: string[];
    subjectMatch: SubjectMatch;
    exclusive: boolean;
    externalId?: string;
    assetDeployRoleArn?: string;
    path: string;
    tags: Record<string, string>;
    maxSessionDuration?: number;
    trustPolicyMaxLength: number;
    oidcProviderArn: string;
    /** How pods reach the EKS role: IRSA (absent: IRSA, as pairs made before this key), Pod Identity, or both. */
    identity?: IdentityBackend;
    /** The cluster whose Pod Identity associations the pair owns (with Pod Identity). */
    cluster?: { name: string; arn: string };
}

export interface RolePairOutputs extends RolePairInputs {
    eksAccountId: string;
    eksRoleArn: string;
    assetRoleArn: string;
    /** `sub` entries this provider put in its statement: the only ones it will ever remove. */
    ownedSubjects: string[];
    /** `sub` entries others added to our statement, seen at the last write or refresh. */
    foreignSubjects: string[];
    /** Minified length of the EKS role's trust policy at the last write or refresh. */
    trustPolicyLength: number;
    /** The Pod Identity associations this provider made, one per subject, with the external id EKS generated. */
    associations?: PairAssociation[];
}

/** The backend as the state records it: IRSA stays implicit (absent), so pairs made before `identity` existed see no change. */
export function recordedIdentity(identity: IdentityBackend | undefined): IdentityBackend | undefined {
    return identity === "irsa" ? undefined : identity;
}

/** A pair's backend: pairs recorded before Pod Identity existed have none in their state, and were IRSA. */
export function pairIdentity(pair: { identity?: IdentityBackend }): IdentityBackend {
    return pair.identity ?? "irsa";
}

/** The tags IAM holds on both roles: the user's plus the owner tag (absent in pairs made before it existed). */
export function roleTags(p: Pick<RolePairInputs, "tags" | "owner">): Record<string, string> {
    return { ...(p.tags ?? {}), ...(p.owner ? { [ROLE_PAIR_OWNER_TAG]: p.owner } : {}) };
}

/**
 * A copy without undefined-valued keys. The dynamic-provider host sends every result through
 * `google.protobuf.Struct.fromJavaScript`, which throws "Unexpected struct type" on undefined.
 */
export function definedOnly<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The input fields of a state object. */
export function stripOutputs(props: RolePairOutputs): RolePairInputs {
    const { eksAccountId: _a, eksRoleArn: _b, assetRoleArn: _c, ownedSubjects: _d, foreignSubjects: _e, trustPolicyLength: _f, associations: _g, ...inputs } = props;
    return inputs;
}
