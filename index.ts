/**
 * kubeflow-irsa: wiring only. Reads the stack config once and settles the stack's cluster before anything is
 * declared (an existing cluster is looked up and its issuer checked against the config; or the stack creates one).
 * Then declares the cluster OIDC provider, one Profile (role + kubeflow.org/v1 Profile + annotated service
 * accounts) per entry, the profile controller's IRSA scoped to the roles it manages, and one cross-account RolePair
 * per `rolePairs` entry. Every Kubernetes object goes through one provider bound to that cluster.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaceValues, ParsedStackConfig, parseStackConfig } from "./config";
import { ProfileControllerIrsa } from "./components/controllerIrsa";
import { EksCluster } from "./components/eksCluster";
import { lookUpExistingCluster } from "./cluster/existingCluster";
import { execKubeconfig } from "./components/kubeconfig";
import { stackKubernetesProvider } from "./components/kubernetesProvider";
import { ClusterOidcProvider } from "./components/oidcProvider";
import { arnAccount } from "./iam/arns";
import { profileControllerRoleName } from "./components/names";
import { Profile } from "./components/profile";
import { RolePair } from "./components/rolePair";
import { OidcTrustTarget } from "./iam/identity";

/** The stack's cluster as the rest of the program needs it. */
interface StackCluster {
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

async function stackCluster(config: ParsedStackConfig, partition: pulumi.Output<string>): Promise<StackCluster> {
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

async function main(): Promise<Record<string, unknown>> {
    // Pulumi.yaml's stackConfigDir: the file the engine read this stack's config from.
    const config = parseStackConfig(namespaceValues(pulumi.runtime.allConfig()), `stacks/Pulumi.${pulumi.getStack()}.yaml`);

    const partition = aws.getPartitionOutput().partition;
    const cluster = await stackCluster(config, partition);
    const kubernetes = { providers: [cluster.kubernetes] };

    // Logical names come from the profile name alone, so reordering the list never replaces anything.
    const profiles = config.resolvedProfiles.map(
        (p) =>
            new Profile(p.name, {
                owner: p.owner,
                ownerKind: p.ownerKind,
                serviceAccounts: p.serviceAccounts,
                s3Buckets: p.s3Buckets,
                policyArns: p.policyArns,
                inlinePolicy: p.inlinePolicy,
                annotateOnly: p.annotateOnly,
                identity: p.identity,
                roleName: p.roleName,
                rolePath: p.rolePath,
                maxSessionDuration: p.maxSessionDuration,
                permissionsBoundaryArn: p.permissionsBoundaryArn,
                tags: p.tags,
                resourceQuota: p.resourceQuota,
                readyTimeoutSeconds: config.profileController.readyTimeoutSeconds,
                oidc: cluster.oidc,
                cluster: cluster.identity,
                partition,
            }, kubernetes),
    );

    const controller = new ProfileControllerIrsa("profile-controller", {
        namespace: config.profileController.namespace,
        serviceAccount: config.profileController.serviceAccount,
        annotateServiceAccount: config.profileController.annotateServiceAccount && cluster.kubeflowInstalled,
        roleName: config.profileController.roleName ?? profileControllerRoleName(config.clusterName),
        rolePath: config.profileController.rolePath ?? config.rolePath,
        permissionsBoundaryArn: config.profileController.permissionsBoundaryArn ?? config.permissionsBoundaryArn,
        tags: config.tags,
        oidc: cluster.oidc,
        managedRoleArns: profiles.filter((_, i) => !config.resolvedProfiles[i].annotateOnly).map((p) => p.roleArn),
    }, kubernetes);

    const rolePairs = config.rolePairs.map(
        ({ name, identity, ...pair }) =>
            new RolePair(name, {
                ...pair,
                tags: { ...config.tags, ...pair.tags },
                oidcProviderArn: cluster.oidc.providerArn,
                identity: identity ?? config.identity,
                cluster: { name: cluster.identity.name, arn: cluster.identity.arn },
            }),
    );

    return {
        ...cluster.outputs,
        profileControllerRoleArn: controller.roleArn,
        profileRoleArns: pulumi.all(Object.fromEntries(profiles.map((p) => [p.profileName, p.roleArn]))),
        rolePairRoleArns: pulumi.all(
            Object.fromEntries(rolePairs.map((p, i) => [config.rolePairs[i].name, pulumi.all({ eksRoleArn: p.eksRoleArn, assetRoleArn: p.assetRoleArn })])),
        ),
    };
}

// The Pulumi runtime calls an exported function and awaits it: the cluster lookup settles before any declaration.
export = main;
