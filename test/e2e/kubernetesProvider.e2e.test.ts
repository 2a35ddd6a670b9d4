/**
 * @e2e: moving a deployed stack's Kubernetes objects from the engine's default provider to the stack's own provider,
 * through the real Pulumi engine, the real pulumi-kubernetes plugin (its own DiffConfig) and a real kube-apiserver
 * (tools/controlPlane.ts) with the vendored Profile CRD. Earlier releases deployed Profiles under the default provider,
 * which reads the ambient kubeconfig (here: KUBECONFIG, set for the engine only); this release declares them under the
 * stack's provider, aliased to the default one. With it, each Profile keeps its object in the cluster (same uid), and
 * pointing the stack's provider at another cluster replaces every Profile (the real DiffConfig on clusterIdentifier),
 * so a cluster move is never silent.
 *
 * What the real plugin showed, against the earlier Node stand-in's assumption: a Profile moved to a new provider of the
 * same cluster is not replaced even without the alias. The plugin's resource Diff does not compare the providers'
 * clusters (its DiffConfig does, for one provider whose config changes), so the alias is not what prevents the
 * replacement here; it keeps the stack on one provider identity, which is what makes the cluster check above apply.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { stackKubernetesProvider } from "../../components/kubernetesProvider";
import { ControlPlane } from "../../tools/controlPlane";
import { EngineStack, engineStack, previewStack } from "../../tools/engine";
import { controlPlaneOrSkip } from "../helpers/controlPlane";
import { CRD_PATH } from "../helpers/crd";
import { cliOrSkip } from "../helpers/toolsOrSkip";

const quiet = { color: "never" as const };
const NAMES = ["move-a", "move-b"];

/** The cluster's kubeconfig as the program writes it: the same server under the cluster's own names (not the ambient ones). */
function renamedKubeconfig(path: string): string {
    const text = fs.readFileSync(path, "utf8");
    return text.replace(/\blocal\b/g, "kf-dev").replace(/\badmin\b/g, "kf-dev");
}

function profile(name: string, provider?: k8s.Provider): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name }, spec: { owner: { kind: "User", name: `${name}@example.com` } } },
        provider ? { provider } : {},
    );
}

describe("the stack's Kubernetes provider through the real engine and plugin @e2e", function () {
    this.timeout(300_000);
    let engine: EngineStack | undefined;
    let cluster: ControlPlane;
    // What the program declares; tests change it between runs.
    let declare: () => void = () => undefined;

    const renamed = () => renamedKubeconfig(cluster.kubeconfigPath);
    const uids = () =>
        Object.fromEntries(NAMES.map((n) => [n, cluster.kubectl(["get", "profiles.kubeflow.org", n, "-o", "jsonpath={.metadata.uid}"]).stdout]));

    before(async function () {
        const cli = cliOrSkip(this);
        cluster = await controlPlaneOrSkip(this);
        cluster.installCrd(CRD_PATH);
        const plugin = path.dirname(cluster.binaries["pulumi-resource-kubernetes"]);
        engine = await engineStack(cli, async () => declare(), "provider-move", { KUBECONFIG: cluster.kubeconfigPath }, [plugin]);
    });

    after(async () => {
        if (engine) {
            await engine.stack.destroy(quiet);
            await engine.dispose();
        }
    });

    it("deploys Profiles under the default provider, as earlier releases did", async () => {
        declare = () => NAMES.forEach((n) => profile(n));
        await engine!.stack.up(quiet);
        expect(Object.values(uids()).every((uid) => /^[0-9a-f-]{36}$/.test(uid)), JSON.stringify(uids())).to.equal(true);
    });

    it("without the alias, the real plugin replaces no Profile either (its resource Diff does not compare clusters)", async () => {
        declare = () => {
            const provider = new k8s.Provider("cluster", { kubeconfig: renamed(), clusterIdentifier: "kf-dev" });
            NAMES.forEach((n) => profile(n, provider));
        };
        const preview = await previewStack(engine!.stack, quiet);
        expect(preview.changeSummary, preview.stdout).to.deep.equal({ create: 1, same: 3 });
    });

    it("with the stack's provider, the move replaces no Profile: the same objects stay in the cluster", async () => {
        const before = uids();
        declare = () => {
            const provider = stackKubernetesProvider({ clusterName: "kf-dev", kubeconfig: renamed() });
            NAMES.forEach((n) => profile(n, provider));
        };
        const preview = await previewStack(engine!.stack, quiet);
        expect(preview.stdout).to.not.match(/kubeflow\.org\/v1:Profile +move-\w +(replace|delete|create)/);
        await engine!.stack.up(quiet);
        expect(uids()).to.deep.equal(before);
        const state = JSON.parse(engine!.checkpoint());
        const providers = state.checkpoint.latest.resources.filter((r: { type: string }) => r.type === "pulumi:providers:kubernetes").map((r: { urn: string }) => r.urn.split("::").pop());
        expect(providers).to.deep.equal(["cluster"]);
        await previewStack(engine!.stack, { ...quiet, expectNoChanges: true } as never);
    });

    it("pointing the stack's provider at another cluster replaces every Profile: a cluster move is never silent", async () => {
        declare = () => {
            const provider = stackKubernetesProvider({ clusterName: "kf-other", kubeconfig: renamed() });
            NAMES.forEach((n) => profile(n, provider));
        };
        const preview = await previewStack(engine!.stack, quiet);
        expect(preview.changeSummary, preview.stdout).to.deep.equal({ replace: 3, same: 1 });
        for (const name of NAMES) expect(preview.stdout).to.match(new RegExp(`kubeflow\\.org/v1:Profile +${name} +create replacement \\[diff: ~provider\\]`));
        // Put the declaration back, so the destroy in after() goes through the deployed provider.
        declare = () => {
            const provider = stackKubernetesProvider({ clusterName: "kf-dev", kubeconfig: renamed() });
            NAMES.forEach((n) => profile(n, provider));
        };
    });
});
