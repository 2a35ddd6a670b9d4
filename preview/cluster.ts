/**
 * The cluster a stack writes its Kubernetes objects to, as the report names it: read from the stack config (the
 * same rules the program follows), since offline the endpoint is not known.
 */
import { ParsedStackConfig } from "../config";
import { getTokenArgs } from "../components/kubeconfig";

export interface ClusterTargetView {
    name: string;
    region?: string;
    /** The cluster ARN when the stack's account is known (`pipeline.accountId`). */
    arn?: string;
    /** Where endpoint and CA come from. */
    source: string;
    /** How the provider authenticates. */
    credentials: string;
    /** The stack creates the cluster (`cluster.create`). */
    created: boolean;
}

/** `region`: the stack's `aws:region`, when set. */
export function clusterTargetFor(cfg: ParsedStackConfig, region: string | undefined): ClusterTargetView {
    const { create, kubeconfig, context, accessRoleArn } = cfg.cluster;
    const accountId = cfg.pipeline?.accountId;
    const arn = region && accountId ? `arn:aws:eks:${region}:${accountId}:cluster/${cfg.clusterName}` : undefined;
    const getToken = `\`aws ${getTokenArgs({ clusterName: cfg.clusterName, region, roleArn: accessRoleArn }).join(" ")}\``;
    if (create) {
        return {
            name: cfg.clusterName,
            region,
            arn,
            source: `created by this stack (@pulumi/eks, Kubernetes ${create.version}, ${create.desiredSize}x ${create.instanceType}); Kubeflow ${create.kubeflowInstalled ? "installed" : "not installed yet: no profiles"}`,
            credentials: `${getToken} (the creating identity is cluster admin${accessRoleArn ? `; ${accessRoleArn} gets an admin access entry` : ""})`,
            created: true,
        };
    }
    if (kubeconfig) {
        return { name: cfg.clusterName, region, arn, source: `the kubeconfig ${kubeconfig}${context ? `, context ${context}` : ", its current context"} (stack config override)`, credentials: "that kubeconfig's user", created: false };
    }
    return { name: cfg.clusterName, region, arn, source: "looked up with eks:DescribeCluster at deploy; the deploy stops if its issuer differs from the configured one", credentials: getToken, created: false };
}
