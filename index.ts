/**
 * kubeflow-irsa: wiring only. Reads the stack config once, then declares the cluster OIDC provider, one Profile
 * (role + kubeflow.org/v1 Profile) per entry, the profile controller's IRSA scoped to the roles it manages, and
 * one cross-account RolePair per `rolePairs` entry.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { namespaceValues, parseStackConfig } from "./components/config";
import { ProfileControllerIrsa } from "./components/controllerIrsa";
import { ClusterOidcProvider } from "./components/oidcProvider";
import { profileControllerRoleName } from "./components/names";
import { Profile } from "./components/profile";
import { RolePair } from "./components/rolePair";

const config = parseStackConfig(namespaceValues(pulumi.runtime.allConfig()));

const partition = aws.getPartitionOutput().partition;

const oidc = new ClusterOidcProvider("cluster-oidc", {
    clusterName: config.clusterName,
    issuerUrl: config.oidcIssuerUrl,
    existingProviderArn: config.oidcProviderArn,
    thumbprints: config.oidcThumbprints,
    tags: config.tags,
});

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
            roleName: p.roleName,
            rolePath: p.rolePath,
            maxSessionDuration: p.maxSessionDuration,
            permissionsBoundaryArn: p.permissionsBoundaryArn,
            tags: p.tags,
            resourceQuota: p.resourceQuota,
            oidc: oidc.trustTarget,
            partition,
        }),
);

const controller = new ProfileControllerIrsa("profile-controller", {
    namespace: config.profileController.namespace,
    serviceAccount: config.profileController.serviceAccount,
    annotateServiceAccount: config.profileController.annotateServiceAccount,
    roleName: config.profileController.roleName ?? profileControllerRoleName(config.clusterName),
    rolePath: config.rolePath,
    permissionsBoundaryArn: config.permissionsBoundaryArn,
    tags: config.tags,
    oidc: oidc.trustTarget,
    managedRoleArns: profiles.filter((_, i) => !config.resolvedProfiles[i].annotateOnly).map((p) => p.roleArn),
});

const rolePairs = config.rolePairs.map(
    ({ name, ...pair }) =>
        new RolePair(name, {
            ...pair,
            tags: { ...config.tags, ...pair.tags },
            oidcProviderArn: oidc.arn,
        }),
);

export const oidcProviderArn = oidc.arn;
export const oidcIssuerHostPath = oidc.issuerHostPath;
export const profileControllerRoleArn = controller.roleArn;
export const profileRoleArns = pulumi.all(Object.fromEntries(profiles.map((p) => [p.profileName, p.roleArn])));
export const rolePairRoleArns = pulumi.all(
    Object.fromEntries(rolePairs.map((p, i) => [config.rolePairs[i].name, pulumi.all({ eksRoleArn: p.eksRoleArn, assetRoleArn: p.assetRoleArn })])),
);
