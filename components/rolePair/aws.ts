/**
 * AWS SDK v3 plumbing for the role-pair provider: clients from the SDK's standard settings (region, credential
 * chain, `AWS_ENDPOINT_URL`), error naming, and the few IAM sequences the provider repeats. Clients are made per
 * operation, never captured, so the serialized provider holds no credentials.
 */
import {
    AttachRolePolicyCommand,
    CreateRoleCommand,
    DeleteRoleCommand,
    DeleteRolePolicyCommand,
    DetachRolePolicyCommand,
    GetRoleCommand,
    IAMClient,
    ListAttachedRolePoliciesCommand,
    ListRolePoliciesCommand,
    Tag,
    UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { PolicyDocument } from "../policies";
import { decodePolicyDocument } from "../trust";

/** Called once per AWS API call (service, command name); the benchmark counts calls with it. */
export type CallObserver = (service: string, command: string) => void;

export interface ClientOptions {
    /** Role to assume for this client (the asset account's deploy role). */
    assumeRoleArn?: string;
    observe?: CallObserver;
}

function region(): string {
    // IAM is global; the SDK still wants a region to sign with and to pick the partition's endpoint.
    return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
}

function observed<T extends { middlewareStack: { add: Function } }>(client: T, service: string, observe?: CallObserver): T {
    if (observe) {
        client.middlewareStack.add(
            (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
                observe(service, context.commandName ?? "unknown");
                return next(args);
            },
            { step: "initialize", name: "kubeflowIrsaCallObserver" },
        );
    }
    return client;
}

/**
 * An IAM client. Throttling is retried by the SDK's adaptive retry mode (client-side rate limiting plus backoff);
 * with `assumeRoleArn`, credentials come from STS AssumeRole on first use, through the default chain.
 */
export function iamClient(options: ClientOptions = {}): IAMClient {
    const credentials = options.assumeRoleArn
        ? fromTemporaryCredentials({
              params: { RoleArn: options.assumeRoleArn, RoleSessionName: "kubeflow-irsa-role-pair", DurationSeconds: 900 },
              clientConfig: { region: region() },
              ...(options.observe ? { clientPlugins: [{ applyToStack: (stack: { add: Function }) => observed({ middlewareStack: stack }, "sts", options.observe) }] } : {}),
          })
        : undefined;
    return observed(new IAMClient({ region: region(), retryMode: "adaptive", maxAttempts: 8, ...(credentials ? { credentials } : {}) }), "iam", options.observe);
}

export function errorName(err: unknown): string {
    return (err as { name?: string })?.name ?? "Error";
}

export function isNoSuchEntity(err: unknown): boolean {
    return errorName(err) === "NoSuchEntityException" || errorName(err) === "NoSuchEntity";
}

/** IAM rejects a role ARN as principal for a few seconds after the role is created. */
export function isInvalidPrincipal(err: unknown): boolean {
    return /MalformedPolicyDocument/.test(errorName(err)) && /invalid principal/i.test(String((err as Error).message));
}

export function isTrustPolicyTooLarge(err: unknown): boolean {
    return /LimitExceeded/.test(errorName(err)) && /ACLSizePerRole|size|length/i.test(String((err as Error).message));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `action`, retrying while IAM reports the principal as invalid (a just-created role not yet visible), with
 * exponential backoff up to `timeoutMs`, like the Terraform AWS provider's propagation wait.
 */
export async function retryWhilePrincipalPropagates<T>(action: () => Promise<T>, timeoutMs: number, baseDelayMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = baseDelayMs; ; delay = Math.min(delay * 2, 10_000)) {
        try {
            return await action();
        } catch (err) {
            if (!isInvalidPrincipal(err) || Date.now() + delay > deadline) {
                throw err;
            }
            await sleep(delay);
        }
    }
}

export interface RoleState {
    arn: string;
    trust: PolicyDocument;
    maxSessionDuration?: number;
}

/** GetRole with the trust policy decoded; undefined when the role does not exist. */
export async function getRole(iam: IAMClient, roleName: string): Promise<RoleState | undefined> {
    try {
        const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
        return {
            arn: Role!.Arn!,
            trust: decodePolicyDocument(Role!.AssumeRolePolicyDocument!),
            maxSessionDuration: Role!.MaxSessionDuration,
        };
    } catch (err) {
        if (isNoSuchEntity(err)) {
            return undefined;
        }
        throw err;
    }
}

export interface CreateRoleSpec {
    roleName: string;
    path: string;
    trust: PolicyDocument;
    description: string;
    tags: Record<string, string>;
    maxSessionDuration?: number;
}

export function tagList(tags: Record<string, string>): Tag[] {
    return Object.keys(tags).sort().map((Key) => ({ Key, Value: tags[Key] }));
}

export async function createRole(iam: IAMClient, spec: CreateRoleSpec): Promise<string> {
    const { Role } = await iam.send(
        new CreateRoleCommand({
            RoleName: spec.roleName,
            Path: spec.path,
            AssumeRolePolicyDocument: JSON.stringify(spec.trust),
            Description: spec.description,
            MaxSessionDuration: spec.maxSessionDuration,
            Tags: tagList(spec.tags),
        }),
    );
    return Role!.Arn!;
}

export async function putTrust(iam: IAMClient, roleName: string, trust: PolicyDocument): Promise<void> {
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify(trust) }));
}

/** Ignores "already gone": deleting what does not exist is success. */
async function ignoringMissing(action: () => Promise<unknown>): Promise<void> {
    try {
        await action();
    } catch (err) {
        if (!isNoSuchEntity(err)) {
            throw err;
        }
    }
}

/** Deletes one inline policy of a role; one that is already gone is success. */
export async function deleteInlinePolicy(iam: IAMClient, roleName: string, policyName: string): Promise<void> {
    await ignoringMissing(() => iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })));
}

/**
 * Deletes a role with the inline policies and attachments we know of; if IAM still reports a conflict (someone
 * attached more), lists and removes the rest, then deletes. A missing role is success.
 */
export async function deleteRoleFully(iam: IAMClient, roleName: string, inlineNames: string[], attachedArns: string[]): Promise<void> {
    const detachAll = async (inline: string[], attached: string[]) => {
        for (const arn of attached) {
            await ignoringMissing(() => iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: arn })));
        }
        for (const name of inline) {
            await deleteInlinePolicy(iam, roleName, name);
        }
    };
    await detachAll(inlineNames, attachedArns);
    try {
        await ignoringMissing(() => iam.send(new DeleteRoleCommand({ RoleName: roleName })));
    } catch (err) {
        if (errorName(err) !== "DeleteConflictException") {
            throw err;
        }
        const inline = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
        const attached = ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? []).map((p) => p.PolicyArn!);
        await detachAll(inline, attached);
        await ignoringMissing(() => iam.send(new DeleteRoleCommand({ RoleName: roleName })));
    }
}

/** Attaches and detaches managed policies to go from `before` to `after`. */
export async function syncAttachments(iam: IAMClient, roleName: string, before: string[], after: string[]): Promise<void> {
    for (const arn of before.filter((a) => !after.includes(a))) {
        await ignoringMissing(() => iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: arn })));
    }
    for (const arn of after.filter((a) => !before.includes(a))) {
        await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: arn }));
    }
}
