import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { issuerHostPath, OidcTrustTarget } from "../iam/identity";
import { EKS_CLUSTER_COMPONENT_TYPE } from "./typeTokens";

export interface EksClusterArgs {
    /** The EKS cluster's name (the stack's `clusterName`). */
    clusterName: string;
    /** Kubernetes minor version, e.g. `"1.31"`. */
    version: string;
    /** EC2 instance type of the default node group. */
    instanceType: string;
    /** Nodes the default node group starts with. */
    desiredSize: number;
    /** Fewest nodes of the default node group. */
    minSize: number;
    /** Most nodes of the default node group. */
    maxSize: number;
    /** VPC of the cluster; with `subnetIds`. Default: the account's default VPC. */
    vpcId?: string;
    /** Subnets of the cluster and its nodes (two availability zones at least). */
    subnetIds?: string[];
    /** A role given cluster-admin by an access entry and used for the provider's tokens (`aws eks get-token --role-arn`). */
    accessRoleArn?: string;
    /** AWS partition, for the access policy ARN. */
    partition: pulumi.Input<string>;
    /** Tags of the cluster and what it creates. */
    tags: Record<string, string>;
}

/** Pod Identity needs this agent on every node (Linux EC2 nodes; not Fargate). */
export const POD_IDENTITY_AGENT_ADDON = "eks-pod-identity-agent";

/**
 * A new EKS cluster for an environment this stack creates: `@pulumi/eks` with its IAM OIDC provider, access by
 * EKS access entries only (`authenticationMode: API`, no aws-auth ConfigMap), and the Pod Identity agent add-on.
 * The identity that creates it is its first admin (EKS bootstrap); `accessRoleArn` adds one more.
 */
export class EksCluster extends pulumi.ComponentResource {
    /** The kubeconfig (JSON) whose user runs `aws eks get-token` for this cluster. */
    public readonly kubeconfigJson: pulumi.Output<string>;
    /** ARN of the cluster's IAM OIDC provider. */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** Issuer host/path without scheme: the prefix of the `:aud` and `:sub` condition keys. */
    public readonly issuerHostPath: pulumi.Output<string>;
    /** What every web-identity trust policy needs, resolved once. */
    public readonly trustTarget: pulumi.Output<OidcTrustTarget>;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(EKS_CLUSTER_COMPONENT_TYPE, name, {}, opts);

        const cluster = new eks.Cluster(
            name,
            {
                name: args.clusterName,
                version: args.version,
                instanceType: args.instanceType,
                desiredCapacity: args.desiredSize,
                minSize: args.minSize,
                maxSize: args.maxSize,
                ...(args.vpcId ? { vpcId: args.vpcId, subnetIds: args.subnetIds } : {}),
                createOidcProvider: true,
                authenticationMode: eks.AuthenticationMode.Api,
                ...(args.accessRoleArn
                    ? {
                          accessEntries: {
                              "access-role": {
                                  principalArn: args.accessRoleArn,
                                  accessPolicies: {
                                      "cluster-admin": {
                                          policyArn: pulumi.interpolate`arn:${args.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
                                          accessScope: { type: "cluster" },
                                      },
                                  },
                              },
                          },
                          providerCredentialOpts: { roleArn: args.accessRoleArn },
                      }
                    : {}),
                tags: args.tags,
            },
            { parent: this },
        );

        new aws.eks.Addon(
            `${name}-pod-identity-agent`,
            { clusterName: args.clusterName, addonName: POD_IDENTITY_AGENT_ADDON, tags: args.tags },
            { parent: this, dependsOn: [cluster] },
        );

        this.kubeconfigJson = cluster.kubeconfigJson;
        this.oidcProviderArn = cluster.oidcProviderArn;
        // `oidcIssuer` is documented without scheme; normalise in case a version returns the URL.
        this.issuerHostPath = cluster.oidcIssuer.apply((issuer) => issuerHostPath(issuer.startsWith("https://") ? issuer : `https://${issuer}`));
        this.trustTarget = pulumi.all([this.oidcProviderArn, this.issuerHostPath]).apply(([providerArn, hostPath]) => ({ providerArn, issuerHostPath: hostPath }));
        this.registerOutputs({ kubeconfigJson: this.kubeconfigJson, oidcProviderArn: this.oidcProviderArn, issuerHostPath: this.issuerHostPath });
    }
}
