/**
 * Section 11 of `npm run bench`: `pulumi up` of the whole program from an empty stack through the real engine and the
 * real pulumi-kubernetes plugin to a local API server, with the engine's per-step checkpoints (the default) and without
 * (`PULUMI_SKIP_CHECKPOINTS`), and in the default runs the engine's own CPU profile (`pulumi up --profiling`, read with
 * `go tool pprof`): how much of the engine's CPU goes to saving the snapshot after each step. Profiles with only a name
 * and owner; the aws side through the labelled stand-in plugin. A fresh stack per run; the cluster's objects are
 * deleted with kubectl between runs (a `pulumi destroy` with checkpoints would cost as much again).
 */
import { fmt, Section, table } from "./harness";
import { UP_MODES, UP_SIZES } from "./knobs";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../project";
import { controlPlaneBinaries } from "../tools/controlPlane";
import { kubeflowReadyCluster, stackConfig } from "./kubernetes";
import { PREVIEW_WITHOUT_CHECKPOINTS, pulumiCli, wholeProgramStack } from "../tools/engine";

export interface UpRow {
    n: number;
    resources: number;
    checkpoints: "every step" | "skipped";
    upMs: number;
    /** From the CLI's CPU profile (default runs): the engine's CPU seconds, and those under the snapshot saves. */
    engineCpuS?: number;
    saveSnapshotCpuS?: number;
}

/** A `pulumi` that adds `--profiling <prefix>` to `up` and is the real CLI otherwise (the Automation API runs `pulumi` from PATH). */
function profilingCli(cli: string, prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-profiling-cli-"));
    const wrapper = path.join(dir, "pulumi");
    fs.writeFileSync(wrapper, `#!/usr/bin/env bash\nif [ "$1" = "up" ]; then shift; exec ${JSON.stringify(cli)} up --profiling ${JSON.stringify(prefix)} "$@"; fi\nexec ${JSON.stringify(cli)} "$@"\n`, { mode: 0o755 });
    return wrapper;
}

/** The engine's CPU seconds and those under SnapshotManager.saveSnapshot, from `go tool pprof -top -cum`. */
function snapshotShare(profile: string): { engineCpuS: number; saveSnapshotCpuS: number } | undefined {
    const top = spawnSync("go", ["tool", "pprof", "-top", "-cum", "-nodecount=400", profile], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    if (top.status !== 0) return undefined;
    const total = /Total samples = ([\d.]+)(ms|s|mins)/.exec(top.stdout);
    const seconds = (value: string, unit: string) => Number(value) * (unit === "ms" ? 1e-3 : unit === "mins" ? 60 : 1);
    const save = top.stdout.split("\n").find((line) => /\(\*SnapshotManager\)\.saveSnapshot$/.test(line.trim()));
    const cum = save ? /\s([\d.]+)(ms|s|mins)\s+[\d.]+%\s+\S+$/.exec(save.trim()) : null;
    return total ? { engineCpuS: seconds(total[1], total[2]), saveSnapshotCpuS: cum ? seconds(cum[1], cum[2]) : 0 } : undefined;
}

export async function upCheckpointsBench(sizes: number[]): Promise<UpRow[] | string> {
    const cli = pulumiCli();
    const binaries = controlPlaneBinaries();
    if (!cli || !binaries) return "skipped: needs a Pulumi CLI and the control-plane binaries (scripts/install-pulumi.sh, scripts/install-kubernetes.sh)";
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "build.js")]);
    const cluster = await kubeflowReadyCluster(binaries);
    const rows: UpRow[] = [];
    try {
        for (const n of sizes) {
            for (const checkpoints of UP_MODES) {
                const config = stackConfig(n, cluster.kubeconfigPath);
                const prefix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-up-profile-")), "up");
                const cliForRun = checkpoints === "every step" ? profilingCli(cli, prefix) : cli;
                const engine = await wholeProgramStack(cliForRun, `up-bench-${n}`, { kubernetesPlugin: binaries["pulumi-resource-kubernetes"], env: checkpoints === "skipped" ? { ...PREVIEW_WITHOUT_CHECKPOINTS } : {} });
                // The stack file, not the CLI's command line: 3,000 profiles exceed the argument limit (E2BIG).
                await engine.stack.workspace.saveStackSettings(engine.stack.name, { config });
                const started = Date.now();
                const result = await engine.stack.up({ color: "never" });
                const upMs = Date.now() - started;
                const resources = Object.values(result.summary.resourceChanges ?? {}).reduce((a, b) => a + (b ?? 0), 0);
                const profile = fs.readdirSync(path.dirname(prefix)).find((f) => f.endsWith(".cpu"));
                const share = profile ? snapshotShare(path.join(path.dirname(prefix), profile)) : undefined;
                rows.push({ n, resources, checkpoints, upMs, ...(share ?? {}) });
                process.stderr.write(`up N=${n} checkpoints ${checkpoints}: ${resources} resources, ${upMs} ms${share ? `, engine CPU ${share.engineCpuS.toFixed(1)} s, saveSnapshot ${share.saveSnapshotCpuS.toFixed(1)} s` : ""}\n`);
                await engine.dispose();
                cluster.kubectl(["delete", "profiles.kubeflow.org", "--all", "--wait=true"]);
            }
        }
    } finally {
        await cluster.stop();
    }
    return rows;
}

export const upCheckpoints: Section<UpRow[] | string> = {
    key: "up-checkpoints",
    title: "## 11. `pulumi up` at scale, with and without per-step checkpoints",
    measure: () => upCheckpointsBench(UP_SIZES),
    render(rows) {
        if (typeof rows === "string") return [rows, ""];
        return [
            "The whole program (`dist/index.js`) from an empty stack through the real engine and the real pulumi-kubernetes plugin to a local API server, profiles with only a name and owner, the aws side through the labelled stand-in; the local file backend. Each size once with the engine's checkpoint after every step (the default), and once with `PULUMI_SKIP_CHECKPOINTS`. The default runs carry the CLI's CPU profile (`pulumi up --profiling`): the engine's CPU seconds, and those spent under `SnapshotManager.saveSnapshot` (serializing, verifying and writing the whole snapshot after each step). One run each.",
            "",
            table(
                ["N profiles", "resources", "checkpoints", "pulumi up ms", "engine CPU s", "in saveSnapshot s", "share"],
                rows.map((r) => [r.n, r.resources, r.checkpoints, fmt(r.upMs), r.engineCpuS === undefined ? "" : fmt(r.engineCpuS, 1), r.saveSnapshotCpuS === undefined ? "" : fmt(r.saveSnapshotCpuS, 1), r.engineCpuS ? `${Math.round((100 * (r.saveSnapshotCpuS ?? 0)) / r.engineCpuS)} %` : ""]),
            ),
            "",
        ];
    },
};
