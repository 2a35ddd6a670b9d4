/**
 * The documents and ARNs of a role pair, from its inputs alone (pure): the provider writes them, the offline
 * preview shows and evaluates them.
 */
import { findStatement, policiesEqual, PolicyDocument, PolicyStatement, statements } from "../../iam/document";
import { arnAccount, roleArn } from "../../iam/arns";
import { IdentityBackend, issuerHostPathFromProviderArn, subjectParts, usesIrsa, usesPodIdentity } from "../../iam/identity";
import { podIdentityTrustStatement, roleTrustPolicy } from "../trustDocuments";
import { assumeRolePolicy } from "../permissionPolicies";
import { checkTrustQuota, mergeOwnedStatement } from "./trustMerge";
import { statementSubjects } from "../../iam/trustRules";
import type { RolePairInputs } from "./inputs";
import { pairIdentity } from "./inputs";

/** Sid of the EKS-role trust statement the provider owns. */
export const OWNED_STATEMENT_SID = "KubeflowIrsaRolePair";
/** Inline policy on the EKS role: its only right, `sts:AssumeRole` on the asset role. */
export const EKS_POLICY_NAME = "assume-asset-role";
/** Inline policy on the asset role, from `assetPolicy`. */
export const ASSET_POLICY_NAME = "asset-policy";
/** Sid of the asset role's trust statement (the EKS role, with the external id). */
export const ASSET_TRUST_SID = "TrustedRole";
/** Sid prefix of the EKS role's Pod Identity statements (one per namespace), all owned by the provider. */
export const POD_IDENTITY_SID_PREFIX = "KubeflowIrsaPodIdentity";
/** Sid of the asset role's statement for the Pod Identity associations (their generated external ids). */
export const ASSET_POD_IDENTITY_SID = "PodIdentityAssociations";
/** External id that matches nothing: the asset trust's Pod Identity statement before EKS has generated any. */
export const NO_ASSOCIATION_YET = "kubeflow-irsa-no-association-yet";

/** The subjects our IRSA statement holds: all of them with IRSA, none on Pod Identity alone. */
export function irsaSubjects(inputs: Pick<RolePairInputs, "identity" | "subjects">): string[] {
    return usesIrsa(pairIdentity(inputs)) ? inputs.subjects : [];
}

/** The EKS role's Pod Identity statements: one per namespace, for exactly its listed service accounts. */
export function podIdentityStatements(subjects: readonly string[], cluster: { arn: string }, accountId: string): PolicyStatement[] {
    const byNamespace = new Map<string, string[]>();
    for (const s of subjects) {
        const { namespace, serviceAccount } = subjectParts(s)!;
        byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), serviceAccount]);
    }
    return [...byNamespace.keys()].sort().map((namespace, i) =>
        podIdentityTrustStatement({ clusterArn: cluster.arn, accountId, namespace, serviceAccounts: byNamespace.get(namespace)!, sid: `${POD_IDENTITY_SID_PREFIX}${i}` }),
    );
}

/**
 * The asset role's trust: the EKS role with the configured external id (IRSA: the pod assumes the asset role
 * itself) and/or the EKS role with the associations' generated external ids and session tags (Pod Identity: EKS
 * assumes it for the pod, passing the association's id and its transitive session tags).
 */
export function assetTrustPolicy(eksRoleArn: string, identity: IdentityBackend, externalId: string | undefined, associationExternalIds: readonly string[]): PolicyDocument {
    const trusted: PolicyStatement[] = [];
    if (usesIrsa(identity)) trusted.push(...statements(roleTrustPolicy(eksRoleArn, externalId, ASSET_TRUST_SID)));
    if (usesPodIdentity(identity)) {
        const ids = associationExternalIds.length ? [...associationExternalIds].sort() : [NO_ASSOCIATION_YET];
        trusted.push({
            Sid: ASSET_POD_IDENTITY_SID,
            Effect: "Allow",
            Principal: { AWS: eksRoleArn },
            Action: ["sts:AssumeRole", "sts:TagSession"],
            Condition: { StringEquals: { "sts:ExternalId": ids.length === 1 ? ids[0] : ids } },
        });
    }
    return { Version: "2012-10-17", Statement: trusted };
}

export interface RolePairDocuments {
    eksAccountId: string;
    eksRoleArn: string;
    assetRoleArn: string;
    /** The EKS role's trust as this pair alone would write it (foreign entries come on top at run time). */
    eksTrust: PolicyDocument;
    /** The EKS role's only permission: assume the asset role. */
    eksPolicy: PolicyDocument;
    /** The asset role's trust: exactly the EKS role, with the external id when given. */
    assetTrust: PolicyDocument;
}

/**
 * The EKS role's trust we would write on top of `current` (undefined: a new role). With IRSA our statement holds
 * our subjects (and others' entries); without, our entries leave it (others' stay, and the statement goes when none
 * are left). With Pod Identity our per-namespace statements are replaced whole. The provider writes this; the
 * preview shows it for a new role.
 */
export function mergeEksTrust(
    current: PolicyDocument | undefined,
    inputs: Pick<RolePairInputs, "oidcProviderArn" | "subjects" | "subjectMatch" | "exclusive" | "identity" | "cluster">,
    previouslyOwned: string[],
): { document: PolicyDocument; foreignSubjects: string[]; changed: boolean } {
    const identity = pairIdentity(inputs);
    const issuerHostPath = issuerHostPathFromProviderArn(inputs.oidcProviderArn);
    const spec = {
        sid: OWNED_STATEMENT_SID,
        providerArn: inputs.oidcProviderArn,
        issuerHostPath,
        subjectMatch: inputs.subjectMatch,
        subjects: usesIrsa(identity) ? inputs.subjects : [],
        previouslyOwned,
        exclusive: inputs.exclusive,
    };
    let base: { document: PolicyDocument; foreignSubjects: string[] };
    if (usesIrsa(identity)) {
        base = mergeOwnedStatement(current, spec);
    } else {
        const present = statementSubjects(findStatement(current, OWNED_STATEMENT_SID), issuerHostPath);
        const foreign = inputs.exclusive ? [] : present.filter((s) => !previouslyOwned.includes(s));
        base = foreign.length
            ? mergeOwnedStatement(current, spec)
            : { document: { Version: "2012-10-17", Statement: (current ? statements(current) : []).filter((st) => st.Sid !== OWNED_STATEMENT_SID) }, foreignSubjects: [] };
    }
    const pods = usesPodIdentity(identity) && inputs.cluster ? podIdentityStatements(inputs.subjects, inputs.cluster, arnAccount(inputs.oidcProviderArn)) : [];
    const merged = [...statements(base.document).filter((st) => !st.Sid?.startsWith(POD_IDENTITY_SID_PREFIX)), ...pods];
    const document: PolicyDocument = { Version: "2012-10-17", Statement: merged };
    return { document, foreignSubjects: base.foreignSubjects, changed: !current || !policiesEqual(current, document) };
}

export function rolePairDocuments(
    inputs: Pick<RolePairInputs, "oidcProviderArn" | "path" | "eksRoleName" | "assetRoleName" | "assetAccountId" | "externalId" | "subjects" | "subjectMatch" | "exclusive" | "identity" | "cluster">,
    associationExternalIds: readonly string[] = [],
): RolePairDocuments {
    const identity = pairIdentity(inputs);
    const partition = inputs.oidcProviderArn.split(":")[1];
    const eksAccountId = arnAccount(inputs.oidcProviderArn);
    const eksRoleArn = roleArn(partition, eksAccountId, inputs.path, inputs.eksRoleName);
    const assetRoleArn = roleArn(partition, inputs.assetAccountId, inputs.path, inputs.assetRoleName);
    const eksTrust = mergeEksTrust(undefined, inputs, []).document;
    const pods = statements(eksTrust).some((st) => st.Sid?.startsWith(POD_IDENTITY_SID_PREFIX));
    // With Pod Identity, EKS passes the pod's session tags on to the asset role: the EKS role may tag that session.
    const eksPolicy = assumeRolePolicy(assetRoleArn, undefined, pods);
    return {
        eksAccountId,
        eksRoleArn,
        assetRoleArn,
        eksTrust,
        eksPolicy,
        assetTrust: assetTrustPolicy(eksRoleArn, identity, inputs.externalId, associationExternalIds),
    };
}

/**
 * The EKS role's trust policy we would write on top of `current`, with its quota verdict. With IRSA our
 * statement holds our subjects (and others' entries); without, our entries leave it (others' stay, and the
 * statement goes when none are left). With Pod Identity our per-namespace statements are replaced whole.
 */
export function mergedEksTrust(inputs: RolePairInputs, current: PolicyDocument | undefined, previouslyOwned: string[]) {
    const merge = mergeEksTrust(current, inputs, previouslyOwned);
    const issuerHostPath = issuerHostPathFromProviderArn(inputs.oidcProviderArn);
    return { merge, verdict: checkTrustQuota(merge.document, { sid: OWNED_STATEMENT_SID, issuerHostPath }, inputs.trustPolicyMaxLength, inputs.eksRoleName) };
}

/** Whether `trust` holds exactly our Pod Identity statements for these inputs. */
export function podStatementsPresent(inputs: RolePairInputs, trust: PolicyDocument | undefined): boolean {
    const want = usesPodIdentity(pairIdentity(inputs)) && inputs.cluster ? podIdentityStatements(inputs.subjects, inputs.cluster, arnAccount(inputs.oidcProviderArn)) : [];
    const have = (trust ? statements(trust) : []).filter((st) => st.Sid?.startsWith(POD_IDENTITY_SID_PREFIX));
    return policiesEqual({ Version: "2012-10-17", Statement: want }, { Version: "2012-10-17", Statement: have });
}
