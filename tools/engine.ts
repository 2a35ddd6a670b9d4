/**
 * The real Pulumi engine for the e2e tests and the benchmark: a CLI found by `scripts/install-pulumi.sh --no-build`,
 * driven through the Automation API with an inline program (the Node.js language host is served from this
 * process, so only the CLI is needed), a local file backend and a passphrase secrets provider in a temporary
 * directory. The dynamic-provider host script ships with @pulumi/pulumi; its folder goes on PATH.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ConfigMap, LocalWorkspace, PreviewOptions, PreviewResult, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { PROJECT_ROOT } from "../project";

/** Path of a compatible Pulumi CLI, or undefined when there is none (scripts/install-pulumi.sh builds one). */
export function pulumiCli(): string | undefined {
    const found = spawnSync("bash", [path.join(PROJECT_ROOT, "scripts", "install-pulumi.sh"), "--no-build"], { encoding: "utf8" });
    return found.status === 0 ? found.stdout.trim() : undefined;
}

export interface EngineStack {
    stack: Stack;
    /** Backend, state and work directory; removed by `dispose`. */
    dir: string;
    /** The stack's checkpoint file as the backend stores it (secrets encrypted). */
    checkpoint(): string;
    dispose(): Promise<void>;
}

/**
 * A fresh stack of project `kubeflow-irsa` running `program`. The work directory is inside the project (under the
 * ignored .tools/), so the provider host, started there, finds the project as a user's `pulumi up` does.
 */
export async function engineStack(cli: string, program: PulumiFn, stackName = "e2e", extraEnv: Record<string, string> = {}, pluginDirs: string[] = []): Promise<EngineStack> {
    const base = path.join(PROJECT_ROOT, ".tools", "engine");
    fs.mkdirSync(base, { recursive: true });
    const dir = fs.mkdtempSync(path.join(base, "run-"));
    const state = path.join(dir, "state");
    fs.mkdirSync(state);
    const dynamicProviderHost = path.join(PROJECT_ROOT, "node_modules", "@pulumi", "pulumi");
    // The Node running the tests goes first: the provider host (`pulumi-resource-pulumi-nodejs`) and the policy pack's
    // analyzer run whatever `node` is first on PATH, and it must be the release under test (.ci/run runs each).
    process.env.PATH = [path.dirname(process.execPath), path.dirname(cli), dynamicProviderHost, process.env.PATH].join(path.delimiter);
    const envVars = {
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_HOME: path.join(dir, "home"),
        // Plugins are also found on PATH (ambient plugins): test stand-ins go first, for this stack's CLI runs only.
        ...(pluginDirs.length ? { PATH: [...pluginDirs, process.env.PATH].join(path.delimiter) } : {}),
        ...extraEnv,
    };
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName, projectName: "kubeflow-irsa", program },
        {
            workDir: dir,
            envVars,
            secretsProvider: "passphrase",
            projectSettings: { name: "kubeflow-irsa", runtime: "nodejs", backend: { url: `file://${state}` } },
        },
    );
    return {
        stack,
        dir,
        checkpoint: () => fs.readFileSync(path.join(state, ".pulumi", "stacks", "kubeflow-irsa", `${stackName}.json`), "utf8"),
        dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

/**
 * What every preview the project runs sets, and only previews: the engine's snapshot manager then keeps its journal in
 * memory instead of saving the whole snapshot after every step.
 *
 * From the engine's source (pulumi/pulumi, pkg/backend): `PULUMI_SKIP_CHECKPOINTS` (sdk/go/common/env, declared with
 * `env.Needs(Experimental)`, so it is read only with `PULUMI_EXPERIMENTAL` set) picks the journal's
 * `unsafeServiceLoop` over `defaultServiceLoop`. The default loop, after every journal entry, rebuilds the snapshot,
 * serializes it (`SerializeDeploymentWithMetadata`), verifies it (`VerifyIntegrity`) and hands it to the persister:
 * O(N) work per step, so O(N^2) per run, which the CLI's profile of a 500-profile preview shows as 62 % of its CPU. The
 * unsafe loop only appends the entry and saves once, at `Close`. Nothing else reads those saves: the diff, the
 * `--diff` display and the PR comment come from the engine's events, the policy pack's analyzers get each resource's
 * inputs from the step generator, `--refresh` reads the providers, and a saved plan comes from the deployment's step
 * generation; newer CLIs (the diy backend's `apply`) create no snapshot manager for a preview at all. A preview never
 * writes the state: test/e2e/previewCheckpoints.e2e.test.ts shows the state file byte-identical and the same diff with
 * and without these variables. An `up`, `refresh` or `destroy` must never get them: a crash would lose that update's
 * state edits (README "Deploy for real").
 */
export const PREVIEW_WITHOUT_CHECKPOINTS: Readonly<Record<string, string>> = { PULUMI_EXPERIMENTAL: "true", PULUMI_SKIP_CHECKPOINTS: "true" };

/** `pulumi preview` of a stack with PREVIEW_WITHOUT_CHECKPOINTS set for that command alone. */
export async function previewStack(stack: Stack, options: PreviewOptions = {}): Promise<PreviewResult> {
    const env = (stack.workspace as LocalWorkspace).envVars;
    const saved = Object.fromEntries(Object.keys(PREVIEW_WITHOUT_CHECKPOINTS).map((key) => [key, env[key]]));
    Object.assign(env, PREVIEW_WITHOUT_CHECKPOINTS);
    try {
        return await stack.preview(options);
    } finally {
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete env[key];
            else env[key] = value;
        }
    }
}

/**
 * The policy pack as the Automation API's `policyPacks` option takes it here: its executable analyzer (policy/analyzer),
 * since this CLI has no Node.js language host to start the pack's directory with. The pack's code is the same.
 */
export const POLICY_PACK_ANALYZER = path.join(PROJECT_ROOT, "policy", "analyzer");

/**
 * STAND-IN for the pulumi-aws plugin, which cannot be had here (test/e2e/fixtures/aws-plugin: echoes inputs, the
 * offline preview's stable ids and ARNs, the program's invokes). No AWS behaviour is tested through it.
 */
export const AWS_STANDIN_PLUGIN_DIR = path.join(PROJECT_ROOT, "test", "e2e", "fixtures", "aws-plugin");

/** Stack config as the Automation API takes it: strings as they are, anything else as JSON (as a stack file's YAML reads). */
export function configMap(config: Record<string, unknown>): ConfigMap {
    return Object.fromEntries(Object.entries(config).map(([key, v]) => [key, { value: typeof v === "string" ? v : JSON.stringify(v) }]));
}

export interface WholeProgramOptions {
    /** The real pulumi-resource-kubernetes binary (scripts/install-kubernetes.sh). */
    kubernetesPlugin: string;
    /** Environment for the engine and its plugins (the aws stand-in reads STANDIN_*). */
    env?: Record<string, string>;
    /** Further plugin directories, ahead of the others. */
    pluginDirs?: string[];
    /** Runs in the program before it declares anything (a test registers a stack transformation here). */
    beforeDeclaring?: () => void;
}

/**
 * A stack running the whole program as `pulumi up` does: the compiled `index.ts` (dist/, built first), the real
 * kubernetes plugin, and the aws stand-in above for the AWS resources; the RolePair dynamic provider runs for real in
 * the engine's provider host, against whatever AWS endpoint the environment names (moto in the tests).
 */
export async function wholeProgramStack(cli: string, stackName: string, options: WholeProgramOptions): Promise<EngineStack> {
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "build.js")]);
    const main = () => {
        options.beforeDeclaring?.();
        return (require(path.join(PROJECT_ROOT, "dist", "index.js")) as () => Promise<Record<string, unknown>>)();
    };
    const plugins = [...(options.pluginDirs ?? []), AWS_STANDIN_PLUGIN_DIR, path.dirname(options.kubernetesPlugin)];
    return engineStack(cli, main, stackName, options.env ?? {}, plugins);
}
