/**
 * Reads what the manual procedure built, with read-only calls only (standard credential chain and settings, so
 * `AWS_ENDPOINT_URL` is honoured): the cluster (issuer, endpoint, CA), its IAM OIDC provider, every role whose
 * trust names that provider with its inline and attached policies (customer-managed documents included), and the
 * names of all roles (for collisions).
 */
import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import {
    GetPolicyCommand,
    GetPolicyVersionCommand,
    GetRoleCommand,
    GetRolePolicyCommand,
    IAMClient,
    ListAttachedRolePoliciesCommand,
    ListOpenIDConnectProvidersCommand,
    ListRolePoliciesCommand,
    ListRolesCommand,
    Role,
} from "@aws-sdk/client-iam";
import { issuerHostPath, issuerHostPathFromProviderArn } from "../iam/identity";
import { clientSettings, iamClient } from "../components/rolePair/aws";
import { decodePolicyDocument, policyDocumentText } from "../iam/document";
import { ClusterDescription } from "../offline/standInCloud";
import { LiveRole, LiveState } from "./decide";
import { AdoptError } from "./errors";

/** Reads up to `limit` items at once: IAM throttles bursts, and an account may hold thousands of roles. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.min(limit, items.length) }, async () => {
            while (next < items.length) {
                const i = next++;
                out[i] = await fn(items[i]);
            }
        }),
    );
    return out;
}

async function listAllRoles(iam: IAMClient): Promise<Role[]> {
    const roles: Role[] = [];
    let marker: string | undefined;
    do {
        const page = await iam.send(new ListRolesCommand({ Marker: marker, MaxItems: 1000 }));
        roles.push(...(page.Roles ?? []));
        marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return roles;
}

async function readRole(iam: IAMClient, listed: Role): Promise<LiveRole> {
    const name = listed.RoleName!;
    const { Role: role } = await iam.send(new GetRoleCommand({ RoleName: name }));
    const inlineNames: string[] = [];
    let marker: string | undefined;
    do {
        const page = await iam.send(new ListRolePoliciesCommand({ RoleName: name, Marker: marker }));
        inlineNames.push(...(page.PolicyNames ?? []));
        marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    const inlinePolicies = await Promise.all(
        inlineNames.sort().map(async (policyName) => {
            const got = await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
            return { name: policyName, document: decodePolicyDocument(got.PolicyDocument!) };
        }),
    );
    const attachedArns: string[] = [];
    do {
        const page = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, Marker: marker }));
        attachedArns.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn!));
        marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    const attachedPolicies = await Promise.all(
        attachedArns.sort().map(async (arn) => {
            // AWS-managed documents are public and versioned by AWS; only customer-managed ones are read.
            if (/^arn:[^:]+:iam::aws:policy\//.test(arn)) return { arn };
            const { Policy: policy } = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
            const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy!.DefaultVersionId! }));
            return { arn, document: decodePolicyDocument(version.PolicyVersion!.Document!) };
        }),
    );
    return {
        name,
        path: role!.Path ?? "/",
        arn: role!.Arn!,
        ...(role!.Description ? { description: role!.Description } : {}),
        maxSessionDuration: role!.MaxSessionDuration ?? 3600,
        ...(role!.PermissionsBoundary?.PermissionsBoundaryArn ? { permissionsBoundaryArn: role!.PermissionsBoundary.PermissionsBoundaryArn } : {}),
        tags: Object.fromEntries((role!.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""])),
        trust: decodePolicyDocument(role!.AssumeRolePolicyDocument!),
        inlinePolicies,
        attachedPolicies,
    };
}

export interface LiveRead {
    state: LiveState;
    cluster: ClusterDescription;
}

/** Reads the cluster and the roles trusting its OIDC provider; throws AdoptError when the cluster has no provider. */
export async function readLiveState(clusterName: string, region: string): Promise<LiveRead> {
    const eks = new EKSClient({ ...clientSettings(), region });
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: clusterName })).catch((err) => {
        if ((err as Error).name === "ResourceNotFoundException") throw new AdoptError(`cluster ${clusterName} was not found in ${region}: check --cluster and the region (AWS_REGION)`);
        throw err;
    });
    const issuerUrl = cluster?.identity?.oidc?.issuer;
    if (!issuerUrl) throw new AdoptError(`cluster ${clusterName} reports no OIDC issuer: IRSA needs one (an EKS cluster of Kubernetes 1.13 or later has it)`);
    const hostPath = issuerHostPath(issuerUrl).toLowerCase();

    const iam = iamClient();
    const providers = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];
    const provider = providers.map((p) => p.Arn!).find((arn) => issuerHostPathFromProviderArn(arn).toLowerCase() === hostPath);
    if (!provider) {
        throw new AdoptError(
            `cluster ${clusterName} has no IAM OIDC provider for its issuer ${issuerUrl}: no role can use IRSA on it yet, so there is nothing to adopt. ` +
                "Start from a fresh stack instead (leave oidcProviderArn out and the stack creates the provider), or associate one first (eksctl utils associate-iam-oidc-provider).",
        );
    }

    const all = await listAllRoles(iam);
    // A cheap first cut on the text; the trust's statements are read (and the rest set apart) by decideAdoption.
    const trusting = all.filter((r) => r.AssumeRolePolicyDocument && policyDocumentText(r.AssumeRolePolicyDocument).includes(provider));
    const roles = await mapLimited(trusting, 8, (r) => readRole(iam, r));
    return {
        state: {
            clusterName,
            region,
            oidcProviderArn: provider,
            roles: roles.sort((a, b) => a.name.localeCompare(b.name)),
            allRoleNames: all.map((r) => r.RoleName!).sort(),
        },
        cluster: {
            issuerUrl,
            arn: cluster!.arn!,
            endpoint: cluster!.endpoint!,
            certificateAuthorityData: cluster!.certificateAuthority?.data ?? "",
        },
    };
}
