/**
 * A local Kubernetes control plane for the e2e tests (the envtest idea): etcd, kube-apiserver and
 * kube-controller-manager (garbage collector, namespace and service-account controllers only: pulumi-kubernetes
 * deletes with Foreground propagation, which waits on the garbage collector), from scripts/install-kubernetes.sh.
 *
 * Everything listens on 127.0.0.1 on free ports, in a temporary directory with generated keys; the processes are
 * stopped by PID, also when the test process exits early. No kubelet, no scheduler: nothing ever runs a pod.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { killOnExit } from "./children";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { PROJECT_ROOT } from "../project";

export interface ControlPlaneBinaries {
    etcd: string;
    "kube-apiserver": string;
    "kube-controller-manager": string;
    kubectl: string;
    "pulumi-resource-kubernetes": string;
}

/** The installed binaries, or undefined when scripts/install-kubernetes.sh has not built them. */
export function controlPlaneBinaries(): ControlPlaneBinaries | undefined {
    const found = spawnSync("bash", [path.join(PROJECT_ROOT, "scripts", "install-kubernetes.sh"), "--no-build"], { encoding: "utf8" });
    if (found.status !== 0) return undefined;
    return Object.fromEntries(found.stdout.trim().split("\n").map((line) => line.split("=") as [string, string])) as unknown as ControlPlaneBinaries;
}

export interface ControlPlane {
    /** `https://127.0.0.1:<port>` */
    server: string;
    /** A kubeconfig file for a `system:masters` user. */
    kubeconfigPath: string;
    binaries: ControlPlaneBinaries;
    /** Runs kubectl against this cluster. */
    kubectl(args: string[], input?: string): { status: number | null; stdout: string; stderr: string };
    /** Applies a CustomResourceDefinition file and waits until it is established; throws with kubectl's words if not. */
    installCrd(file: string): void;
    stop(): Promise<void>;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** GET `url` with the token; resolves with the status code (0 when nothing answers). Self-signed: not verified. */
function get(url: string, token: string): Promise<number> {
    return new Promise((resolve) => {
        const req = https.get(url, { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on("error", () => resolve(0));
        req.on("timeout", () => req.destroy());
    });
}

async function waitFor(what: string, ready: () => Promise<boolean>, processes: ChildProcess[], logs: string[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await ready()) return;
        const exited = processes.find((p) => p.exitCode !== null);
        if (exited) break;
        await new Promise((r) => setTimeout(r, 200));
    }
    const tail = logs.map((file) => `--- ${path.basename(file)}\n${fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").slice(-15).join("\n") : ""}`).join("\n");
    throw new Error(`the local control plane did not get ready (${what}) within ${timeoutMs / 1000} s\n${tail}`);
}

/** Starts etcd, kube-apiserver and kube-controller-manager; resolves once `/readyz` answers 200. */
export async function startControlPlane(binaries: ControlPlaneBinaries): Promise<ControlPlane> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeflow-irsa-cluster-"));
    const [etcdClient, etcdPeer, apiPort, kcmPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const token = `e2e-${Date.now().toString(36)}`;
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const file = (name: string, text: string) => {
        const at = path.join(dir, name);
        fs.writeFileSync(at, text, { mode: 0o600 });
        return at;
    };
    const saKey = file("sa.key", privateKey);
    const saPub = file("sa.pub", publicKey);
    const tokens = file("tokens.csv", `${token},kubeflow-irsa-e2e,kubeflow-irsa-e2e,system:masters\n`);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = file(
        "kubeconfig",
        stringify({
            apiVersion: "v1",
            kind: "Config",
            // The serving certificate is self-signed for this run; the cluster is on loopback only.
            clusters: [{ name: "local", cluster: { server, "insecure-skip-tls-verify": true } }],
            users: [{ name: "admin", user: { token } }],
            contexts: [{ name: "local", context: { cluster: "local", user: "admin" } }],
            "current-context": "local",
        }),
    );

    const processes: ChildProcess[] = [];
    const logs: string[] = [];
    const start = (name: keyof ControlPlaneBinaries, args: string[]) => {
        const log = path.join(dir, `${name}.log`);
        logs.push(log);
        const out = fs.openSync(log, "a");
        const child = spawn(binaries[name], args, { stdio: ["ignore", out, out] });
        fs.closeSync(out);
        processes.push(child);
        return child;
    };
    const killAll = () => processes.forEach((p) => p.exitCode === null && p.kill("SIGKILL"));
    const unwatch = killOnExit(() => processes);

    try {
        start("etcd", [
            "--name=default", `--data-dir=${path.join(dir, "etcd")}`,
            `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
            `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
            `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`, "--unsafe-no-fsync", "--log-level=warn",
        ]);
        start("kube-apiserver", [
            `--etcd-servers=http://127.0.0.1:${etcdClient}`, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
            `--cert-dir=${path.join(dir, "certs")}`, `--token-auth-file=${tokens}`, "--authorization-mode=RBAC",
            `--service-account-key-file=${saPub}`, `--service-account-signing-key-file=${saKey}`, "--service-account-issuer=https://kubernetes.default.svc",
            // Configuration only: no Service IP is ever used, and no endpoints are reconciled (nothing runs pods).
            "--service-cluster-ip-range=10.0.0.0/24", "--endpoint-reconciler-type=none",
        ]);
        await waitFor("kube-apiserver /readyz", async () => (await get(`${server}/readyz`, token)) === 200, processes, logs);
        start("kube-controller-manager", [
            `--kubeconfig=${kubeconfigPath}`, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
            "--controllers=garbagecollector,namespace,serviceaccount", "--authentication-skip-lookup", "--leader-elect=false",
            "--bind-address=127.0.0.1", `--secure-port=${kcmPort}`, `--service-account-private-key-file=${saKey}`,
        ]);
        await waitFor("kube-controller-manager /healthz", async () => (await get(`https://127.0.0.1:${kcmPort}/healthz`, token)) === 200, processes, logs);
    } catch (err) {
        killAll();
        unwatch();
        throw err;
    }

    const kubectl = (args: string[], input?: string) => {
        const r = spawnSync(binaries.kubectl, [`--kubeconfig=${kubeconfigPath}`, ...args], { encoding: "utf8", input });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const installCrd = (crdFile: string) => {
        const name = (parse(fs.readFileSync(crdFile, "utf8")) as { metadata: { name: string } }).metadata.name;
        for (const args of [["apply", "--server-side", "-f", crdFile], ["wait", "--for=condition=Established", `crd/${name}`, "--timeout=60s"]]) {
            const r = kubectl(args);
            if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr.trim()}`);
        }
    };
    const stop = async () => {
        unwatch();
        for (const p of [...processes].reverse()) {
            if (p.exitCode !== null) continue;
            const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
            p.kill("SIGTERM");
            const timer = setTimeout(() => p.kill("SIGKILL"), 5000);
            await exited;
            clearTimeout(timer);
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };
    return { server, kubeconfigPath, binaries, kubectl, installCrd, stop };
}
