/**
 * An EKS cluster this stack does not create: looked up once, before anything is declared, so a stack whose config
 * names one issuer while its cluster reports another fails with one error instead of writing roles that trust the
 * wrong cluster.
 */
import * as aws from "@pulumi/aws";
import { CONFIG_NAMESPACE } from "../config/schema";
import { StackConfigError } from "../config/errors";
import { issuerHostPath, issuerHostPathFromProviderArn } from "../iam/identity";

/** What `eks:DescribeCluster` says about the stack's cluster. */
export interface ExistingCluster {
    name: string;
    arn: string;
    endpoint: string;
    certificateAuthorityData: string;
    /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<ID>`). */
    issuerUrl: string;
}

/** The issuer settings of the stack config that must match the cluster. */
export interface ConfiguredIssuer {
    oidcIssuerUrl?: string;
    oidcProviderArn?: string;
}

/**
 * One line per config key whose issuer differs from the cluster's (empty when they agree). Compared as
 * host/path, case-insensitively on the host, since IAM keys its providers that way.
 */
export function issuerDisagreements(cluster: Pick<ExistingCluster, "name" | "issuerUrl">, configured: ConfiguredIssuer): string[] {
    const actual = issuerHostPath(cluster.issuerUrl);
    const same = (hostPath: string) => hostPath.toLowerCase() === actual.toLowerCase();
    const problems: string[] = [];
    if (configured.oidcIssuerUrl && !same(issuerHostPath(configured.oidcIssuerUrl))) {
        problems.push(
            `${CONFIG_NAMESPACE}:oidcIssuerUrl: ${JSON.stringify(configured.oidcIssuerUrl)} is not the issuer of cluster "${cluster.name}", which reports ${cluster.issuerUrl}: ` +
                "set oidcIssuerUrl to the cluster's issuer (or drop it), or check clusterName and aws:region",
        );
    }
    if (configured.oidcProviderArn && !same(issuerHostPathFromProviderArn(configured.oidcProviderArn))) {
        problems.push(
            `${CONFIG_NAMESPACE}:oidcProviderArn: ${JSON.stringify(configured.oidcProviderArn)} is a provider for issuer ${issuerHostPathFromProviderArn(configured.oidcProviderArn)}, ` +
                `but cluster "${cluster.name}" reports ${cluster.issuerUrl}: adopt the provider of that issuer (or drop oidcProviderArn to have one created), or check clusterName and aws:region`,
        );
    }
    return problems;
}

/** Looks the cluster up (one `eks:DescribeCluster`) and checks the configured issuer against it. */
export async function lookUpExistingCluster(clusterName: string, configured: ConfiguredIssuer): Promise<ExistingCluster> {
    const found = await aws.eks.getCluster({ name: clusterName });
    const issuerUrl = found.identities?.[0]?.oidcs?.[0]?.issuer;
    const certificateAuthorityData = found.certificateAuthorities?.[0]?.data;
    if (!issuerUrl || !certificateAuthorityData || !found.endpoint) {
        throw new StackConfigError([
            `${CONFIG_NAMESPACE}:clusterName: EKS cluster "${clusterName}" reports no ${!issuerUrl ? "OIDC issuer" : !found.endpoint ? "endpoint" : "certificate authority"}: check that the cluster is ACTIVE and that clusterName and aws:region name it`,
        ]);
    }
    const cluster = { name: clusterName, arn: found.arn, endpoint: found.endpoint, certificateAuthorityData, issuerUrl };
    const problems = issuerDisagreements(cluster, configured);
    if (problems.length > 0) {
        throw new StackConfigError(problems);
    }
    return cluster;
}
