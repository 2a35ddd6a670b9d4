/**
 * The kubeconfig a stack's Kubernetes provider uses: one cluster (its endpoint and CA), one user whose token comes
 * from `aws eks get-token` at each connection, so nothing long-lived is stored in state and the ambient kubeconfig
 * is never read.
 *
 * Pure: unit-tested without Pulumi.
 */

export interface ExecKubeconfigArgs {
    /** EKS cluster name: `aws eks get-token --cluster-name`. */
    clusterName: string;
    /** API server endpoint (`https://...`). */
    endpoint: string;
    /** Base64 PEM of the cluster CA, as `DescribeCluster` returns it. */
    certificateAuthorityData: string;
    /** Region of the cluster, passed to the CLI so it does not depend on the shell's AWS_REGION. */
    region?: string;
    /** Role the CLI assumes for the token (`--role-arn`), e.g. a deploy role with a cluster access entry. */
    roleArn?: string;
}

/** The `aws` CLI arguments that print an EKS token for the cluster. */
export function getTokenArgs(args: Pick<ExecKubeconfigArgs, "clusterName" | "region" | "roleArn">): string[] {
    return [
        "--output", "json",
        "eks", "get-token",
        "--cluster-name", args.clusterName,
        ...(args.region ? ["--region", args.region] : []),
        ...(args.roleArn ? ["--role-arn", args.roleArn] : []),
    ];
}

/** A kubeconfig (as an object; serialize with JSON.stringify) for exactly one EKS cluster. */
export function execKubeconfig(args: ExecKubeconfigArgs): Record<string, unknown> {
    const name = args.clusterName;
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name, cluster: { server: args.endpoint, "certificate-authority-data": args.certificateAuthorityData } }],
        users: [
            {
                name,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: getTokenArgs(args),
                        interactiveMode: "Never",
                    },
                },
            },
        ],
        contexts: [{ name, context: { cluster: name, user: name } }],
        "current-context": name,
    };
}
