/**
 * One benchmark measurement in a fresh process (so peak RSS and module caches belong to it alone). Prints one JSON
 * line: { ms, maxRssMb, resources }.
 *   node dist/bench/worker.js program <ours|baseline> <N>
 *   node dist/bench/worker.js preview <N>
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { runProgram } from "../preview/runtime";
import { generatedStackConfig } from "./fixtures";

function flat(raw: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`kubeflow-irsa:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

async function main(): Promise<void> {
    const [mode, a, b] = process.argv.slice(2);
    const started = process.hrtime.bigint();
    let resources: number;
    if (mode === "program") {
        const n = Number(b);
        const programPath = a === "baseline" ? path.join(__dirname, "baseline") : undefined;
        const run = await runProgram({ config: flat(generatedStackConfig(n)), stack: "bench", programPath });
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
        fs.rmSync(dir, { recursive: true, force: true });
    } else {
        throw new Error(`unknown mode ${mode}`);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(`${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, resources })}\n`);
}

main().then(() => process.exit(0), (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
});
