/**
 * The SDK's debug messages under a real engine: `@pulumi/pulumi` logs "Registering resource", "RPC prepared" and "RPC
 * finished" for every resource, and under an engine each is a gRPC Log call, in order, whether or not the CLI shows
 * debug output. At 1,000 profiles that is 7 of the program's 15 CPU seconds under the engine (BENCHMARKS.md section
 * 12), and what makes the program cost 1.8x under the engine what it costs under the mock runtime, where debug
 * messages go nowhere. The program sends them only when asked: `KUBEFLOW_IRSA_SDK_DEBUG_LOGS=1` with
 * `pulumi up --debug` (or `-v`) to see the SDK's own registration trace. Warnings, errors and info are untouched.
 */
import * as pulumi from "@pulumi/pulumi";

/** The env var that keeps the SDK's per-resource debug messages. */
export const SDK_DEBUG_LOGS_ENV = "KUBEFLOW_IRSA_SDK_DEBUG_LOGS";

/** Makes the SDK's debug messages no-ops, as they are without an engine, unless SDK_DEBUG_LOGS_ENV is set. */
export function withoutSdkDebugLogs(env: NodeJS.ProcessEnv = process.env): void {
    if (env[SDK_DEBUG_LOGS_ENV] === "1") return;
    // The runtime calls the module's `debug` by property on each use, so replacing it reaches every caller.
    const log = require("@pulumi/pulumi/log") as { debug: typeof pulumi.log.debug };
    log.debug = () => Promise.resolve();
}
