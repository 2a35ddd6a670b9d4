/**
 * The concurrent writer of the EKS role's trust policy: our statement's `sub` entries merged on top of whatever others
 * wrote, with retries from a fresh read and verifying reads, since IAM has no conditional write.
 */
import { IAMClient } from "@aws-sdk/client-iam";
import { RolePairInputs, RolePairOutputs } from "./inputs";
import { issuerHostPathFromProviderArn } from "../../iam/identity";
import { irsaSubjects, mergedEksTrust, OWNED_STATEMENT_SID, podStatementsPresent } from "./documents";
import { getRole, isRetryable, isTrustPolicyTooLarge, putTrust, RoleState, sleep } from "./aws";
import { failure, quotaError } from "./failures";
import { statementSubjects } from "../../iam/trustRules";
import { findStatement, policyLength } from "../../iam/document";

/** The trust fields of a pair's state after a write or refresh. */
export type TrustWriteResult = Pick<RolePairOutputs, "ownedSubjects" | "foreignSubjects" | "trustPolicyLength">;

/** Reads go through a client with the SDK's retries; writes through one that never re-sends (see writeEksTrust). */
export interface TrustClients {
    reader: IAMClient;
    writer: IAMClient;
}

export interface TrustWriteLimits {
    /** Verify-and-merge rounds after a write when a concurrent writer dropped our entries. */
    maxMergeRounds: number;
    /** Read-merge-write attempts of a write that failed retryably. */
    maxTrustWriteAttempts: number;
    /** First backoff delay between those attempts (doubling, with jitter, at most 5 s). */
    trustWriteBaseDelayMs: number;
}

/**
 * Read-merge-write of our statement in the EKS role's trust policy. IAM has no conditional write, so the merge
 * is written right after the read it is based on, by a client that never re-sends it: a throttled, failed or
 * unanswered write goes back to a fresh read and merges again (a re-sent document would be stale, dropping
 * entries others added meanwhile or bringing back ones they removed). After a write, a verifying read checks
 * that our entries are there and that no entry we removed came back; otherwise a concurrent writer replaced
 * the document from an older read, and after a random backoff we read and merge again, a bounded number of rounds.
 */
export async function writeEksTrust(clients: TrustClients, limits: TrustWriteLimits, news: RolePairInputs, previouslyOwned: string[]): Promise<TrustWriteResult> {
const { reader, writer } = clients;
const hostPath = issuerHostPathFromProviderArn(news.oidcProviderArn);
const owned = irsaSubjects(news);
const removed = previouslyOwned.filter((s) => !owned.includes(s));
const read = () => getRole(reader, news.eksRoleName).catch((err) => { throw failure(news.name, "GetRole", news.eksRoleName, err); });
let current: RoleState | undefined = await read();
let failedWrites = 0;
for (let round = 1; ; ) {
    if (!current) {
        throw new Error(`role pair ${news.name}: role ${news.eksRoleName} no longer exists: run pulumi refresh, then pulumi up to recreate it`);
    }
    const { merge, verdict } = mergedEksTrust(news, current.trust, previouslyOwned);
    if (!merge.changed) {
        return { ownedSubjects: owned, foreignSubjects: merge.foreignSubjects, trustPolicyLength: verdict.length };
    }
    if (!verdict.ok) {
        throw quotaError(news.name, `${verdict.message} (${merge.foreignSubjects.length} of the entries were added by others)`);
    }
    try {
        await putTrust(writer, news.eksRoleName, merge.document);
    } catch (err) {
        if (isTrustPolicyTooLarge(err)) throw quotaError(news.name, verdict.message ?? (err as Error).message);
        failedWrites += 1;
        if (!isRetryable(err) || failedWrites >= limits.maxTrustWriteAttempts) {
            const tries = failedWrites > 1 ? ` (after ${failedWrites} read-merge-write attempts)` : "";
            throw failure(news.name, `UpdateAssumeRolePolicy${tries}`, news.eksRoleName, err);
        }
        await sleep(backoff(limits.trustWriteBaseDelayMs, failedWrites));
        current = await read(); // the write may have landed or not: start again from what is there now
        continue;
    }
    current = await read();
    const present = new Set(statementSubjects(findStatement(current?.trust, OWNED_STATEMENT_SID), hostPath));
    const missing = owned.filter((s) => !present.has(s));
    const resurrected = news.exclusive ? [] : removed.filter((s) => present.has(s));
    if (current && missing.length === 0 && resurrected.length === 0 && podStatementsPresent(news, current.trust)) {
        // Others' entries as they are now: the ones we merged in and are gone were removed by their owner
        // after our write (their document kept ours, so it was based on a read of our write).
        const foreign = [...present].filter((s) => !owned.includes(s)).sort();
        return { ownedSubjects: owned, foreignSubjects: news.exclusive ? [] : foreign, trustPolicyLength: policyLength(current.trust) };
    }
    if (round >= limits.maxMergeRounds) {
        const what = [missing.length ? `missing: ${missing.join(", ")}` : "", resurrected.length ? `back after removal: ${resurrected.join(", ")}` : ""].filter(Boolean).join("; ");
        throw new Error(`role pair ${news.name}: another writer kept replacing the trust policy of role ${news.eksRoleName} (${round} merge rounds); ${what}: run pulumi up again`);
    }
    // Racing writers: step back a random while, so the next round is unlikely to meet the other one's
    // read->write window again, then merge on top of what is there then.
    await sleep(backoff(limits.trustWriteBaseDelayMs, round));
    round += 1;
    current = await read();
}
}

/** Backoff before the n-th retry (n >= 1): doubling from `base`, at most 5 s, with full jitter on the upper half. */
function backoff(base: number, n: number): number {
    const ceiling = Math.min(base * 2 ** (n - 1), 5_000);
    return ceiling / 2 + Math.random() * (ceiling / 2);
}
