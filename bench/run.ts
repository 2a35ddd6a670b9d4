/**
 * `npm run bench`: the harness. Measures every section (one file each, in the order of BENCHMARKS.md), writes
 * BENCHMARKS.md and prints it; `BENCH_ONLY=<key>` measures one section alone and puts it in place in the file.
 * The knobs are in knobs.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../project";
import { commit, fmt, machine, Section, table } from "./harness";
import { NODE_FLAGS, ONLY, RUNS } from "./knobs";
import { programEvaluation } from "./programEvaluation";
import { offlinePreview } from "./offlinePreview";
import { providerCalls } from "./providerCalls";
import { engineRolePairs } from "./engineRolePairs";
import { trustWrites } from "./trustWrites";
import { trustCapacity } from "./trustCapacity";
import { nodeReleases } from "./nodeReleases";
import { kubernetesObjects } from "./kubernetes";
import { policyPack } from "./policyPack";
import { previewCheckpoints } from "./previewCheckpoints";
import { upCheckpoints } from "./upCheckpoints";
import { programUnderEngine } from "./programUnderEngine";

const SECTIONS: Array<Section<any>> = [programEvaluation, offlinePreview, providerCalls, engineRolePairs, trustWrites, trustCapacity, nodeReleases, kubernetesObjects, policyPack, previewCheckpoints, upCheckpoints, programUnderEngine];
const FILE = path.join(PROJECT_ROOT, "BENCHMARKS.md");

function intro(): string[] {
    const lines: string[] = [];
    lines.push("# Benchmarks", "", `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench\` on: ${machine()}.`, "");
    lines.push("## How to reproduce", "", "```sh", "npm ci", "bash scripts/install-moto.sh     # optional: the provider, engine and drill parts are skipped without moto", "bash scripts/install-pulumi.sh   # optional: the real-engine part is skipped without a Pulumi CLI", "npm run bench                     # every section; the knobs (BENCH_RUNS, BENCH_SIZES, ...) are in bench/knobs.ts", "BENCH_ONLY=kubernetes npm run bench   # one section alone: program, preview, provider, engine, drill, capacity,", "                                      # node-releases, kubernetes, policy-pack, preview-checkpoints", "```", "");
    lines.push(
        "## Method",
        "",
        "- One fresh Node process per measurement, so peak RSS (`process.resourceUsage().maxRSS`) and module caches belong to",
        `  that run alone, with the V8 flag \`${NODE_FLAGS.join(" ")}\` for every program.`,
        "- **Program evaluation** is measured on the entry `pulumi up` runs: `scripts/pulumi-entry.js` (package.json `main`,",
        "  `typescript: false` in Pulumi.yaml), which brings `dist/` up to date with the sources and loads the compiled `index.js`.",
        "  It runs under Pulumi's mock runtime (`offline/runtime.ts`) with N generated profiles (2 service accounts, 1 bucket prefix,",
        "  1 managed policy each) and **with JavaScript stack capture on**, as in the CLI's Node host, where Pulumi records a stack",
        "  per resource. Timed from before the program is loaded until every registration has been answered. **Baseline**",
        "  (`bench/baseline.ts`, compiled): the same config declared with the SDKs directly, per profile one `aws.iam.Role` with",
        "  an inline policy, one `RolePolicyAttachment`, one Profile `CustomResource`, under the same runtime, stacks on.",
        `  Median of ${RUNS} runs each, alternating entry/baseline.`,
        "- **Offline preview**: `runPreview` end to end (config file, program, analysis, writing every file), wall time from process",
        "  spawn to exit. It runs compiled JS with stack capture off.",
        "- **Provider**: `RolePairProvider` methods against moto, AWS calls counted by an SDK middleware (`observe` option),",
        "  cross-account through STS AssumeRole into a deploy role.",
        "- **Real engine**: the Pulumi CLI through the Automation API with an inline program of N `RolePair`s, local file backend,",
        "  against moto; AWS calls counted by the loopback proxy of the fault drills (no faults injected).",
        "- **Trust-write drill**: the integration tests' fault drill (`tools/trustDrill.ts`): 20 subject updates through the fault",
        "  proxy (20% throttling on every action, 5% of trust writes answered by a dropped connection after they took effect,",
        "  0-15 ms latency) while a runtime writer adds and removes its own entries in the same statement.",
        "",
    );

    return lines;
}

async function all(): Promise<void> {
    const started = Date.now();
    const lines = intro();
    const targets: string[][] = [];
    for (const section of SECTIONS) {
        const data = await section.measure();
        lines.push(section.title, "", ...section.render(data));
        targets.push(...(section.targets?.(data) ?? []));
    }
    lines.push("## Targets", "", table(["target", "measured", "status"], targets), "", `Total benchmark time: ${fmt((Date.now() - started) / 1000)} s.`);
    const text = `${lines.join("\n")}\n`;
    fs.writeFileSync(FILE, text);
    process.stdout.write(text);
}

/** One section measured alone, put in place in BENCHMARKS.md with the command and commit; the rest unchanged. */
async function only(key: string): Promise<void> {
    const section = SECTIONS.find((s) => s.key === key);
    if (!section) throw new Error(`BENCH_ONLY=${key}: no such section; the sections are ${SECTIONS.map((s) => s.key).join(", ")}`);
    const text = fs.readFileSync(FILE, "utf8");
    const stamp = `Measured ${new Date().toISOString().slice(0, 10)} (\`BENCH_ONLY=${key} npm run bench\`) at commit ${commit()}.`;
    const block = [section.title, "", stamp, "", ...section.render(await section.measure())].join("\n");
    const start = text.indexOf(section.title);
    const next = text.indexOf("\n## ", start + 1);
    const end = start >= 0 && next >= 0 ? next + 1 : text.indexOf("## Targets");
    fs.writeFileSync(FILE, start >= 0 ? `${text.slice(0, start)}${block}\n${text.slice(end)}` : `${text.slice(0, end)}${block}\n${text.slice(end)}`);
    process.stdout.write(`${block}\n`);
}

(ONLY ? only(ONLY) : all()).catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
});
