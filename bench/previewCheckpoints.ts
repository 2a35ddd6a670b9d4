/**
 * Section 10: the real `pulumi preview` of the whole program (the engine, the real kubernetes plugin against a local API
 * server, the aws side through the labelled stand-in) at N profiles of only a name and owner, with the engine's default
 * per-step checkpoints and without them (tools/engine.ts PREVIEW_WITHOUT_CHECKPOINTS), each the second preview of a
 * fresh stack so the plugins' caches are warm as in CI. One run each, the two alternating.
 */
import { EngineStack, previewStack } from "../tools/engine";
import { fmt, met, Section, table } from "./harness";
import { PREVIEW_SIZES } from "./knobs";
import { eachWholeProgramStack } from "./wholeProgram";

export interface PreviewCheckpointRow {
    n: number;
    resources: number;
    defaultMs: number;
    withoutCheckpointsMs: number;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
    const started = Date.now();
    await run();
    return Date.now() - started;
}

async function measureOne(engine: EngineStack, n: number): Promise<PreviewCheckpointRow> {
    const quiet = { color: "never" as const };
    const first = await previewStack(engine.stack, quiet); // warms the plugins
    const defaultMs = await timed(() => engine.stack.preview(quiet));
    const withoutCheckpointsMs = await timed(() => previewStack(engine.stack, quiet));
    const resources = Object.values(first.changeSummary).reduce((a, b) => a + (b ?? 0), 0);
    process.stderr.write(`preview N=${n} (${resources} resources): default ${defaultMs} ms, without checkpoints ${withoutCheckpointsMs} ms\n`);
    return { n, resources, defaultMs, withoutCheckpointsMs };
}

const at = (rows: PreviewCheckpointRow[], n: number) => rows.find((r) => r.n === n);

export const previewCheckpoints: Section<PreviewCheckpointRow[] | string> = {
    key: "preview-checkpoints",
    title: "## 10. `pulumi preview` through the real engine, with and without per-step checkpoints",
    measure: () => eachWholeProgramStack("preview-bench", PREVIEW_SIZES, measureOne),
    render(rows) {
        if (typeof rows === "string") return [rows, ""];
        const growth = (key: "defaultMs" | "withoutCheckpointsMs", from: number, to: number) => {
            const a = at(rows, from);
            const b = at(rows, to);
            return a && b ? `${fmt(b[key] / a[key], 1)}x` : "n/a";
        };
        return [
            table(
                ["N profiles", "resources", "preview ms (default)", "preview ms (PULUMI_SKIP_CHECKPOINTS)", "default / without"],
                rows.map((r) => [r.n, r.resources, fmt(r.defaultMs), fmt(r.withoutCheckpointsMs), fmt(r.defaultMs / r.withoutCheckpointsMs, 1)]),
            ),
            "",
            `From 250 to 1,000 profiles (4x the stack) the default preview grows ${growth("defaultMs", 250, 1000)} and the one without per-step checkpoints ${growth("withoutCheckpointsMs", 250, 1000)}` +
                (at(rows, 3000) ? `; from 1,000 to 3,000 (3x), ${growth("defaultMs", 1000, 3000)} and ${growth("withoutCheckpointsMs", 1000, 3000)}. ` : ". ") +
                "The default saves (serializes and verifies) the whole snapshot after every step, so its cost grows with the square of the stack; without the saves what remains is the engine's and the plugins' per-resource work and the program itself.",
            "",
        ];
    },
    targets(rows) {
        const r250 = typeof rows === "string" ? undefined : at(rows, 250);
        const r1000 = typeof rows === "string" ? undefined : at(rows, 1000);
        const ratio = r250 && r1000 ? r1000.withoutCheckpointsMs / r250.withoutCheckpointsMs : NaN;
        return [["real preview without checkpoints: t(1,000) / t(250) at most 4.6", r250 && r1000 ? fmt(ratio, 2) : "skipped", r250 && r1000 ? met(ratio <= 4.6) : "skipped"]];
    },
};
