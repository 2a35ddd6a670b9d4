/**
 * The pipeline's own AWS roles, as documents a platform team creates from reviewed JSON: a read-only preview role
 * that only pull-request jobs of one repository can assume, and a deploy role per environment that only that
 * GitHub environment's jobs can assume, each allowed to change exactly what its stack manages.
 *
 * Pure: nothing here imports Pulumi; the offline preview writes these documents per stack.
 */
import { PolicyDocument, PolicyStatement, sortedUnique } from "../iam/document";
import { shortenName } from "./names";
import { webIdentityTrustPolicy } from "./trustDocuments";

/** GitHub Actions' OIDC issuer host: names the IAM OIDC provider and its condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** IAM reads the engine makes for roles it manages (refresh, diff of policies and attachments, delete). */
const ROLE_READS = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies", "iam:ListRoleTags"];
/** IAM writes on roles, except attaching policies and setting a boundary (kept apart to condition them). */
const ROLE_WRITES = [
    "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:PutRolePolicy",
    "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
];
const BOUNDARY_WRITES = ["iam:CreateRole", "iam:PutRolePermissionsBoundary"];
const OIDC_PROVIDER_WRITES = [
    "iam:AddClientIDToOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider",
    "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
];

const POD_IDENTITY_READS = ["eks:DescribePodIdentityAssociation", "eks:ListPodIdentityAssociations"];
const POD_IDENTITY_WRITES = ["eks:CreatePodIdentityAssociation", "eks:DeletePodIdentityAssociation", "eks:UpdatePodIdentityAssociation", "eks:TagResource", "eks:UntagResource"];

export interface PipelineRoleInputs {
    partition: string;
    /** The account the stack's roles, OIDC provider and cluster live in. */
    accountId: string;
    /** `<owner>/<repo>` of the repository whose workflows run the preview and the deploys. */
    repository: string;
    /** GitHub environment of the deploy job (the approval gate). */
    environment: string;
    clusterName: string;
    /** IAM path of the stack's profile and controller roles: the deploy role may manage roles under it only. */
    rolePath: string;
    /** Exact ARNs of other roles the stack manages (role pairs' EKS roles, whatever their path; they carry no boundary). */
    otherRoleArns: string[];
    /** Issuer host/path of the cluster when configured; absent: any EKS issuer of the account. */
    oidcIssuerHostPath?: string;
    /** An adopted OIDC provider: only read, never written. */
    adoptedOidcProviderArn?: string;
    /**
     * Boundaries every role under `rolePath` carries (a stack-wide boundary is set): the deploy role may create roles
     * there only with one of them. Empty: no boundary is required.
     */
    permissionsBoundaryArns: string[];
    /** Roles in asset accounts the role-pair provider assumes. */
    assetDeployRoleArns: string[];
    /** Managed policies the stack attaches to its roles: the only ones the deploy role may attach. */
    attachablePolicyArns: string[];
    /** Some profile or role pair uses EKS Pod Identity: the roles manage its associations on the cluster. */
    podIdentity: boolean;
}

export interface PipelineRole {
    /** Suggested role name. */
    roleName: string;
    /** Which jobs may assume it, in words. */
    assumedBy: string;
    trustPolicy: PolicyDocument;
    permissionPolicy: PolicyDocument;
}

export interface PipelineRoles {
    preview: PipelineRole;
    deploy: PipelineRole;
}

function githubTrust(p: PipelineRoleInputs, subject: string): PolicyDocument {
    return webIdentityTrustPolicy({
        providerArn: `arn:${p.partition}:iam::${p.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`,
        issuerHostPath: GITHUB_OIDC_HOST,
        subjects: [subject],
    });
}

export function pipelineRoles(p: PipelineRoleInputs): PipelineRoles {
    const iamArn = (resource: string) => `arn:${p.partition}:iam::${p.accountId}:${resource}`;
    const underPath = iamArn(`role${p.rolePath}*`);
    const otherRoles = sortedUnique(p.otherRoleArns);
    const roles = sortedUnique([underPath, ...otherRoles]);
    const oidcProvider = p.adoptedOidcProviderArn ?? iamArn(`oidc-provider/${p.oidcIssuerHostPath ?? "oidc.eks.*.amazonaws.com/id/*"}`);
    const cluster = `arn:${p.partition}:eks:*:${p.accountId}:cluster/${p.clusterName}`;
    // Associations are named under their cluster: rights on them never reach another cluster's.
    const associations = [cluster, `arn:${p.partition}:eks:*:${p.accountId}:podidentityassociation/${p.clusterName}/*`];
    const reads: PolicyStatement[] = [
        { Sid: "ReadManagedRoles", Effect: "Allow", Action: ROLE_READS, Resource: roles },
        { Sid: "ReadOidcProvider", Effect: "Allow", Action: "iam:GetOpenIDConnectProvider", Resource: oidcProvider },
        { Sid: "DescribeCluster", Effect: "Allow", Action: "eks:DescribeCluster", Resource: cluster },
        ...(p.podIdentity ? [{ Sid: "ReadPodIdentityAssociations", Effect: "Allow" as const, Action: POD_IDENTITY_READS, Resource: associations }] : []),
    ];
    const boundaries = sortedUnique(p.permissionsBoundaryArns);
    const writes: PolicyStatement[] = [
        { Sid: "ManageRoles", Effect: "Allow", Action: ROLE_WRITES, Resource: roles },
        {
            Sid: "CreateRoles",
            Effect: "Allow",
            Action: BOUNDARY_WRITES,
            Resource: underPath,
            // With a stack-wide boundary, a role may only be created under one: the pipeline cannot mint a role
            // with more rights than the boundary allows.
            ...(boundaries.length ? { Condition: { StringEquals: { "iam:PermissionsBoundary": boundaries } } } : {}),
        },
        // Attaching is limited to the listed policies (detaching anything is allowed: it only removes rights).
        { Sid: "DetachPolicies", Effect: "Allow", Action: "iam:DetachRolePolicy", Resource: roles },
        ...(p.attachablePolicyArns.length
            ? [{ Sid: "AttachListedPolicies", Effect: "Allow" as const, Action: "iam:AttachRolePolicy", Resource: roles, Condition: { ArnEquals: { "iam:PolicyARN": sortedUnique(p.attachablePolicyArns) } } }]
            : []),
        ...(otherRoles.length ? [{ Sid: "CreateRolePairRoles", Effect: "Allow" as const, Action: "iam:CreateRole", Resource: otherRoles }] : []),
        ...(p.adoptedOidcProviderArn ? [] : [{ Sid: "ManageOidcProvider", Effect: "Allow" as const, Action: OIDC_PROVIDER_WRITES, Resource: oidcProvider }]),
        ...(p.podIdentity
            ? [
                  { Sid: "ManagePodIdentityAssociations", Effect: "Allow" as const, Action: POD_IDENTITY_WRITES, Resource: associations },
                  // An association names a role: EKS checks that its creator may pass it. Only the stack's own roles.
                  { Sid: "PassStackRoles", Effect: "Allow" as const, Action: "iam:PassRole", Resource: roles },
              ]
            : []),
        ...(p.assetDeployRoleArns.length ? [{ Sid: "AssumeAssetDeployRoles", Effect: "Allow" as const, Action: "sts:AssumeRole", Resource: sortedUnique(p.assetDeployRoleArns) }] : []),
    ];
    return {
        preview: {
            roleName: shortenName(`${p.clusterName}-kubeflow-irsa-preview`),
            assumedBy: `pull-request jobs of ${p.repository}`,
            trustPolicy: githubTrust(p, `repo:${p.repository}:pull_request`),
            permissionPolicy: { Version: "2012-10-17", Statement: reads },
        },
        deploy: {
            roleName: shortenName(`${p.clusterName}-kubeflow-irsa-deploy-${p.environment}`),
            assumedBy: `jobs of ${p.repository} in the GitHub environment ${p.environment}`,
            trustPolicy: githubTrust(p, `repo:${p.repository}:environment:${p.environment}`),
            permissionPolicy: { Version: "2012-10-17", Statement: [...reads, ...writes] },
        },
    };
}
