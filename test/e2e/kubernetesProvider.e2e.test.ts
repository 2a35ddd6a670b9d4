/**
 * @e2e: moving a deployed stack's Kubernetes objects from the engine's default provider to the stack's own
 * provider, through the real Pulumi engine. The kubernetes plugin cannot be fetched here, so a stand-in plugin
 * (test/e2e/fixtures/kubernetes-plugin) reproduces the one behaviour that matters: its DiffConfig asks for
 * replacement when the provider points at another cluster, as pulumi-kubernetes' does. Without the alias the engine
 * replaces every Profile (the controller then deletes each namespace); with it, nothing is replaced or deleted.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { stackKubernetesProvider } from "../../components/kubernetesProvider";
import { EngineStack, engineStack } from "../../tools/engine";
import { cliOrSkip } from "../helpers/toolsOrSkip";

const PLUGIN_DIR = path.join(__dirname, "fixtures", "kubernetes-plugin");
const KUBECONFIG = JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "kf-dev", cluster: { server: "https://kf-dev.example" } }] });
const quiet = { color: "never" as const };

function profile(name: string, provider?: k8s.Provider): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name }, spec: { owner: { kind: "User", name: `${name}@example.com` } } },
        provider ? { provider } : {},
    );
}

describe("the stack's Kubernetes provider through the real Pulumi engine @e2e", function () {
    this.timeout(300_000);
    let engine: EngineStack | undefined;
    let log = "";
    // What the program declares; tests change it between runs.
    let declare: () => void = () => undefined;

    before(async function () {
        const cli = cliOrSkip(this);
        log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-k8s-")), "operations.log");
        engine = await engineStack(cli, async () => declare(), "provider-move", { FAKE_KUBERNETES_LOG: log }, [PLUGIN_DIR]);
    });

    after(async () => {
        await engine?.dispose();
    });

    const operations = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []);

    it("deploys Profiles under the default provider, as earlier releases did", async () => {
        declare = () => ["team-a", "team-b"].forEach((n) => profile(n));
        await engine!.stack.up(quiet);
        // The engine creates independent resources in parallel: compare as a set.
        expect(operations().sort()).to.deep.equal(["create kubernetes:kubeflow.org/v1:Profile team-a", "create kubernetes:kubeflow.org/v1:Profile team-b"]);
    });

    it("without the alias, the engine would replace every Profile (what the alias prevents)", async () => {
        declare = () => {
            const provider = new k8s.Provider("cluster", { kubeconfig: KUBECONFIG, clusterIdentifier: "kf-dev" });
            ["team-a", "team-b"].forEach((n) => profile(n, provider));
        };
        const preview = await engine!.stack.preview(quiet);
        expect(preview.changeSummary.replace).to.equal(2);
        expect(preview.stdout).to.match(/kubeflow\.org\/v1:Profile +team-a +replace/);
    });

    it("with the stack's provider, the move replaces and deletes no Profile", async () => {
        declare = () => {
            const provider = stackKubernetesProvider({ clusterName: "kf-dev", kubeconfig: KUBECONFIG });
            ["team-a", "team-b"].forEach((n) => profile(n, provider));
        };
        const preview = await engine!.stack.preview(quiet);
        // The provider itself is replaced (it now names a cluster; providers are not objects in the cluster);
        // the stack and both Profiles are unchanged.
        expect(preview.changeSummary).to.deep.equal({ replace: 1, same: 3 });
        expect(preview.stdout).to.match(/pulumi:providers:kubernetes cluster replace/);
        expect(preview.stdout).to.not.match(/kubeflow\.org\/v1:Profile/);
        const before = operations().length;
        await engine!.stack.up(quiet);
        expect(operations().slice(before).filter((op) => / kubernetes:kubeflow/.test(op))).to.deep.equal([]);
        const state = JSON.parse(engine!.checkpoint());
        const providers = state.checkpoint.latest.resources.filter((r: { type: string }) => r.type === "pulumi:providers:kubernetes").map((r: { urn: string }) => r.urn.split("::").pop());
        expect(providers).to.deep.equal(["cluster"]);
        await engine!.stack.preview({ ...quiet, expectNoChanges: true } as never);
    });
});
