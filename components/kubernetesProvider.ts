import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * Versions of `@pulumi/kubernetes` this package has shipped with (package-lock.json). Stacks deployed by those
 * releases hold their Profiles under the engine's default provider `default_<version>`; the stack's provider takes
 * that provider's place through an alias, so the move is an update of the provider, not a replacement of every
 * Profile (which would delete and recreate each namespace). A test fails when the lockfile moves to a version
 * missing here.
 */
export const SHIPPED_KUBERNETES_SDK_VERSIONS = ["4.34.2"];

/** The engine's name for the default provider of a package version (`default_4_34_2`). */
export function defaultProviderName(version: string): string {
    return `default_${version.replace(/[.-]/g, "_")}`;
}

export interface StackKubernetesProviderArgs {
    /** The cluster's name: the provider's identity, so a changed token role or endpoint is an update, never a replacement. */
    clusterName: string;
    /** Kubeconfig contents (or, for an explicit override, a path). */
    kubeconfig: pulumi.Input<string>;
    /** Context within an explicit kubeconfig override. */
    context?: string;
}

/**
 * The stack's one Kubernetes provider: every Kubernetes object goes through it, to the configured cluster only.
 */
export function stackKubernetesProvider(args: StackKubernetesProviderArgs, opts?: pulumi.CustomResourceOptions): k8s.Provider {
    const current = (require("@pulumi/kubernetes/package.json") as { version: string }).version;
    const versions = [...new Set([...SHIPPED_KUBERNETES_SDK_VERSIONS, current])];
    return new k8s.Provider(
        "cluster",
        {
            kubeconfig: args.kubeconfig,
            ...(args.context ? { context: args.context } : {}),
            clusterIdentifier: args.clusterName,
        },
        { ...opts, aliases: versions.map((v) => pulumi.createUrn(defaultProviderName(v), "pulumi:providers:kubernetes")) },
    );
}
