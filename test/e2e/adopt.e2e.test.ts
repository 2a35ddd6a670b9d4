/**
 * @e2e: `npm run adopt` against a hand-made setup, then its import file through the real Pulumi CLI
 * (`pulumi import --file`) with the real pulumi-kubernetes plugin reading the Profiles and service accounts from a real
 * kube-apiserver (tools/controlPlane.ts), then a preview of the whole program on the stack file the adoption wrote:
 * on the Kubernetes objects, it must show exactly the updates the adoption report lists, and nothing replaced.
 *
 * The adopted cluster is reached through `--kubeconfig` (the program's `cluster.kubeconfig` mode): the real plugin
 * needs a reachable cluster, and the generated EKS kubeconfig would name one that is not there. AWS is moto for the
 * adoption's reads. Stand-ins, labelled where they live and not under test: the aws plugin
 * (test/e2e/fixtures/aws-plugin: its import reads echo the id, so no role's diff is checked here: the adoption's role
 * changes are tested against moto in test/adopt.integration.test.ts), the language host for `pulumi import`'s plugin
 * list (test/e2e/fixtures/nodejs-language), and the profile controller's work (namespaces and default service
 * accounts, created here with kubectl). Because of the aws stand-in, the role ARN is unknown in that preview, so the
 * comparison is at the plugin's granularity and the fields that take the ARN count as changed (TAKES_ROLE_ARN).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, ImportResource } from "@pulumi/pulumi/automation";
import { adopt, AdoptResult } from "../../adopt/cli";
import { declaredUrns } from "../../adopt/importFile";
import { PROFILE_CR_TYPE, SERVICE_ACCOUNT_TYPE } from "../../components/typeTokens";
import { runProgram } from "../../offline/runtime";
import { PROJECT_NAME } from "../../project";
import { readStackFile } from "../../offline/stackFile";
import { ControlPlane } from "../../tools/controlPlane";
import { Emulator } from "../../tools/emulator";
import { configMap, EngineStack, previewStack, wholeProgramStack } from "../../tools/engine";
import { controlPlaneOrSkip } from "../helpers/controlPlane";
import { CRD_PATH } from "../helpers/crd";
import { ACCOUNT, buildHandMadeState, CLUSTER, handMadeProfiles, handMadeServiceAccounts } from "../helpers/handMade";
import { cliOrSkip, motoOrSkip } from "../helpers/toolsOrSkip";

const LANGUAGE_HOST_STANDIN = path.join(__dirname, "fixtures", "nodejs-language");
const STACK = "prod-adopted";
const REGION = "us-east-1";
const quiet = { color: "never" as const };

interface Step {
    op: string;
    urn: string;
    type: string;
    /** Changed property paths, as the plugin's detailed diff names them. */
    paths: string[];
}

/**
 * A changed path at the granularity the plugin's preview reports after an import (the imported object's recorded
 * inputs are the live object's top-level fields): `spec.plugins` and `spec` -> `spec`, `metadata.annotations (+x)` and
 * `metadata.annotations["x"]` -> `metadata.annotations`.
 */
function field(pathOrReportLine: string): string {
    const [first, second] = pathOrReportLine.replace(/ \(.*$/, "").replace(/\[.*$/, "").split(".");
    return first === "metadata" && second !== undefined ? `${first}.${second}` : first;
}

/**
 * Where an object takes a role's ARN (the Profile's plugin, the service account's annotation). The aws stand-in shows
 * the adopted roles as updates, and the Node provider server it runs on drops the Diff's `stables`, so their ARN is
 * unknown in this preview (the real aws plugin keeps it known): these fields show as changed whatever the report says.
 */
const TAKES_ROLE_ARN: Record<string, string> = { [PROFILE_CR_TYPE]: "spec", [SERVICE_ACCOUNT_TYPE]: "metadata.annotations" };

describe("the adoption through the real Pulumi CLI, the real kubernetes plugin and API server @e2e", function () {
    this.timeout(300_000);
    let emulator: Emulator | undefined;
    let engine: EngineStack | undefined;
    let cluster: ControlPlane;
    let result: AdoptResult;
    let stacksDir = "";

    const live = (kind: string, name: string, namespace?: string) =>
        JSON.parse(cluster.kubectl(["get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json"]).stdout) as { metadata: { uid: string } };

    before(async function () {
        const cli = cliOrSkip(this);
        cluster = await controlPlaneOrSkip(this);
        process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = "true";
        emulator = await motoOrSkip(this);
        const { hostPath } = await buildHandMadeState();
        cluster.installCrd(CRD_PATH);

        // The hand-made cluster: the Profiles as the docs' kubectl steps made them, and what the profile controller made
        // for each (its namespace and default service accounts: stand-ins for the controller, not under test).
        const created = (r: { status: number | null; stderr: string }) => expect(r.status, r.stderr).to.equal(0);
        const profiles = handMadeProfiles();
        for (const p of profiles.items) {
            const { uid: _uid, resourceVersion: _rv, ...metadata } = p.metadata;
            created(cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ ...p, metadata })));
            created(cluster.kubectl(["create", "namespace", p.metadata.name]));
            for (const sa of ["default-editor", "default-viewer"]) created(cluster.kubectl(["create", "serviceaccount", sa, "-n", p.metadata.name]));
        }
        created(cluster.kubectl(["create", "namespace", "kubeflow"]));
        created(cluster.kubectl(["create", "serviceaccount", "profiles-controller-service-account", "-n", "kubeflow"]));
        for (const sa of handMadeServiceAccounts().items.filter((a) => a.metadata.name !== "default-editor")) created(cluster.kubectl(["apply", "-f", "-"], JSON.stringify(sa)));

        // What the user runs: kubectl's own exports, then npm run adopt with the cluster's kubeconfig.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-e2e-"));
        const exported = (file: string, args: string[]) => {
            const r = cluster.kubectl([...args, "-o", "json"]);
            expect(r.status, r.stderr).to.equal(0);
            fs.writeFileSync(path.join(dir, file), r.stdout);
            return path.join(dir, file);
        };
        stacksDir = path.join(dir, "stacks");
        result = await adopt({
            cluster: CLUSTER,
            profilesFile: exported("profiles.json", ["get", "profiles.kubeflow.org"]),
            serviceAccountsFile: exported("serviceaccounts.json", ["get", "serviceaccounts", "--all-namespaces"]),
            stack: STACK,
            region: REGION,
            outDir: path.join(dir, "out"),
            stacksDir,
            kubeconfig: cluster.kubeconfigPath,
            context: "local",
        });
        engine = await wholeProgramStack(cli, STACK, {
            kubernetesPlugin: cluster.binaries["pulumi-resource-kubernetes"],
            pluginDirs: [LANGUAGE_HOST_STANDIN],
            env: { STANDIN_ACCOUNT_ID: ACCOUNT, STANDIN_REGION: REGION, STANDIN_ISSUER_URL: `https://${hostPath}` },
        });
        await engine.stack.setAllConfig(configMap(readStackFile(STACK, stacksDir).config));
    });

    after(async () => {
        // The control plane serves the whole mocha run: leave none of the hand-made objects to the suites after this one.
        if (cluster) {
            const names = handMadeProfiles().items.map((p) => p.metadata.name);
            cluster.kubectl(["delete", "profiles.kubeflow.org", ...names, "--ignore-not-found", "--wait=true"]);
            cluster.kubectl(["delete", "namespace", ...names, "kubeflow", "--ignore-not-found", "--wait=true", "--timeout=120s"]);
        }
        await engine?.dispose();
        await emulator?.stop();
        delete process.env.MOTO_IAM_LOAD_MANAGED_POLICIES;
    });

    it("imports every entry under the URN the program declares; the real plugin reads each Profile and service account from the cluster", async () => {
        await engine!.stack.import({ resources: result.importFile.resources as ImportResource[], protect: false, generateCode: false });
        const state = (await engine!.stack.exportStack()).deployment as { resources: Array<{ urn: string; id?: string; type: string; inputs?: Record<string, unknown>; outputs?: Record<string, any> }> };
        // The engine adds the stack and the default aws provider the imported roles use, as `pulumi up` would.
        const imported = new Map(state.resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && !/::pulumi:providers:aws::default_/.test(r.urn)).map((r) => [r.urn, r]));

        // What the program declares on the written stack file, run afresh as the offline preview runs it.
        const program = await runProgram({ config: readStackFile(STACK, stacksDir).config, stack: STACK });
        const urns = declaredUrns(program.resources, STACK, PROJECT_NAME);
        const expected = result.importFile.resources.map((r) => urns.get(`${r.type}::${r.logicalName}`));
        expect(expected.every((u) => u !== undefined), "an entry the program does not declare").to.equal(true);
        expect([...imported.keys()].sort()).to.deep.equal([...expected].sort());

        const entries = result.importFile.resources.filter((r) => r.id);
        expect(entries.filter((e) => e.type === PROFILE_CR_TYPE).map((e) => e.id).sort()).to.deep.equal(["alice", "team-a", "team-b", "team-c", "vision"]);
        expect(entries.filter((e) => e.type === SERVICE_ACCOUNT_TYPE).map((e) => e.id)).to.deep.equal(["vision/trainer"]);
        for (const entry of entries) {
            const r = imported.get(urns.get(`${entry.type}::${entry.logicalName}`)!)!;
            expect(r.id, entry.logicalName).to.equal(entry.id);
            if (entry.type === PROFILE_CR_TYPE) expect(r.outputs!.metadata.uid, `Profile ${entry.id} as the plugin read it`).to.equal(live("profiles.kubeflow.org", entry.id!).metadata.uid);
            if (entry.type === SERVICE_ACCOUNT_TYPE) {
                const [namespace, name] = entry.id!.split("/");
                expect(r.outputs!.metadata.uid, `ServiceAccount ${entry.id} as the plugin read it`).to.equal(live("serviceaccount", name, namespace).metadata.uid);
            }
        }
        const provider = state.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        expect(provider.inputs!.clusterIdentifier).to.equal(CLUSTER);
    });

    it("previews, on the Kubernetes objects, exactly the updates the adoption report lists, and replaces nothing", async () => {
        const steps: Step[] = [];
        const onEvent = (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && m.type.startsWith("kubernetes:")) steps.push({ op: m.op, urn: m.urn, type: m.type, paths: Object.keys(m.detailedDiff ?? {}) });
        };
        await previewStack(engine!.stack, { ...quiet, diff: true, onEvent });
        const name = (urn: string) => urn.split("::").pop()!;

        // Each imported Profile and service account: updated exactly where the report says, and nowhere else.
        const reported = new Map(result.report.changes.map((c) => [c.resource, c.properties]));
        const importedSteps = steps.filter((s) => s.type === PROFILE_CR_TYPE || (s.type === SERVICE_ACCOUNT_TYPE && result.importFile.resources.some((r) => r.logicalName === name(s.urn) && r.id)));
        expect(importedSteps.map((s) => name(s.urn)).sort()).to.deep.equal(["alice", "team-a", "team-b", "team-c", "vision", "vision.trainer"]);
        for (const step of importedSteps) {
            const resource = step.type === PROFILE_CR_TYPE ? `Profile ${name(step.urn)}` : `ServiceAccount ${name(step.urn).replace(".", "/")}`;
            const want = reported.get(resource);
            expect(want, `the report has no entry for ${resource}`).to.not.equal(undefined);
            const expected = [...new Set([...want!.map(field), TAKES_ROLE_ARN[step.type]])].sort();
            const changed = [...new Set(step.paths.map(field))].sort();
            expect({ resource, op: step.op, changed }).to.deep.equal({ resource, op: want!.length ? "update" : "same", changed: expected });
        }
        // Nothing of the cluster is deleted or replaced; what is new is created (the report's notes say so).
        expect(steps.filter((s) => !["same", "update", "create"].includes(s.op)).map((s) => `${s.op} ${s.urn}`)).to.deep.equal([]);
        for (const step of steps.filter((s) => s.op === "create" && s.type === SERVICE_ACCOUNT_TYPE)) {
            expect(result.adoption.notes.join("\n"), `the report says the first up creates ${name(step.urn)}`).to.contain(`Service account ${name(step.urn).replace(".", "/")}: does not exist yet`);
        }
    });
});
