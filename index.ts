/**
 * kubeflow-irsa: wiring only. Reads the stack config once and settles the stack's cluster before anything is
 * declared (an existing cluster is looked up and its issuer checked against the config; or the stack creates one).
 * Then declares the cluster OIDC provider, one Profile (role + kubeflow.org/v1 Profile + annotated service
 * accounts) per entry, the profile controller's IRSA scoped to the roles it manages, and one cross-account RolePair
 * per `rolePairs` entry. Every Kubernetes object goes through one provider bound to that cluster.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { engineTarget, namespaceValues, parseStackConfig } from "./config";
import { ProfileControllerIrsa } from "./components/controllerIrsa";
import { Profile } from "./components/profile";
import { RolePair } from "./components/rolePair";
import { stackCluster } from "./cluster/stackCluster";
import { stackRoleTags } from "./components/tags";
import { withoutSdkDebugLogs } from "./engineLogs";

async function main(): Promise<Record<string, unknown>> {
    withoutSdkDebugLogs();
    // Pulumi.yaml's stackConfigDir: the file the engine read this stack's config from.
    const all = pulumi.runtime.allConfig();
    const config = parseStackConfig(namespaceValues(all), `stacks/Pulumi.${pulumi.getStack()}.yaml`, engineTarget(all, pulumi.getStack(), process.env));
    for (const warning of config.warnings) pulumi.log.warn(`kubeflow-irsa: ${warning}`);

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
                tags: stackRoleTags(p.tags, config.clusterName),
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
        ...config.resolvedController,
        tags: stackRoleTags(config.tags, config.clusterName),
        oidc: cluster.oidc,
        managedRoleArns: profiles.filter((_, i) => !config.resolvedProfiles[i].annotateOnly).map((p) => p.roleArn),
    }, kubernetes);

    const rolePairs = config.rolePairs.map(
        ({ name, identity, ...pair }) =>
            new RolePair(name, {
                ...pair,
                tags: stackRoleTags({ ...config.tags, ...pair.tags }, config.clusterName),
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
