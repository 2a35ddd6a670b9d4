/**
 * @e2e: the adoption's import file through the real Pulumi CLI (`pulumi import --file`). Stand-in aws and kubernetes
 * plugins answer the reads (test/e2e/fixtures; the real kubernetes plugin would need the adopted stack's EKS cluster
 * reachable); what is real is the CLI's
 * reading of the file (file-local names, `component: true` parents, the provider declared with its inputs) and
 * the URNs the engine gives each imported resource, which must be exactly the program's.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ImportResource } from "@pulumi/pulumi/automation";
import { adopt } from "../../adopt/cli";
import { declaredUrns } from "../../adopt/importFile";
import { runProgram, PROJECT_NAME } from "../../preview/runtime";
import { PROJECT_ROOT, readStackFile } from "../../preview/stackFile";
import { Emulator } from "../../tools/emulator";
import { EngineStack, engineStack } from "../../tools/engine";
import { buildHandMadeState, CLUSTER, writeKubectlFiles } from "../helpers/handMade";
import { cliOrSkip, motoOrSkip } from "../helpers/toolsOrSkip";

const PLUGIN_DIRS = ["kubernetes-plugin", "aws-plugin", "nodejs-language"].map((d) => path.join(__dirname, "fixtures", d));
const STACK = "prod-adopted";

describe("the adoption's import file through the real Pulumi CLI @e2e", function () {
    this.timeout(300_000);
    let emulator: Emulator | undefined;
    let engine: EngineStack | undefined;

    before(async function () {
        const cli = cliOrSkip(this);
        // The stand-in aws plugin runs the compiled preview's stand-ins (dist/).
        execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "build.js")]);
        process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = "true";
        emulator = await motoOrSkip(this);
        await buildHandMadeState();
        engine = await engineStack(cli, async () => undefined, STACK, {}, PLUGIN_DIRS);
    });

    after(async () => {
        await engine?.dispose();
        await emulator?.stop();
        delete process.env.MOTO_IAM_LOAD_MANAGED_POLICIES;
    });

    it("imports every entry under the URN the program declares, with the ids adopt chose", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-e2e-"));
        writeKubectlFiles(dir);
        const stacksDir = path.join(dir, "stacks");
        const result = await adopt({ cluster: CLUSTER, profilesFile: path.join(dir, "profiles.json"), serviceAccountsFile: path.join(dir, "serviceaccounts.json"), stack: STACK, region: "us-east-1", outDir: path.join(dir, "out"), stacksDir });

        await engine!.stack.import({ resources: result.importFile.resources as ImportResource[], protect: false, generateCode: false });
        const state = (await engine!.stack.exportStack()).deployment as { resources: Array<{ urn: string; id?: string; custom: boolean; type: string; inputs?: Record<string, unknown> }> };
        // The engine adds the stack and the default aws provider the imported roles use, as `pulumi up` would.
        const imported = new Map(state.resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && !/::pulumi:providers:aws::default_/.test(r.urn)).map((r) => [r.urn, r]));

        // What the program declares on the written stack file, run afresh as the offline preview runs it.
        const program = await runProgram({ config: readStackFile(STACK, stacksDir).config, stack: STACK });
        const urns = declaredUrns(program.resources, STACK, PROJECT_NAME);

        const expected = result.importFile.resources.map((r) => urns.get(`${r.type}::${r.logicalName}`));
        expect(expected.every((u) => u !== undefined), "an entry the program does not declare").to.equal(true);
        expect([...imported.keys()].sort()).to.deep.equal([...expected].sort());
        for (const entry of result.importFile.resources.filter((r) => r.id)) {
            expect(imported.get(urns.get(`${entry.type}::${entry.logicalName}`)!)!.id, entry.logicalName).to.equal(entry.id);
        }
        const provider = state.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        expect(provider.inputs!.clusterIdentifier).to.equal(CLUSTER);
    });
});
