/**
 * The stack config contract: schema, defaults and error formatting. Config is parsed here once, at program start,
 * into a typed `StackConfig`; a bad config throws one Error that lists every problem with its key path, the bad
 * value and what is allowed. Nothing deeper re-checks raw config.
 */
import { z } from "zod";
import { PolicyDocument, policyLength } from "../iam/document";
import { arnAccount, roleArn } from "../iam/arns";
import { IDENTITY_BACKENDS, IdentityBackend, isConcreteSubject, issuerHostPath, issuerHostPathFromProviderArn, subjectProblem, usesPodIdentity } from "../iam/identity";
import { profileControllerRoleName, profileRoleDescription, profileRoleName } from "./names";
import { profileRoleTags, ROLE_PAIR_OWN_TAGS } from "./tags";
import { profileControllerPolicy, ROLE_INLINE_POLICIES_MAX_LENGTH, s3AccessPolicy } from "./permissionPolicies";
import { refusedRisks } from "../iam/permissionRisks";
import { IAM_ROLE_DESCRIPTION_MAX_LENGTH, MANAGED_POLICIES_PER_ROLE_DEFAULT, MANAGED_POLICIES_PER_ROLE_MAX, QUOTA_SCOPE_OPERATORS, QUOTA_SCOPES, quotaQuantityProblem, quotaResourceNameProblem, roleTagsProblem, tagKeyProblem, tagValueProblem } from "../config/limits";
import { DEFAULT_RESERVED_NAMESPACES, reservedNamespaceReason } from "../config/reservedNamespaces";
import { PLUGIN_ANNOTATED_SERVICE_ACCOUNT, PROFILE_READY_TIMEOUT_SECONDS } from "./manifests";
import { DEFAULT_TRUST_POLICY_MAX_LENGTH, MAX_TRUST_POLICY_QUOTA } from "./trust";

/** EKS Pod Identity associations per cluster: a hard quota AWS does not raise. */
export const POD_IDENTITY_ASSOCIATIONS_PER_CLUSTER = 5000;

/** The config namespace: keys are `kubeflow-irsa:<key>` in `stacks/Pulumi.<env>.yaml`. */
export const CONFIG_NAMESPACE = "kubeflow-irsa";

// ---------------------------------------------------------------------------------------------------------------
// Field rules (each message says what is allowed, so the error names the fix)
// ---------------------------------------------------------------------------------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
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
    .max(63, { error: "must be at most 63 characters (a DNS-1123 label)" })
    .regex(DNS1123_LABEL, { error: "is not a DNS-1123 label: use lowercase a-z, 0-9 and '-', starting and ending with a letter or digit" });

const serviceAccountName = z
    .string()
    .max(253, { error: "must be at most 253 characters" })
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
    });

// ---------------------------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------------------------

const profileEntry = z
    .object({
        name: dnsLabel,
        owner: z.string().trim().min(1, { error: "must name the profile's owner (a user name or email)" }),
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

const stackConfigSchema = z
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
        managedPoliciesPerRole: z
            .number()
            .int({ error: "must be a whole number" })
            .min(MANAGED_POLICIES_PER_ROLE_DEFAULT, { error: `must be at least ${MANAGED_POLICIES_PER_ROLE_DEFAULT} (IAM's default quota)` })
            .max(MANAGED_POLICIES_PER_ROLE_MAX, { error: `must be at most ${MANAGED_POLICIES_PER_ROLE_MAX} (the most IAM raises it to)` })
            .default(MANAGED_POLICIES_PER_ROLE_DEFAULT),
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

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

interface Problem {
    path: PropertyKey[];
    message: string;
}

/** `kubeflow-irsa:profiles[417] (geo-lab).serviceAccounts`: an entry of a list is named by its `name` too. */
function formatPath(path: readonly PropertyKey[], raw: unknown): string {
    let out = CONFIG_NAMESPACE;
    path.forEach((part, i) => {
        if (typeof part === "number") {
            const name = i === 1 && (path[0] === "profiles" || path[0] === "rolePairs") ? valueAt(raw, [path[0], part, "name"]) : undefined;
            out += typeof name === "string" && name !== "" ? `[${part}] (${name})` : `[${part}]`;
        } else {
            out += i === 0 ? `:${String(part)}` : `.${String(part)}`;
        }
    });
    return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let node: unknown = root;
    for (const part of path) {
        if (node === null || typeof node !== "object") {
            return undefined;
        }
        node = (node as Record<PropertyKey, unknown>)[part as string];
    }
    return node;
}

function describeValue(value: unknown): string {
    if (value === undefined) {
        return "missing";
    }
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** The keys a strict object schema accepts at `path`, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
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

function unknownKeyProblems(issue: z.core.$ZodIssueUnrecognizedKeys): Problem[] {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
        const nearest = known
            .map((k) => ({ k, d: editDistance(key, k) }))
            .sort((x, y) => x.d - y.d)[0];
        const hint = nearest && nearest.d <= Math.max(1, Math.floor(key.length / 3)) ? ` (did you mean "${nearest.k}"?)` : "";
        const allowed = known.length ? `; allowed keys: ${known.join(", ")}` : "";
        return { path: [...issue.path, key], message: `is not a known key${hint}${allowed}` };
    });
}

function issueProblems(issue: z.core.$ZodIssue): Problem[] {
    if (issue.code === "unrecognized_keys") {
        return unknownKeyProblems(issue);
    }
    if (issue.code === "invalid_union") {
        return [{ path: issue.path, message: "has the wrong shape: a string or a list of strings is expected" }];
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
        return [{ path: issue.path, message: issue.message.startsWith("is required") ? issue.message : `is required (${issue.expected} expected)` }];
    }
    if (issue.code === "invalid_type" && issue.expected === "string" && typeof issue.input === "number") {
        // YAML reads an unquoted account id as a number.
        return [{ path: issue.path, message: `must be a string: quote it in YAML ("${issue.input}")` }];
    }
    if (issue.code === "invalid_type") {
        return [{ path: issue.path, message: `must be ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}` }];
    }
    return [{ path: issue.path, message: issue.message }];
}

/** The stack file when none is named: the project's `stackConfigDir` (Pulumi.yaml). */
export const DEFAULT_STACK_FILE = "stacks/Pulumi.<stack>.yaml";

/** Thrown for an invalid stack config; `problems` holds one line per problem, `file` the stack file they are in. */
export class StackConfigError extends Error {
    constructor(
        readonly problems: string[],
        readonly file: string = DEFAULT_STACK_FILE,
    ) {
        super(
            `Invalid stack config: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the ${CONFIG_NAMESPACE}: keys of ${file}\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "StackConfigError";
    }

    /** The same problems, said of the file they were really read from. */
    inFile(file: string): StackConfigError {
        return new StackConfigError(this.problems, file);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Cross-entry rules (need the whole list)
// ---------------------------------------------------------------------------------------------------------------

/** Account id placeholder: only its length matters when estimating policy sizes before the account is known. */
const ACCOUNT_PLACEHOLDER = "000000000000";

function crossEntryProblems(cfg: StackConfig, resolved: ResolvedProfile[]): Problem[] {
    const problems: Problem[] = [];
    const firstByName = new Map<string, number>();
    cfg.profiles.forEach((p, i) => {
        const first = firstByName.get(p.name);
        if (first !== undefined) {
            problems.push({ path: ["profiles", i, "name"], message: `duplicates profiles[${first}].name: profile names (and so namespaces) must be unique` });
        } else {
            firstByName.set(p.name, i);
        }
    });

    // Role names are account-wide: profiles, the controller and the EKS-side roles of pairs share one namespace.
    const firstByRole = new Map<string, string>();
    const claim = (roleName: string, path: PropertyKey[], what: string) => {
        const owner = firstByRole.get(roleName.toLowerCase());
        if (owner !== undefined) {
            problems.push({ path, message: `gives role name "${roleName}", already used by ${owner}: IAM role names are unique per account (case-insensitive); set a distinct roleName` });
        } else {
            firstByRole.set(roleName.toLowerCase(), what);
        }
    };
    resolved.forEach((p, i) => claim(p.roleName, ["profiles", i, cfg.profiles[i].roleName ? "roleName" : "name"], `profiles[${i}]`));
    claim(cfg.profileController.roleName ?? profileControllerRoleName(cfg.clusterName), ["profileController", "roleName"], "the profile controller");
    const firstPair = new Map<string, number>();
    cfg.rolePairs.forEach((pair, i) => {
        const seen = firstPair.get(pair.name);
        if (seen !== undefined) {
            problems.push({ path: ["rolePairs", i, "name"], message: `duplicates rolePairs[${seen}].name: pair names must be unique` });
        } else {
            firstPair.set(pair.name, i);
        }
        claim(pair.eksRoleName, ["rolePairs", i, "eksRoleName"], `rolePairs[${i}]`);
    });

    // The controller's inline policy lists every managed role ARN; IAM caps a role's inline policies in total.
    const managed = resolved.filter((p) => !p.annotateOnly);
    const controllerPolicy = profileControllerPolicy(managed.map((p) => roleArn("aws-us-gov", ACCOUNT_PLACEHOLDER, p.rolePath, p.roleName)));
    if (controllerPolicy && policyLength(controllerPolicy) > ROLE_INLINE_POLICIES_MAX_LENGTH) {
        problems.push({
            path: ["profiles"],
            message: `has ${managed.length} profiles with annotateOnly: false; the controller policy listing their role ARNs would be ${policyLength(controllerPolicy)} characters, over IAM's ${ROLE_INLINE_POLICIES_MAX_LENGTH}-character inline policy quota: set annotateOnly: true on more profiles (this package manages their trust policies itself)`,
        });
    }

    if (cfg.oidcIssuerUrl && cfg.oidcProviderArn && issuerHostPath(cfg.oidcIssuerUrl) !== issuerHostPathFromProviderArn(cfg.oidcProviderArn)) {
        problems.push({
            path: ["oidcProviderArn"],
            message: `names issuer ${issuerHostPathFromProviderArn(cfg.oidcProviderArn)}, but oidcIssuerUrl is ${cfg.oidcIssuerUrl}: they must name the same issuer (or drop oidcIssuerUrl)`,
        });
    }
    resolved.forEach((p, i) => {
        if (p.identity !== "irsa" && !p.annotateOnly) {
            problems.push({
                path: ["profiles", i, "annotateOnly"],
                message: `is false, but the profile's identity is ${p.identity}: off irsa the Profile carries no IAM plugin, so the controller manages nothing; remove annotateOnly`,
            });
        }
    });
    cfg.rolePairs.forEach((pair, i) => {
        const identity = pair.identity ?? cfg.identity;
        if (identity === "irsa") return;
        if (pair.subjectMatch !== "StringEquals") {
            problems.push({ path: ["rolePairs", i, "subjectMatch"], message: `must be StringEquals on ${identity}: a Pod Identity association names one concrete service account, no patterns` });
        }
        pair.subjects.forEach((subject, j) => {
            if (!isConcreteSubject(subject)) {
                problems.push({ path: ["rolePairs", i, "subjects", j], message: `is not a concrete system:serviceaccount:<namespace>:<name>: on ${identity} each subject becomes one Pod Identity association, so patterns are not possible` });
            }
        });
        if (identity === "podIdentity" && pair.externalId !== undefined) {
            problems.push({ path: ["rolePairs", i, "externalId"], message: "has no effect on podIdentity (EKS generates an external id per association): remove it, or keep irsa+podIdentity while IRSA pods still use it" });
        }
    });
    const pairAssociations = cfg.rolePairs.filter((pair) => usesPodIdentity(pair.identity ?? cfg.identity)).reduce((n, pair) => n + pair.subjects.length, 0);
    const associations = resolved.filter((p) => usesPodIdentity(p.identity)).reduce((n, p) => n + p.serviceAccounts.length, pairAssociations);
    if (associations > POD_IDENTITY_ASSOCIATIONS_PER_CLUSTER) {
        problems.push({
            path: ["profiles"],
            message: `needs ${associations} Pod Identity associations (one per service account of each profile, and per subject of each role pair, on podIdentity or irsa+podIdentity), over EKS's ${POD_IDENTITY_ASSOCIATIONS_PER_CLUSTER} per cluster, which AWS does not raise: keep ${associations - POD_IDENTITY_ASSOCIATIONS_PER_CLUSTER} or more of them on irsa`,
        });
    }

    problems.push(...deployLimitProblems(cfg, resolved));

    const create = cfg.cluster.create;
    if (create) {
        for (const key of ["oidcIssuerUrl", "oidcProviderArn", "oidcThumbprints"] as const) {
            if (cfg[key] !== undefined) {
                problems.push({ path: [key], message: "cannot be used with cluster.create: the created cluster brings its own issuer and OIDC provider; remove it" });
            }
        }
        if (!create.kubeflowInstalled && cfg.profiles.length > 0) {
            problems.push({
                path: ["cluster", "create", "kubeflowInstalled"],
                message: `is false, but ${cfg.profiles.length} profiles are listed: a cluster this stack creates has no Kubeflow (no Profile CRD, no controller) yet. Deploy with profiles: [] first, install Kubeflow, then set cluster.create.kubeflowInstalled: true`,
            });
        }
    }
    if (cfg.oidcProviderArn && cfg.oidcThumbprints) {
        problems.push({ path: ["oidcThumbprints"], message: "has no effect with oidcProviderArn (an adopted provider is not changed): remove one of them" });
    }
    return problems;
}

/** Namespaces a Profile may not take, and what IAM would refuse at deploy (deployLimits.ts). */
function deployLimitProblems(cfg: StackConfig, resolved: ResolvedProfile[]): Problem[] {
    const problems: Problem[] = [];
    // Stack tags over the limit are one problem, not one per role.
    const stackTagProblem = roleTagsProblem(cfg.tags, 0);
    resolved.forEach((p, i) => {
        const reason = reservedNamespaceReason(p.name, cfg.profileController.namespace, cfg.reservedNamespaces);
        if (reason) {
            problems.push({ path: ["profiles", i, "name"], message: `${reason}: name the profile after a namespace of its own (the Profile makes it, and its service accounts get the role)` });
        }
        const ownTags = Object.keys(profileRoleTags({}, p.name)).length;
        const tagProblem = stackTagProblem ? undefined : roleTagsProblem(p.tags, ownTags);
        if (tagProblem) problems.push({ path: ["profiles", i, "tags"], message: tagProblem });
        const description = profileRoleDescription(p.name, p.serviceAccounts, p.identity);
        if (description.length > IAM_ROLE_DESCRIPTION_MAX_LENGTH) {
            problems.push({ path: ["profiles", i, "serviceAccounts"], message: `makes the role's description ${description.length} characters (it lists the service accounts), over IAM's ${IAM_ROLE_DESCRIPTION_MAX_LENGTH}: split the profile's workloads over fewer service accounts` });
        }
        if (p.policyArns.length > cfg.managedPoliciesPerRole) {
            problems.push({ path: ["profiles", i, "policyArns"], message: `lists ${p.policyArns.length} managed policies, over the ${cfg.managedPoliciesPerRole} per role of managedPoliciesPerRole (IAM's quota; default ${MANAGED_POLICIES_PER_ROLE_DEFAULT}, raised up to ${MANAGED_POLICIES_PER_ROLE_MAX} on request): merge some into inlinePolicy, or raise the account's quota and managedPoliciesPerRole` });
        }
        // The longest partition's ARNs: the size must hold wherever the stack deploys.
        const inline = [s3AccessPolicy("aws-us-gov", p.s3Buckets), p.inlinePolicy as PolicyDocument | undefined].reduce((n, doc) => n + (doc ? policyLength(doc) : 0), 0);
        if (inline > ROLE_INLINE_POLICIES_MAX_LENGTH) {
            problems.push({ path: ["profiles", i, p.inlinePolicy ? "inlinePolicy" : "s3Buckets"], message: `gives the role ${inline} characters of inline policy (s3Buckets' policy and inlinePolicy together), over IAM's ${ROLE_INLINE_POLICIES_MAX_LENGTH} per role: grant whole buckets instead of many prefixes, or move rights into a managed policy (policyArns)` });
        }
    });
    if (stackTagProblem) problems.push({ path: ["tags"], message: stackTagProblem });
    cfg.rolePairs.forEach((pair, i) => {
        const tagProblem = stackTagProblem ? undefined : roleTagsProblem({ ...cfg.tags, ...pair.tags }, ROLE_PAIR_OWN_TAGS);
        if (tagProblem) problems.push({ path: ["rolePairs", i, "tags"], message: tagProblem });
        if (pair.assetPolicyArns.length > cfg.managedPoliciesPerRole) {
            problems.push({ path: ["rolePairs", i, "assetPolicyArns"], message: `lists ${pair.assetPolicyArns.length} managed policies, over the ${cfg.managedPoliciesPerRole} per role of managedPoliciesPerRole (IAM's quota; default ${MANAGED_POLICIES_PER_ROLE_DEFAULT}, raised up to ${MANAGED_POLICIES_PER_ROLE_MAX} on request)` });
        }
        if (pair.assetPolicy && policyLength(pair.assetPolicy as PolicyDocument) > ROLE_INLINE_POLICIES_MAX_LENGTH) {
            problems.push({ path: ["rolePairs", i, "assetPolicy"], message: `is ${policyLength(pair.assetPolicy as PolicyDocument)} characters, over IAM's ${ROLE_INLINE_POLICIES_MAX_LENGTH} of inline policy per role: move rights into a managed policy (assetPolicyArns)` });
        }
    });
    return problems;
}

function resolveProfiles(cfg: StackConfig): ResolvedProfile[] {
    return cfg.profiles.map((p) => ({
        ...p,
        identity: p.identity ?? cfg.identity,
        roleName: p.roleName ?? profileRoleName(p.name, cfg.clusterName),
        rolePath: p.rolePath ?? cfg.rolePath,
        permissionsBoundaryArn: p.permissionsBoundaryArn ?? cfg.permissionsBoundaryArn,
        tags: { ...cfg.tags, ...p.tags },
    }));
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

export interface ParsedStackConfig extends StackConfig {
    /** Profiles with stack-wide defaults applied and role names decided. */
    resolvedProfiles: ResolvedProfile[];
}

/**
 * Validates the namespace's raw values (`{ clusterName: ..., profiles: [...] }`, already JSON-decoded) and returns
 * the typed config, or throws a StackConfigError listing every problem.
 */
export function parseStackConfig(raw: Record<string, unknown>, file: string = DEFAULT_STACK_FILE): ParsedStackConfig {
    // reportInput: issues carry the value, so a wrong type ("must be a string") is told apart from a missing key.
    const parsed = stackConfigSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
        const problems = parsed.error.issues.flatMap(issueProblems);
        throw new StackConfigError(problems.map((p) => `${formatPath(p.path, raw)}: ${describeValue(valueAt(raw, p.path))} ${p.message}`), file);
    }
    const cfg = parsed.data;
    const resolvedProfiles = resolveProfiles(cfg);
    const problems = crossEntryProblems(cfg, resolvedProfiles);
    if (problems.length > 0) {
        throw new StackConfigError(problems.map((p) => `${formatPath(p.path, raw)}: ${describeValue(valueAt(raw, p.path))} ${p.message}`), file);
    }
    return { ...cfg, resolvedProfiles };
}

/**
 * Picks this package's keys out of a flat Pulumi config map (`kubeflow-irsa:clusterName` -> value). Pulumi stores
 * structured values as JSON text; they are decoded here. Other namespaces (`aws:`, `kubernetes:`) are ignored.
 */
export function namespaceValues(allConfig: Record<string, string>): Record<string, unknown> {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const out: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(allConfig)) {
        if (!key.startsWith(prefix)) {
            continue;
        }
        const name = key.slice(prefix.length);
        out[name] = decodeConfigValue(name, text);
    }
    return out;
}

function decodeConfigValue(name: string, text: string): unknown {
    if (/^\s*[[{]/.test(text) || text === "true" || text === "false") {
        try {
            return JSON.parse(text);
        } catch (err) {
            throw new StackConfigError([`${formatPath([name], undefined)}: is not valid JSON/YAML structure (${(err as Error).message})`]);
        }
    }
    return text;
}

