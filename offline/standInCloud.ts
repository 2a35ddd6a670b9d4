/**
 * Deterministic stand-ins for the cloud, for Pulumi's mock runtime: the offline preview and the tests run the real
 * program against these. Physical values are derived from inputs (ARNs from names), never random, so two runs of
 * the same config produce byte-identical plans.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { policyLength } from "../iam/document";
import { IdentityBackend, issuerHostPath, issuerRegion, usesPodIdentity } from "../iam/identity";
import { partitionOf, roleArn } from "../iam/arns";
import { execKubeconfig } from "../components/kubeconfig";
import { irsaSubjects, rolePairDocuments } from "../components/rolePair/documents";
import { pairIdentity } from "../components/rolePair/inputs";
import { OIDC_PROVIDER_TYPE, ROLE_PAIR_TYPE, ROLE_TYPE } from "../components/typeTokens";

/** Type token of the RolePair dynamic resource. */

/** The account id stand-in ARNs use when the stack names none (AWS's documentation account). */
export const STANDIN_ACCOUNT_ID = "111122223333";
export const STANDIN_REGION = "us-east-1";
export const STANDIN_PARTITION = "aws";

/** Where the stand-in cloud is: what the deploy would find, as far as the stack config tells. */
export interface StandInCloud {
    accountId: string;
    region: string;
    partition: string;
}

export const DEFAULT_STANDIN_CLOUD: StandInCloud = { accountId: STANDIN_ACCOUNT_ID, region: STANDIN_REGION, partition: STANDIN_PARTITION };


function jsonOr<T>(text: string | undefined, fallback: T): T {
    try {
        return text === undefined ? fallback : (JSON.parse(text) as T);
    } catch {
        return fallback;
    }
}

/**
 * The stand-in cloud of a stack, from its flat config: the region is `aws:region` (else the configured issuer's);
 * the account is `pipeline.accountId`, else the adopted OIDC provider's, else the first of `aws:allowedAccountIds`.
 * What the config does not tell keeps the documentation defaults, and the report says the ARNs are stand-ins.
 */
export function standInCloudFor(config: Record<string, string>): StandInCloud {
    const region = config["aws:region"] ?? issuerRegion(config["kubeflow-irsa:oidcIssuerUrl"] ?? config["kubeflow-irsa:oidcProviderArn"] ?? "") ?? STANDIN_REGION;
    const pipelineAccount = jsonOr<{ accountId?: unknown }>(config["kubeflow-irsa:pipeline"], {}).accountId;
    const providerAccount = /^arn:[^:]+:iam::(\d{12}):/.exec(config["kubeflow-irsa:oidcProviderArn"] ?? "")?.[1];
    const allowed = jsonOr<unknown[]>(config["aws:allowedAccountIds"], [])[0];
    const accountId = [pipelineAccount, providerAccount, allowed].find((a): a is string => typeof a === "string" && /^\d{12}$/.test(a)) ?? STANDIN_ACCOUNT_ID;
    return { accountId, region, partition: partitionOf(region) };
}

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
export function standInIssuerUrl(clusterName: string, cloud: StandInCloud = DEFAULT_STANDIN_CLOUD): string {
    return `https://oidc.eks.${cloud.region}.amazonaws.com/id/${shortHash(clusterName, 32).toUpperCase()}`;
}

/** The ARN of a stand-in EKS cluster (what the lookup reports, and what a created one gets). */
export function standInClusterArn(clusterName: string, cloud: StandInCloud = DEFAULT_STANDIN_CLOUD): string {
    return `arn:${cloud.partition}:eks:${cloud.region}:${cloud.accountId}:cluster/${clusterName}`;
}

/** The API endpoint a stand-in EKS cluster reports. */
export function standInEndpoint(clusterName: string, cloud: StandInCloud = DEFAULT_STANDIN_CLOUD): string {
    return `https://${shortHash(clusterName, 32).toUpperCase()}.gr7.${cloud.region}.eks.amazonaws.com`;
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
export function standInState(type: string, name: string, inputs: Record<string, any>, cloud: StandInCloud): { id: string; state: Record<string, unknown> } {
    const { accountId, partition } = cloud;
    switch (type) {
        case ROLE_TYPE: {
            const roleName = inputs.name ?? name;
            return {
                id: roleName,
                state: { ...inputs, name: roleName, arn: roleArn(partition, accountId, inputs.path ?? "/", roleName), uniqueId: `AROA${shortHash(roleName, 17).toUpperCase()}` },
            };
        }
        case OIDC_PROVIDER_TYPE: {
            const arn = `arn:${partition}:iam::${accountId}:oidc-provider/${issuerHostPath(inputs.url)}`;
            return { id: arn, state: { ...inputs, arn } };
        }
        case "eks:index:Cluster": {
            const issuerUrl = standInIssuerUrl(inputs.name, cloud);
            const kubeconfig = execKubeconfig({ clusterName: inputs.name, endpoint: standInEndpoint(inputs.name, cloud), certificateAuthorityData: STANDIN_CA_DATA, roleArn: inputs.providerCredentialOpts?.roleArn });
            return {
                id: inputs.name,
                state: {
                    kubeconfig,
                    kubeconfigJson: JSON.stringify(kubeconfig),
                    oidcProviderArn: `arn:${partition}:iam::${accountId}:oidc-provider/${issuerHostPath(issuerUrl)}`,
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
     * @param cloud the account, region and partition of the stand-in ARNs: the stack's (standInCloudFor), or the
     *   real ones (the adoption tool).
     */
    constructor(
        private readonly clusters: Record<string, string | ClusterDescription> = {},
        readonly cloud: StandInCloud = DEFAULT_STANDIN_CLOUD,
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
        return standInState(args.type, args.name, mapSecrets(args.inputs, (secret) => secret.value) as Record<string, unknown>, this.cloud);
    }

    /** Tokens of the invokes the program made, in order. */
    readonly calls: string[] = [];

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        this.calls.push(args.token);
        switch (args.token) {
            case "aws:index/getPartition:getPartition": {
                const { partition } = this.cloud;
                return { id: partition, partition, dnsSuffix: partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
            }
            case "aws:index/getRegion:getRegion": {
                const { region } = this.cloud;
                return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com`, description: "stand-in" };
            }
            case "aws:index/getCallerIdentity:getCallerIdentity": {
                const { accountId, partition } = this.cloud;
                return { id: accountId, accountId, arn: `arn:${partition}:iam::${accountId}:user/preview`, userId: "AIDAPREVIEW" };
            }
            case "aws:eks/getCluster:getCluster": {
                const name: string = args.inputs.name;
                const known = this.clusters[name];
                const cluster: ClusterDescription =
                    typeof known === "object"
                        ? known
                        : { issuerUrl: known ?? standInIssuerUrl(name, this.cloud), arn: standInClusterArn(name, this.cloud), endpoint: standInEndpoint(name, this.cloud), certificateAuthorityData: STANDIN_CA_DATA };
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
                throw new Error(`the offline preview has no stand-in for the call ${args.token}: add one to offline/standInCloud.ts`);
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
