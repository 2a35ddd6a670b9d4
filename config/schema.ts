/**
 * The stack config contract's schema: every key, its type, its default and the rule on its own value (each message
 * says what is allowed, so the error names the fix), and the typed `StackConfig` it parses into. Rules that need
 * several entries are rules.ts; what AWS and Kubernetes would refuse at deploy is limits.ts.
 */
import { z } from "zod";
import { PolicyDocument } from "../iam/document";
import { arnAccount } from "../iam/arns";
import { DNS1123_LABEL, DNS1123_LABEL_MAX_LENGTH, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_MAX_LENGTH, IDENTITY_BACKENDS, IdentityBackend, subjectProblem } from "../iam/identity";
import { refusedRisks } from "../iam/permissionRisks";
import { documentProblems } from "../iam/validate";
import { DEFAULT_RESERVED_NAMESPACES, DEFAULT_TRUST_POLICY_MAX_LENGTH, IAM_ROLES_PER_ACCOUNT_DEFAULT, IAM_ROLES_PER_ACCOUNT_MAX, MANAGED_POLICIES_PER_ROLE_DEFAULT, MANAGED_POLICIES_PER_ROLE_MAX, MAX_TRUST_POLICY_QUOTA, ownerProblem, QUOTA_SCOPE_OPERATORS, QUOTA_SCOPES, quotaQuantityProblem, quotaResourceNameProblem, quotaScopeProblems, tagKeyProblem, tagValueProblem } from "./limits";
import { PLUGIN_ANNOTATED_SERVICE_ACCOUNT, PROFILE_READY_TIMEOUT_SECONDS } from "../components/manifests";
import { PROJECT_NAME } from "../project";

/** The config namespace: keys are `kubeflow-irsa:<key>` in `stacks/Pulumi.<env>.yaml`. */
export const CONFIG_NAMESPACE = PROJECT_NAME;

// ---------------------------------------------------------------------------------------------------------------
// Field rules (each message says what is allowed, so the error names the fix)
// ---------------------------------------------------------------------------------------------------------------

const ROLE_NAME = /^[\w+=,.@-]+$/;
const ROLE_PATH = /^\/(?:[\x21-\x7e]*\/)?$/;
const PARTITION = "aws(?:-[a-z]+)*";
const POLICY_ARN = new RegExp(`^arn:${PARTITION}:iam::(?:\\d{12}|aws):policy/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]+$`);
const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]+$`);
const OIDC_PROVIDER_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:oidc-provider/[A-Za-z0-9.-]+(?:/[\\w.-]+)*$`);
const ISSUER_URL = /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[\w.-]+)*\/?$/;
const THUMBPRINT = /^[0-9a-fA-F]{40}$/;
const ACCOUNT_ID = /^\d{12}$/;
const EXTERNAL_ID = /^[\w+=,.@:\/-]{2,1224}$/;
/** Kubernetes resource quantity, as the Profile CRD's `resourceQuotaSpec.hard` pattern. */
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

function isValidBucketName(name: string): boolean {
    return (
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
        !name.includes("..") &&
        !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
        !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
        !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)
    );
}

const dnsLabel = z
    .string()
    .max(DNS1123_LABEL_MAX_LENGTH, { error: `must be at most ${DNS1123_LABEL_MAX_LENGTH} characters (a DNS-1123 label)` })
    .regex(DNS1123_LABEL, { error: "is not a DNS-1123 label: use lowercase a-z, 0-9 and '-', starting and ending with a letter or digit" });

const serviceAccountName = z
    .string()
    .max(DNS1123_SUBDOMAIN_MAX_LENGTH, { error: `must be at most ${DNS1123_SUBDOMAIN_MAX_LENGTH} characters` })
    .regex(DNS1123_SUBDOMAIN, { error: "is not a valid service account name: use lowercase a-z, 0-9, '-' and '.', starting and ending with a letter or digit" });

const iamRoleName = z
    .string()
    .min(1, { error: "must not be empty" })
    .max(64, { error: "is longer than IAM's 64-character limit for role names" })
    .regex(ROLE_NAME, { error: "has characters IAM does not allow in a role name: use letters, digits and + = , . @ _ -" });

const rolePath = z
    .string()
    .max(512, { error: "must be at most 512 characters" })
    .regex(ROLE_PATH, { error: "is not an IAM path: it must start and end with '/', e.g. '/' or '/kubeflow/'" });

const policyArn = z.string().regex(POLICY_ARN, { error: "is not an IAM managed policy ARN (arn:aws:iam::<account-id or aws>:policy/<name>)" });
const iamRoleArn = z.string().regex(ROLE_ARN, { error: "is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)" });

const tags = z.record(z.string(), z.string({ error: "tag values must be strings (quote numbers and booleans in YAML)" })).superRefine((t, ctx) => {
    for (const [key, value] of Object.entries(t)) {
        const problem = tagKeyProblem(key) ?? tagValueProblem(key, value);
        if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
    }
});

const maxSessionDuration = z
    .number()
    .int({ error: "must be a whole number of seconds" })
    .min(3600, { error: "must be at least 3600 seconds (IAM's minimum)" })
    .max(43200, { error: "must be at most 43200 seconds (IAM's maximum, 12 hours)" });

const identityBackend = z.enum(IDENTITY_BACKENDS, {
    error: "must be \"irsa\", \"podIdentity\" or \"irsa+podIdentity\" (both at once, for the migration window)",
});

const bucketGrant = z.string().superRefine((grant, ctx) => {
    const slash = grant.indexOf("/");
    const bucket = slash < 0 ? grant : grant.slice(0, slash);
    const prefix = slash < 0 ? "" : grant.slice(slash + 1);
    const issue = (message: string) => ctx.addIssue({ code: "custom", message });
    if (/^s3:\/\//i.test(grant)) {
        issue(`is a URL: write the bucket and prefix without "s3://" ("${grant.replace(/^s3:\/\//i, "")}")`);
    } else if (grant.startsWith("/")) {
        issue(`starts with '/': begin with the bucket name ("${grant.replace(/^\/+/, "")}")`);
    } else if (slash >= 0 && /\*$/.test(grant) && !/[*?]/.test(grant.slice(0, -1))) {
        issue(`ends in '*': the grant already covers everything under the prefix, so write it without the wildcard ("${grant.replace(/\/?\*$/, "")}")`);
    } else if (/[*?]/.test(grant)) {
        issue("wildcards are not allowed: list each bucket (or bucket/prefix) the profile needs");
    } else if (slash >= 0 && prefix.split("/").some((part) => part === ".." || part === ".")) {
        issue("has a '.' or '..' path segment: S3 keys are not paths, so the grant would not cover what it seems to; write the prefix as the objects' keys begin");
    } else if (slash >= 0 && grant.slice(slash).replace(/\/+$/, "").includes("//")) {
        issue(`has an empty path segment ('//'): S3 would match keys with a double slash only; write "${bucket}/${prefix.replace(/^\/+/, "").replace(/\/{2,}/g, "/").replace(/\/+$/, "")}"`);
    } else if (!isValidBucketName(bucket)) {
        ctx.addIssue({ code: "custom", message: "is not a valid S3 bucket name: 3-63 characters of lowercase a-z, 0-9, '.' and '-', starting and ending with a letter or digit (optionally followed by /prefix)" });
    } else if (slash >= 0 && prefix.replace(/\/+/g, "") === "") {
        ctx.addIssue({ code: "custom", message: "has an empty prefix after '/': write the bare bucket name to grant the whole bucket" });
    }
});

const statement = z
    .object({
        Sid: z.string().regex(/^[A-Za-z0-9]*$/, { error: "Sid may only hold letters and digits" }).optional(),
        Effect: z.enum(["Allow", "Deny"], { error: "Effect must be \"Allow\" or \"Deny\"" }),
        Action: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
        NotAction: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
        Resource: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
        NotResource: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
        // IAM compares condition values as strings; YAML may give booleans or numbers.
        Condition: z
            .record(z.string(), z.record(z.string(), z.union([z.string(), z.array(z.string()), z.boolean().transform(String), z.number().transform(String)])))
            .optional(),
    })
    .strict()
    .superRefine((s, ctx) => {
        if ((s.Action === undefined) === (s.NotAction === undefined)) {
            ctx.addIssue({ code: "custom", message: "a statement needs exactly one of Action or NotAction" });
        }
        if ((s.Resource === undefined) === (s.NotResource === undefined)) {
            ctx.addIssue({ code: "custom", message: "a statement needs exactly one of Resource or NotResource" });
        }
    });

/** An identity-based IAM policy document (no Principal: it is attached to a role). */
const policyDocument = z
    .object({
        Version: z.literal("2012-10-17", { error: "Version must be \"2012-10-17\"" }),
        Id: z.string().optional(),
        Statement: z.array(statement).min(1, { error: "a policy needs at least one statement" }),
    })
    .strict()
    .superRefine((doc, ctx) => {
        // As IAM validates it (the partition and accounts are checked with the stack's target: documents.ts).
        for (const { statement, message } of documentProblems(doc, { kind: "identity" })) {
            ctx.addIssue({ code: "custom", path: statement === undefined ? [] : ["Statement", statement], message });
        }
        for (const { statement, risk } of refusedRisks(doc as PolicyDocument)) {
            ctx.addIssue({ code: "custom", path: ["Statement", statement], message: risk.message });
        }
    });

const quotaScope = z.enum(QUOTA_SCOPES as [string, ...string[]], { error: `is not a ResourceQuota scope: use one of ${QUOTA_SCOPES.join(", ")}` });

const resourceQuota = z
    .object({
        hard: z.record(
            z.string(),
            z.union([z.number().int(), z.string().regex(QUANTITY, { error: "is not a Kubernetes quantity (e.g. \"8\", \"16Gi\", \"500m\")" })]),
        ).optional(),
        scopes: z.array(quotaScope).optional(),
        scopeSelector: z
            .object({
                matchExpressions: z.array(
                    z.object({
                        operator: z.enum(QUOTA_SCOPE_OPERATORS as [string, ...string[]], { error: `must be one of ${QUOTA_SCOPE_OPERATORS.join(", ")}` }),
                        scopeName: quotaScope,
                        values: z.array(z.string()).optional(),
                    }).strict(),
                ).optional(),
            })
            .strict()
            .optional(),
    })
    .strict()
    .superRefine((quota, ctx) => {
        // What the API server's ResourceQuota validation refuses: the Profile would then never be reconciled.
        for (const [resource, quantity] of Object.entries(quota.hard ?? {})) {
            const problem = quotaResourceNameProblem(resource) ?? quotaQuantityProblem(resource, quantity);
            if (problem) ctx.addIssue({ code: "custom", path: ["hard", resource], message: problem });
        }
        for (const [path, message] of quotaScopeProblems(quota)) ctx.addIssue({ code: "custom", path, message });
    });

/**
 * A number under a top-level key: the engine hands every top-level scalar to the program as text (`20`, whether the
 * file says 20 or "20"), as Pulumi's own `config.getNumber` reads it; numbers inside a list or map arrive as numbers.
 */
const topLevelNumber = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value), schema);

// ---------------------------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------------------------

const profileEntry = z
    .object({
        name: dnsLabel,
        owner: z
            .string()
            .trim()
            .min(1, { error: "must name the profile's owner (a user name or email)" })
            .superRefine((owner, ctx) => {
                const problem = ownerProblem(owner);
                if (problem) ctx.addIssue({ code: "custom", message: problem });
            }),
        ownerKind: z.enum(["User", "Group"], { error: "must be \"User\" or \"Group\"" }).default("User"),
        serviceAccounts: z
            .array(serviceAccountName)
            .min(1, { error: "must list at least one service account: an empty list would leave the role without a sub condition" })
            .default(["default-editor"]),
        s3Buckets: z.array(bucketGrant).default([]),
        policyArns: z.array(policyArn).default([]),
        inlinePolicy: policyDocument.optional(),
        annotateOnly: z.boolean({ error: "must be true or false" }).default(true),
        identity: identityBackend.optional(),
        roleName: iamRoleName.optional(),
        rolePath: rolePath.optional(),
        maxSessionDuration: maxSessionDuration.optional(),
        permissionsBoundaryArn: policyArn.optional(),
        tags: tags.default({}),
        resourceQuota: resourceQuota.optional(),
    })
    .strict()
    .superRefine((p, ctx) => {
        const others = p.serviceAccounts.filter((sa) => sa !== PLUGIN_ANNOTATED_SERVICE_ACCOUNT);
        if (!p.annotateOnly && others.length > 0) {
            ctx.addIssue({
                code: "custom",
                path: ["serviceAccounts"],
                message:
                    `lists ${others.join(", ")} besides ${PLUGIN_ANNOTATED_SERVICE_ACCOUNT}, but annotateOnly is false: the profile controller would rewrite the role's trust to ` +
                    `${PLUGIN_ANNOTATED_SERVICE_ACCOUNT} alone and cut them off; set annotateOnly: true (this package manages the trust) or list only ${PLUGIN_ANNOTATED_SERVICE_ACCOUNT}`,
            });
        }
    });

const rolePairEntry = z
    .object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, { error: "must be 1-63 letters, digits, '-' or '_' (it names the Pulumi resource)" }),
        assetAccountId: z.string().regex(ACCOUNT_ID, { error: "must be a 12-digit AWS account id (quote it in YAML)" }),
        assetRoleName: iamRoleName,
        eksRoleName: iamRoleName,
        assetPolicy: policyDocument.optional(),
        assetPolicyArns: z.array(policyArn).default([]),
        subjects: z.array(z.string()).min(1, { error: "must list at least one subject: a trust without a sub condition lets any service account assume the role" }),
        subjectMatch: z.enum(["StringEquals", "StringLike"], { error: "must be \"StringEquals\" or \"StringLike\"" }).default("StringEquals"),
        exclusive: z.boolean({ error: "must be true or false" }).default(false),
        externalId: z.string().regex(EXTERNAL_ID, { error: "must be 2-1224 characters of letters, digits and + = , . @ : / - _" }).optional(),
        assetDeployRoleArn: iamRoleArn.optional(),
        path: rolePath.default("/"),
        tags: tags.default({}),
        maxSessionDuration: maxSessionDuration.optional(),
        identity: identityBackend.optional(),
        trustPolicyMaxLength: z
            .number()
            .int({ error: "must be a whole number" })
            .min(DEFAULT_TRUST_POLICY_MAX_LENGTH, { error: `must be at least ${DEFAULT_TRUST_POLICY_MAX_LENGTH} (IAM's default quota)` })
            .max(MAX_TRUST_POLICY_QUOTA, { error: `must be at most ${MAX_TRUST_POLICY_QUOTA} (the largest quota IAM grants)` })
            .default(DEFAULT_TRUST_POLICY_MAX_LENGTH),
    })
    .strict()
    .superRefine((pair, ctx) => {
        pair.subjects.forEach((subject, i) => {
            const problem = subjectProblem(subject, pair.subjectMatch);
            if (problem) {
                ctx.addIssue({ code: "custom", path: ["subjects", i], message: problem });
            }
        });
        if (!pair.assetPolicy && pair.assetPolicyArns.length === 0) {
            ctx.addIssue({ code: "custom", path: ["assetPolicy"], message: "is missing: give the asset role its rights with assetPolicy and/or assetPolicyArns" });
        }
        if (pair.assetDeployRoleArn && arnAccount(pair.assetDeployRoleArn) !== pair.assetAccountId) {
            ctx.addIssue({ code: "custom", path: ["assetDeployRoleArn"], message: `must be a role in the asset account ${pair.assetAccountId}` });
        }
    });

const profileController = z
    .object({
        namespace: dnsLabel.default("kubeflow"),
        serviceAccount: serviceAccountName.default("profiles-controller-service-account"),
        annotateServiceAccount: z.boolean({ error: "must be true or false" }).default(true),
        roleName: iamRoleName.optional(),
        rolePath: rolePath.optional(),
        permissionsBoundaryArn: policyArn.optional(),
        readyTimeoutSeconds: z
            .number()
            .int({ error: "must be a whole number of seconds" })
            .min(10, { error: "must be at least 10 seconds: the controller needs a moment to make the namespace" })
            .max(3600, { error: "must be at most 3600 seconds" })
            .default(PROFILE_READY_TIMEOUT_SECONDS),
    })
    .strict();

const pipeline = z
    .object({
        repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, { error: "must be the GitHub repository as <owner>/<repo>" }),
        accountId: z.string().regex(ACCOUNT_ID, { error: "must be the 12-digit account of the stack's roles and cluster (quote it in YAML)" }).optional(),
        environment: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, { error: "must be a GitHub environment name (letters, digits, '.', '_' and '-')" }).optional(),
    })
    .strict();

/** A cluster this stack creates with `@pulumi/eks` (ephemeral test clusters, fresh accounts). */
const clusterCreate = z
    .object({
        version: z.string().regex(/^1\.\d{1,2}$/, { error: "is not a Kubernetes minor version: write it quoted, e.g. \"1.31\"" }),
        instanceType: z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, { error: "is not an EC2 instance type (e.g. m6i.large)" }).default("m6i.large"),
        desiredSize: z.number().int({ error: "must be a whole number of nodes" }).min(1, { error: "must be at least 1" }).default(2),
        minSize: z.number().int({ error: "must be a whole number of nodes" }).min(1, { error: "must be at least 1" }).default(1),
        maxSize: z.number().int({ error: "must be a whole number of nodes" }).min(1, { error: "must be at least 1" }).default(3),
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: "is not a VPC id (vpc-...)" }).optional(),
        subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "is not a subnet id (subnet-...)" })).min(2, { error: "must list at least two subnets (EKS needs two availability zones)" }).optional(),
        kubeflowInstalled: z.boolean({ error: "must be true or false" }).default(false),
    })
    .strict()
    .superRefine((c, ctx) => {
        if (!(c.minSize <= c.desiredSize && c.desiredSize <= c.maxSize)) {
            ctx.addIssue({ code: "custom", path: ["desiredSize"], message: `must lie between minSize (${c.minSize}) and maxSize (${c.maxSize})` });
        }
        if ((c.vpcId === undefined) !== (c.subnetIds === undefined)) {
            ctx.addIssue({ code: "custom", path: [c.vpcId ? "subnetIds" : "vpcId"], message: "is required with " + (c.vpcId ? "vpcId" : "subnetIds") + ": give both (or neither, for the default VPC)" });
        }
    });

/** Where the Kubernetes side goes: the stack's own cluster, never the ambient kubeconfig. */
const cluster = z
    .object({
        accessRoleArn: iamRoleArn.optional(),
        kubeconfig: z.string().min(1, { error: "must not be empty" }).optional(),
        context: z.string().min(1, { error: "must not be empty" }).optional(),
        create: clusterCreate.optional(),
    })
    .strict()
    .superRefine((c, ctx) => {
        if (c.context !== undefined && c.kubeconfig === undefined) {
            ctx.addIssue({ code: "custom", path: ["context"], message: "needs cluster.kubeconfig: a context is only read from an explicit kubeconfig (the ambient one is never used)" });
        }
        if (c.kubeconfig !== undefined && c.create !== undefined) {
            ctx.addIssue({ code: "custom", path: ["kubeconfig"], message: "cannot be used with cluster.create: a created cluster's kubeconfig comes from the cluster itself" });
        }
        if (c.kubeconfig !== undefined && c.accessRoleArn !== undefined) {
            ctx.addIssue({ code: "custom", path: ["accessRoleArn"], message: "has no effect with cluster.kubeconfig (its user decides the credentials): remove one of them" });
        }
    });

export const stackConfigSchema = z
    .object({
        clusterName: z
            .string({ error: "is required: the EKS cluster's name" })
            .regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, { error: "is not an EKS cluster name (1-100 letters, digits, '-' and '_', starting with a letter or digit)" }),
        oidcIssuerUrl: z.string().regex(ISSUER_URL, { error: "is not an OIDC issuer URL (https://oidc.eks.<region>.amazonaws.com/id/<ID>)" }).optional(),
        oidcProviderArn: z.string().regex(OIDC_PROVIDER_ARN, { error: "is not an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>)" }).optional(),
        oidcThumbprints: z.array(z.string().regex(THUMBPRINT, { error: "is not a SHA-1 thumbprint (40 hex characters)" })).optional(),
        rolePath: rolePath.default("/"),
        permissionsBoundaryArn: policyArn.optional(),
        identity: identityBackend.default("irsa"),
        reservedNamespaces: z.array(dnsLabel).default([...DEFAULT_RESERVED_NAMESPACES]),
        managedPoliciesPerRole: topLevelNumber(
            z
                .number()
                .int({ error: "must be a whole number" })
                .min(MANAGED_POLICIES_PER_ROLE_DEFAULT, { error: `must be at least ${MANAGED_POLICIES_PER_ROLE_DEFAULT} (IAM's default quota)` })
                .max(MANAGED_POLICIES_PER_ROLE_MAX, { error: `must be at most ${MANAGED_POLICIES_PER_ROLE_MAX} (the most IAM raises it to)` })
        ).default(MANAGED_POLICIES_PER_ROLE_DEFAULT),
        iamRolesQuota: topLevelNumber(
            z
                .number()
                .int({ error: "must be a whole number" })
                .min(IAM_ROLES_PER_ACCOUNT_DEFAULT, { error: `must be at least ${IAM_ROLES_PER_ACCOUNT_DEFAULT} (IAM's default roles per account)` })
                .max(IAM_ROLES_PER_ACCOUNT_MAX, { error: `must be at most ${IAM_ROLES_PER_ACCOUNT_MAX} (the most IAM raises roles per account to)` })
        ).default(IAM_ROLES_PER_ACCOUNT_DEFAULT),
        tags: tags.default({}),
        profileController: profileController.default({ namespace: "kubeflow", serviceAccount: "profiles-controller-service-account", annotateServiceAccount: true, readyTimeoutSeconds: PROFILE_READY_TIMEOUT_SECONDS }),
        profiles: z.array(profileEntry, { error: "is required: a list of profiles (it may be empty: profiles: [])" }),
        rolePairs: z.array(rolePairEntry).default([]),
        pipeline: pipeline.optional(),
        cluster: cluster.default({}),
    })
    .strict();

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type ProfileConfig = z.infer<typeof profileEntry>;

/** A profile with its resolved IAM settings (stack defaults applied, role name decided). */
export interface ResolvedProfile extends ProfileConfig {
    /** The profile's `identity`, else the stack's. */
    identity: IdentityBackend;
    roleName: string;
    rolePath: string;
    permissionsBoundaryArn?: string;
}

/** The profile controller's IAM settings, stack defaults applied and role name decided. */
export interface ResolvedController {
    roleName: string;
    rolePath: string;
    permissionsBoundaryArn?: string;
}

/** The keys a strict object schema accepts at `path`, for "did you mean" hints. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
    const strings = path.filter((p) => typeof p === "string");
    const last = strings[strings.length - 1];
    const shapes: Record<string, z.ZodRawShape> = {
        profiles: profileEntry.shape,
        rolePairs: rolePairEntry.shape,
        profileController: profileController.shape,
        resourceQuota: resourceQuota.shape,
        pipeline: pipeline.shape,
        cluster: cluster.shape,
        create: clusterCreate.shape,
    };
    if (last === undefined) {
        return Object.keys(stackConfigSchema.shape);
    }
    return Object.keys(shapes[last] ?? {});
}
