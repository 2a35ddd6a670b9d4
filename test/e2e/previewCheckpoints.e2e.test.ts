/**
 * @e2e: previews without per-step checkpoints (tools/engine.ts PREVIEW_WITHOUT_CHECKPOINTS, which the pull-request
 * workflow, the README's local preview, the e2e tests and the benchmark set for every preview) change nothing a
 * reviewer or the state sees. Through the real CLI on a stack of dynamic resources (the provider host runs them;
 * nothing here is stood in): the state file stays byte-identical, and the change summary and the `--diff` output
 * are the same as a default preview's, with and without `--refresh`; an `up` afterwards runs without the variables.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { EngineStack, engineStack, PREVIEW_WITHOUT_CHECKPOINTS, previewStack } from "../../tools/engine";
import { cliOrSkip } from "../helpers/toolsOrSkip";

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        return { id: inputs.name, outs: inputs };
    },
    async diff(_id, olds, news) {
        return { changes: olds.value !== news.value };
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
};

class Thing extends pulumi.dynamic.Resource {
    constructor(name: string, value: string) {
        super(provider, name, { name, value }, {});
    }
}

/** The `--diff` output as a set of per-resource blocks: the engine runs steps in parallel, so their order varies. */
const diffBlocks = (stdout: string) => stdout.split(/\n(?=    [~+-] |Resources:)/).map((block) => block.trim()).sort();

describe("previews without per-step checkpoints @e2e", function () {
    let engine: EngineStack | undefined;
    let version = "a";

    before(async function () {
        const cli = cliOrSkip(this);
        // 40 resources: every odd one changes value after the first up (updates), a new one appears (a create).
        engine = await engineStack(cli, async () => {
            for (let i = 0; i < 40; i++) new Thing(`thing-${i}`, i % 2 ? version : "a");
            if (version !== "a") new Thing("added", version);
        }, "checkpoints");
        await engine.stack.up({ color: "never" });
        version = "b";
    });

    after(async () => engine?.dispose());

    for (const refresh of [false, true]) {
        it(`leaves the state byte-identical and shows the same diff as a default preview${refresh ? ", with --refresh" : ""}`, async () => {
            const state = engine!.checkpoint();
            const plain = await engine!.stack.preview({ color: "never", diff: true, refresh });
            expect(engine!.checkpoint()).to.equal(state);
            const fast = await previewStack(engine!.stack, { color: "never", diff: true, refresh });
            expect(engine!.checkpoint()).to.equal(state);
            expect(fast.changeSummary).to.deep.equal(plain.changeSummary);
            expect(fast.changeSummary).to.deep.include({ update: 20, create: 1 });
            expect(diffBlocks(fast.stdout)).to.deep.equal(diffBlocks(plain.stdout));
        });
    }

    it("sets the variables for the preview alone: an up afterwards checkpoints as usual", async () => {
        await previewStack(engine!.stack, { color: "never" });
        const env = (engine!.stack.workspace as unknown as { envVars: Record<string, string> }).envVars;
        for (const key of Object.keys(PREVIEW_WITHOUT_CHECKPOINTS)) expect(env).to.not.have.property(key);
        const up = await engine!.stack.up({ color: "never" });
        expect(up.summary.resourceChanges).to.deep.include({ update: 20, create: 1 });
        expect(engine!.checkpoint()).to.include("urn:pulumi:checkpoints::kubeflow-irsa::pulumi-nodejs:dynamic:Resource::added");
    });
});
