/**
 * @e2e: the Node release under test is the one the engine's processes run on. The dynamic-provider host
 * (`pulumi-resource-pulumi-nodejs`, which runs the RolePair provider in a user's `pulumi up`) starts whatever `node` is
 * first on PATH; tools/engine.ts puts the test's own Node there, so .ci/run's run on each supported release tests the
 * provider on that release too.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { EngineStack, engineStack } from "../../tools/engine";
import { cliOrSkip } from "../helpers/toolsOrSkip";

/** A dynamic provider that reports the Node release of the process it runs in: the provider host. */
const nodeOfHost: pulumi.dynamic.ResourceProvider = {
    async create() {
        return { id: "node", outs: { version: process.version, execPath: process.execPath } };
    },
};

class NodeOfHost extends pulumi.dynamic.Resource {
    declare readonly version: pulumi.Output<string>;
    declare readonly execPath: pulumi.Output<string>;
    constructor(name: string) {
        super(nodeOfHost, name, { version: undefined, execPath: undefined }, {});
    }
}

describe("the Node release of the engine's provider host @e2e", function () {
    this.timeout(300_000);
    let engine: EngineStack | undefined;

    after(async () => engine?.dispose());

    it("is the release the tests run on", async function () {
        const cli = cliOrSkip(this);
        engine = await engineStack(cli, async () => {
            const probe = new NodeOfHost("node-of-host");
            return { version: probe.version, execPath: probe.execPath };
        }, "node-release");
        const result = await engine.stack.up({ color: "never" });
        expect(result.outputs.version.value, `provider host ran ${result.outputs.execPath.value}`).to.equal(process.version);
    });
});
