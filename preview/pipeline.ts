/**
 * The pipeline roles of a stack (components/pipelineRoles.ts) from its stack file, for the offline preview to write
 * as reviewed JSON: undefined when the stack has no `pipeline` key.
 */
import { ParsedStackConfig } from "../config";
import { issuerHostPath, issuerHostPathFromProviderArn, usesPodIdentity } from "../iam/identity";
import { roleArn } from "../iam/arns";
import { STACK_OWNER_TAG } from "../components/tags";
import { awsManagedPolicyDocument } from "../iam/managedPolicies";
import { unboundedBoundary, unownedRoleWrites } from "../iam/ownership";
import type { Finding } from "./findings";
import { PipelineRoles, pipelineRoles } from "../components/pipelineRoles";
import { StandInCloud } from "../offline/standInCloud";

/** `cloud`: the account and partition the stack deploys to (the stand-in cloud's, offline). */
export function pipelineRolesFor(stack: string, cfg: ParsedStackConfig, cloud: Pick<StandInCloud, "accountId" | "partition">): PipelineRoles | undefined {
    if (!cfg.pipeline) return undefined;
    const { accountId, partition } = cloud;
    const issuer = cfg.oidcIssuerUrl ? issuerHostPath(cfg.oidcIssuerUrl) : cfg.oidcProviderArn ? issuerHostPathFromProviderArn(cfg.oidcProviderArn) : undefined;
    return pipelineRoles({
        partition,
        accountId,
        repository: cfg.pipeline.repository,
        environment: cfg.pipeline.environment ?? stack,
        clusterName: cfg.clusterName,
        rolePath: cfg.rolePath,
        ...stackRoleArns(cfg, cloud),
        oidcIssuerHostPath: issuer,
        adoptedOidcProviderArn: cfg.oidcProviderArn,
        // A stack-wide boundary applies to every profile and the controller; per-profile ones may replace it.
        permissionsBoundaryArns: cfg.permissionsBoundaryArn ? [cfg.permissionsBoundaryArn, ...cfg.resolvedProfiles.map((p) => p.permissionsBoundaryArn!)] : [],
        assetDeployRoleArns: cfg.rolePairs.flatMap((pair) => (pair.assetDeployRoleArn ? [pair.assetDeployRoleArn] : [])),
        attachablePolicyArns: cfg.resolvedProfiles.flatMap((p) => p.policyArns),
        podIdentity: cfg.resolvedProfiles.some((p) => usesPodIdentity(p.identity)) || cfg.rolePairs.some((pair) => usesPodIdentity(pair.identity ?? cfg.identity)),
    });
}

/**
 * The pipeline's deploy role judged by the evaluator (iam/ownership.ts): a write it may make on a role the stack does
 * not own is high; a boundary it requires that bounds nothing (AdministratorAccess) is high too, as is any role of the
 * stack under such a boundary. A customer-managed boundary's document is not known offline and is not judged.
 */
export function pipelineFindings(pipeline: PipelineRoles | undefined, cfg: ParsedStackConfig, cloud: Pick<StandInCloud, "accountId" | "partition">): Finding[] {
    const findings: Finding[] = [];
    const { accountId, partition } = cloud;
    const boundaryOf = (role: string, arn: string | undefined) => {
        const doc = arn === undefined ? undefined : awsManagedPolicyDocument(arn);
        const why = doc && unboundedBoundary(doc, partition, accountId);
        return why ? [{ arn: arn!, why, role }] : [];
    };
    const unbounded = [
        ...cfg.resolvedProfiles.flatMap((p) => boundaryOf(p.roleName, p.permissionsBoundaryArn)),
        ...boundaryOf(cfg.resolvedController.roleName, cfg.resolvedController.permissionsBoundaryArn),
    ];
    for (const { arn, why, role } of unbounded) {
        findings.push({ severity: "high", role, message: `has the permissions boundary ${arn}, which is no boundary (${why}): use a boundary that leaves IAM writes out` });
    }
    if (!pipeline) return findings;
    const deploy = pipeline.deploy.roleName;
    for (const arn of [...new Set(unbounded.map((u) => u.arn))]) {
        findings.push({ severity: "high", role: deploy, message: `may create roles under the boundary ${arn}, which bounds nothing: every role it creates may then be given any rights` });
    }
    const breaches = unownedRoleWrites([pipeline.deploy.permissionPolicy], {
        partition,
        accountId,
        tagKey: STACK_OWNER_TAG,
        owner: cfg.clusterName,
        rolePath: cfg.rolePath,
        ownRoleArns: Object.values(stackRoleArns(cfg, cloud)).flat(),
        boundaries: cfg.permissionsBoundaryArn ? [cfg.permissionsBoundaryArn] : [],
    });
    const byRequest = new Map<string, typeof breaches>();
    for (const b of breaches) byRequest.set(b.request, [...(byRequest.get(b.request) ?? []), b]);
    for (const [request, list] of byRequest) {
        const actions = list.map((b) => b.action);
        const shown = actions.length > 4 ? `${actions.slice(0, 4).join(", ")} and ${actions.length - 4} more` : actions.join(", ");
        findings.push({
            severity: list.some((b) => b.severity === "high") ? "high" : "medium",
            role: deploy,
            message: `may ${shown} on ${request}, ${list[0].resource}: a role the stack does not own; give the stack a role path of its own (rolePath) so that the deploy role names only the stack's roles`,
        });
    }
    return findings;
}

/**
 * The exact ARNs of the roles the stack creates in its account: under its role path (`createdRoleArns`: profiles, the
 * controller) and the role pairs' EKS roles (`otherRoleArns`, whatever their path).
 */
function stackRoleArns(cfg: ParsedStackConfig, cloud: Pick<StandInCloud, "accountId" | "partition">): { createdRoleArns: string[]; otherRoleArns: string[] } {
    const { accountId, partition } = cloud;
    return {
        createdRoleArns: [...cfg.resolvedProfiles, cfg.resolvedController].map((r) => roleArn(partition, accountId, r.rolePath, r.roleName)),
        otherRoleArns: cfg.rolePairs.map((pair) => roleArn(partition, accountId, pair.path, pair.eksRoleName)),
    };
}
