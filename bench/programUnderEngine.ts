/**
 * Section 12 of `npm run bench`: the program's own cost under the real engine against the mock runtime, on the same
 * stack (N profiles of a name and owner, the OIDC provider adopted). Under the engine: the CPU of this process during
 * `pulumi preview` (PULUMI_SKIP_CHECKPOINTS, as every preview the project runs), where the Automation API serves the
 * inline program, so the program, the SDK's runtime and its gRPC are all here and the engine and plugins are not; a
 * V8 CPU profile of that preview summed by package says where it goes. Under the mock runtime: the entry `pulumi up`
 * runs (scripts/pulumi-entry.js) in a fresh process with stack capture on, its whole CPU.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as inspector from "inspector";
import * as os from "os";
import * as path from "path";
import { fmt, met, Section, table } from "./harness";
import { CPU_PROFILE_DIR, NODE_FLAGS, PROGRAM_ENGINE_SIZES } from "./knobs";
import { benchStackConfig, eachWholeProgramStack } from "./wholeProgram";
import { previewStack } from "../tools/engine";

export interface ProgramUnderEngineRow {
    n: number;
    mockCpuMs: number;
    engineCpuMs: number;
    previewMs: number;
    /** Self time by package in the engine run's CPU profile, largest first (ms). */
    byPackage: Array<[string, number]>;
}

/** A flat config map (`kubeflow-irsa:profiles` -> JSON text), as the engine hands config to a program. */
function flatConfig(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** Where a profile node's code lives: a package of node_modules, the project's own code, or Node and V8 themselves. */
function packageOf(url: string, functionName: string): string {
    if (!url) return functionName.startsWith("(") ? functionName : "(native)";
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)(\/[^/]+)?/.exec(url);
    if (nm) return nm[1] === "@pulumi/pulumi" ? `@pulumi/pulumi${nm[2] ?? ""}` : nm[1];
    if (url.startsWith("node:")) return "node internals";
    return url.includes("/dist/") ? "this package (dist/)" : "other";
}

function summarize(profile: inspector.Profiler.Profile): Array<[string, number]> {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const selfMs = new Map<number, number>();
    const deltas = profile.timeDeltas ?? [];
    (profile.samples ?? []).forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (deltas[i] ?? 0) / 1000));
    const out = new Map<string, number>();
    for (const [id, ms] of selfMs) {
        const node = byId.get(id)!;
        const key = packageOf(node.callFrame.url, node.callFrame.functionName);
        if (key === "(idle)" || key === "(program)") continue;
        out.set(key, (out.get(key) ?? 0) + ms);
    }
    return [...out].sort((a, b) => b[1] - a[1]);
}

function post<T>(session: inspector.Session, method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

export async function programUnderEngineBench(sizes: number[]): Promise<ProgramUnderEngineRow[] | string> {
    return eachWholeProgramStack("program-engine", sizes, async (engine, n) => {
        // The mock runtime on the same stack, in a fresh process.
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-program-engine-")), "config.json");
        fs.writeFileSync(file, JSON.stringify(flatConfig(benchStackConfig(n, false))));
        const mock = spawnSync(process.execPath, [...NODE_FLAGS, path.join(__dirname, "worker.js"), "program-config", file], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
        if (mock.status !== 0) throw new Error(`mock run failed: ${mock.stderr}`);
        const mockCpuMs = (JSON.parse(mock.stdout.trim().split("\n").pop()!) as { cpuMs: number }).cpuMs;

        // A first preview loads every module and plugin; the second is measured.
        await previewStack(engine.stack, { color: "never" });
        const session = new inspector.Session();
        session.connect();
        await post(session, "Profiler.enable");
        await post(session, "Profiler.start");
        const cpu = process.cpuUsage();
        const started = Date.now();
        await previewStack(engine.stack, { color: "never" });
        const previewMs = Date.now() - started;
        const used = process.cpuUsage(cpu);
        const { profile } = await post<{ profile: inspector.Profiler.Profile }>(session, "Profiler.stop");
        session.disconnect();
        if (CPU_PROFILE_DIR) fs.writeFileSync(path.join(CPU_PROFILE_DIR, `program-under-engine-${n}.cpuprofile`), JSON.stringify(profile));
        const row = { n, mockCpuMs, engineCpuMs: (used.user + used.system) / 1000, previewMs, byPackage: summarize(profile) };
        process.stderr.write(`program under the engine N=${n}: ${row.engineCpuMs.toFixed(0)} ms CPU in a ${previewMs} ms preview; mock runtime ${mockCpuMs.toFixed(0)} ms; ${row.byPackage.slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}\n`);
        return row;
    });
}

export const programUnderEngine: Section<ProgramUnderEngineRow[] | string> = {
    key: "program-engine",
    title: "## 12. The program's own cost under the engine, against the mock runtime",
    measure: () => programUnderEngineBench(PROGRAM_ENGINE_SIZES),
    render(rows) {
        if (typeof rows === "string") return [rows, ""];
        return [
            "The same stack both ways: N profiles of a name and owner, the OIDC provider adopted. Under the engine: this process's CPU during the second of two `pulumi preview`s of the whole program (PULUMI_SKIP_CHECKPOINTS; the Automation API serves the inline program here, so the program, the SDK's runtime and its gRPC count, the engine and the plugins do not). Under the mock runtime: the entry `pulumi up` runs (`scripts/pulumi-entry.js`), stack capture on, a fresh process's whole CPU. One run each.",
            "",
            table(["N profiles", "mock runtime CPU ms", "under the engine CPU ms", "ratio", "preview wall ms"], rows.map((r) => [r.n, fmt(r.mockCpuMs), fmt(r.engineCpuMs), fmt(r.engineCpuMs / r.mockCpuMs, 2), fmt(r.previewMs)])),
            "",
            "Where the CPU under the engine goes (self time of the V8 profile of the measured preview, by package):",
            "",
            ...rows.flatMap((r) => [table(["package", `ms at N = ${r.n}`, "share"], r.byPackage.slice(0, 12).map(([k, v]) => [k, fmt(v), `${Math.round((100 * v) / r.byPackage.reduce((a, [, x]) => a + x, 0))} %`])), ""]),
        ];
    },
    targets(rows) {
        const r = typeof rows === "string" ? undefined : rows.find((x) => x.n === 1000);
        const ratio = r ? r.engineCpuMs / r.mockCpuMs : NaN;
        return [["the program under the engine at N = 1,000 at most 1.5x its CPU under the mock runtime (section 12)", r ? fmt(ratio, 2) : "skipped", r ? met(ratio <= 1.5) : "skipped"]];
    },
};
