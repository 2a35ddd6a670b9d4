/**
 * The trust-policy fault drill: a runtime mapping service (Domino-style) that adds and removes its own `sub`
 * entries in the role pair's statement while the provider updates the same role through the fault proxy, and the
 * analysis of the proxy's log that says whether any provider write lost or brought back another writer's entry.
 * Used by the integration tests (test/rolePair.faults.test.ts) and the benchmark.
 */
import { GetRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { decodePolicyDocument, findStatement, PolicyDocument } from "../iam/document";
import { OWNED_STATEMENT_SID } from "../components/rolePair/documents";
import type { RolePairInputs, RolePairOutputs } from "../components/rolePair/inputs";
import type { RolePairProvider } from "../components/rolePair/provider";
import { statementSubjects } from "../iam/trustRules";
import { FaultProxy, FaultRule, ProxyEvent } from "./faultProxy";

/** Every entry the runtime writer adds starts with this. */
export const RUNTIME_PREFIX = "system:serviceaccount:rt:";

/**
 * A cooperative runtime writer, as the README asks of one: re-read before each write, change only its own entries,
 * write at once. What it wrote is read back from the proxy's log, not kept here.
 */
export class RuntimeWriter {
    private running = false;
    private loop: Promise<void> = Promise.resolve();
    private next = 0;

    constructor(
        private readonly iam: IAMClient,
        private readonly roleName: string,
        private readonly issuerHostPath: string,
        private readonly random: () => number,
        private readonly pauseMs: [number, number] = [10, 60],
    ) {}

    start(): void {
        this.running = true;
        this.loop = (async () => {
            while (this.running) {
                await this.step();
                await new Promise((r) => setTimeout(r, this.pauseMs[0] + this.random() * (this.pauseMs[1] - this.pauseMs[0])));
            }
        })();
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.loop;
    }

    /** One read-modify-write: add an entry (or remove one of its own when it has 25 or more). */
    async step(): Promise<void> {
        const role = (await this.iam.send(new GetRoleCommand({ RoleName: this.roleName }))).Role!;
        const doc = decodePolicyDocument(role.AssumeRolePolicyDocument!) as PolicyDocument;
        const statement = findStatement(doc, OWNED_STATEMENT_SID);
        if (!statement) return;
        const key = `${this.issuerHostPath}:sub`;
        const operator = statement.Condition!.StringEquals?.[key] !== undefined ? "StringEquals" : "StringLike";
        const current = statementSubjects(statement, this.issuerHostPath);
        const mine = current.filter((s) => s.startsWith(RUNTIME_PREFIX));
        let next: string[];
        if (mine.length >= 25 || (mine.length > 5 && this.random() < 0.4)) {
            const gone = mine[Math.floor(this.random() * mine.length)];
            next = current.filter((s) => s !== gone);
        } else {
            next = [...current, `${RUNTIME_PREFIX}run-${this.next++}`];
        }
        statement.Condition![operator]![key] = next;
        await this.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: this.roleName, PolicyDocument: JSON.stringify(doc) }));
    }
}

export interface DrillReport {
    /** Provider trust writes that reached IAM. */
    providerWrites: number;
    /** Runtime writes that reached IAM. */
    runtimeWrites: number;
    /** Runtime entries a provider write dropped although it had read them, or outside a window <= the limit. */
    lost: string[];
    /** Runtime entries a provider write brought back after their owner removed them (same rule). */
    resurrected: string[];
    /** Changes reverted by a provider write inside its read->write window (IAM has no conditional write). */
    inWindow: number;
    /** Read->write windows of the provider's writes, ms (from the read's delivery to the write reaching IAM). */
    windowsMs: number[];
    /** Documents written by anyone whose owned statement had no `sub` condition. */
    writesWithoutSub: number;
}

/**
 * Replays the proxy's log for one role: the trust document IAM held after each write, and for each provider write
 * the runtime entries it dropped or re-added compared with the document it replaced. A change that a write
 * reverts is excused only when the runtime's write came after the provider's last read (so the provider could not
 * have known) and the provider's read->write window is at most `windowLimitMs`.
 */
export function analyzeTrustHistory(log: readonly ProxyEvent[], roleName: string, issuerHostPath: string, windowLimitMs: number): DrillReport {
    const subjectsOf = (doc: unknown) => statementSubjects(findStatement(doc as PolicyDocument, OWNED_STATEMENT_SID), issuerHostPath);
    const report: DrillReport = { providerWrites: 0, runtimeWrites: 0, lost: [], resurrected: [], inWindow: 0, windowsMs: [], writesWithoutSub: 0 };
    let held: string[] | undefined;
    // When (log seq) each runtime entry last changed, and the provider's last delivered read of the role.
    const changedAt = new Map<string, number>();
    let lastRead: ProxyEvent | undefined;
    const applied = (e: ProxyEvent) => e.forwardedAt !== undefined && e.status === 200;
    for (const event of [...log].sort((a, b) => a.seq - b.seq)) {
        if (event.roleName !== roleName) continue;
        if (event.action === "GetRole" && event.listener === "faulted" && event.deliveredAt !== undefined) {
            lastRead = event;
            continue;
        }
        if (!((event.action === "UpdateAssumeRolePolicy" || event.action === "CreateRole") && applied(event))) continue;
        const written = subjectsOf(event.document);
        if (!findStatement(event.document as PolicyDocument, OWNED_STATEMENT_SID)?.Condition || written.length === 0) report.writesWithoutSub += 1;
        const before = new Set(held ?? []);
        const after = new Set(written);
        if (event.listener === "clean") {
            report.runtimeWrites += 1;
            for (const s of new Set([...before, ...after])) {
                if (s.startsWith(RUNTIME_PREFIX) && before.has(s) !== after.has(s)) changedAt.set(s, event.seq);
            }
        } else if (event.action === "UpdateAssumeRolePolicy") {
            report.providerWrites += 1;
            const window = lastRead ? event.forwardedAt! - lastRead.deliveredAt! : Infinity;
            report.windowsMs.push(window);
            for (const s of new Set([...before, ...after])) {
                if (!s.startsWith(RUNTIME_PREFIX) || before.has(s) === after.has(s)) continue;
                const unseen = lastRead !== undefined && (changedAt.get(s) ?? -1) > lastRead.seq;
                if (unseen && window <= windowLimitMs) report.inWindow += 1;
                else (before.has(s) ? report.lost : report.resurrected).push(s);
            }
        }
        held = written;
    }
    return report;
}

/** Our entries in the role's trust as IAM holds it now. */
export async function trustSubjects(iam: IAMClient, roleName: string, issuerHostPath: string): Promise<string[]> {
    const role = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!;
    return statementSubjects(findStatement(decodePolicyDocument(role.AssumeRolePolicyDocument!), OWNED_STATEMENT_SID), issuerHostPath);
}

export function percentile(values: number[], p: number): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The drill's faults on the provider's side: 20% throttling and 0-15 ms latency on every call, 5% of trust writes answered by a dropped connection after they took effect. */
export const DRILL_FAULTS: FaultRule[] = [
    { actions: "*", throttle: 0.2, delayMs: [0, 15] },
    { actions: ["UpdateAssumeRolePolicy"], dropResponse: 0.05 },
];

/** Our subjects at the drill's i-th update: a moving set, as a real config moves (`ours(0)` leaves every third update). */
export function drillSubjects(i: number, ours: (n: number) => string): string[] {
    return Array.from({ length: 1 + (i % 4) }, (_, k) => ours(i + k)).concat(i % 3 === 0 ? [] : [ours(0)]);
}

/** A seeded PRNG for the runtime writer (the proxy has its own). */
export function seeded(seed: number): () => number {
    let a = seed >>> 0;
    return () => ((a = (Math.imul(a ^ (a >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 4294967296);
}

export interface UpdateDrillOptions {
    provider: RolePairProvider;
    proxy: FaultProxy;
    /** Client on the proxy's clean listener (the runtime writer's and the checks'). */
    clean: IAMClient;
    /** State of a created pair; its EKS role is the one edited. */
    state: RolePairOutputs;
    /** Desired inputs for the i-th update (1-based). */
    inputsFor(i: number): RolePairInputs;
    updates: number;
    seed: number;
    issuerHostPath: string;
    windowLimitMs: number;
}

export interface UpdateDrillResult extends DrillReport {
    state: RolePairOutputs;
    /** Our subjects absent right after an update returned, while the last write was the provider's. */
    missingAfterUpdate: string[];
    /** Updates after which the runtime writer's own stale write had replaced ours (its race, not the provider's). */
    runtimeRaces: number;
    /** Updates the provider stopped after losing every merge round to the writer, then ran again as its error says. */
    contendedReruns: number;
    faults: number;
}

/** The provider's refusal after its merge rounds all lost to another writer: its message tells the user to run up again. */
const CONTENDED = /another writer kept replacing the trust policy/;
/** At most this many reruns of one update: more would mean the provider never converges, which the drill must show. */
const MAX_RERUNS = 2;

/** One update as a user runs it: when the provider stops because another writer kept winning, run it again. */
async function updateAsUserWould(provider: RolePairProvider, state: RolePairOutputs, desired: RolePairInputs, rerun: () => void): Promise<RolePairOutputs> {
    for (let attempt = 0; ; attempt++) {
        try {
            return (await provider.update("id", state, desired)).outs!;
        } catch (err) {
            if (attempt >= MAX_RERUNS || !CONTENDED.test(String((err as Error).message))) throw err;
            rerun();
        }
    }
}

/**
 * `updates` subject updates through the faulted listener while the runtime writer edits the same statement; after
 * each update, with the writer paused, checks that our subjects are there. Fault rules are the caller's.
 */
export async function subjectUpdateDrill(o: UpdateDrillOptions): Promise<UpdateDrillResult> {
    const roleName = o.state.eksRoleName;
    const writer = new RuntimeWriter(o.clean, roleName, o.issuerHostPath, seeded(o.seed));
    const from = o.proxy.log.length;
    let state = o.state;
    const missingAfterUpdate: string[] = [];
    let runtimeRaces = 0;
    let contendedReruns = 0;
    writer.start();
    try {
        for (let i = 1; i <= o.updates; i++) {
            const desired = o.inputsFor(i);
            state = await updateAsUserWould(o.provider, state, desired, () => (contendedReruns += 1));
            await writer.stop();
            const present = await trustSubjects(o.clean, roleName, o.issuerHostPath);
            const missing = desired.subjects.filter((s) => !present.includes(s));
            const lastWrite = [...o.proxy.log].reverse().find((e) => e.action === "UpdateAssumeRolePolicy" && e.roleName === roleName && e.status === 200);
            if (missing.length && lastWrite?.listener === "clean") runtimeRaces += 1;
            else missingAfterUpdate.push(...missing);
            writer.start();
        }
    } finally {
        await writer.stop();
    }
    const log = o.proxy.log.slice(from);
    return {
        ...analyzeTrustHistory(o.proxy.log, roleName, o.issuerHostPath, o.windowLimitMs),
        state,
        missingAfterUpdate,
        runtimeRaces,
        contendedReruns,
        faults: log.filter((e) => e.fault).length,
    };
}

export function describeDrill(r: UpdateDrillResult): string {
    return (
        `${r.providerWrites} provider writes, ${r.runtimeWrites} runtime writes, ${r.faults} faults; ` +
        `lost ${r.lost.length}, resurrected ${r.resurrected.length}, reverted inside a window ${r.inWindow}, our entries replaced by the runtime's own window ${r.runtimeRaces}, updates run again after the writer won every merge round ${r.contendedReruns}; ` +
        `window median ${percentile(r.windowsMs, 50).toFixed(1)} ms, p99 ${percentile(r.windowsMs, 99).toFixed(1)} ms, max ${Math.max(...r.windowsMs).toFixed(1)} ms`
    );
}
