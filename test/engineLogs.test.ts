/**
 * The program sends the SDK's per-resource debug messages to the engine only when asked (engineLogs.ts): with the
 * engine set (a stand-in engine client that counts Log calls), `pulumi.log.debug` reaches it by default and not after
 * withoutSdkDebugLogs; KUBEFLOW_IRSA_SDK_DEBUG_LOGS=1 keeps it. Warnings still reach it. What it saves is measured in
 * BENCHMARKS.md section 12, not here.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { SDK_DEBUG_LOGS_ENV, withoutSdkDebugLogs } from "../engineLogs";

describe("the SDK's debug messages under an engine", () => {
    const log = require("@pulumi/pulumi/log") as { debug: typeof pulumi.log.debug };
    const settings = require("@pulumi/pulumi/runtime/settings") as { getEngine(): unknown; setMockOptions?: unknown };
    const original = { debug: log.debug, getEngine: settings.getEngine };
    let calls: number[];

    beforeEach(() => {
        calls = [];
        // STAND-IN for the engine's gRPC client: counts the Log requests by severity.
        settings.getEngine = () => ({ log: (req: { getSeverity(): number }, done: () => void) => (calls.push(req.getSeverity()), done()) });
        log.debug = original.debug;
    });
    afterEach(() => Object.assign(log, { debug: original.debug }) && Object.assign(settings, { getEngine: original.getEngine }));

    it("reach the engine as the SDK sends them, and not once the program has turned them off", async () => {
        await pulumi.log.debug("Registering resource: t=x");
        expect(calls).to.have.length(1);
        withoutSdkDebugLogs({});
        await pulumi.log.debug("Registering resource: t=x");
        await pulumi.log.warn("still a warning");
        expect(calls).to.have.length(2);
        expect(calls[1]).to.not.equal(calls[0]); // the second is the warning
    });

    it(`are kept with ${SDK_DEBUG_LOGS_ENV}=1`, async () => {
        withoutSdkDebugLogs({ [SDK_DEBUG_LOGS_ENV]: "1" });
        await pulumi.log.debug("Registering resource: t=x");
        expect(calls).to.have.length(1);
    });
});
