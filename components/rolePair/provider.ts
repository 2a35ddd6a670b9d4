/**
 * `RolePairProvider`: the Pulumi dynamic provider behind `RolePair`. It creates, for one role in an asset account,
 * a matching role in the EKS account, and owns one statement of the EKS role's trust policy, whose `sub` entries a
 * runtime service may extend. Every write is a read-modify-write that keeps what others added.
 */
import * as pulumi from "@pulumi/pulumi";
import { GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, PutRolePolicyCommand, TagRoleCommand, UntagRoleCommand, UpdateRoleCommand } from "@aws-sdk/client-iam";
import { decodePolicyDocument, findStatement, policiesEqual, PolicyDocument, policyLength, sortedUnique } from "../../iam/document";
import { arnAccount } from "../../iam/arns";
import { issuerHostPathFromProviderArn, SubjectMatch, usesIrsa, usesPodIdentity } from "../../iam/identity";
import { statementSubjects } from "../../iam/trustRules";
import { ASSET_POLICY_NAME, ASSET_TRUST_SID, assetTrustPolicy, EKS_POLICY_NAME, irsaSubjects, mergedEksTrust, OWNED_STATEMENT_SID, rolePairDocuments } from "./documents";
import { definedOnly, isKnown, pairIdentity, RolePairInputs, RolePairOutputs, roleTags, stripOutputs } from "./inputs";
import { deleteAssociation, describeAssociation, eksClient, ensureAssociation, PairAssociation } from "./associations";
import { CallObserver, createOwnedRole, deleteInlinePolicy, deleteRoleFully, deleteRoleIfOurs, errorName, getRole, iamClient, isNoSuchEntity, isTrustPolicyTooLarge, putTrust, retryWhilePrincipalPropagates, syncAttachments } from "./aws";

import { TrustWriteLimits, TrustWriteResult, writeEksTrust } from "./trustWriter";
import { checkRolePair } from "./check";
import { failure, quotaError } from "./failures";

export { ASSET_POLICY_NAME, EKS_POLICY_NAME, OWNED_STATEMENT_SID };

export interface RolePairProviderOptions {
    /** How long to retry while IAM does not yet accept a new role as a principal (default 2 minutes). */
    principalPropagationTimeoutMs?: number;
    /** First backoff delay of that retry (default 1 s, doubling). */
    principalRetryBaseDelayMs?: number;
    /** Verify-and-merge rounds after a trust write when a concurrent writer dropped our entries (default 5). */
    maxMergeRounds?: number;
    /** Read-merge-write attempts of a trust write that failed retryably (throttling, 5xx, lost response; default 8). */
    maxTrustWriteAttempts?: number;
    /** First backoff delay between those attempts (default 200 ms, doubling, with jitter, at most 5 s). */
    trustWriteBaseDelayMs?: number;
    /** Observer of every AWS call (benchmark); absent in normal use. */
    observe?: CallObserver;
}

const sameList = (a: readonly string[], b: readonly string[]) => JSON.stringify(sortedUnique(a)) === JSON.stringify(sortedUnique(b));
const samePolicy = (a?: PolicyDocument, b?: PolicyDocument) => (a && b ? policiesEqual(a, b) : a === b);
const sameTags = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export class RolePairProvider implements pulumi.dynamic.ResourceProvider<RolePairInputs, RolePairOutputs>, TrustWriteLimits {
    private readonly timeoutMs: number;
    private readonly baseDelayMs: number;
    readonly maxMergeRounds: number;
    readonly maxTrustWriteAttempts: number;
    readonly trustWriteBaseDelayMs: number;
    private readonly observe?: CallObserver;

    constructor(options: RolePairProviderOptions = {}) {
        this.timeoutMs = options.principalPropagationTimeoutMs ?? 120_000;
        this.baseDelayMs = options.principalRetryBaseDelayMs ?? 1_000;
        this.maxMergeRounds = options.maxMergeRounds ?? 5;
        this.maxTrustWriteAttempts = options.maxTrustWriteAttempts ?? 8;
        this.trustWriteBaseDelayMs = options.trustWriteBaseDelayMs ?? 200;
        this.observe = options.observe;
    }

    private eksIam(): IAMClient {
        return iamClient({ observe: this.observe });
    }

    /** The EKS-account client for trust writes only: one attempt per request, retried by `writeTrust` from a fresh read. */
    private eksTrustWriter(): IAMClient {
        return iamClient({ sdkRetries: false, observe: this.observe });
    }

    private eks() {
        return eksClient(this.observe);
    }

    /**
     * Makes the associations the inputs want (one per subject with Pod Identity, none without) from `current`:
     * creates the missing ones first and deletes the ones no longer wanted last, so a subject moving between
     * clusters or roles is never without one. Returns the associations that exist afterwards.
     */
    private async syncAssociations(inputs: RolePairInputs, current: PairAssociation[], eksRoleArn: string, assetRoleArn: string, oldCluster?: string): Promise<PairAssociation[]> {
        const wanted = usesPodIdentity(pairIdentity(inputs)) && inputs.cluster ? inputs.subjects : [];
        if (wanted.length === 0) return []; // an IRSA pair: no EKS call at all (the old ones go in dropAssociations)
        const eks = this.eks();
        const sameCluster = !oldCluster || oldCluster === inputs.cluster?.name;
        const kept = sameCluster ? current.filter((a) => wanted.includes(a.subject)) : [];
        const created: PairAssociation[] = [];
        for (const subject of wanted.filter((s) => !kept.some((a) => a.subject === s))) {
            try {
                created.push(await ensureAssociation(eks, { clusterName: inputs.cluster!.name, subject, roleArn: eksRoleArn, targetRoleArn: assetRoleArn, owner: inputs.owner, tags: inputs.tags }));
            } catch (err) {
                // Leave no half set: the ones this call made go again (the state does not know them).
                for (const a of created) await deleteAssociation(eks, inputs.cluster!.name, a.associationId).catch(() => undefined);
                throw new Error(`role pair ${inputs.name}: Pod Identity association for ${subject} failed: ${errorName(err)}: ${(err as Error).message}`);
            }
        }
        return [...kept, ...created].sort((a, b) => a.subject.localeCompare(b.subject));
    }

    /** Deletes the associations of `before` that `after` does not hold. */
    private async dropAssociations(clusterName: string | undefined, before: PairAssociation[], after: PairAssociation[]): Promise<void> {
        if (!clusterName || before.length === 0) return;
        const eks = this.eks();
        for (const a of before.filter((b) => !after.some((x) => x.associationId === b.associationId))) await deleteAssociation(eks, clusterName, a.associationId);
    }

    async check(_olds: RolePairInputs, news: RolePairInputs): Promise<pulumi.dynamic.CheckResult<RolePairInputs>> {
        return checkRolePair(news);
    }

    private writeTrust(news: RolePairInputs, previouslyOwned: string[]): Promise<TrustWriteResult> {
        return writeEksTrust({ reader: this.eksIam(), writer: this.eksTrustWriter() }, this, news, previouslyOwned);
    }

    private assetIam(inputs: RolePairInputs): IAMClient {
        return iamClient({ assumeRoleArn: inputs.assetDeployRoleArn, observe: this.observe });
    }

    // -----------------------------------------------------------------------------------------------------------
    // diff: no AWS calls; replacement only when the identity of a role changes.
    // -----------------------------------------------------------------------------------------------------------

    async diff(_id: string, olds: RolePairOutputs, news: RolePairInputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces: string[] = [];
        const changes: string[] = [];
        for (const key of ["assetAccountId", "assetRoleName", "eksRoleName", "path"] as const) {
            if (olds[key] !== news[key]) replaces.push(key);
        }
        if (olds.oidcProviderArn !== news.oidcProviderArn) {
            // A provider in another account means the EKS role lives elsewhere: a new pair. Same account: in place.
            (isKnown(news.oidcProviderArn) && arnAccount(olds.oidcProviderArn) === arnAccount(news.oidcProviderArn) ? changes : replaces).push("oidcProviderArn");
        }
        if (!sameList(olds.subjects, news.subjects)) changes.push("subjects");
        if (!sameList(olds.assetPolicyArns, news.assetPolicyArns)) changes.push("assetPolicyArns");
        if (!samePolicy(olds.assetPolicy, news.assetPolicy)) changes.push("assetPolicy");
        if (!sameTags(olds.tags, news.tags)) changes.push("tags");
        // An absent `owner` (inputs.ts) differs from any: the update tags both roles.
        for (const key of ["owner", "subjectMatch", "exclusive", "externalId", "assetDeployRoleArn", "maxSessionDuration", "trustPolicyMaxLength"] as const) {
            if (olds[key] !== news[key]) changes.push(key);
        }
        // Moving between backends, or to another cluster, is an update: both roles stay (pods may be using them).
        if (pairIdentity(olds) !== pairIdentity(news)) changes.push("identity");
        if (JSON.stringify(olds.cluster ?? null) !== JSON.stringify(news.cluster ?? null)) changes.push("cluster");
        // No `stables`: the Node.js dynamic-provider host ignores them.
        return { changes: replaces.length + changes.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
    }

    // -----------------------------------------------------------------------------------------------------------
    // create: EKS role (trust + assume policy), then asset role (trust in the EKS role) and its rights.
    // -----------------------------------------------------------------------------------------------------------

    async create(inputs: RolePairInputs): Promise<pulumi.dynamic.CreateResult<RolePairOutputs>> {
        const { eksAccountId, eksRoleArn, assetRoleArn, eksPolicy, assetTrust } = rolePairDocuments(inputs);
        const eks = this.eksIam();
        const asset = this.assetIam(inputs);
        const { merge, verdict } = mergedEksTrust(inputs, undefined, []);
        if (!verdict.ok) throw quotaError(inputs.name, verdict.message!);

        // Each undo is registered before its CreateRole: a lost response may have made the role all the same, and
        // the undo deletes it only if it exists with our owner tag.
        const undos: Array<() => Promise<void>> = [];
        let trust: TrustWriteResult;
        let associations: PairAssociation[] = [];
        try {
            undos.push(() => deleteRoleIfOurs(eks, inputs.eksRoleName, inputs.owner, [EKS_POLICY_NAME], []));
            const eksRole = await createOwnedRole(eks, {
                roleName: inputs.eksRoleName,
                path: inputs.path,
                trust: merge.document,
                description: `EKS side of role pair ${inputs.name}: may assume ${assetRoleArn}`,
                tags: inputs.tags,
                maxSessionDuration: inputs.maxSessionDuration,
            }, inputs.owner).catch((err) => {
                throw isTrustPolicyTooLarge(err) ? quotaError(inputs.name, verdict.message ?? `IAM rejected the trust policy as too large (${(err as Error).message})`) : failure(inputs.name, "CreateRole", inputs.eksRoleName, err);
            });
            // Our own role from an earlier attempt: bring its trust to the desired state, keeping others' entries.
            trust = eksRole.existed
                ? await this.writeTrust(inputs, [])
                : { ownedSubjects: irsaSubjects(inputs), foreignSubjects: [], trustPolicyLength: verdict.length };
            await eks
                .send(new PutRolePolicyCommand({ RoleName: inputs.eksRoleName, PolicyName: EKS_POLICY_NAME, PolicyDocument: JSON.stringify(eksPolicy) }))
                .catch((err) => { throw failure(inputs.name, "PutRolePolicy", inputs.eksRoleName, err); });

            undos.push(() => deleteRoleIfOurs(asset, inputs.assetRoleName, inputs.owner, [ASSET_POLICY_NAME], inputs.assetPolicyArns));
            const assetRole = await retryWhilePrincipalPropagates(
                () =>
                    createOwnedRole(asset, {
                        roleName: inputs.assetRoleName,
                        path: inputs.path,
                        trust: assetTrust,
                        description: `Asset side of role pair ${inputs.name}: assumed by ${eksRoleArn}`,
                        tags: inputs.tags,
                        maxSessionDuration: inputs.maxSessionDuration,
                    }, inputs.owner),
                this.timeoutMs,
                this.baseDelayMs,
            ).catch((err) => { throw failure(inputs.name, "CreateRole", inputs.assetRoleName, err); });
            if (assetRole.existed) {
                await putTrust(asset, inputs.assetRoleName, assetTrust).catch((err) => { throw failure(inputs.name, "UpdateAssumeRolePolicy", inputs.assetRoleName, err); });
            }
            await this.syncAssetRights(asset, inputs, undefined).catch((err) => { throw failure(inputs.name, "PutRolePolicy/AttachRolePolicy", inputs.assetRoleName, err); });
            if (usesPodIdentity(pairIdentity(inputs))) {
                const eks = this.eks();
                undos.push(async () => {
                    for (const a of associations) await deleteAssociation(eks, inputs.cluster!.name, a.associationId);
                });
                associations = await this.syncAssociations(inputs, [], eksRoleArn, assetRoleArn);
                await putTrust(asset, inputs.assetRoleName, assetTrustPolicy(eksRoleArn, pairIdentity(inputs), inputs.externalId, associations.map((a) => a.externalId))).catch((err) => {
                    throw failure(inputs.name, "UpdateAssumeRolePolicy", inputs.assetRoleName, err);
                });
            }
        } catch (err) {
            // Leave nothing half-made: remove what this call may have created, newest first.
            for (const undo of undos.reverse()) {
                await undo().catch(() => undefined);
            }
            throw err;
        }
        return {
            id: `${eksAccountId}/${inputs.eksRoleName}`,
            outs: definedOnly({ ...inputs, eksAccountId, eksRoleArn, assetRoleArn, ...trust, ...(associations.length ? { associations } : {}) }),
        };
    }

    /** Puts or removes the asset role's inline policy and aligns its attachments with the inputs. */
    private async syncAssetRights(asset: IAMClient, inputs: RolePairInputs, olds: RolePairOutputs | undefined): Promise<void> {
        if (!samePolicy(olds?.assetPolicy, inputs.assetPolicy)) {
            if (inputs.assetPolicy) {
                await asset.send(new PutRolePolicyCommand({ RoleName: inputs.assetRoleName, PolicyName: ASSET_POLICY_NAME, PolicyDocument: JSON.stringify(inputs.assetPolicy) }));
            } else {
                await deleteInlinePolicy(asset, inputs.assetRoleName, ASSET_POLICY_NAME);
            }
        }
        await syncAttachments(asset, inputs.assetRoleName, olds?.assetPolicyArns ?? [], inputs.assetPolicyArns);
    }

    // -----------------------------------------------------------------------------------------------------------
    // update: one read of the EKS trust, a write only when the merge changes it, one verifying read.
    // -----------------------------------------------------------------------------------------------------------

    async update(_id: string, olds: RolePairOutputs, news: RolePairInputs): Promise<pulumi.dynamic.UpdateResult<RolePairOutputs>> {
        const { eksAccountId, eksRoleArn, assetRoleArn, eksPolicy } = rolePairDocuments(news);
        const eks = this.eksIam();
        const trust = await this.writeTrust(news, olds.ownedSubjects ?? []);
        const identityChanged = pairIdentity(olds) !== pairIdentity(news);
        if (usesPodIdentity(pairIdentity(olds)) !== usesPodIdentity(pairIdentity(news))) {
            await eks
                .send(new PutRolePolicyCommand({ RoleName: news.eksRoleName, PolicyName: EKS_POLICY_NAME, PolicyDocument: JSON.stringify(eksPolicy) }))
                .catch((err) => { throw failure(news.name, "PutRolePolicy", news.eksRoleName, err); });
        }

        const roleSettingsChanged = olds.maxSessionDuration !== news.maxSessionDuration;
        const tagsChanged = !sameTags(roleTags(olds), roleTags(news));
        if (roleSettingsChanged || tagsChanged) {
            await this.syncRoleSettings(eks, news.eksRoleName, olds, news).catch((err) => { throw failure(news.name, "UpdateRole/TagRole", news.eksRoleName, err); });
        }
        // New associations first, then the asset trust naming their ids, then the old associations go.
        const before = olds.associations ?? [];
        const associations = await this.syncAssociations(news, before, eksRoleArn, assetRoleArn, olds.cluster?.name);
        const ids = (list: PairAssociation[]) => JSON.stringify(list.map((a) => a.externalId).sort());
        const trustChanged = olds.externalId !== news.externalId || identityChanged || ids(before) !== ids(associations);
        const assetChanged =
            roleSettingsChanged || tagsChanged || trustChanged ||
            !samePolicy(olds.assetPolicy, news.assetPolicy) || !sameList(olds.assetPolicyArns ?? [], news.assetPolicyArns);
        if (assetChanged) {
            const asset = this.assetIam(news);
            await (async () => {
                if (trustChanged) {
                    await putTrust(asset, news.assetRoleName, assetTrustPolicy(eksRoleArn, pairIdentity(news), news.externalId, associations.map((a) => a.externalId)));
                }
                await this.syncAssetRights(asset, news, olds);
                await this.syncRoleSettings(asset, news.assetRoleName, olds, news);
            })().catch((err) => { throw failure(news.name, "update", news.assetRoleName, err); });
        }
        await this.dropAssociations(olds.cluster?.name, before, associations).catch((err) => { throw failure(news.name, "DeletePodIdentityAssociation", news.eksRoleName, err); });
        return { outs: definedOnly({ ...news, eksAccountId, eksRoleArn, assetRoleArn, ...trust, associations: associations.length ? associations : undefined }) };
    }

    private async syncRoleSettings(iam: IAMClient, roleName: string, olds: RolePairOutputs, news: RolePairInputs): Promise<void> {
        if (olds.maxSessionDuration !== news.maxSessionDuration) {
            await iam.send(new UpdateRoleCommand({ RoleName: roleName, MaxSessionDuration: news.maxSessionDuration ?? 3600 }));
        }
        const before = roleTags(olds);
        const after = roleTags(news);
        const removed = Object.keys(before).filter((k) => !(k in after));
        if (removed.length) await iam.send(new UntagRoleCommand({ RoleName: roleName, TagKeys: removed }));
        const changed = Object.keys(after).filter((k) => before[k] !== after[k]);
        if (changed.length) await iam.send(new TagRoleCommand({ RoleName: roleName, Tags: changed.map((Key) => ({ Key, Value: after[Key] })) }));
    }

    // -----------------------------------------------------------------------------------------------------------
    // read (refresh): report real drift; inputs follow what is really there.
    // -----------------------------------------------------------------------------------------------------------

    async read(id: string, props?: RolePairOutputs): Promise<pulumi.dynamic.ReadResult<RolePairOutputs>> {
        if (!props) {
            throw new Error(`role pair ${id}: import is not supported: a RolePair creates both of its roles; remove existing roles of the same names or choose other names`);
        }
        const eks = this.eksIam();
        const eksRole = await getRole(eks, props.eksRoleName).catch((err) => { throw failure(props.name, "GetRole", props.eksRoleName, err); });
        if (!eksRole) {
            return {};
        }
        const hostPath = issuerHostPathFromProviderArn(props.oidcProviderArn);
        const statement = findStatement(eksRole.trust, OWNED_STATEMENT_SID);
        const present = statementSubjects(statement, hostPath);
        const owned = (props.ownedSubjects ?? []).filter((s) => present.includes(s));
        const foreign = present.filter((s) => !(props.ownedSubjects ?? []).includes(s));
        const subjectMatch: SubjectMatch = statement?.Condition?.StringLike?.[`${hostPath}:sub`] !== undefined ? "StringLike" : "StringEquals";

        const asset = this.assetIam(props);
        const assetRole = await getRole(asset, props.assetRoleName).catch((err) => { throw failure(props.name, "GetRole", props.assetRoleName, err); });
        const attached = assetRole
            ? ((await asset.send(new ListAttachedRolePoliciesCommand({ RoleName: props.assetRoleName }))).AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort()
            : [];
        const assetPolicy = assetRole
            ? await asset
                  .send(new GetRolePolicyCommand({ RoleName: props.assetRoleName, PolicyName: ASSET_POLICY_NAME }))
                  .then((r) => decodePolicyDocument(r.PolicyDocument!))
                  .catch((err) => { if (isNoSuchEntity(err)) return undefined; throw err; })
            : undefined;
        const externalId = assetRole ? (findStatement(assetRole.trust, ASSET_TRUST_SID)?.Condition?.StringEquals?.["sts:ExternalId"] as string | undefined) : undefined;

        // With Pod Identity the associations are the binding; on Pod Identity alone they are what the subjects are.
        const identity = pairIdentity(props);
        const eksApi = usesPodIdentity(identity) && props.cluster ? this.eks() : undefined;
        const associations = eksApi
            ? (await Promise.all((props.associations ?? []).map((a) => describeAssociation(eksApi, props.cluster!.name, a)))).filter((a): a is PairAssociation => !!a)
            : [];
        const inputs: RolePairInputs = {
            ...stripOutputs(props),
            subjects: usesIrsa(identity) ? owned : associations.map((a) => a.subject),
            subjectMatch,
            assetPolicyArns: attached,
            ...(assetPolicy ? { assetPolicy: samePolicy(assetPolicy, props.assetPolicy) ? props.assetPolicy : assetPolicy } : { assetPolicy: undefined }),
            externalId,
            maxSessionDuration: eksRole.maxSessionDuration === 3600 && props.maxSessionDuration === undefined ? undefined : eksRole.maxSessionDuration,
        };
        // The engine encodes results as a protobuf Struct, which rejects undefined values: absent means absent.
        return {
            id,
            inputs: definedOnly(inputs) as RolePairOutputs,
            props: definedOnly({
                ...props,
                ...inputs,
                eksRoleArn: eksRole.arn,
                assetRoleArn: assetRole?.arn ?? "",
                ownedSubjects: owned,
                foreignSubjects: foreign,
                trustPolicyLength: policyLength(eksRole.trust),
                associations: associations.length ? associations : undefined,
            }),
        };
    }

    // -----------------------------------------------------------------------------------------------------------
    // delete: associations, then the asset role (it trusts the EKS role), then the EKS role; already gone is success.
    // -----------------------------------------------------------------------------------------------------------

    async delete(_id: string, props: RolePairOutputs): Promise<void> {
        await this.dropAssociations(props.cluster?.name, props.associations ?? [], []).catch((err) => {
            throw failure(props.name, "DeletePodIdentityAssociation", props.eksRoleName, err);
        });
        await deleteRoleFully(this.assetIam(props), props.assetRoleName, props.assetPolicy ? [ASSET_POLICY_NAME] : [], props.assetPolicyArns ?? []).catch((err) => {
            throw failure(props.name, "DeleteRole", props.assetRoleName, err);
        });
        await deleteRoleFully(this.eksIam(), props.eksRoleName, [EKS_POLICY_NAME], []).catch((err) => {
            throw failure(props.name, "DeleteRole", props.eksRoleName, err);
        });
    }
}

