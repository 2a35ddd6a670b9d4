/**
 * Names and ARNs: IAM role names (the 64-character rule), service-account subjects, ARNs, and the OIDC issuer's
 * host/path that names the provider and its condition keys.
 *
 * Pure: nothing here imports Pulumi, so the components, the dynamic provider and the offline preview share it,
 * and it is unit-tested on its own.
 */
import { createHash } from "crypto";
import type { IdentityBackend } from "../iam/identity";

/** IAM's hard limit on a role name. */
export const ROLE_NAME_MAX_LENGTH = 64;

/**
 * Fits `name` into `max` characters. A name that fits is returned unchanged; a longer one keeps its readable
 * head and ends in `-` plus 8 hex characters of the SHA-256 of the whole name, so two long names that share a
 * head still differ, and the same input always gives the same result.
 */
export function shortenName(name: string, max: number = ROLE_NAME_MAX_LENGTH): string {
    if (name.length <= max) {
        return name;
    }
    const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
    const head = name.slice(0, max - hash.length - 1).replace(/[-_.]+$/, "");
    return `${head}-${hash}`;
}

/** The default IAM role name of a profile, as the AWS Kubeflow docs name it: `<profile>-<cluster>-role`. */
export function profileRoleName(profileName: string, clusterName: string): string {
    return shortenName(`${profileName}-${clusterName}-role`);
}

const BACKEND_WORDS: Record<IdentityBackend, string> = { irsa: "IRSA", podIdentity: "EKS Pod Identity", "irsa+podIdentity": "IRSA and EKS Pod Identity" };

/** The description of a profile's role (IAM allows 1,000 characters: the config checks it). */
export function profileRoleDescription(profileName: string, serviceAccounts: readonly string[], identity: IdentityBackend): string {
    return `Kubeflow profile ${profileName}: assumed by ${serviceAccounts.join(", ")} via ${BACKEND_WORDS[identity]}`;
}

/** The IAM role name of the Kubeflow profile controller. */
export function profileControllerRoleName(clusterName: string): string {
    return shortenName(`${clusterName}-kf-profile-controller`);
}


/** The pipeline's read-only preview role (components/pipelineRoles.ts). */
export function pipelinePreviewRoleName(clusterName: string): string {
    return shortenName(`${clusterName}-kubeflow-irsa-preview`);
}

/** The pipeline's deploy role of one GitHub environment. */
export function pipelineDeployRoleName(clusterName: string, environment: string): string {
    return shortenName(`${clusterName}-kubeflow-irsa-deploy-${environment}`);
}
