/**
 * @e2e: the whole program (`index.ts`, compiled, as `pulumi up` runs it) through the real Pulumi engine (Automation
 * API inline program), the real pulumi-kubernetes plugin and a real kube-apiserver with the vendored Profile CRD, in
 * the program's own `cluster.kubeconfig` mode, with the RolePair dynamic provider in the engine's provider host against
 * moto. What is under test: the objects the program applies, the Profile's wait for the controller, the
 * service-account patches beside the controller's own fields, the role pair's roles and trust (naming the program's
 * own OIDC provider), no-op up and refresh, deletes, and the Profile's background deletion.
 *
 * Stand-ins, each labelled where it lives: the aws plugin (test/e2e/fixtures/aws-plugin: echoes inputs, stable ARNs,
 * answers the program's invokes; no AWS behaviour is tested through it) and the profile controller
 * (test/e2e/fixtures/profile-controller.js: namespace, default service accounts and finalizer after a delay; on
 * delete it needs `default-editor`, as the real RevokePlugin does). The Kubeflow install's own namespace and the
 * controller's service account are created here.
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { ConfigMap } from "@pulumi/pulumi/automation";
import { decodePolicyDocument } from "../../iam/document";
import { runProgram } from "../../offline/runtime";
import { ControlPlane } from "../../tools/controlPlane";
import { Emulator } from "../../tools/emulator";
import { configMap, EngineStack, previewStack, wholeProgramStack } from "../../tools/engine";
import { controlPlaneOrSkip } from "../helpers/controlPlane";
import { CRD_PATH } from "../helpers/crd";
import { cliOrSkip, motoOrSkip } from "../helpers/toolsOrSkip";

const quiet = { color: "never" as const };
const FIXTURES = path.join(__dirname, "fixtures");
const READY_TIMEOUT_SECONDS = 20;
/** moto's account, named by aws:allowedAccountIds: the stand-in ARNs use it too, so the pair's trust names the program's OIDC provider in its own account. */
const ACCOUNT = "123456789012";
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/kubeflow/${name}`;
/** A same-account pair (the cross-account path runs in rolePair.e2e.test.ts): team-b's pipeline runs read a bucket. */
const PAIR = {
    name: "pipeline-data",
    assetAccountId: ACCOUNT,
    assetRoleName: "pipeline-data-asset",
    eksRoleName: "pipeline-data-eks",
    subjects: ["system:serviceaccount:team-b:default-editor"],
    assetPolicy: { Version: "2012-10-17", Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::pipeline-data/*" }] },
};

interface ProfileEntry {
    name: string;
    owner: string;
    serviceAccounts?: string[];
}

const TEAM_A: ProfileEntry = { name: "team-a", owner: "a@example.com" };
const TEAM_B: ProfileEntry = { name: "team-b", owner: "b@example.com", serviceAccounts: ["default-editor", "default-viewer", "batch"] };
const STUCK: ProfileEntry = { name: "stuck", owner: "s@example.com", serviceAccounts: ["default-editor", "extra"] };

describe("the whole program through the real engine, kubernetes plugin and API server @e2e", function () {
    this.timeout(300_000);
    let cluster: ControlPlane;
    let engine: EngineStack | undefined;
    let controller: ChildProcess | undefined;
    let controllerLog = "";
    let emulator: Emulator | undefined;

    const events = () => (fs.existsSync(controllerLog) ? fs.readFileSync(controllerLog, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { at: number; event: string; profile?: string }) : []);
    const get = (args: string[]) => cluster.kubectl(["get", ...args, "-o", "json"]);
    const json = (args: string[]) => JSON.parse(get(args).stdout);
    const exists = (args: string[]) => get(args).status === 0;

    function config(profiles: ProfileEntry[]): ConfigMap {
        return configMap({
            "aws:region": "us-west-2",
            "aws:allowedAccountIds": [ACCOUNT],
            "kubeflow-irsa:clusterName": "kf-e2e",
            "kubeflow-irsa:rolePath": "/kubeflow/",
            "kubeflow-irsa:cluster": { kubeconfig: cluster.kubeconfigPath, context: "local" },
            "kubeflow-irsa:profileController": { readyTimeoutSeconds: READY_TIMEOUT_SECONDS },
            "kubeflow-irsa:profiles": profiles,
            "kubeflow-irsa:rolePairs": [PAIR],
        });
    }
    const iam = () => new IAMClient({});
    const roleOf = (name: string) => iam().send(new GetRoleCommand({ RoleName: name })).then((r) => r.Role!, (e) => { if (e.name === "NoSuchEntityException") return undefined; throw e; });

    /** The Kubernetes objects (type, name) the offline preview's plan lists for a config: what `up` must apply. */
    async function previewedObjects(profiles: ProfileEntry[]): Promise<string[]> {
        const flat = Object.fromEntries(Object.entries(config(profiles)).map(([k, v]) => [k, v.value]));
        const run = await runProgram({ config: flat, stack: "whole-program" });
        return run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:")).map((r) => `${r.type} ${r.name}`).sort();
    }

    function deployedObjects(): string[] {
        const state = JSON.parse(engine!.checkpoint());
        return state.checkpoint.latest.resources.filter((r: { type: string; custom?: boolean }) => r.type.startsWith("kubernetes:")).map((r: { type: string; urn: string }) => `${r.type} ${r.urn.split("::").pop()}`).sort();
    }

    before(async function () {
        const cli = cliOrSkip(this);
        cluster = await controlPlaneOrSkip(this);
        emulator = await motoOrSkip(this);
        cluster.installCrd(CRD_PATH);
        // What a Kubeflow install has: the controller's namespace and service account (stand-ins, not under test).
        cluster.kubectl(["create", "namespace", "kubeflow"]);
        cluster.kubectl(["create", "serviceaccount", "profiles-controller-service-account", "-n", "kubeflow"]);
        controllerLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-controller-")), "events.jsonl");
        controller = spawn(process.execPath, [path.join(FIXTURES, "profile-controller.js"), cluster.binaries.kubectl, cluster.kubeconfigPath, controllerLog], {
            env: { ...process.env, NEVER_READY: STUCK.name, DELAY_MS: "1500" },
            stdio: "inherit",
        });
        engine = await wholeProgramStack(cli, "whole-program", { kubernetesPlugin: cluster.binaries["pulumi-resource-kubernetes"], env: { STANDIN_REGION: "us-west-2", STANDIN_ACCOUNT_ID: ACCOUNT } });
    });

    after(async () => {
        controller?.kill("SIGKILL");
        await engine?.dispose();
        await emulator?.stop();
    });

    it("applies exactly the objects the offline preview lists, each Profile's namespace objects only once it is reconciled", async () => {
        await engine!.stack.setAllConfig(config([TEAM_A, TEAM_B]));
        await engine!.stack.up(quiet);
        expect(deployedObjects()).to.deep.equal(await previewedObjects([TEAM_A, TEAM_B]));
        expect(json(["profiles.kubeflow.org"]).items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).to.deep.equal(["team-a", "team-b"]);
        // `batch` went in after the controller's finalizer: the Profile's wait held the service accounts back.
        const ready = events().find((e) => e.event === "finalizer added" && e.profile === "team-b")!;
        const batch = json(["serviceaccount", "batch", "-n", "team-b"]);
        expect(Date.parse(batch.metadata.creationTimestamp)).to.be.at.least(Math.floor(ready.at / 1000) * 1000);
        expect(batch.metadata.annotations["eks.amazonaws.com/role-arn"]).to.equal(roleArn("team-b-kf-e2e-role"));
    });

    it("makes the role pair's two roles through the dynamic provider, the EKS role trusting the program's own OIDC provider with aud and sub", async () => {
        const outputs = await engine!.stack.outputs();
        const providerArn = outputs.oidcProviderArn.value as string;
        const hostPath = outputs.oidcIssuerHostPath.value as string;
        expect(outputs.rolePairRoleArns.value).to.deep.equal({ [PAIR.name]: { eksRoleArn: `arn:aws:iam::${ACCOUNT}:role/${PAIR.eksRoleName}`, assetRoleArn: `arn:aws:iam::${ACCOUNT}:role/${PAIR.assetRoleName}` } });
        const trust = decodePolicyDocument((await roleOf(PAIR.eksRoleName))!.AssumeRolePolicyDocument!);
        expect(trust.Statement).to.deep.equal([{
            Sid: "KubeflowIrsaRolePair", Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: { [`${hostPath}:aud`]: "sts.amazonaws.com", [`${hostPath}:sub`]: PAIR.subjects } },
        }]);
        const assetPolicy = await iam().send(new GetRolePolicyCommand({ RoleName: PAIR.assetRoleName, PolicyName: "asset-policy" }));
        expect(decodePolicyDocument(assetPolicy.PolicyDocument!)).to.deep.equal(PAIR.assetPolicy);
    });

    it("patches the controller's service accounts with the annotation only, leaving the controller's fields alone", () => {
        const viewer = json(["serviceaccount", "default-viewer", "-n", "team-b"]);
        expect(viewer.metadata.annotations["eks.amazonaws.com/role-arn"]).to.equal(roleArn("team-b-kf-e2e-role"));
        expect(viewer.metadata.labels).to.deep.equal({ "profile-controller/owned": "true" });
        const controllerSa = json(["serviceaccount", "profiles-controller-service-account", "-n", "kubeflow"]);
        expect(controllerSa.metadata.annotations["eks.amazonaws.com/role-arn"]).to.equal(roleArn("kf-e2e-kf-profile-controller"));
        // The controller's own annotation of default-editor is the plugin's, untouched by the program.
        expect(json(["serviceaccount", "default-editor", "-n", "team-a"]).metadata.annotations["eks.amazonaws.com/role-arn"]).to.equal(roleArn("team-a-kf-e2e-role"));
    });

    it("changes nothing on a second up or a refresh", async () => {
        await previewStack(engine!.stack, { ...quiet, expectNoChanges: true });
        await engine!.stack.up({ ...quiet, expectNoChanges: true } as never);
        await engine!.stack.refresh({ ...quiet, expectNoChanges: true });
    });

    it("fails `up` with a clear error when a Profile's finalizer never comes, after profileController.readyTimeoutSeconds", async () => {
        await engine!.stack.setAllConfig(config([TEAM_A, TEAM_B, STUCK]));
        const started = Date.now();
        const err = await engine!.stack.up(quiet).then(() => undefined, (e: Error) => e);
        expect(err, "up should fail").to.not.equal(undefined);
        expect(String(err)).to.match(/stuck/).and.match(/timed out|Timeout|timeout/);
        expect(Date.now() - started).to.be.at.least(READY_TIMEOUT_SECONDS * 1000);
        // Nothing went into the namespace that never came.
        expect(exists(["serviceaccount", "extra", "-n", "stuck"])).to.equal(false);
    });

    it("deletes a removed profile's objects, and the controller's cleanup runs on an intact namespace", async () => {
        await engine!.stack.setAllConfig(config([TEAM_B]));
        await engine!.stack.up(quiet);
        expect(exists(["profiles.kubeflow.org", "team-a"])).to.equal(false);
        expect(exists(["profiles.kubeflow.org", "stuck"])).to.equal(false);
        expect(deployedObjects()).to.deep.equal(await previewedObjects([TEAM_B]));
        expect(events().filter((e) => e.event === "revoke failed")).to.deep.equal([]);
    });

    it("leaves nothing behind on destroy, each namespace made once and never re-made by the controller", async () => {
        await engine!.stack.destroy(quiet);
        expect(json(["profiles.kubeflow.org"]).items).to.deep.equal([]);
        expect(exists(["serviceaccount", "batch", "-n", "team-b"])).to.equal(false);
        const made = events().filter((e) => e.event === "namespace created").map((e) => e.profile).sort();
        expect(made).to.deep.equal(["team-a", "team-b"]);
        expect(events().filter((e) => e.event === "revoke failed" || e.event === "namespace re-created")).to.deep.equal([]);
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && (exists(["namespace", "team-a"]) || exists(["namespace", "team-b"]))) await new Promise((r) => setTimeout(r, 500));
        expect(exists(["namespace", "team-b"]), "the garbage collector removes the namespace after its Profile").to.equal(false);
        expect(await roleOf(PAIR.eksRoleName)).to.equal(undefined);
        expect(await roleOf(PAIR.assetRoleName)).to.equal(undefined);
    });
});
