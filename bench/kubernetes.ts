/**
 * Section 8 of `npm run bench`: the program's Kubernetes objects through the real engine and the real pulumi-kubernetes
 * plugin to a local API server (tools/controlPlane.ts), against `kubectl apply --server-side` of the offline preview's
 * `k8s/` manifests for the same objects: the manual procedure's own tool. Profiles list only `default-editor`, so no
 * Profile waits for a controller (none runs here): both sides write the same N Profiles and the controller's
 * service-account patch. The aws side goes through the labelled stand-in plugin (test/e2e/fixtures/aws-plugin), whose
 * resources answer at once.
 */
import { fmt, Section, table } from "./harness";
import { KUBERNETES_SIZES } from "./knobs";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { runPreview } from "../preview/preview";
import { PROJECT_ROOT } from "../project";
import { ControlPlane, ControlPlaneBinaries, controlPlaneBinaries, startControlPlane } from "../tools/controlPlane";
import { configMap, pulumiCli, wholeProgramStack } from "../tools/engine";
import { BENCH_ROLES_QUOTA } from "./fixtures";

export interface KubernetesRow {
    n: number;
    objects: number;
    pulumiUpMs: number;
    kubectlMs: number;
}

/** The engine's parallelism: the CLI's default (`--parallel` unset), as `pulumi up` runs. */
export const ENGINE_PARALLELISM = "the CLI's default (unbounded: one step per ready resource)";

/** N profiles of a name and owner, on the local cluster of `kubeconfig`: the stack of this section and section 11. */
export function stackConfig(n: number, kubeconfig: string): Record<string, unknown> {
    const profiles = Array.from({ length: n }, (_, i) => ({ name: `bench-${String(i).padStart(5, "0")}`, owner: `bench-${i}@example.com` }));
    return { "aws:region": "us-east-1", "kubeflow-irsa:clusterName": "kf-bench", "kubeflow-irsa:cluster": { kubeconfig, context: "local" }, "kubeflow-irsa:iamRolesQuota": BENCH_ROLES_QUOTA, "kubeflow-irsa:profiles": profiles };
}

/**
 * A local control plane as Kubeflow leaves it for this package: the Profile CRD, and the controller's namespace and
 * service account (the program annotates it). Stopped by the caller.
 */
export async function kubeflowReadyCluster(binaries: ControlPlaneBinaries): Promise<ControlPlane> {
    const cluster = await startControlPlane(binaries);
    try {
        cluster.installCrd(path.join(PROJECT_ROOT, "test", "fixtures", "kubeflow-profile-crd.yaml"));
        cluster.kubectl(["create", "namespace", "kubeflow"]);
        cluster.kubectl(["create", "serviceaccount", "profiles-controller-service-account", "-n", "kubeflow"]);
    } catch (err) {
        await cluster.stop();
        throw err;
    }
    return cluster;
}

export async function kubernetesBench(sizes: number[]): Promise<KubernetesRow[] | string> {
    const cli = pulumiCli();
    const binaries = controlPlaneBinaries();
    if (!cli || !binaries) return "skipped: needs a Pulumi CLI and the control-plane binaries (scripts/install-pulumi.sh, scripts/install-kubernetes.sh)";
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "build.js")]);
    const cluster = await kubeflowReadyCluster(binaries);
    const rows: KubernetesRow[] = [];
    try {
        for (const n of sizes) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-k8s-bench-"));
            const config = stackConfig(n, cluster.kubeconfigPath);
            fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), stringify({ config }));
            const preview = await runPreview({ stack: "bench", stacksDir: dir, outDir: path.join(dir, "out"), log: () => undefined });
            const manifests = path.join(preview.outDir, "k8s");
            const objects = fs.readdirSync(manifests).length;

            let started = Date.now();
            const applied = spawnSync(binaries.kubectl, [`--kubeconfig=${cluster.kubeconfigPath}`, "apply", "--server-side", "--field-manager=kubeflow-irsa", "-f", manifests], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
            const kubectlMs = Date.now() - started;
            if (applied.status !== 0) throw new Error(`kubectl apply failed: ${applied.stderr}`);
            // A fresh set for the engine: the same names, removed again.
            cluster.kubectl(["delete", "profiles.kubeflow.org", "--all", "--wait=true"]);

            const engine = await wholeProgramStack(cli, `k8s-bench-${n}`, { kubernetesPlugin: binaries["pulumi-resource-kubernetes"] });
            await engine.stack.setAllConfig(configMap(config));
            started = Date.now();
            await engine.stack.up({ color: "never" });
            const pulumiUpMs = Date.now() - started;
            await engine.stack.destroy({ color: "never" });
            await engine.dispose();
            rows.push({ n, objects, pulumiUpMs, kubectlMs });
            process.stderr.write(`kubernetes N=${n}: ${objects} objects, pulumi up ${pulumiUpMs} ms, kubectl apply ${kubectlMs} ms\n`);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    } finally {
        await cluster.stop();
    }
    return rows;
}

export const kubernetesObjects: Section<KubernetesRow[] | string> = {
    key: "kubernetes",
    title: "## 8. Kubernetes objects: `pulumi up` through the real plugin vs `kubectl apply --server-side`",
    measure: () => kubernetesBench(KUBERNETES_SIZES),
    render(rows) {
        if (typeof rows === "string") return [rows, ""];
        return [
            `The whole program (\`dist/index.js\`) through the real engine and the real pulumi-kubernetes plugin to a local API server (tools/controlPlane.ts), against \`kubectl apply --server-side -f out/<stack>/k8s/\` of the offline preview's manifests for the same objects, each on a fresh set. N profiles with only \`default-editor\` (no controller runs, so no Profile waits); the aws side through the labelled stand-in plugin. One run each. Engine parallelism: ${ENGINE_PARALLELISM}.`,
            "",
            table(["N profiles", "objects", "pulumi up ms", "kubectl apply ms", "ratio"], rows.map((r) => [r.n, r.objects, fmt(r.pulumiUpMs), fmt(r.kubectlMs), fmt(r.pulumiUpMs / r.kubectlMs, 2)])),
            "",
        ];
    },
};
