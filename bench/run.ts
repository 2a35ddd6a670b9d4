/**
 * `npm run bench`: measures program evaluation against a baseline, the offline preview, the role-pair provider's
 * AWS calls against moto, and trust-policy capacity; prints a table and writes BENCHMARKS.md.
 *
 * Environment: BENCH_RUNS (default 5) runs per measurement; BENCH_SIZES (default 10,100,1000,3000).
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CreateOpenIDConnectProviderCommand, CreatePolicyCommand, CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { policyLength } from "../iam/document";
import { serviceAccountSubject } from "../iam/identity";
import { webIdentityTrustPolicy } from "../components/trustDocuments";
import { RolePairInputs, RolePairOutputs } from "../components/rolePair/inputs";
import { RolePairProvider } from "../components/rolePair/provider";
import { rolePairDocuments } from "../components/rolePair/documents";
import { PROJECT_ROOT } from "../project";
import { motoInstalled, resetEmulator, startEmulator } from "../tools/emulator";
import { percentile } from "../tools/trustDrill";
import { engineBench, windowBench } from "./rolePairs";
import { kubernetesBench, KubernetesRow, ENGINE_PARALLELISM } from "./kubernetes";
import { policyPreviewBench, PolicyPreviewRow, policyRulesBench, PolicyRulesRow } from "./policyPack";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? "10,100,1000,3000").split(",").map(Number);
const WORKER = path.join(__dirname, "worker.js");
/** ts-node type-checks the program on every run: slow, so fewer runs of it. */
const TS_NODE_RUNS = Number(process.env.BENCH_TS_NODE_RUNS ?? 2);
/** Role pairs in the real-engine run, and the seeds and updates of the trust-write drill. */
const ENGINE_PAIRS = Number(process.env.BENCH_ENGINE_PAIRS ?? 50);
const DRILL_SEEDS = [11, 23, 37];
const DRILL_UPDATES = 20;
/**
 * The V8 flag `npm start` runs the preview with (package.json): a larger young generation means fewer scavenges
 * while thousands of resources are declared (about 13% at N = 3,000 in one A/B run each). Both programs get it.
 */
const NODE_FLAGS = ["--max-semi-space-size=64"];
/** The Node releases compared side by side (scripts/install-node.sh installs each): the maintenance LTS and the Active LTS. */
const NODE_RELEASES = (process.env.BENCH_NODE_RELEASES ?? "22.23.5,26.12.1").split(",").filter(Boolean);

interface Sample {
    ms: number;
    maxRssMb: number;
    resources: number;
    wallMs: number;
    /** The preview's phases (config, program, analysis, write), ms. */
    phases?: Record<string, number>;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One measurement in a fresh Node process (this one's release, or `node`); wallMs includes Node's own start-up. */
function measure(args: string[], node = process.execPath): Promise<Sample> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(node, [...NODE_FLAGS, WORKER, ...args], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("exit", (code) => {
            const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
            if (code !== 0) return reject(new Error(`worker ${args.join(" ")} exited ${code}`));
            resolve({ ...JSON.parse(out.trim().split("\n").pop()!), wallMs });
        });
    });
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);
const table = (header: string[], rows: Array<Array<string | number>>) =>
    [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

// ---------------------------------------------------------------------------------------------------------------
// 1. Program evaluation: ours vs baseline, alternating A/B
// ---------------------------------------------------------------------------------------------------------------

interface ProgramRow {
    n: number;
    ours: { ms: number; rss: number; resources: number };
    base: { ms: number; rss: number; resources: number };
}

const summary = (s: Sample[]) => ({ ms: median(s.map((x) => x.ms)), rss: median(s.map((x) => x.maxRssMb)), resources: s[0].resources });

/** The entry `pulumi up` runs against the bare-SDK baseline, both with stack capture on, alternating A/B. */
async function programBench(): Promise<ProgramRow[]> {
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

/** Extra, labelled rows at one size: the ts-node entry of before, and compiled JS without stack capture. */
async function otherEntries(n: number): Promise<Array<{ variant: string; ms: number; rss: number; runs: number }>> {
    const out = [];
    for (const [variant, runs] of [["ts-node", TS_NODE_RUNS], ["compiled-no-stacks", RUNS]] as const) {
        const samples: Sample[] = [];
        for (let run = 0; run < runs; run++) samples.push(await measure(["program", variant, String(n)]));
        out.push({ variant, ...summary(samples), runs });
        process.stderr.write(`program N=${n}: ${variant} ${fmt(out.at(-1)!.ms)} ms\n`);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Offline preview end to end
// ---------------------------------------------------------------------------------------------------------------

async function previewBench(n: number): Promise<{ wallMs: number; rss: number; resources: number; phases: Record<string, number> }> {
    const samples: Sample[] = [];
    for (let run = 0; run < RUNS; run++) samples.push(await measure(["preview", String(n)]));
    process.stderr.write(`preview N=${n}: ${fmt(median(samples.map((s) => s.wallMs)))} ms\n`);
    const phases = Object.fromEntries(Object.keys(samples[0].phases ?? {}).map((k) => [k, median(samples.map((s) => s.phases![k]))]));
    return { wallMs: median(samples.map((s) => s.wallMs)), rss: median(samples.map((s) => s.maxRssMb)), resources: samples[0].resources, phases };
}

// ---------------------------------------------------------------------------------------------------------------
// 7. Node releases side by side: the entry at N = 1,000 and 3,000, and the offline preview at N = 1,000
// ---------------------------------------------------------------------------------------------------------------

interface NodeReleaseRow {
    release: string;
    entry1000: { ms: number; rss: number };
    entry3000: { ms: number; rss: number };
    preview1000: { wallMs: number; rss: number };
}

/** The same workers on each release; runs alternate between releases so drift on the machine hits all alike. */
async function nodeReleaseBench(): Promise<NodeReleaseRow[]> {
    const nodes = NODE_RELEASES.map((release) => {
        const bin = execFileSync("bash", [path.join(PROJECT_ROOT, "scripts", "install-node.sh"), release], { encoding: "utf8" }).trim();
        return { release, node: path.join(bin, "node") };
    });
    const samples = new Map(nodes.map((n) => [n.release, { e1: [] as Sample[], e3: [] as Sample[], p: [] as Sample[] }]));
    for (let run = 0; run < RUNS; run++) {
        for (const { release, node } of nodes) {
            const s = samples.get(release)!;
            s.e1.push(await measure(["program", "entry", "1000"], node));
            s.e3.push(await measure(["program", "entry", "3000"], node));
            s.p.push(await measure(["preview", "1000"], node));
        }
    }
    return nodes.map(({ release }) => {
        const s = samples.get(release)!;
        const row = { release, entry1000: summary(s.e1), entry3000: summary(s.e3), preview1000: { wallMs: median(s.p.map((x) => x.wallMs)), rss: median(s.p.map((x) => x.maxRssMb)) } };
        process.stderr.write(`Node ${release}: entry N=1000 ${fmt(row.entry1000.ms)} ms, N=3000 ${fmt(row.entry3000.ms)} ms, preview ${fmt(row.preview1000.wallMs)} ms\n`);
        return row;
    });
}

function nodeReleaseSection(rows: NodeReleaseRow[]): string[] {
    const cell = (f: (r: NodeReleaseRow) => string) => rows.map(f);
    return [
        "## 7. Node releases side by side",
        "",
        `The same workers under each release (installed by \`scripts/install-node.sh\`), ${RUNS} runs each, alternating releases; medians.`,
        "",
        table(
            ["measurement", ...rows.map((r) => `Node ${r.release}`)],
            [
                ["entry, N = 1,000: ms", ...cell((r) => fmt(r.entry1000.ms))],
                ["entry, N = 1,000: peak RSS MB", ...cell((r) => fmt(r.entry1000.rss))],
                ["entry, N = 3,000: ms", ...cell((r) => fmt(r.entry3000.ms))],
                ["entry, N = 3,000: peak RSS MB", ...cell((r) => fmt(r.entry3000.rss))],
                ["offline preview, N = 1,000: wall ms", ...cell((r) => fmt(r.preview1000.wallMs))],
                ["offline preview, N = 1,000: peak RSS MB", ...cell((r) => fmt(r.preview1000.rss))],
            ],
        ),
        "",
    ];
}

// ---------------------------------------------------------------------------------------------------------------
// 8. The program's Kubernetes objects: pulumi up through the real plugin vs kubectl apply (bench/kubernetes.ts)
// ---------------------------------------------------------------------------------------------------------------

const KUBERNETES_SIZES = (process.env.BENCH_KUBERNETES_SIZES ?? "200,1000").split(",").map(Number);
const KUBERNETES_TITLE = "## 8. Kubernetes objects: `pulumi up` through the real plugin vs `kubectl apply --server-side`";

function kubernetesSection(rows: KubernetesRow[] | string): string[] {
    if (typeof rows === "string") return [KUBERNETES_TITLE, "", rows, ""];
    return [
        KUBERNETES_TITLE,
        "",
        `The whole program (\`dist/index.js\`) through the real engine and the real pulumi-kubernetes plugin to a local API server (tools/controlPlane.ts), against \`kubectl apply --server-side -f out/<stack>/k8s/\` of the offline preview's manifests for the same objects, each on a fresh set. N profiles with only \`default-editor\` (no controller runs, so no Profile waits); the aws side through the labelled stand-in plugin. One run each. Engine parallelism: ${ENGINE_PARALLELISM}.`,
        "",
        table(["N profiles", "objects", "pulumi up ms", "kubectl apply ms", "ratio"], rows.map((r) => [r.n, r.objects, fmt(r.pulumiUpMs), fmt(r.kubectlMs), fmt(r.pulumiUpMs / r.kubectlMs, 2)])),
        "",
    ];
}

// ---------------------------------------------------------------------------------------------------------------
// 9. The policy pack: its rules in process, and pulumi preview without and with it (bench/policyPack.ts)
// ---------------------------------------------------------------------------------------------------------------

const POLICY_RULE_SIZES = (process.env.BENCH_POLICY_SIZES ?? "1000,3000").split(",").map(Number);
const POLICY_PREVIEW_SIZES = (process.env.BENCH_POLICY_PREVIEW_SIZES ?? "200,1000").split(",").map(Number);
const POLICY_TITLE = "## 9. Policy pack: its rules, and `pulumi preview` without and with it";

function policyPackSection(rules: PolicyRulesRow[], previews: PolicyPreviewRow[] | string): string[] {
    return [
        POLICY_TITLE,
        "",
        "The pack's policies in one process on the resources the program declares for N generated profiles (2 service accounts, a bucket and AmazonSageMakerReadOnly each; the real program under the offline preview's mock runtime; the analyzer's arguments built from the declared inputs): every per-resource policy on every resource, then the stack-wide rule. One run each.",
        "",
        table(["N profiles", "resources", "per-resource policies ms", "stack-wide rule ms", "violations"], rules.map((r) => [r.n, r.resources, fmt(r.perResourceMs), fmt(r.stackMs), r.violations])),
        "",
        "`pulumi preview` of the whole program through the real engine and pulumi-kubernetes plugin against a local API server (the aws side through the labelled stand-in), the OIDC provider adopted so that every rule has its values at preview, profiles with only a name and owner; the second of two previews without the pack, then one with it (`policy/analyzer`). One run each.",
        "",
        typeof previews === "string" ? previews : table(["N profiles", "preview ms", "preview with the pack ms", "added"], previews.map((r) => [r.n, fmt(r.withoutMs), fmt(r.withMs), `${fmt(((r.withMs - r.withoutMs) / r.withoutMs) * 100)} %`])),
        "",
    ];
}

/** `BENCH_ONLY=<section>`: measures one section alone and puts it in place in BENCHMARKS.md, the rest unchanged. */
async function onlySection(title: string, command: string, section: string[]): Promise<void> {
    const file = path.join(PROJECT_ROOT, "BENCHMARKS.md");
    const text = fs.readFileSync(file, "utf8");
    const start = text.indexOf(title);
    const next = text.indexOf("\n## ", start + 1);
    const end = start >= 0 && next >= 0 ? next + 1 : text.indexOf("## Targets");
    const stamp = `Measured ${new Date().toISOString().slice(0, 10)} (\`${command}\`) at commit ${commit()}.`;
    const block = [...section.slice(0, 2), stamp, "", ...section.slice(2)].join("\n");
    fs.writeFileSync(file, start >= 0 ? `${text.slice(0, start)}${block}\n${text.slice(end)}` : `${text.slice(0, end)}${block}\n${text.slice(end)}`);
    process.stdout.write(`${block}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Role-pair provider against moto: AWS calls per operation, and wall time for 100 pairs
// ---------------------------------------------------------------------------------------------------------------

interface ProviderBench {
    calls: Array<{ operation: string; reads: number; writes: number; sts: number; list: string }>;
    create100Ms: number;
    delete100Ms: number;
}

const READ = /^(Get|List)/;

async function providerBench(): Promise<ProviderBench | string> {
    if (!motoInstalled() && !process.env.MOTO_ENDPOINT) {
        return "skipped: moto is not installed (bash scripts/install-moto.sh)";
    }
    const emulator = await startEmulator();
    try {
        await resetEmulator(emulator.endpoint);
        const asset = "222222222222";
        const deployRole = `arn:aws:iam::${asset}:role/asset-deployer`;
        const eksIam = new IAMClient({});
        const assetIam = new IAMClient({ credentials: fromTemporaryCredentials({ params: { RoleArn: deployRole, RoleSessionName: "bench" } }) });
        const provider = (
            await eksIam.send(new CreateOpenIDConnectProviderCommand({ Url: "https://oidc.eks.us-east-1.amazonaws.com/id/BENCH", ClientIDList: ["sts.amazonaws.com"], ThumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] }))
        ).OpenIDConnectProviderArn!;
        await assetIam.send(new CreateRoleCommand({ RoleName: "asset-deployer", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }));
        const managed = (await assetIam.send(new CreatePolicyCommand({ PolicyName: "bench-read", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b" }] }) }))).Policy!.Arn!;

        const log: string[] = [];
        const rp = new RolePairProvider({ observe: (service, command) => log.push(`${service}:${command.replace(/Command$/, "")}`) });
        const inputs = (i: number, over: Partial<RolePairInputs> = {}): RolePairInputs => ({
            name: `pair-${i}`,
            owner: `bench/bench/pair-${i}`,
            assetAccountId: asset,
            assetRoleName: `asset-role-${i}`,
            eksRoleName: `eks-role-${i}`,
            assetPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] },
            assetPolicyArns: [managed],
            subjects: ["system:serviceaccount:compute:run-1"],
            subjectMatch: "StringEquals",
            exclusive: false,
            externalId: "bench",
            assetDeployRoleArn: deployRole,
            path: "/",
            tags: { bench: "yes" },
            trustPolicyMaxLength: 2048,
            oidcProviderArn: provider,
            ...over,
        });
        const rows: ProviderBench["calls"] = [];
        const record = async (operation: string, action: () => Promise<unknown>) => {
            log.length = 0;
            await action();
            const iamCalls = log.filter((c) => c.startsWith("iam:"));
            rows.push({
                operation,
                reads: iamCalls.filter((c) => READ.test(c.slice(4))).length,
                writes: iamCalls.filter((c) => !READ.test(c.slice(4))).length,
                sts: log.filter((c) => c.startsWith("sts:")).length,
                list: log.join(", "),
            });
        };
        let state!: RolePairOutputs;
        await record("create", async () => (state = (await rp.create(inputs(0))).outs!));
        await record("no-op update", async () => (state = (await rp.update("id", state, inputs(0))).outs!));
        const two = ["system:serviceaccount:compute:run-1", "system:serviceaccount:compute:run-2"];
        await record("subject added", async () => (state = (await rp.update("id", state, inputs(0, { subjects: two }))).outs!));
        await record("subject removed", async () => (state = (await rp.update("id", state, inputs(0))).outs!));
        const newPolicy = { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: "arn:aws:s3:::b/*" }] };
        await record("policy changed", async () => (state = (await rp.update("id", state, inputs(0, { assetPolicy: newPolicy }))).outs!));
        await record("refresh (read)", async () => rp.read("id", state));
        await record("delete", async () => rp.delete("id", state));

        const quiet = new RolePairProvider();
        const states: RolePairOutputs[] = [];
        let t = Date.now();
        for (let i = 1; i <= 100; i++) states.push((await quiet.create(inputs(i))).outs!);
        const create100Ms = Date.now() - t;
        t = Date.now();
        for (const s of states) await quiet.delete("id", s);
        const delete100Ms = Date.now() - t;
        return { calls: rows, create100Ms, delete100Ms };
    } finally {
        await emulator.stop();
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Trust-policy capacity
// ---------------------------------------------------------------------------------------------------------------

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/5C3A0B8E2D1F4A6B9C7E8D0F1A2B3C4D";
/** A realistic namespace: a team name and a number, 20 characters. */
const namespace = (i: number) => `ds-team-forecast-${String(i).padStart(3, "0")}`;

function fits(limit: number, build: (count: number) => number): number {
    let count = 0;
    while (count < 10_000 && build(count + 1) <= limit) count++;
    return count;
}

function capacity(): Array<{ layout: string; entry: string; at2048: number; at4096: number }> {
    const pair = (subjects: string[], subjectMatch: "StringEquals" | "StringLike") =>
        policyLength(rolePairDocuments({ oidcProviderArn: PROVIDER, path: "/", eksRoleName: "e", assetRoleName: "a", assetAccountId: "222222222222", subjects, subjectMatch, exclusive: false }).eksTrust);
    const exact = (n: number) => Array.from({ length: n }, (_, i) => serviceAccountSubject(namespace(i), "default-editor"));
    const hostPath = PROVIDER.split(":oidc-provider/")[1];
    // The Kubeflow profile controller's document: one statement, one sub entry per namespace that uses the role.
    const kubeflow = (n: number) =>
        JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${hostPath}:aud`]: "sts.amazonaws.com", [`${hostPath}:sub`]: exact(n) } } }] }).length;
    const rows = [
        { layout: "RolePair, StringEquals (this package)", entry: exact(1)[0], build: (n: number) => pair(exact(n), "StringEquals") },
        { layout: "RolePair, StringLike one pattern per namespace", entry: `system:serviceaccount:${namespace(0)}:*`, build: (n: number) => pair(Array.from({ length: n }, (_, i) => `system:serviceaccount:${namespace(i)}:*`), "StringLike") },
        { layout: "Profile role, StringEquals (this package)", entry: exact(1)[0], build: (n: number) => policyLength(webIdentityTrustPolicy({ providerArn: PROVIDER, issuerHostPath: hostPath, subjects: exact(n) })) },
        { layout: "Kubeflow profile controller, one entry per namespace", entry: exact(1)[0], build: kubeflow },
    ];
    return rows.map((r) => ({ layout: r.layout, entry: r.entry, at2048: fits(2048, r.build), at4096: fits(4096, r.build) }));
}

// ---------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------

function commit(): string {
    try {
        return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: PROJECT_ROOT, encoding: "utf8" }).trim();
    } catch {
        return "uncommitted"; // not a git checkout
    }
}

function machine(): string {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    return `${os.cpus().length} x ${cpu}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, commit ${commit()}`;
}

const met = (ok: boolean) => (ok ? "met" : "NOT met");

async function main(): Promise<void> {
    const started = Date.now();
    const program = await programBench();
    const others = await otherEntries(1000);
    const preview = await previewBench(1000);
    const provider = await providerBench();
    const moto = motoInstalled() || !!process.env.MOTO_ENDPOINT;
    const engine = moto ? await engineBench(ENGINE_PAIRS) : "skipped: moto is not installed (bash scripts/install-moto.sh)";
    const drills = moto ? await windowBench(DRILL_SEEDS, DRILL_UPDATES) : [];
    const cap = capacity();
    const releases = await nodeReleaseBench();
    const kubernetes = await kubernetesBench(KUBERNETES_SIZES);
    const policyRules = await policyRulesBench(POLICY_RULE_SIZES);
    const policyPreviews = await policyPreviewBench(POLICY_PREVIEW_SIZES);

    const at = (n: number) => program.find((r) => r.n === n);
    const r1000 = at(1000);
    const r3000 = at(3000);
    const ratio = (r: ProgramRow | undefined, key: "ms" | "rss") => (r ? r.ours[key] / r.base[key] : NaN);
    const scaling = r1000 && r3000 ? r3000.ours.ms / r1000.ours.ms : NaN;
    const fixed = (which: "ours" | "base") => (at(10) && at(100) ? (at(10)![which].resources * 100 - at(100)![which].resources * 10) / 90 : NaN);
    const marginal = (which: "ours" | "base") => (at(10) && at(100) ? (at(100)![which].resources - at(10)![which].resources) / 90 : NaN);

    const lines: string[] = [];
    lines.push("# Benchmarks", "", `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench\` on: ${machine()}.`, "");
    lines.push("## How to reproduce", "", "```sh", "npm ci", "bash scripts/install-moto.sh     # optional: the provider, engine and drill parts are skipped without moto", "bash scripts/install-pulumi.sh   # optional: the real-engine part is skipped without a Pulumi CLI", "npm run bench                     # BENCH_RUNS=5 BENCH_SIZES=10,100,1000,3000 BENCH_TS_NODE_RUNS=2 BENCH_ENGINE_PAIRS=50", "```", "");
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

    lines.push("## 1. Program evaluation: the entry `pulumi up` runs, stack capture on", "");
    lines.push(
        table(
            ["N profiles", "entry ms", "baseline ms", "time ratio", "entry peak RSS MB", "baseline peak RSS MB", "RSS ratio", "entry resources", "baseline resources"],
            program.map((r) => [r.n, fmt(r.ours.ms), fmt(r.base.ms), fmt(r.ours.ms / r.base.ms, 2), fmt(r.ours.rss), fmt(r.base.rss), fmt(r.ours.rss / r.base.rss, 2), r.ours.resources, r.base.resources]),
        ),
        "",
        "Other ways to run the same program at N = 1,000, for comparison (not what `pulumi up` runs now):",
        "",
        table(
            ["variant", "ms", "peak RSS MB", "vs baseline", "runs"],
            others.map((o) => [
                o.variant === "ts-node" ? "ts-node entry (before: `typescript: true`, index.ts type-checked and source-mapped), stacks on" : "compiled JS, stack capture off (the offline preview's runtime)",
                fmt(o.ms), fmt(o.rss), r1000 ? fmt(o.ms / r1000.base.ms, 2) : "n/a", o.runs,
            ]),
        ),
        "",
        `Resources per profile: ours ${fmt(marginal("ours"), 1)} (plus ${fmt(fixed("ours"), 0)} per stack), baseline ${fmt(marginal("base"), 1)} (plus ${fmt(fixed("base"), 0)}). ` +
            "Ours: the Profile component, its role (policies inline and attachments exclusive on the role), the Profile object and the annotated ServiceAccount of its second service account (the baseline declares the same one); the stack adds the OIDC provider component and resource, the controller component, role and annotation patch, and the stack's Kubernetes provider.",
        "",
        "At N = 10 and 100 the ratio is mostly fixed start-up the baseline does not pay (the config schema library, the check",
        "that `dist/` is current). The program no longer loads the AWS SDK: the RolePair provider runs in Pulumi's provider host.",
        "",
    );

    lines.push("## 2. Offline preview (`npm start`), N = 1,000", "");
    lines.push(table(["N", "wall ms (median)", "peak RSS MB", "resources"], [[1000, fmt(preview.wallMs), fmt(preview.rss), preview.resources]]), "");
    lines.push(
        `Phases (median ms): ${Object.entries(preview.phases).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}; the rest of the wall time is Node's start and`,
        "loading the modules (@pulumi/pulumi, @pulumi/aws, @pulumi/kubernetes: about 0.35 s with TypeScript deferred). The program phase is",
        "the Pulumi mock runtime registering every resource (about 0.55 ms each, a third of it garbage collection of the SDK's",
        "promises and Outputs) with the SDK's debug aids off (`withoutDebugAids` in offline/runtime.ts): with them on it took",
        "1 s more. The write phase (3,000 small files) is bound by this machine's disk: 0.4 s to 1.7 s from run to run. Issue 13's 3 s",
        "goal for the whole preview is not met: module loading and the mock runtime alone take about 2.6 s here.",
        "",
    );

    lines.push("## 3. Role-pair provider against moto", "");
    if (typeof provider === "string") {
        lines.push(provider, "");
    } else {
        lines.push(table(["operation", "IAM reads", "IAM writes", "STS", "calls in order"], provider.calls.map((c) => [c.operation, c.reads, c.writes, c.sts, c.list])), "");
        lines.push(`100 pairs, sequentially: create ${fmt(provider.create100Ms)} ms, delete ${fmt(provider.delete100Ms)} ms (moto on loopback; real IAM is slower per call and rate-limited).`, "");
        lines.push(
            "Why these calls: **create** is CreateRole + PutRolePolicy on each side plus AttachRolePolicy per managed policy; the asset",
            "side needs one STS AssumeRole (credentials are fetched once per operation and cached). No read is needed when nothing",
            "exists; a CreateRole that meets an existing role reads it once to tell ours (owner tag) from someone else's. **delete**",
            "detaches known attachments and deletes the known inline policy before DeleteRole on each side, listing only if IAM",
            "reports a conflict. An **update** always reads the EKS trust once (others may have changed it), writes only when the",
            "merge changes it, then reads once to verify; asset-side calls happen only for asset-side changes.",
            "",
        );
    }

    lines.push(`## 4. Real Pulumi engine, ${ENGINE_PAIRS} role pairs`, "");
    if (typeof engine === "string") {
        lines.push(engine, "");
    } else {
        lines.push(
            table(["operation", "wall ms", "AWS calls"], engine.operations.map((o) => [o.operation, fmt(o.ms), o.awsCalls])),
            "",
            `AWS calls per pair in \`up\`: ${Object.entries(engine.upCallsPerPair).map(([a, c]) => `${a} ${fmt(c, 1)}`).join(", ")}. ` +
                `State: ${fmt(engine.stateBytesPerPair)} bytes per pair, checkpoint ${fmt(engine.checkpointBytes / 1024)} KB in all.`,
            "",
            "Before the provider shim (components/rolePair/shim.ts), the same 50-pair stack measured, as reported in the issue that",
            "asked for this section (CLI v3.274.1, local backend, moto): preview 5.0 s, up 14.1 s, no-op up 10.5 s, destroy 6.6 s,",
            "a 5.4 MB checkpoint (about 107 KB per pair, the ~50 KB serialized provider stored in each pair's inputs and outputs).",
            "",
        );
    }

    lines.push("## 5. Trust writes under faults with a concurrent runtime writer", "");
    if (drills.length === 0) {
        lines.push("skipped: moto is not installed", "");
    } else {
        lines.push(
            table(
                ["seed", "provider writes", "runtime writes", "faults", "lost", "resurrected", "reverted inside a window", "window median ms", "window p99 ms", "window max ms"],
                drills.map(({ seed, result: r }) => [seed, r.providerWrites, r.runtimeWrites, r.faults, r.lost.length, r.resurrected.length, r.inWindow, fmt(percentile(r.windowsMs, 50), 1), fmt(percentile(r.windowsMs, 99), 1), fmt(Math.max(...r.windowsMs), 1)]),
            ),
            "",
            "The window is the time from the provider's read being delivered to its write reaching IAM (the proxy's clock). **Lost**",
            "and **resurrected** count runtime entries a provider write dropped or brought back outside such a window of at most",
            "100 ms; **reverted inside a window** counts runtime changes that landed between the provider's read and its write,",
            "which no client can avoid without a conditional write in IAM (README: what a runtime writer must do).",
            "Before this change, the same drill (`git` history of this file's tests) lost 46-120 and resurrected 39-127 entries per",
            "seed, with windows up to 7.7 s: the SDK re-sent a throttled write with the document read seconds earlier.",
            "",
        );
    }

    lines.push("## 6. Trust-policy capacity", "", `Subjects of realistic length (namespace of 20 characters, e.g. \`${namespace(7)}\`), with a real-length provider ARN.`, "");
    lines.push(table(["layout", "entry", "entries under 2,048", "entries under 4,096"], cap.map((c) => [c.layout, `\`${c.entry}\``, c.at2048, c.at4096])), "");
    lines.push(
        "One entry per namespace is the Kubeflow controller's growth: every profile namespace that uses a shared role adds one `sub` entry,",
        "so a shared role stops accepting new namespaces at the counts above. This package gives each profile its own role (one",
        "namespace per trust), and for role pairs says before writing how many entries fit, and suggests a `StringLike` pattern or sharding.",
        "",
    );

    const providerOk = typeof provider !== "string";
    const byOp = (op: string) => (providerOk ? (provider as ProviderBench).calls.find((c) => c.operation === op) : undefined);
    const noop = byOp("no-op update");
    const added = byOp("subject added");
    const removed = byOp("subject removed");
    const engineOk = typeof engine !== "string" ? engine : undefined;
    const worstP99 = drills.length ? Math.max(...drills.map((d) => percentile(d.result.windowsMs, 99))) : NaN;
    lines.push(...nodeReleaseSection(releases));
    lines.push(...kubernetesSection(kubernetes));
    lines.push(...policyPackSection(policyRules, policyPreviews));
    lines.push("## Targets", "");
    lines.push(
        table(
            ["target", "measured", "status"],
            [
                ["entry time at N = 1,000 within 1.2x of baseline", fmt(ratio(r1000, "ms"), 2), met(ratio(r1000, "ms") <= 1.2)],
                ["entry peak RSS at N = 1,000 within 1.2x of baseline", fmt(ratio(r1000, "rss"), 2), met(ratio(r1000, "rss") <= 1.2)],
                ["entry time at N = 3,000 within 1.2x of baseline", fmt(ratio(r3000, "ms"), 2), met(ratio(r3000, "ms") <= 1.2)],
                ["entry peak RSS at N = 3,000 within 1.2x of baseline", fmt(ratio(r3000, "rss"), 2), met(ratio(r3000, "rss") <= 1.2)],
                ["no more resources per profile than the baseline", `${fmt(marginal("ours"), 1)} vs ${fmt(marginal("base"), 1)}`, met(marginal("ours") <= marginal("base"))],
                ["t(3,000) / t(1,000) at most 3.3", fmt(scaling, 2), met(scaling <= 3.3)],
                ["offline preview at N = 1,000 under 10 s", `${fmt(preview.wallMs)} ms`, met(preview.wallMs < 10_000)],
                // Issue 13's goal for the whole preview; the Pulumi mock runtime alone takes most of it (section 2).
                ["offline preview at N = 1,000 within 3 s", `${fmt(preview.wallMs)} ms`, met(preview.wallMs <= 3_000)],
                ["no-op update: 1 read, 0 writes", noop ? `${noop.reads} read, ${noop.writes} writes` : "skipped", noop ? met(noop.reads === 1 && noop.writes === 0) : "skipped"],
                ["subject change: 1 read, 1 write, 1 verifying read", added && removed ? `added: ${added.reads}r/${added.writes}w, removed: ${removed.reads}r/${removed.writes}w` : "skipped", added && removed ? met([added, removed].every((c) => c.reads === 2 && c.writes === 1 && c.sts === 0)) : "skipped"],
                ["state per role pair at most 10 KB (real engine)", engineOk ? `${fmt(engineOk.stateBytesPerPair)} bytes` : "skipped", engineOk ? met(engineOk.stateBytesPerPair <= 10_240) : "skipped"],
                ["trust drill: 0 lost, 0 resurrected outside a 100 ms window", drills.length ? drills.map((d) => `${d.result.lost.length}/${d.result.resurrected.length}`).join(", ") : "skipped", drills.length ? met(drills.every((d) => d.result.lost.length + d.result.resurrected.length === 0)) : "skipped"],
                ["trust drill: p99 read->write window under 100 ms", drills.length ? `${fmt(worstP99, 1)} ms (worst seed)` : "skipped", drills.length ? met(worstP99 < 100) : "skipped"],
            ],
        ),
        "",
        `Total benchmark time: ${fmt((Date.now() - started) / 1000)} s.`,
    );
    const text = `${lines.join("\n")}\n`;
    fs.writeFileSync(path.join(PROJECT_ROOT, "BENCHMARKS.md"), text);
    process.stdout.write(text);
}

const ONLY: Record<string, () => Promise<void>> = {
    "node-releases": async () => onlySection("## 7. Node releases side by side", "BENCH_ONLY=node-releases npm run bench", nodeReleaseSection(await nodeReleaseBench())),
    kubernetes: async () => onlySection(KUBERNETES_TITLE, "BENCH_ONLY=kubernetes npm run bench", kubernetesSection(await kubernetesBench(KUBERNETES_SIZES))),
    "policy-pack": async () => onlySection(POLICY_TITLE, "BENCH_ONLY=policy-pack npm run bench", policyPackSection(await policyRulesBench(POLICY_RULE_SIZES), await policyPreviewBench(POLICY_PREVIEW_SIZES))),
};

(process.env.BENCH_ONLY ? ONLY[process.env.BENCH_ONLY]() : main()).catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
});
