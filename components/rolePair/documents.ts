/**
 * The documents and ARNs of a role pair, from its inputs alone (pure): the provider writes them, the offline
 * preview shows and evaluates them.
 */
import { PolicyDocument } from "../iamDocument";
import { arnAccount, issuerHostPathFromProviderArn, roleArn } from "../names";
import { roleTrustPolicy } from "../trustDocuments";
import { assumeRolePolicy } from "../permissionPolicies";
import { mergeOwnedStatement } from "../trust";
import type { RolePairInputs } from "./provider";

/** Sid of the EKS-role trust statement the provider owns. */
export const OWNED_STATEMENT_SID = "KubeflowIrsaRolePair";
/** Inline policy on the EKS role: its only right, `sts:AssumeRole` on the asset role. */
export const EKS_POLICY_NAME = "assume-asset-role";
/** Inline policy on the asset role, from `assetPolicy`. */
export const ASSET_POLICY_NAME = "asset-policy";
/** Sid of the asset role's trust statement (the EKS role, with the external id). */
export const ASSET_TRUST_SID = "TrustedRole";

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

export function rolePairDocuments(inputs: Pick<RolePairInputs, "oidcProviderArn" | "path" | "eksRoleName" | "assetRoleName" | "assetAccountId" | "externalId" | "subjects" | "subjectMatch" | "exclusive">): RolePairDocuments {
    const partition = inputs.oidcProviderArn.split(":")[1];
    const eksAccountId = arnAccount(inputs.oidcProviderArn);
    const eksRoleArn = roleArn(partition, eksAccountId, inputs.path, inputs.eksRoleName);
    const assetRoleArn = roleArn(partition, inputs.assetAccountId, inputs.path, inputs.assetRoleName);
    const eksTrust = mergeOwnedStatement(undefined, {
        sid: OWNED_STATEMENT_SID,
        providerArn: inputs.oidcProviderArn,
        issuerHostPath: issuerHostPathFromProviderArn(inputs.oidcProviderArn),
        subjectMatch: inputs.subjectMatch,
        subjects: inputs.subjects,
        previouslyOwned: [],
        exclusive: inputs.exclusive,
    }).document;
    return { eksAccountId, eksRoleArn, assetRoleArn, eksTrust, eksPolicy: assumeRolePolicy(assetRoleArn), assetTrust: roleTrustPolicy(eksRoleArn, inputs.externalId, ASSET_TRUST_SID) };
}
