/**
 * The EKS Pod Identity associations of a role pair: one per subject, from the pair's EKS role to its asset role
 * (`targetRoleArn`), tagged with the pair's owner so a retried create knows its own. EKS generates each one's
 * external id, which the asset role's trust must name.
 */
import {
    CreatePodIdentityAssociationCommand,
    DeletePodIdentityAssociationCommand,
    DescribePodIdentityAssociationCommand,
    EKSClient,
    ListPodIdentityAssociationsCommand,
    UpdatePodIdentityAssociationCommand,
} from "@aws-sdk/client-eks";
import { CallObserver, clientSettings, errorName, observed } from "./aws";
import { ROLE_PAIR_OWNER_TAG } from "../tags";
import { subjectParts } from "../../iam/identity";

export interface PairAssociation {
    /** `system:serviceaccount:<ns>:<sa>` it serves. */
    subject: string;
    associationId: string;
    /** What EKS passes as `sts:ExternalId` when it assumes the asset role for this association. */
    externalId: string;
}

export function eksClient(observe?: CallObserver): EKSClient {
    return observed(new EKSClient(clientSettings()), "eks", observe);
}

export interface AssociationSpec {
    clusterName: string;
    subject: string;
    roleArn: string;
    targetRoleArn: string;
    owner: string;
    tags: Record<string, string>;
}

/**
 * Creates the association, or adopts the one a lost response of an earlier attempt made (same owner tag) and points
 * it at these roles. One that belongs to someone else is an error: EKS allows one association per service account.
 */
export async function ensureAssociation(eks: EKSClient, spec: AssociationSpec): Promise<PairAssociation> {
    const { namespace, serviceAccount } = subjectParts(spec.subject)!;
    try {
        const created = await eks.send(
            new CreatePodIdentityAssociationCommand({
                clusterName: spec.clusterName,
                namespace,
                serviceAccount,
                roleArn: spec.roleArn,
                targetRoleArn: spec.targetRoleArn,
                // The EKS role's trust matches the session tags: without them no pod could use the association.
                disableSessionTags: false,
                tags: { ...spec.tags, [ROLE_PAIR_OWNER_TAG]: spec.owner },
            }),
        );
        return { subject: spec.subject, associationId: created.association!.associationId!, externalId: created.association!.externalId! };
    } catch (err) {
        if (errorName(err) !== "ResourceInUseException") throw err;
    }
    const listed = await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: spec.clusterName, namespace, serviceAccount }));
    const id = listed.associations?.[0]?.associationId;
    const existing = id ? (await eks.send(new DescribePodIdentityAssociationCommand({ clusterName: spec.clusterName, associationId: id }))).association : undefined;
    if (!existing || existing.tags?.[ROLE_PAIR_OWNER_TAG] !== spec.owner) {
        throw new Error(
            `service account ${namespace}:${serviceAccount} of cluster ${spec.clusterName} already has a Pod Identity association${id ? ` (${id})` : ""} that this role pair did not make: ` +
                "EKS allows one per service account; remove it, or take the subject out of the pair",
        );
    }
    if (existing.roleArn !== spec.roleArn || existing.targetRoleArn !== spec.targetRoleArn) {
        const updated = await eks.send(new UpdatePodIdentityAssociationCommand({ clusterName: spec.clusterName, associationId: id, roleArn: spec.roleArn, targetRoleArn: spec.targetRoleArn }));
        return { subject: spec.subject, associationId: id!, externalId: updated.association!.externalId! };
    }
    return { subject: spec.subject, associationId: id!, externalId: existing.externalId! };
}

/** Deletes an association; already gone is success. */
export async function deleteAssociation(eks: EKSClient, clusterName: string, associationId: string): Promise<void> {
    try {
        await eks.send(new DeletePodIdentityAssociationCommand({ clusterName, associationId }));
    } catch (err) {
        if (errorName(err) !== "ResourceNotFoundException") throw err;
    }
}

/** The association as it is now, or undefined when it is gone. */
export async function describeAssociation(eks: EKSClient, clusterName: string, association: PairAssociation): Promise<PairAssociation | undefined> {
    try {
        const found = (await eks.send(new DescribePodIdentityAssociationCommand({ clusterName, associationId: association.associationId }))).association;
        return found ? { ...association, externalId: found.externalId ?? association.externalId } : undefined;
    } catch (err) {
        if (errorName(err) === "ResourceNotFoundException") return undefined;
        throw err;
    }
}
