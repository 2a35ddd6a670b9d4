/**
 * Section 5: trust writes under faults with a concurrent runtime writer: the integration tests' fault drill
 * (tools/trustDrill.ts) per seed, 20 subject updates through the fault proxy (20% throttling on every action, 5% of trust
 * writes answered by a dropped connection after they took effect, 0-15 ms latency) while a runtime writer adds and
 * removes its own entries in the same statement.
 */
import { motoInstalled } from "../tools/emulator";
import { percentile, UpdateDrillResult } from "../tools/trustDrill";
import { fmt, met, Section, table } from "./harness";
import { DRILL_SEEDS, DRILL_UPDATES } from "./knobs";
import { windowBench } from "./rolePairs";

type Drill = Array<{ seed: number; result: UpdateDrillResult }>;

export const trustWrites: Section<Drill> = {
    key: "drill",
    title: "## 5. Trust writes under faults with a concurrent runtime writer",
    measure: async () => (motoInstalled() || process.env.MOTO_ENDPOINT ? windowBench(DRILL_SEEDS, DRILL_UPDATES) : []),
    render(drills) {
        if (drills.length === 0) return ["skipped: moto is not installed", ""];
        return [
            table(
                ["seed", "provider writes", "runtime writes", "faults", "lost", "resurrected", "reverted inside a window", "window median ms", "window p99 ms", "window max ms"],
                drills.map(({ seed, result: r }) => [seed, r.providerWrites, r.runtimeWrites, r.faults, r.lost.length, r.resurrected.length, r.inWindow, fmt(percentile(r.windowsMs, 50), 1), fmt(percentile(r.windowsMs, 99), 1), fmt(Math.max(...r.windowsMs), 1)]),
            ),
            "",
            "The window is the time from the provider's read being delivered to its write reaching IAM (the proxy's clock). **Lost**",
            "and **resurrected** count runtime entries a provider write dropped or brought back outside such a window of at most",
            "100 ms; **reverted inside a window** counts runtime changes that landed between the provider's read and its write,",
            "which no client can avoid without a conditional write in IAM (README: what a runtime writer must do).",
            "",
        ];
    },
    targets(drills) {
        const worstP99 = drills.length ? Math.max(...drills.map((d) => percentile(d.result.windowsMs, 99))) : NaN;
        return [
            ["trust drill: 0 lost, 0 resurrected outside a 100 ms window", drills.length ? drills.map((d) => `${d.result.lost.length}/${d.result.resurrected.length}`).join(", ") : "skipped", drills.length ? met(drills.every((d) => d.result.lost.length + d.result.resurrected.length === 0)) : "skipped"],
            ["trust drill: p99 read->write window under 100 ms", drills.length ? `${fmt(worstP99, 1)} ms (worst seed)` : "skipped", drills.length ? met(worstP99 < 100) : "skipped"],
        ];
    },
};
