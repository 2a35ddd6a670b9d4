/**
 * The type tokens of what the program declares: its own components, the dynamic role-pair resource, and the provider
 * resources the offline preview, the policy pack and adopt look for by type. Exported once, imported everywhere.
 *
 * Pure: nothing here imports Pulumi (the policy pack and the report read these without loading the SDK).
 */

export const PROFILE_COMPONENT_TYPE = "kubeflow-irsa:index:Profile";
export const CONTROLLER_COMPONENT_TYPE = "kubeflow-irsa:index:ProfileControllerIrsa";
export const EKS_CLUSTER_COMPONENT_TYPE = "kubeflow-irsa:index:EksCluster";
export const OIDC_PROVIDER_COMPONENT_TYPE = "kubeflow-irsa:index:ClusterOidcProvider";
/** A dynamic resource's type is the SDK's `pulumi-nodejs:dynamic:Resource` prefix and the name the RolePair gives it. */
export const ROLE_PAIR_TYPE = "pulumi-nodejs:dynamic/kubeflow-irsa:RolePair";

export const ROLE_TYPE = "aws:iam/role:Role";
export const OIDC_PROVIDER_TYPE = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
export const POD_IDENTITY_ASSOCIATION_TYPE = "aws:eks/podIdentityAssociation:PodIdentityAssociation";
export const PROFILE_CR_TYPE = "kubernetes:kubeflow.org/v1:Profile";
export const SERVICE_ACCOUNT_TYPE = "kubernetes:core/v1:ServiceAccount";
export const SERVICE_ACCOUNT_PATCH_TYPE = "kubernetes:core/v1:ServiceAccountPatch";
