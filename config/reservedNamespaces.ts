/**
 * Namespaces a Kubeflow Profile must never take: a Profile makes its namespace, and this package trusts that
 * namespace's service accounts with the profile's role and writes service accounts into it. The profile controller
 * does not own the cluster's own namespaces or Kubeflow's, so a Profile named after one hands its role to whatever
 * runs there.
 *
 * Pure: nothing here imports Pulumi.
 */

/** The cluster's own namespaces (Kubernetes reserves the `kube-` prefix). */
export const KUBERNETES_NAMESPACES: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * The namespaces a Kubeflow platform install uses besides the controller's own (`kubeflow`), per the
 * kubeflow/manifests example install (`example/kustomization.yaml`): cert-manager, Istio, oauth2-proxy, Dex (`auth`),
 * Knative Serving and the optional Knative Eventing, and Kubeflow Trainer's `kubeflow-system`.
 */
export const DEFAULT_RESERVED_NAMESPACES: readonly string[] = ["auth", "cert-manager", "istio-system", "knative-eventing", "knative-serving", "kubeflow-system", "oauth2-proxy"];

/** Why a profile may not take `namespace`, or undefined when it may. */
export function reservedNamespaceReason(namespace: string, controllerNamespace: string, reserved: readonly string[]): string | undefined {
    if (KUBERNETES_NAMESPACES.includes(namespace) || namespace.startsWith("kube-")) {
        return `is a namespace of Kubernetes itself (${KUBERNETES_NAMESPACES.join(", ")} and every kube-* name): the profile's role would be trusted by the cluster's own workloads there`;
    }
    if (namespace === controllerNamespace) {
        return `is the profile controller's namespace (profileController.namespace): the profile's role would be trusted by the controller's neighbours`;
    }
    if (reserved.includes(namespace)) {
        return `is listed in reservedNamespaces (a namespace of the Kubeflow platform, not of a profile; remove it there only if this cluster does not use it)`;
    }
    return undefined;
}
