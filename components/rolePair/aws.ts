/**
 * AWS SDK v3 plumbing for the role-pair provider: clients from the SDK's standard settings (region, credential
 * chain, `AWS_ENDPOINT_URL`), error naming, and the few IAM sequences the provider repeats. Clients are made per
 * operation, never captured, so the serialized provider holds no credentials.
 */
import { AttachRolePolicyCommand, CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, Tag, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { isThrottlingError, isTransientError } from "@smithy/core/retry";
import { decodePolicyDocument, PolicyDocument } from "../../iam/document";
import { ROLE_PAIR_OWNER_TAG } from "../tags";

/** Called once per AWS API call (service, command name); the benchmark counts calls with it. */
export type CallObserver = (service: string, command: string) => void;

export interface ClientOptions {
    /** Role to assume for this client (the asset account's deploy role). */
    assumeRoleArn?: string;
    /** `false`: one attempt per request, no client-side rate limiting (the caller retries from a fresh read). */
    sdkRetries?: boolean;
    observe?: CallObserver;
}

function region(): string {
    // IAM is global; the SDK still wants a region to sign with and to pick the partition's endpoint.
    return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
}

/** Attempts of every SDK call that may be repeated as is (reads, idempotent writes), STS included. */
export const SDK_MAX_ATTEMPTS = 8;

/**
 * Settings shared by every client, STS included: adaptive retry (client-side rate limiting plus backoff) with a
 * bounded number of attempts, and bounded connection and request times so a lost response ends an attempt
 * instead of hanging.
 */
export function clientSettings(maxAttempts = SDK_MAX_ATTEMPTS) {
    return {
        region: region(),
        retryMode: maxAttempts > 1 ? "adaptive" : "standard",
        maxAttempts,
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    };
}

export function observed<T extends { middlewareStack: { add: Function } }>(client: T, service: string, observe?: CallObserver): T {
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
 * An IAM client with the shared retry settings; with `assumeRoleArn`, credentials come from STS AssumeRole on
 * first use, through the default chain, by an STS client with the same settings. With `sdkRetries: false` the SDK
 * sends each request once and never waits in its rate limiter: for trust writes, whose retries must go back to a
 * fresh read (a re-sent document would be stale).
 */
export function iamClient(options: ClientOptions = {}): IAMClient {
    const credentials = options.assumeRoleArn
        ? fromTemporaryCredentials({
              params: { RoleArn: options.assumeRoleArn, RoleSessionName: "kubeflow-irsa-role-pair", DurationSeconds: 900 },
              clientConfig: clientSettings(),
              ...(options.observe ? { clientPlugins: [{ applyToStack: (stack: { add: Function }) => observed({ middlewareStack: stack }, "sts", options.observe) }] } : {}),
          })
        : undefined;
    const settings = clientSettings(options.sdkRetries === false ? 1 : SDK_MAX_ATTEMPTS);
    return observed(new IAMClient({ ...settings, ...(credentials ? { credentials } : {}) }), "iam", options.observe);
}

/**
 * Whether a failed call may be tried again: throttling, 5xx, timeouts and connection errors (the request may or
 * may not have been applied). IAM's trust-size LimitExceeded is final, though the SDK files it under throttling.
 */
export function isRetryable(err: unknown): boolean {
    if (isTrustPolicyTooLarge(err)) {
        return false;
    }
    const e = err as Parameters<typeof isThrottlingError>[0];
    return isThrottlingError(e) || isTransientError(e) || (e?.$metadata?.httpStatusCode ?? 0) >= 500;
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
    tags: Record<string, string>;
}

/** GetRole with the trust policy decoded; undefined when the role does not exist. */
export async function getRole(iam: IAMClient, roleName: string): Promise<RoleState | undefined> {
    try {
        const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
        return {
            arn: Role!.Arn!,
            trust: decodePolicyDocument(Role!.AssumeRolePolicyDocument!),
            maxSessionDuration: Role!.MaxSessionDuration,
            tags: Object.fromEntries((Role!.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""])),
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

/** Tag that marks a role as made by one role pair: `<project>/<stack>/<pair>`. Names alone never prove ownership. */

/**
 * CreateRole, tagged with `owner`, and idempotent: when the role already exists (a retried CreateRole whose first
 * response was lost, or an earlier run that stopped half-way) and carries our owner tag, it is ours and is taken
 * as created (`existed: true`). A role of that name that is not ours is refused and never touched.
 */
export async function createOwnedRole(iam: IAMClient, spec: CreateRoleSpec, owner: string): Promise<{ existed: boolean }> {
    try {
        await iam.send(
            new CreateRoleCommand({
                RoleName: spec.roleName,
                Path: spec.path,
                AssumeRolePolicyDocument: JSON.stringify(spec.trust),
                Description: spec.description,
                MaxSessionDuration: spec.maxSessionDuration,
                Tags: tagList({ ...spec.tags, [ROLE_PAIR_OWNER_TAG]: owner }),
            }),
        );
        return { existed: false };
    } catch (err) {
        if (errorName(err) !== "EntityAlreadyExistsException" && errorName(err) !== "EntityAlreadyExists") {
            throw err;
        }
        const existing = await getRole(iam, spec.roleName);
        if (existing && existing.tags[ROLE_PAIR_OWNER_TAG] === owner) {
            return { existed: true };
        }
        const mark = existing?.tags[ROLE_PAIR_OWNER_TAG];
        throw new RoleNotOursError(
            `role ${spec.roleName} already exists and is not this pair's (tag ${ROLE_PAIR_OWNER_TAG} ${mark === undefined ? "is absent" : `names ${mark}`}, expected ${owner}); ` +
                "it was left untouched: choose another role name, or remove that role if it is really unused",
        );
    }
}

/** A same-named role made by someone else: never modified, never deleted. */
export class RoleNotOursError extends Error {
    override name = "RoleNotOurs";
}

/** Rollback of a create: deletes the role only if it exists and carries our owner tag (a lost response included). */
export async function deleteRoleIfOurs(iam: IAMClient, roleName: string, owner: string, inlineNames: string[], attachedArns: string[]): Promise<void> {
    const role = await getRole(iam, roleName);
    if (role && role.tags[ROLE_PAIR_OWNER_TAG] === owner) {
        await deleteRoleFully(iam, roleName, inlineNames, attachedArns);
    }
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
