/**
 * Section 1: program evaluation. The entry `pulumi up` runs (scripts/pulumi-entry.js) against the bare-SDK baseline
 * (bench/baseline.ts), both under Pulumi's mock runtime with stack capture on, alternating A/B; and, at N = 1,000,
 * two other ways to run the same program for comparison.
 */
import { fmt, measure, met, Sample, Section, summary, table } from "./harness";
import { RUNS, SIZES, TS_NODE_RUNS } from "./knobs";

interface ProgramRow {
    n: number;
    ours: { ms: number; rss: number; resources: number };
    base: { ms: number; rss: number; resources: number };
}

interface OtherEntry {
    variant: "ts-node" | "compiled-no-stacks";
    ms: number;
    rss: number;
    runs: number;
}

export interface ProgramEvaluation {
    rows: ProgramRow[];
    others: OtherEntry[];
}

async function programRows(): Promise<ProgramRow[]> {
    const rows: ProgramRow[] = [];
    for (const n of SIZES) {
        const ours: Sample[] = [];
        const base: Sample[] = [];
        for (let run = 0; run < RUNS; run++) {
            ours.push(await measure(["program", "entry", String(n)]));
            base.push(await measure(["program", "baseline", String(n)]));
        }
        rows.push({ n, ours: summary(ours), base: summary(base) });
        process.stderr.write(`program N=${n}: entry ${fmt(rows.at(-1)!.ours.ms)} ms, baseline ${fmt(rows.at(-1)!.base.ms)} ms\n`);
    }
    return rows;
}

async function otherEntries(n: number): Promise<OtherEntry[]> {
    const out: OtherEntry[] = [];
    for (const [variant, runs] of [["ts-node", TS_NODE_RUNS], ["compiled-no-stacks", RUNS]] as const) {
        const samples: Sample[] = [];
        for (let run = 0; run < runs; run++) samples.push(await measure(["program", variant, String(n)]));
        out.push({ variant, ...summary(samples), runs });
        process.stderr.write(`program N=${n}: ${variant} ${fmt(out.at(-1)!.ms)} ms\n`);
    }
    return out;
}

const at = (data: ProgramEvaluation, n: number) => data.rows.find((r) => r.n === n);
const ratio = (r: ProgramRow | undefined, key: "ms" | "rss") => (r ? r.ours[key] / r.base[key] : NaN);
/** Resources per stack and per profile, from N = 10 and 100. */
const fixed = (data: ProgramEvaluation, which: "ours" | "base") => (at(data, 10) && at(data, 100) ? (at(data, 10)![which].resources * 100 - at(data, 100)![which].resources * 10) / 90 : NaN);
const marginal = (data: ProgramEvaluation, which: "ours" | "base") => (at(data, 10) && at(data, 100) ? (at(data, 100)![which].resources - at(data, 10)![which].resources) / 90 : NaN);

export const programEvaluation: Section<ProgramEvaluation> = {
    key: "program",
    title: "## 1. Program evaluation: the entry `pulumi up` runs, stack capture on",
    async measure() {
        return { rows: await programRows(), others: await otherEntries(1000) };
    },
    render(data) {
        const r1000 = at(data, 1000);
        return [
            table(
                ["N profiles", "entry ms", "baseline ms", "time ratio", "entry peak RSS MB", "baseline peak RSS MB", "RSS ratio", "entry resources", "baseline resources"],
                data.rows.map((r) => [r.n, fmt(r.ours.ms), fmt(r.base.ms), fmt(r.ours.ms / r.base.ms, 2), fmt(r.ours.rss), fmt(r.base.rss), fmt(r.ours.rss / r.base.rss, 2), r.ours.resources, r.base.resources]),
            ),
            "",
            "Other ways to run the same program at N = 1,000, for comparison (not what `pulumi up` runs):",
            "",
            table(
                ["variant", "ms", "peak RSS MB", "vs baseline", "runs"],
                data.others.map((o) => [
                    o.variant === "ts-node" ? "ts-node entry (`typescript: true`: index.ts type-checked and source-mapped), stacks on" : "compiled JS, stack capture off (the offline preview's runtime)",
                    fmt(o.ms), fmt(o.rss), r1000 ? fmt(o.ms / r1000.base.ms, 2) : "n/a", o.runs,
                ]),
            ),
            "",
            `Resources per profile: ours ${fmt(marginal(data, "ours"), 1)} (plus ${fmt(fixed(data, "ours"), 0)} per stack), baseline ${fmt(marginal(data, "base"), 1)} (plus ${fmt(fixed(data, "base"), 0)}). ` +
                "Ours: the Profile component, its role (policies inline and attachments exclusive on the role), the Profile object and the annotated ServiceAccount of its second service account (the baseline declares the same one); the stack adds the OIDC provider component and resource, the controller component, role and annotation patch, and the stack's Kubernetes provider.",
            "",
            "At N = 10 and 100 the ratio is mostly fixed start-up the baseline does not pay (the config schema library, the check",
            "that `dist/` is current). The program does not load the AWS SDK: the RolePair provider runs in Pulumi's provider host.",
            "",
        ];
    },
    targets(data) {
        const r1000 = at(data, 1000);
        const r3000 = at(data, 3000);
        const scaling = r1000 && r3000 ? r3000.ours.ms / r1000.ours.ms : NaN;
        return [
            ["entry time at N = 1,000 within 1.2x of baseline", fmt(ratio(r1000, "ms"), 2), met(ratio(r1000, "ms") <= 1.2)],
            ["entry peak RSS at N = 1,000 within 1.2x of baseline", fmt(ratio(r1000, "rss"), 2), met(ratio(r1000, "rss") <= 1.2)],
            ["entry time at N = 3,000 within 1.2x of baseline", fmt(ratio(r3000, "ms"), 2), met(ratio(r3000, "ms") <= 1.2)],
            ["entry peak RSS at N = 3,000 within 1.2x of baseline", fmt(ratio(r3000, "rss"), 2), met(ratio(r3000, "rss") <= 1.2)],
            ["no more resources per profile than the baseline", `${fmt(marginal(data, "ours"), 1)} vs ${fmt(marginal(data, "base"), 1)}`, met(marginal(data, "ours") <= marginal(data, "base"))],
            ["t(3,000) / t(1,000) at most 3.3", fmt(scaling, 2), met(scaling <= 3.3)],
        ];
    },
};
