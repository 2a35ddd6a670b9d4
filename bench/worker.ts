/**
 * One benchmark measurement in a fresh process (so peak RSS and module caches belong to it alone). Prints one JSON
 * line: { ms, maxRssMb, resources }.
 *   node dist/bench/worker.js program <entry|baseline|ts-node|compiled-no-stacks> <N>
 *   node dist/bench/worker.js preview <N>
 *   node dist/bench/worker.js program-config <config.json>   the entry, stack capture on, on a given flat config
 *
 * Program variants, all under Pulumi's mock runtime:
 *   entry              scripts/pulumi-entry.js, what `pulumi up` runs (package.json main), stack capture on as in
 *                      the real runtime
 *   baseline           bench/baseline (compiled), stack capture on
 *   ts-node            index.ts through ts-node registered as Pulumi's Node host does with `typescript: true`
 *                      (type-checking, source maps), stack capture on
 *   compiled-no-stacks dist/index.js with stack capture off: what the offline preview runs
 */
// The preview is measured as its entry (preview/cli.ts) runs it: TypeScript deferred, before @pulumi/pulumi loads.
if (process.argv[2] === "preview") require("../offline/deferTypescript").deferTypescriptLoad();
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { runProgram } from "../offline/runtime";
import { PROJECT_ROOT } from "../project";
import { generatedStackConfig } from "./fixtures";

function flat(raw: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`kubeflow-irsa:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

async function main(): Promise<void> {
    const [mode, a, b] = process.argv.slice(2);
    const started = process.hrtime.bigint();
    let resources: number;
    let phases: Record<string, number> | undefined;
    if (mode === "program") {
        const n = Number(b);
        let programPath: string | undefined;
        if (a === "entry") programPath = path.join(PROJECT_ROOT, "scripts", "pulumi-entry.js");
        else if (a === "baseline") programPath = path.join(__dirname, "baseline");
        else if (a === "ts-node") {
            // As @pulumi/pulumi's cmd/run does for `typescript: true` without noCheck in tsconfig.json.
            require("ts-node").register({ project: path.join(PROJECT_ROOT, "tsconfig.json"), transpileOnly: false, compilerOptions: { target: "ES2020", module: "commonjs", moduleResolution: "node", sourceMap: true } });
            programPath = path.join(PROJECT_ROOT, "index.ts");
        } else if (a !== "compiled-no-stacks") throw new Error(`unknown program ${a}`);
        const run = await runProgram({ config: flat(generatedStackConfig(n)), stack: "bench", programPath, captureStacks: a !== "compiled-no-stacks" });
        resources = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").length;
    } else if (mode === "program-config") {
        const config = JSON.parse(fs.readFileSync(a, "utf8")) as Record<string, string>;
        const run = await runProgram({ config, stack: "bench", programPath: path.join(PROJECT_ROOT, "scripts", "pulumi-entry.js"), captureStacks: true });
        resources = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").length;
    } else if (mode === "preview") {
        const n = Number(a);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-bench-"));
        const config = Object.fromEntries(Object.entries(generatedStackConfig(n)).map(([k, v]) => [`kubeflow-irsa:${k}`, v]));
        fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), stringify({ config }));
        // Loaded here only: the program measurements should not pay for the preview's modules.
        const { runPreview } = await import("../preview/preview");
        const result = await runPreview({ stack: "bench", stacksDir: dir, outDir: path.join(dir, "out"), log: () => undefined });
        resources = result.plan.resources.length;
        phases = result.timingsMs;
        fs.rmSync(dir, { recursive: true, force: true });
    } else {
        throw new Error(`unknown mode ${mode}`);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, resources, ...(phases ? { phases } : {}) })}\n`);
}

main().then(() => process.exit(0), (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
});
