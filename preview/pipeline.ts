/**
 * The pipeline roles of a stack (components/pipelineRoles.ts) from its stack file, for the offline preview to write
 * as reviewed JSON: undefined when the stack has no `pipeline` key.
 */
import { ParsedStackConfig } from "../config";
import { issuerHostPath, issuerHostPathFromProviderArn, usesPodIdentity } from "../iam/identity";
import { roleArn } from "../iam/arns";
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
        otherRoleArns: cfg.rolePairs.map((pair) => roleArn(partition, accountId, pair.path, pair.eksRoleName)),
        oidcIssuerHostPath: issuer,
        adoptedOidcProviderArn: cfg.oidcProviderArn,
        // A stack-wide boundary applies to every profile and the controller; per-profile ones may replace it.
        permissionsBoundaryArns: cfg.permissionsBoundaryArn ? [cfg.permissionsBoundaryArn, ...cfg.resolvedProfiles.map((p) => p.permissionsBoundaryArn!)] : [],
        assetDeployRoleArns: cfg.rolePairs.flatMap((pair) => (pair.assetDeployRoleArn ? [pair.assetDeployRoleArn] : [])),
        attachablePolicyArns: cfg.resolvedProfiles.flatMap((p) => p.policyArns),
        podIdentity: cfg.resolvedProfiles.some((p) => usesPodIdentity(p.identity)) || cfg.rolePairs.some((pair) => usesPodIdentity(pair.identity ?? cfg.identity)),
    });
}
