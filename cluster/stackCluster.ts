/**
 * The stack's cluster, settled before anything is declared: created by the stack, or an existing one looked up and
 * checked (existingCluster.ts); with the cluster's OIDC provider and the stack's one Kubernetes provider.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { OidcTrustTarget } from "../iam/identity";
import { ParsedStackConfig } from "../config";
import { stackKubernetesProvider } from "../components/kubernetesProvider";
import { lookUpExistingCluster } from "./existingCluster";
import { ClusterOidcProvider } from "../components/oidcProvider";
import { arnAccount } from "../iam/arns";
import { EksCluster } from "../components/eksCluster";
import { execKubeconfig } from "../components/kubeconfig";

/** The stack's cluster as the rest of the program needs it. */
export interface StackCluster {
    /** The IAM OIDC provider's ARN and issuer host/path. */
    oidc: pulumi.Output<OidcTrustTarget>;
    /** The one provider every Kubernetes object uses. */
    kubernetes: k8s.Provider;
    /** The cluster's name, ARN and account: what EKS Pod Identity trusts and associations name. */
    identity: { name: string; arn: pulumi.Input<string>; accountId: pulumi.Input<string> };
    /** False for a created cluster Kubeflow is not yet installed on: nothing goes into Kubeflow's namespaces. */
    kubeflowInstalled: boolean;
    /** Stack outputs that name the cluster. */
    outputs: Record<string, pulumi.Input<string>>;
}

/**
 * Settles the stack's cluster before anything else is declared: a created cluster (@pulumi/eks) with its OIDC provider,
 * or an existing one looked up once and its issuer checked against the config; and the one Kubernetes provider bound
 * to it that every Kubernetes object goes through.
 */
export async function stackCluster(config: ParsedStackConfig, partition: pulumi.Output<string>): Promise<StackCluster> {
    const { create, kubeconfig, context, accessRoleArn } = config.cluster;
    if (create) {
        const cluster = new EksCluster("cluster", { clusterName: config.clusterName, ...create, accessRoleArn, partition, tags: config.tags });
        const accountId = aws.getCallerIdentityOutput().accountId;
        return {
            identity: { name: config.clusterName, arn: pulumi.interpolate`arn:${partition}:eks:${aws.getRegionOutput().region}:${accountId}:cluster/${config.clusterName}`, accountId },
            oidc: cluster.trustTarget,
            kubernetes: stackKubernetesProvider({ clusterName: config.clusterName, kubeconfig: cluster.kubeconfigJson }),
            kubeflowInstalled: create.kubeflowInstalled,
            outputs: { clusterName: config.clusterName, oidcProviderArn: cluster.oidcProviderArn, oidcIssuerHostPath: cluster.issuerHostPath },
        };
    }
    const existing = await lookUpExistingCluster(config.clusterName, config);
    const oidc = new ClusterOidcProvider("cluster-oidc", {
        // The configured issuer when set (it agrees with the cluster): the provider's URL stays exactly as deployed.
        issuerUrl: config.oidcIssuerUrl ?? existing.issuerUrl,
        existingProviderArn: config.oidcProviderArn,
        thumbprints: config.oidcThumbprints,
        tags: config.tags,
    });
    const generated = () =>
        JSON.stringify(
            execKubeconfig({ clusterName: existing.name, endpoint: existing.endpoint, certificateAuthorityData: existing.certificateAuthorityData, region: aws.config.region, roleArn: accessRoleArn }),
        );
    return {
        oidc: oidc.trustTarget,
        kubernetes: stackKubernetesProvider({ clusterName: config.clusterName, kubeconfig: kubeconfig ?? generated(), context }),
        identity: { name: existing.name, arn: existing.arn, accountId: arnAccount(existing.arn) },
        kubeflowInstalled: true,
        outputs: { clusterName: existing.name, clusterArn: existing.arn, clusterEndpoint: existing.endpoint, oidcProviderArn: oidc.arn, oidcIssuerHostPath: oidc.issuerHostPath },
    };
}
