/**
 * What the policy pack reads of a resource, whichever program declared it: the trust and permission documents and
 * the managed policies it attaches, by resource type, from its properties as the engine hands them to an analyzer
 * (documents as JSON text or as objects). Pure: nothing here imports Pulumi.
 */
import { asList, decodePolicyDocument, PolicyDocument, statements } from "../iam/document";
import { ASSET_POLICY_NAME, rolePairDocuments } from "../components/rolePair/documents";
import { ROLE_PAIR_TYPE, ROLE_TYPE } from "../components/typeTokens";

/** Resources whose `policy` property is one identity policy. */
const POLICY_TYPES = ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"];
/** Resources whose `policyArn` attaches one managed policy. */
const ATTACHMENT_TYPES = [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
];

/** A resource as the pack sees it. `props` may throw for a value unknown during preview (the pack's concern). */
export interface Target {
    type: string;
    /** The Pulumi logical name. */
    name: string;
    urn: string;
    props: Record<string, any>;
}

export interface LabelledDocument {
    /** Where the document is, in words: `trust policy`, `inline policy "s3-access"`, `policy`. */
    label: string;
    document: PolicyDocument;
}

/** A policy document from JSON text or an object, its Statement always a list; undefined when absent or not JSON. */
export function documentOf(value: unknown): PolicyDocument | undefined {
    if (value === undefined || value === null || value === "") return undefined;
    let parsed: PolicyDocument;
    try {
        parsed = typeof value === "string" ? decodePolicyDocument(value) : (value as PolicyDocument);
    } catch {
        return undefined; // not JSON: the provider refuses it before IAM sees it
    }
    return { ...parsed, Statement: statements(parsed) };
}

/** Role-pair inputs with the defaults its provider's check fills, for the documents it will write. */
function rolePairInputs(props: Record<string, any>) {
    return { path: "/", subjectMatch: "StringEquals", exclusive: false, subjects: [], ...props } as unknown as Parameters<typeof rolePairDocuments>[0];
}

/** The trust policy a resource declares: a role's, or the EKS role's of a role pair (as its provider writes it). */
export function trustOf(target: Target): LabelledDocument | undefined {
    if (target.type === ROLE_TYPE) {
        const document = documentOf(target.props.assumeRolePolicy);
        return document && { label: "trust policy", document };
    }
    if (target.type === ROLE_PAIR_TYPE) {
        return { label: `EKS role ${target.props.eksRoleName}'s trust policy`, document: rolePairDocuments(rolePairInputs(target.props)).eksTrust };
    }
    return undefined;
}

/** The identity policies a resource declares: a role's inline policies, a policy resource's, a role pair's asset policy. */
export function permissionDocumentsOf(target: Target): LabelledDocument[] {
    const labelled = (label: string, value: unknown): LabelledDocument[] => {
        const document = documentOf(value);
        return document ? [{ label, document }] : [];
    };
    if (target.type === ROLE_TYPE) {
        return asList(target.props.inlinePolicies as Array<{ name?: string; policy?: string }> | undefined).flatMap((p) => labelled(`inline policy "${p.name ?? ""}"`, p.policy));
    }
    if (POLICY_TYPES.includes(target.type)) return labelled("policy", target.props.policy);
    // The pair's EKS-role policy is not read: its provider writes it, sts:AssumeRole on the exact asset role alone.
    if (target.type === ROLE_PAIR_TYPE) return labelled(`asset role ${target.props.assetRoleName}'s ${ASSET_POLICY_NAME}`, target.props.assetPolicy);
    return [];
}

/** The managed policies a resource attaches. */
export function managedPolicyArnsOf(target: Target): string[] {
    if (target.type === ROLE_TYPE) return asList(target.props.managedPolicyArns as string[] | undefined);
    if (ATTACHMENT_TYPES.includes(target.type)) return asList(target.props.policyArn as string | undefined);
    if (target.type === ROLE_PAIR_TYPE) return asList(target.props.assetPolicyArns as string[] | undefined);
    return [];
}

/** The component types a resource was declared in, outermost first (from its URN's type chain). */
export function declaringComponents(urn: string): string[] {
    const chain = urn.split("::")[2]?.split("$") ?? [];
    return chain.slice(0, -1);
}

/** How a message names a resource: its type and logical name, and the IAM name when it differs (and is known). */
export function describe(target: Target): string {
    let iamName: unknown;
    try {
        iamName = target.type === ROLE_TYPE || POLICY_TYPES.includes(target.type) ? target.props.name : undefined;
    } catch {
        iamName = undefined; // not known before the provider names it: the logical name says enough
    }
    return `${target.type} "${target.name}"${typeof iamName === "string" && iamName !== target.name ? ` (IAM name ${iamName})` : ""}`;
}

/** Whether a role ARN names the role of that name and path (the account is not known before the role exists). */
export function arnNamesRole(arn: string, path: string | undefined, name: string): boolean {
    return arn.endsWith(`:role${path ?? "/"}${name}`);
}
