/**
 * The IAM roles a plan declares, each with its trust and permission documents, read from the declared resources
 * (what the engine would receive), not from the config.
 */
import { PolicyDocument } from "../iam/document";
import { roleArn } from "../iam/arns";
import { ASSET_POLICY_NAME, EKS_POLICY_NAME, rolePairDocuments } from "../components/rolePair/documents";
import { subjectParts } from "../iam/identity";
import { DeclaredResource, DEFAULT_STANDIN_CLOUD, standInAssociations, StandInCloud } from "../offline/standInCloud";
import { CONTROLLER_COMPONENT_TYPE, POD_IDENTITY_ASSOCIATION_TYPE, PROFILE_COMPONENT_TYPE, ROLE_PAIR_TYPE, ROLE_TYPE } from "../components/typeTokens";

export type RoleKind = "profile" | "profile-controller" | "role-pair-eks" | "role-pair-asset" | "role";

export interface RoleView {
    name: string;
    arn: string;
    kind: RoleKind;
    /** Logical name of the component or pair that declares it. */
    declaredBy: string;
    trust: PolicyDocument;
    inlinePolicies: Record<string, PolicyDocument>;
    managedPolicyArns: string[];
    permissionsBoundary?: string;
    maxSessionDuration?: number;
    /** EKS Pod Identity associations that name this role (the binding; the trust must still allow them). */
    associations: PodIdentityBinding[];
}

export interface PodIdentityBinding {
    clusterName: string;
    namespace: string;
    serviceAccount: string;
}


const KIND_BY_PARENT_TYPE: Record<string, RoleKind> = {
    [PROFILE_COMPONENT_TYPE]: "profile",
    [CONTROLLER_COMPONENT_TYPE]: "profile-controller",
};

function parse(text: unknown): PolicyDocument {
    return typeof text === "string" ? JSON.parse(text) : (text as PolicyDocument);
}

export function roleViews(resources: DeclaredResource[], cloud: StandInCloud = DEFAULT_STANDIN_CLOUD): RoleView[] {
    // Parents are components; a custom resource may share its parent's name (a Profile CR and its component).
    const typeOf = new Map(resources.filter((r) => !r.custom).map((r) => [r.name, r.type]));
    const associationsOf = new Map<string, PodIdentityBinding[]>();
    for (const r of resources.filter((r) => r.type === POD_IDENTITY_ASSOCIATION_TYPE)) {
        const { roleArn: arn, clusterName, namespace, serviceAccount } = r.inputs as Record<string, string>;
        associationsOf.set(arn, [...(associationsOf.get(arn) ?? []), { clusterName, namespace, serviceAccount }]);
    }
    const views: RoleView[] = [];
    for (const r of resources) {
        const inputs = r.inputs as Record<string, any>;
        if (r.type === ROLE_TYPE) {
            const name = inputs.name ?? r.name;
            const inline = (inputs.inlinePolicies ?? []) as Array<{ name?: string; policy?: string }>;
            const arn = roleArn(cloud.partition, cloud.accountId, inputs.path ?? "/", name);
            views.push({
                name,
                arn,
                associations: associationsOf.get(arn) ?? [],
                kind: KIND_BY_PARENT_TYPE[typeOf.get(r.parent ?? "") ?? ""] ?? "role",
                declaredBy: r.parent ?? r.name,
                trust: parse(inputs.assumeRolePolicy),
                inlinePolicies: Object.fromEntries(inline.filter((p) => p.name && p.policy).map((p) => [p.name!, parse(p.policy)])),
                managedPolicyArns: [...(inputs.managedPolicyArns ?? [])].sort(),
                permissionsBoundary: inputs.permissionsBoundary,
                maxSessionDuration: inputs.maxSessionDuration,
            });
        } else if (r.type === ROLE_PAIR_TYPE) {
            const associations = standInAssociations(inputs as never);
            const docs = rolePairDocuments(inputs as never, associations.map((a) => a.externalId));
            views.push({
                name: inputs.eksRoleName,
                arn: docs.eksRoleArn,
                associations: associations.map((a) => ({ clusterName: inputs.cluster.name, ...subjectParts(a.subject)! })),
                kind: "role-pair-eks",
                declaredBy: r.name,
                trust: docs.eksTrust,
                inlinePolicies: { [EKS_POLICY_NAME]: docs.eksPolicy },
                managedPolicyArns: [],
                maxSessionDuration: inputs.maxSessionDuration,
            });
            views.push({
                name: inputs.assetRoleName,
                arn: docs.assetRoleArn,
                associations: [],
                kind: "role-pair-asset",
                declaredBy: r.name,
                trust: docs.assetTrust,
                inlinePolicies: inputs.assetPolicy ? { [ASSET_POLICY_NAME]: inputs.assetPolicy } : {},
                managedPolicyArns: [...(inputs.assetPolicyArns ?? [])].sort(),
                maxSessionDuration: inputs.maxSessionDuration,
            });
        }
    }
    return views.sort((a, b) => a.arn.localeCompare(b.arn));
}
