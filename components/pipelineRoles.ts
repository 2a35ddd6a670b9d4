/**
 * The pipeline's own AWS roles, as documents a platform team creates from reviewed JSON: a read-only preview role
 * that only pull-request jobs of one repository can assume, and a deploy role per environment that only that
 * GitHub environment's jobs can assume, each allowed to change exactly what its stack manages.
 *
 * What the stack manages is known by a tag, not by a name pattern alone: every role the stack creates carries
 * STACK_OWNER_TAG = its cluster (components/tags.ts). The deploy role writes only roles that carry it
 * (`aws:ResourceTag`), creates roles only with it (`aws:RequestTag`), never sets or removes it on a role it did not
 * create (`aws:TagKeys`), and, with a stack-wide boundary, creates and writes only roles under that boundary
 * (`iam:PermissionsBoundary`). Every condition key is checked against the service reference and an IAM simulator
 * (test/pipelineRoles.test.ts); the preview judges these documents with the evaluator (preview/pipeline.ts).
 *
 * Pure: nothing here imports Pulumi; the offline preview writes these documents per stack.
 */
import { PolicyDocument, PolicyStatement, sortedUnique } from "../iam/document";
import { pipelineDeployRoleName, pipelinePreviewRoleName } from "./names";
import { STACK_OWNER_TAG } from "./tags";
import { webIdentityTrustPolicy } from "./trustDocuments";

/** GitHub Actions' OIDC issuer host: names the IAM OIDC provider and its condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** IAM reads the engine makes for roles it manages (refresh, diff of policies and attachments, delete). */
const ROLE_READS = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies", "iam:ListRoleTags"];
/**
 * IAM writes on existing roles, except tagging, attaching policies and setting a boundary (conditioned apart): those
 * that change what a role may do, which IAM conditions on the role's boundary (`iam:PermissionsBoundary`, as every
 * catalog lists it for them), and the rest, which some catalogs do not (Parliament's): a key IAM does not provide for
 * an action makes StringEquals fail, so it is used only where both agree.
 */
const ROLE_PERMISSION_WRITES = ["iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy"];
const ROLE_WRITES = ["iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"];
const TAG_WRITES = ["iam:TagRole", "iam:UntagRole"];

/**
 * Characters of exact role ARNs the deploy policy lists before it falls back to the role path: the whole policy must
 * stay within IAM's 6,144 characters for a managed policy, and the other statements take about 2,000.
 */
const EXACT_ROLE_ARNS_BUDGET = 4000;
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
    /** Exact ARNs of the roles the stack creates under `rolePath` (profiles, the controller): what it may create and tag. */
    createdRoleArns: string[];
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
    const exact = sortedUnique(p.createdRoleArns);
    const creatable = exact.length > 0 && exact.join("").length <= EXACT_ROLE_ARNS_BUDGET ? exact : underPath;
    const owned = { [`aws:ResourceTag/${STACK_OWNER_TAG}`]: p.clusterName };
    // Role pairs' roles carry no boundary: the boundary is required of the roles under the stack's path only.
    // iam:PermissionsBoundary holds an ARN: compared with ArnEquals.
    const bounded = (condition: Record<string, Record<string, string | string[]>>) => (boundaries.length ? { ...condition, ArnEquals: { "iam:PermissionsBoundary": boundaries } } : condition);
    const created = { [`aws:RequestTag/${STACK_OWNER_TAG}`]: p.clusterName };
    const writes: PolicyStatement[] = [
        { Sid: "WriteOwnedRolePermissions", Effect: "Allow", Action: ROLE_PERMISSION_WRITES, Resource: underPath, Condition: bounded({ StringEquals: owned }) },
        { Sid: "WriteOwnedRoles", Effect: "Allow", Action: ROLE_WRITES, Resource: underPath, Condition: { StringEquals: owned } },
        // Tags of its roles, never the ownership tag itself: the deploy role cannot claim a role, nor give one away.
        { Sid: "TagOwnedRoles", Effect: "Allow", Action: TAG_WRITES, Resource: roles, Condition: { StringEquals: owned, "ForAllValues:StringNotEqualsIgnoreCase": { "aws:TagKeys": [STACK_OWNER_TAG] } } },
        // IAM authorizes a create's tags as TagRole too: both only with the ownership tag in the request, and on the
        // exact roles the stack creates while they fit (a tag-on-create TagRole cannot tell a new role from an untagged
        // one, so on a pattern it could claim an untagged role under the path).
        // (iam:PermissionsBoundary is a key of CreateRole, not of TagRole: each statement uses its action's keys.)
        { Sid: "CreateOwnedRoles", Effect: "Allow", Action: "iam:CreateRole", Resource: creatable, Condition: bounded({ StringEquals: created }) },
        { Sid: "TagCreatedRoles", Effect: "Allow", Action: "iam:TagRole", Resource: creatable, Condition: { StringEquals: created } },
        ...(boundaries.length
            ? [{ Sid: "KeepRequiredBoundary", Effect: "Allow" as const, Action: "iam:PutRolePermissionsBoundary", Resource: underPath, Condition: bounded({ StringEquals: owned }) }]
            : []),
        // Attaching is limited to the listed policies.
        ...(p.attachablePolicyArns.length
            ? [{ Sid: "AttachListedPolicies", Effect: "Allow" as const, Action: "iam:AttachRolePolicy", Resource: roles, Condition: { StringEquals: owned, ArnEquals: { "iam:PolicyARN": sortedUnique(p.attachablePolicyArns) } } }]
            : []),
        ...(otherRoles.length
            ? [
                  { Sid: "WriteOwnedRolePairRoles", Effect: "Allow" as const, Action: [...ROLE_PERMISSION_WRITES, ...ROLE_WRITES].sort(), Resource: otherRoles, Condition: { StringEquals: owned } },
                  { Sid: "CreateRolePairRoles", Effect: "Allow" as const, Action: ["iam:CreateRole", "iam:TagRole"], Resource: otherRoles, Condition: { StringEquals: created } },
              ]
            : []),
        ...(p.adoptedOidcProviderArn ? [] : [{ Sid: "ManageOidcProvider", Effect: "Allow" as const, Action: OIDC_PROVIDER_WRITES, Resource: oidcProvider }]),
        ...(p.podIdentity
            ? [
                  { Sid: "ManagePodIdentityAssociations", Effect: "Allow" as const, Action: POD_IDENTITY_WRITES, Resource: associations },
                  // An association names a role: EKS checks that its creator may pass it. Only the stack's own roles.
                  { Sid: "PassStackRoles", Effect: "Allow" as const, Action: "iam:PassRole", Resource: roles, Condition: { StringEquals: owned } },
              ]
            : []),
        ...(p.assetDeployRoleArns.length ? [{ Sid: "AssumeAssetDeployRoles", Effect: "Allow" as const, Action: "sts:AssumeRole", Resource: sortedUnique(p.assetDeployRoleArns) }] : []),
    ];
    return {
        preview: {
            roleName: pipelinePreviewRoleName(p.clusterName),
            assumedBy: `pull-request jobs of ${p.repository}`,
            trustPolicy: githubTrust(p, `repo:${p.repository}:pull_request`),
            permissionPolicy: { Version: "2012-10-17", Statement: reads },
        },
        deploy: {
            roleName: pipelineDeployRoleName(p.clusterName, p.environment),
            assumedBy: `jobs of ${p.repository} in the GitHub environment ${p.environment}`,
            trustPolicy: githubTrust(p, `repo:${p.repository}:environment:${p.environment}`),
            permissionPolicy: { Version: "2012-10-17", Statement: [...reads, ...writes] },
        },
    };
}
