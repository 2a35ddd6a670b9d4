/**
 * Deterministic stand-ins for the cloud, for Pulumi's mock runtime: the offline preview and the tests run the real
 * program against these. Physical values are derived from inputs (ARNs from names), never random, so two runs of
 * the same config produce byte-identical plans.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { policyLength } from "../components/iamDocument";
import { issuerHostPath, roleArn } from "../components/names";
import { execKubeconfig } from "../components/kubeconfig";
import { IdentityBackend, usesPodIdentity } from "../components/trustDocuments";
import { irsaSubjects, pairIdentity, rolePairDocuments } from "../components/rolePair/documents";

/** Type token of the RolePair dynamic resource. */
export const ROLE_PAIR_TYPE = "pulumi-nodejs:dynamic/kubeflow-irsa:RolePair";

/** The account id every stand-in ARN uses (AWS's documentation account). */
export const STANDIN_ACCOUNT_ID = "111122223333";
export const STANDIN_REGION = "us-east-1";
export const STANDIN_PARTITION = "aws";

/** One resource as the program declared it. */
export interface DeclaredResource {
    type: string;
    name: string;
    /** Logical name of the parent component, if any. */
    parent?: string;
    /** False for component resources. */
    custom: boolean;
    /** Inputs as the engine received them (outputs resolved). */
    inputs: Record<string, unknown>;
    /** Logical name of the explicit provider the resource goes through (absent: the default provider). */
    provider?: string;
    /** `type::name` of the resources it explicitly depends on (not part of the plan). */
    dependsOn?: string[];
}

/** What `eks:DescribeCluster` reports about a cluster, as far as the program uses it. */
export interface ClusterDescription {
    issuerUrl: string;
    arn: string;
    endpoint: string;
    certificateAuthorityData: string;
}

/** What a secret input reads as in plans and reports: its presence shows, its value does not. */
export const SECRET_PLACEHOLDER = "[secret]";

function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** Replaces secret inputs (the engine's wire form) with `replace(secret)`, everywhere in a value. */
function mapSecrets(value: unknown, replace: (secret: { value: unknown }) => unknown): unknown {
    if (isSecretValue(value)) return replace(value);
    if (Array.isArray(value)) return value.map((v) => mapSecrets(v, replace));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapSecrets(v, replace)]));
    return value;
}

function shortHash(text: string, length: number): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** The issuer a stand-in EKS cluster reports when the config names none. */
export function standInIssuerUrl(clusterName: string): string {
    return `https://oidc.eks.${STANDIN_REGION}.amazonaws.com/id/${shortHash(clusterName, 32).toUpperCase()}`;
}

/** The ARN of a stand-in EKS cluster (what the lookup reports, and what a created one gets). */
export function standInClusterArn(clusterName: string): string {
    return `arn:${STANDIN_PARTITION}:eks:${STANDIN_REGION}:${STANDIN_ACCOUNT_ID}:cluster/${clusterName}`;
}

/** The API endpoint a stand-in EKS cluster reports. */
export function standInEndpoint(clusterName: string): string {
    return `https://${shortHash(clusterName, 32).toUpperCase()}.gr7.${STANDIN_REGION}.eks.amazonaws.com`;
}

/** The CA a stand-in EKS cluster reports (base64 of a PEM-looking placeholder). */
const STANDIN_CA_DATA = Buffer.from("-----BEGIN CERTIFICATE-----\noffline-preview\n-----END CERTIFICATE-----\n").toString("base64");

/** The logical name of an explicit provider in a provider reference (`<urn>::<id>`), or undefined for a default one. */
function providerName(reference: string | undefined): string | undefined {
    const urn = reference?.split("::").slice(0, -1).join("::");
    const name = urn?.split("::").pop();
    return name && !name.startsWith("default") ? name : undefined;
}

/** The associations a role pair on Pod Identity would make, with stand-in ids (EKS generates the real ones). */
export function standInAssociations(inputs: { identity?: IdentityBackend; subjects: string[]; cluster?: { name: string } }): Array<{ subject: string; associationId: string; externalId: string }> {
    if (!usesPodIdentity(pairIdentity(inputs)) || !inputs.cluster) return [];
    return inputs.subjects.map((subject) => ({ subject, associationId: `a-${shortHash(subject, 17)}`, externalId: `standin-${shortHash(`${inputs.cluster!.name}/${subject}`, 12)}` }));
}

/** Computed outputs of a resource, by type. Inputs pass through as outputs, as a provider would echo them. */
function standInState(type: string, name: string, inputs: Record<string, any>, accountId: string): { id: string; state: Record<string, unknown> } {
    switch (type) {
        case "aws:iam/role:Role": {
            const roleName = inputs.name ?? name;
            return {
                id: roleName,
                state: { ...inputs, name: roleName, arn: roleArn(STANDIN_PARTITION, accountId, inputs.path ?? "/", roleName), uniqueId: `AROA${shortHash(roleName, 17).toUpperCase()}` },
            };
        }
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
            const arn = `arn:${STANDIN_PARTITION}:iam::${accountId}:oidc-provider/${issuerHostPath(inputs.url)}`;
            return { id: arn, state: { ...inputs, arn } };
        }
        case "eks:index:Cluster": {
            const issuerUrl = standInIssuerUrl(inputs.name);
            const kubeconfig = execKubeconfig({ clusterName: inputs.name, endpoint: standInEndpoint(inputs.name), certificateAuthorityData: STANDIN_CA_DATA, roleArn: inputs.providerCredentialOpts?.roleArn });
            return {
                id: inputs.name,
                state: {
                    kubeconfig,
                    kubeconfigJson: JSON.stringify(kubeconfig),
                    oidcProviderArn: `arn:${STANDIN_PARTITION}:iam::${accountId}:oidc-provider/${issuerHostPath(issuerUrl)}`,
                    oidcProviderUrl: issuerUrl,
                    oidcIssuer: issuerHostPath(issuerUrl),
                },
            };
        }
        case ROLE_PAIR_TYPE: {
            const associations = standInAssociations(inputs as never);
            const docs = rolePairDocuments(inputs as never, associations.map((a) => a.externalId));
            return {
                id: `${docs.eksAccountId}/${inputs.eksRoleName}`,
                state: {
                    ...inputs,
                    eksAccountId: docs.eksAccountId,
                    eksRoleArn: docs.eksRoleArn,
                    assetRoleArn: docs.assetRoleArn,
                    ownedSubjects: irsaSubjects(inputs as never),
                    foreignSubjects: [],
                    trustPolicyLength: policyLength(docs.eksTrust),
                    ...(associations.length ? { associations } : {}),
                },
            };
        }
        default:
            return { id: `${name}-id`, state: { ...inputs } };
    }
}

/**
 * Mocks that answer with stand-in values and record every declared resource, with its parent's logical name
 * (tracked by `trackParents`, a stack transformation, since the mock monitor is not told the parent's name).
 */
export class StandInMocks implements pulumi.runtime.Mocks {
    readonly resources: DeclaredResource[] = [];

    /**
     * @param clusters what each stand-in cluster reports, by cluster name: its issuer (default: a derived one), or
     *   a whole description. The offline preview passes the configured issuer: offline, only the deploy can check
     *   that they agree. The adoption tool passes what it read from EKS, so the plan holds the real kubeconfig.
     * @param accountId the account of the stand-in ARNs (the adoption tool passes the real one).
     */
    constructor(
        private readonly clusters: Record<string, string | ClusterDescription> = {},
        private readonly accountId: string = STANDIN_ACCOUNT_ID,
    ) {}
    private readonly names = new WeakMap<pulumi.Resource, string>();
    private readonly parents = new Map<string, string>();
    private readonly dependencies = new Map<string, string[]>();

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        const key = `${args.type}::${args.name}`;
        // A dynamic resource carries its serialized provider as an input: engine plumbing, not part of the plan.
        const { __provider: _provider, ...inputs } = args.inputs ?? {};
        // The plan shows that a secret is set, never its value; the stand-in provider sees plain values, as a real one does.
        const provider = providerName(args.provider);
        this.resources.push({
            type: args.type,
            name: args.name,
            parent: this.parents.get(key),
            custom: args.custom !== false,
            inputs: mapSecrets(inputs, () => SECRET_PLACEHOLDER) as Record<string, unknown>,
            ...(provider ? { provider } : {}),
            ...(this.dependencies.has(key) ? { dependsOn: this.dependencies.get(key) } : {}),
        });
        return standInState(args.type, args.name, mapSecrets(args.inputs, (secret) => secret.value) as Record<string, unknown>, this.accountId);
    }

    /** Tokens of the invokes the program made, in order. */
    readonly calls: string[] = [];

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        this.calls.push(args.token);
        switch (args.token) {
            case "aws:index/getPartition:getPartition":
                return { id: STANDIN_PARTITION, partition: STANDIN_PARTITION, dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
            case "aws:index/getRegion:getRegion":
                return { id: STANDIN_REGION, name: STANDIN_REGION, region: STANDIN_REGION, endpoint: `ec2.${STANDIN_REGION}.amazonaws.com`, description: "stand-in" };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { id: this.accountId, accountId: this.accountId, arn: `arn:aws:iam::${this.accountId}:user/preview`, userId: "AIDAPREVIEW" };
            case "aws:eks/getCluster:getCluster": {
                const name: string = args.inputs.name;
                const known = this.clusters[name];
                const cluster: ClusterDescription =
                    typeof known === "object"
                        ? known
                        : { issuerUrl: known ?? standInIssuerUrl(name), arn: standInClusterArn(name), endpoint: standInEndpoint(name), certificateAuthorityData: STANDIN_CA_DATA };
                return {
                    id: name,
                    name,
                    arn: cluster.arn,
                    endpoint: cluster.endpoint,
                    certificateAuthorities: [{ data: cluster.certificateAuthorityData }],
                    identities: [{ oidcs: [{ issuer: cluster.issuerUrl }] }],
                };
            }
            default:
                throw new Error(`the offline preview has no stand-in for the call ${args.token}: add one to preview/mocks.ts`);
        }
    }

    /** A stack transformation recording each resource's parent and explicit dependencies; it changes nothing. */
    readonly trackParents = (args: pulumi.ResourceTransformationArgs): undefined => {
        const key = `${args.type}::${args.name}`;
        this.names.set(args.resource, key);
        const parent = args.opts.parent ? this.names.get(args.opts.parent) : undefined;
        if (parent !== undefined) {
            this.parents.set(key, parent.slice(parent.lastIndexOf("::") + 2));
        }
        const dependsOn = [args.opts.dependsOn ?? []].flat() as pulumi.Resource[];
        if (dependsOn.length > 0) {
            this.dependencies.set(key, dependsOn.map((r) => this.names.get(r) ?? "(unknown)"));
        }
        return undefined;
    };
}
