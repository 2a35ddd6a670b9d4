/**
 * The risk rules of identity policies, in one place: the config refuses what they call refused, the offline preview
 * reports every risk they find on the reach table's grants, and the policy pack applies the same functions.
 *
 * The input is one grant scope: the actions allowed on one resource pattern (as a statement writes them, or as the
 * reach table expands them after Denies). Each rule names what it covers in plain words and the fix.
 *
 * The classes come from the AWS service reference (iam/actions.ts), for every service, not from lists of actions:
 * permissions management in any service is resource exposure; a takeover action reaches the workloads of its own
 * resource types, whichever service's ARNs they are; data actions are the catalog's Read and Write actions on the
 * resource types that hold data. Catalogued escalation methods (Rhino Security Labs' list, cloudsplaining's checks)
 * are flagged on `Resource: "*"` as those tools do, and also on wildcard ARNs and on exact ARNs of other identities.
 * README "Findings" says how each class is derived and what it leaves out.
 *
 * Pure: nothing here imports Pulumi.
 */
import { asList, PolicyDocument, PolicyStatement, statements, wildcardMatch } from "./document";
import { accessLevels, actionResourceTypes, actionsOnType, catalogServices, resourceTypeArn, serviceActions } from "./actions";
import { coversEveryResource, fitsArnFormat } from "./arns";

export type RiskRule = "iam-write-on-wildcard" | "privilege-escalation" | "resource-exposure" | "workload-takeover" | "assume-any-role" | "assume-account-roles" | "data-on-wildcard" | "service-wildcard";
export type RiskSeverity = "high" | "medium";

export interface Risk {
    rule: RiskRule;
    severity: RiskSeverity;
    /** The risky actions the scope allows (sorted; at most a few are named in the message). */
    actions: string[];
    resource: string;
    /** Plain words: what is allowed, why it matters, and the fix. */
    message: string;
}

/** Actions allowed on one resource pattern. */
export interface GrantScope {
    /** Allowed action names or patterns (`iam:PassRole`, `s3:Get*`, `*`). */
    actions: readonly string[];
    /** With NotAction: every action except these. */
    exceptActions?: readonly string[];
    /** The resource pattern as written; a NotResource statement counts as `*`. */
    resource: string;
    /** The action patterns as the policy wrote them (for the service-wildcard rule); default `actions`. */
    written?: readonly string[];
}

/** The ARN of the role that holds the policy: its own PassRole is no escalation. */
export interface RiskContext {
    selfArn?: string;
}

export function scopeAllows(scope: GrantScope, action: string): boolean {
    return scope.actions.some((p) => wildcardMatch(p, action, true)) && !(scope.exceptActions ?? []).some((p) => wildcardMatch(p, action, true));
}

export function hasWildcard(resource: string): boolean {
    return /[*?]/.test(resource);
}

let iamWrites: string[] | undefined;
let iamPermissionsManagement: string[] | undefined;

/** Every IAM action of the Write or Permissions-management access level (the service reference's). */
export function iamWriteActions(): string[] {
    iamWrites ??= serviceActions("iam").filter((a) => accessLevels(a).some((l) => l === "Write" || l === "Permissions management")).sort();
    return iamWrites;
}

function iamPermissionsManagementActions(): string[] {
    iamPermissionsManagement ??= serviceActions("iam").filter((a) => accessLevels(a).includes("Permissions management")).sort();
    return iamPermissionsManagement;
}

/**
 * IAM writes of the Write level that are escalation methods all the same: they hand out another identity's
 * credentials or group rights, or pass a role to a service the caller then drives.
 */
const ESCALATING_IAM_WRITES: readonly string[] = ["iam:PassRole", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:AddUserToGroup"];

/**
 * Actions that run the caller's code or commands inside a workload that holds a role of its own (cloudsplaining's
 * "privilege escalation using AWS services", Rhino Security Labs' and pathfinding.cloud's paths): with them the caller
 * acts as that role. Which workloads each reaches comes from its resource types in the catalog (WORKLOAD_TAKEOVER_TOOLS
 * aside), so `ssm:SendCommand` on `arn:aws:ec2:...:instance/*` is every instance, EKS nodes included.
 */
export const WORKLOAD_TAKEOVER_ACTIONS: readonly string[] = [
    "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "glue:UpdateDevEndpoint", "glue:UpdateJob",
    "cloudformation:ExecuteChangeSet", "cloudformation:UpdateStack", "cloudformation:UpdateStackSet",
    "ec2:ModifyInstanceAttribute", "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate",
    "ec2-instance-connect:SendSSHPublicKey", "ec2-instance-connect:SendSerialConsoleSSHPublicKey", "ec2-instance-connect:OpenTunnel",
    "ecs:ExecuteCommand", "ssm:SendCommand", "ssm:StartSession", "ssm-guiconnect:StartConnection",
    "sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:CreatePresignedDomainUrl", "sagemaker:UpdateNotebookInstance",
    "sagemaker:UpdateNotebookInstanceLifecycleConfig", "bedrock-agentcore:InvokeCodeInterpreter",
    "codebuild:StartBuild", "codebuild:UpdateProject", "datapipeline:PutPipelineDefinition", "elasticmapreduce:AddJobFlowSteps",
];

/** Resource types a takeover action names beside its workload that are no workload: the command's document, the output bucket. */
const WORKLOAD_TAKEOVER_TOOLS = new Set(["s3:bucket", "ssm:document", "cloudformation:type", "ec2:security-group", "ec2:volume"]);

/**
 * The resource types that hold data, by service: every Read action the catalog files under one (metadata aside, see
 * METADATA_ACTION), and every Write action where writing is writing the data, reads or changes that data; KMS
 * decryption is filed as Write. `levels` where it differs: Athena's workgroup is read only (its writes start and manage
 * queries), and an S3 bucket's List actions list every object key of it.
 */
export const DATA_RESOURCE_TYPES: ReadonlyArray<{ type: string; levels?: readonly string[] }> = [
    { type: "s3:object" }, { type: "s3:bucket", levels: ["List"] }, { type: "dynamodb:table" }, { type: "dynamodb:index" }, { type: "secretsmanager:secret" }, { type: "ssm:parameter" },
    { type: "kms:key" }, { type: "sqs:queue" }, { type: "kinesis:stream" }, { type: "logs:log-group" }, { type: "logs:log-stream" },
    { type: "ecr:repository" }, { type: "codecommit:repository" }, { type: "athena:workgroup", levels: ["Read"] }, { type: "glacier:vault" },
    { type: "elasticfilesystem:file-system" }, { type: "ebs:snapshot" }, { type: "timestream:table" }, { type: "es:domain" },
];

/** Actions about a store's settings, tags or policies rather than its data (`s3:GetObjectTagging`, `sqs:ListQueues`). */
const METADATA_ACTION = /:Describe|:List(?!Bucket)|Polic(?:y|ies)|Tag|Acl|Attribute|Configuration|Metadata|Location|Versioning|Encryption|Retention|LegalHold|Ownership|Status|Setting|Limit/i;

interface DataStore {
    /** The service whose actions act on it (`ebs`, though its snapshots' ARNs are `ec2`'s). */
    service: string;
    format: string;
    actions: string[];
}

let dataStores: DataStore[] | undefined;

/** The data-holding types with their ARN format and the catalog's data actions on them. */
function dataStoreCatalog(): DataStore[] {
    dataStores ??= DATA_RESOURCE_TYPES.flatMap(({ type: key, levels = ["Read", "Write"] }) => {
        const [service, type] = key.split(":");
        const format = resourceTypeArn(service, type);
        const actions = actionsOnType(service, type).filter((a) => !METADATA_ACTION.test(a) && accessLevels(a).some((l) => levels.includes(l)) && !accessLevels(a).includes("Permissions management"));
        return format ? [{ service, format, actions }] : [];
    });
    return dataStores;
}

/** Every data action of the catalog (for the scan of a scope whose actions reach every service). */
export function dataActions(): string[] {
    return [...new Set(dataStoreCatalog().flatMap((s) => s.actions))].sort();
}

const exposureByService = new Map<string, string[]>();

/**
 * The permissions-management actions of every service but IAM (whose own are the escalation rule's): they change who
 * may use a resource (`s3:PutBucketPolicy`, `kms:CreateGrant`, `lambda:AddPermission`, `secretsmanager:PutResourcePolicy`).
 * A service's are read when a scope reaches it; every service's only for a scope that reaches all (`*`).
 */
function exposureActions(service: string): string[] {
    if (service === "*") return catalogServices().flatMap(exposureActions);
    let actions = exposureByService.get(service);
    if (!actions) {
        actions = service === "iam" ? [] : serviceActions(service).filter((a) => accessLevels(a).includes("Permissions management"));
        exposureByService.set(service, actions);
    }
    return actions;
}

/** Whether a resource pattern can name a resource an action acts on (an action with no resource type: `*` only). */
function actsOn(action: string, resource: string): boolean {
    return resource === "*" || actionResourceTypes(action).some((t) => fitsArnFormat(resource, t.arn));
}

/** The parts of an ARN pattern (`arn:partition:service:region:account:resource`); `*` alone is every part `*`. */
function arnParts(resource: string): { service: string; account: string; id: string } {
    if (resource === "*") return { service: "*", account: "*", id: "*" };
    const parts = resource.split(":");
    return { service: parts[2] ?? "", account: parts[4] ?? "", id: parts.slice(5).join(":") };
}

/** Whether a pattern can name an IAM identity or policy (role, policy, user, group): `*`, `arn:aws:iam::*:*`, `...:role/x`. */
function reachesIamIdentity(resource: string): boolean {
    const { service, id } = arnParts(resource);
    if (!wildcardMatch(service, "iam", true)) return false;
    const literal = id.split(/[*?]/)[0];
    return ["role/", "policy/", "user/", "group/"].some((kind) => (hasWildcard(id) && kind.startsWith(literal)) || literal.startsWith(kind));
}

/** The catalogued escalation methods, named first when a message lists a few of many actions. */
const BEST_KNOWN: readonly string[] = [
    "iam:PassRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AddUserToGroup", "sts:AssumeRole",
    "s3:PutBucketPolicy", "s3:PutBucketAcl", "kms:PutKeyPolicy", "kms:CreateGrant", "secretsmanager:PutResourcePolicy", "lambda:AddPermission",
    "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "kms:Decrypt", "secretsmanager:GetSecretValue",
    "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan",
];

function named(actions: string[]): string {
    const rank = (a: string) => (BEST_KNOWN.includes(a) ? BEST_KNOWN.indexOf(a) : BEST_KNOWN.length);
    const ordered = [...actions].sort((a, b) => rank(a) - rank(b)); // stable: the rest keep the caller's order
    return ordered.length <= 4 ? ordered.join(", ") : `${ordered.slice(0, 4).join(", ")} and ${ordered.length - 4} more`;
}

/**
 * Whether a scope's actions can name any action of `service`: a rule for a service no pattern reaches is skipped
 * (a profile's S3 grants never reach IAM), which keeps the preview's analysis linear in cheap checks.
 */
function reachesService(scope: GrantScope, service: string): boolean {
    return scope.actions.some((p) => {
        const [s] = p.split(":");
        return p === "*" || wildcardMatch(s, service, true);
    });
}

/** The service prefixes a scope's actions can name; `*` when a pattern reaches every service. */
function reachedServices(scope: GrantScope): string[] {
    const services = scope.actions.map((p) => (p === "*" || /[*?]/.test(p.split(":")[0]) ? "*" : p.split(":")[0].toLowerCase()));
    return services.includes("*") ? ["*"] : [...new Set(services)];
}

/**
 * Results by scope: the same grants recur in every role that attaches the same managed policy (a thousand profiles
 * with AmazonSageMakerReadOnly are a thousand copies of its few hundred actions), so each is evaluated once.
 */
const memo = new Map<string, Risk[]>();
const MEMO_LIMIT = 20_000;

/** Every risk one grant scope carries. */
export function scopeRisks(scope: GrantScope, context: RiskContext = {}): Risk[] {
    const self = context.selfArn !== undefined && scope.resource === context.selfArn;
    const key = [scope.resource, self ? "self" : "", scope.actions.join(","), (scope.exceptActions ?? []).join(","), (scope.written ?? scope.actions).join(",")].join("\u0000");
    let risks = memo.get(key);
    if (!risks) {
        if (memo.size >= MEMO_LIMIT) memo.clear();
        risks = evaluateScope(scope, self);
        memo.set(key, risks);
    }
    return risks;
}

function evaluateScope(scope: GrantScope, self: boolean): Risk[] {
    const risks: Risk[] = [];
    const { resource } = scope;
    const wildcard = hasWildcard(resource);
    const add = (rule: RiskRule, severity: RiskSeverity, actions: string[], message: string) => risks.push({ rule, severity, actions, resource, message });
    const iam = reachesService(scope, "iam");

    const writes = wildcard && iam ? iamWriteActions().filter((a) => scopeAllows(scope, a)) : [];
    if (writes.length > 0) {
        add("iam-write-on-wildcard", "high", writes, `allows IAM writes (${named(writes)}) on ${resource}, a wildcard: name the exact role or policy ARNs (an IAM write on a wildcard lets the role change identities it was never meant to, its own among them)`);
    }
    if (iam && reachesIamIdentity(resource)) {
        // Its own PassRole gives a service no more than the role has: no escalation.
        const escalation = [...iamPermissionsManagementActions(), ...ESCALATING_IAM_WRITES.filter((a) => !(self && a === "iam:PassRole"))].filter((a) => scopeAllows(scope, a)).sort();
        if (escalation.length > 0) {
            add("privilege-escalation", "high", escalation, `allows ${named(escalation)} on ${self ? "its own role" : resource}: a privilege-escalation path (with these the role can grant itself or a compute service it starts more rights, e.g. attach AdministratorAccess); drop them, or keep them on a role no workload uses`);
        }
    }
    const exposure = reachedServices(scope).flatMap(exposureActions).filter((a) => scopeAllows(scope, a) && actsOn(a, resource)).sort();
    if (exposure.length > 0) {
        add(
            "resource-exposure",
            wildcard ? "high" : "medium",
            exposure,
            `allows ${named(exposure)} on ${resource}: permissions management, so the role decides who else may use ${wildcard ? "every matching resource" : "that resource"} (make a bucket public, grant itself or another account Decrypt on a key); ${wildcard ? "drop them, or name the exact resources the workload manages" : "make sure the workload is meant to manage who may use it"}`,
        );
    }
    const takeover = WORKLOAD_TAKEOVER_ACTIONS.filter((a) => reachesService(scope, a.split(":")[0]) && scopeAllows(scope, a)).flatMap((a) => {
        const types = actionResourceTypes(a).filter((t) => !WORKLOAD_TAKEOVER_TOOLS.has(`${t.service}:${t.name}`));
        const reached = resource === "*" ? types : types.filter((t) => fitsArnFormat(resource, t.arn));
        return reached.length > 0 || (resource === "*" && types.length === 0) ? [{ action: a, kinds: reached.map((t) => t.name) }] : [];
    });
    if (takeover.length > 0) {
        const kinds = [...new Set(takeover.flatMap((t) => t.kinds))].join(", ") || "workload";
        add(
            "workload-takeover",
            wildcard ? "high" : "medium",
            takeover.map((t) => t.action),
            `allows ${named(takeover.map((t) => t.action))} on ${resource}: the role can run its own code or commands in ${wildcard ? `every matching ${kinds}` : `that ${kinds}`} and act as its role (on an EKS node: every pod's credentials); ${wildcard ? "name the exact resources, or drop them" : "make sure that workload's role has no more rights than this one"}`,
        );
    }
    if (reachesService(scope, "sts") && scopeAllows(scope, "sts:AssumeRole")) {
        const { service, account } = arnParts(resource);
        if (wildcardMatch(service, "iam", true) && hasWildcard(account)) {
            add("assume-any-role", "high", ["sts:AssumeRole"], `allows sts:AssumeRole on ${resource}: the pods may assume any role, in any account, whose trust lets this one in; name the exact role ARNs`);
        } else if (wildcardMatch(service, "iam", true) && reachesIamIdentity(resource) && hasWildcard(arnParts(resource).id)) {
            add("assume-account-roles", "medium", ["sts:AssumeRole"], `allows sts:AssumeRole on ${resource}: every matching role of account ${account} that trusts this one; name the exact role ARNs`);
        }
    }
    const services = reachedServices(scope);
    const data = [...new Set(
        dataStoreCatalog()
            .filter((store) => (services.includes("*") || services.includes(store.service)) && coversEveryResource(resource, store.format))
            .flatMap((store) => store.actions.filter((a) => scopeAllows(scope, a))),
    )];
    if (data.length > 0) {
        add("data-on-wildcard", "high", data, `allows data actions (${named(data)}) on ${resource}: every bucket, table, key, secret, parameter, queue or stream of that kind in the account, other profiles' data included; name the exact resources`);
    }
    const serviceWildcards = (scope.written ?? scope.actions).filter((p) => /^[a-z0-9-]+:\*$/i.test(p));
    if (serviceWildcards.length > 0 && data.length === 0) {
        add("service-wildcard", "medium", serviceWildcards, `allows every action of a service (${serviceWildcards.join(", ")}) on ${resource}: list the actions the workload needs (a service wildcard also grants the actions AWS adds later)`);
    }
    return risks;
}

/** The grant scopes of a policy's Allow statements, one per resource pattern (NotResource counts as `*`). */
export function statementScopes(statement: PolicyStatement): GrantScope[] {
    if (statement.Effect !== "Allow") return [];
    const actions = statement.NotAction !== undefined ? ["*"] : asList(statement.Action);
    const exceptActions = statement.NotAction !== undefined ? asList(statement.NotAction) : undefined;
    const resources = statement.NotResource !== undefined ? ["*"] : asList(statement.Resource);
    return resources.map((resource) => ({ actions, ...(exceptActions ? { exceptActions } : {}), resource, written: actions }));
}

/** The risks the config refuses: IAM writes on a wildcard. Per statement index, so the message names it. */
export function refusedRisks(doc: PolicyDocument): Array<{ statement: number; risk: Risk }> {
    return statements(doc).flatMap((s, statement) =>
        statementScopes(s).flatMap((scope) => scopeRisks(scope).filter((r) => r.rule === "iam-write-on-wildcard").map((risk) => ({ statement, risk }))),
    );
}

/** Managed policies that grant far more than a profile should have. */
const BROAD_MANAGED_POLICIES = ["AdministratorAccess", "AmazonS3FullAccess", "IAMFullAccess", "PowerUserAccess"];

/** The name of an AWS-managed policy that grants far more than a profile should have, or undefined. */
export function broadManagedPolicy(arn: string): string | undefined {
    const name = arn.split("/").pop()!;
    return BROAD_MANAGED_POLICIES.includes(name) ? name : undefined;
}
