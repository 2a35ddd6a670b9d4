/**
 * Runs the real program (`index.ts`) in-process under Pulumi's mock runtime, with a given flat config map.
 * Used by the offline preview, the whole-stack tests and the benchmark.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { CONFIG_NAMESPACE } from "../config/schema";
import { issuerHostPathFromProviderArn } from "../iam/identity";
import { DeclaredResource, StandInCloud, standInCloudFor, StandInMocks } from "./standInCloud";
import { PROJECT_NAME } from "../project";

/** The program's entry module, resolved relative to this file so it works from sources and from `dist/`. */
export const PROGRAM_PATH = path.resolve(__dirname, "..", "index");

export interface ProgramRun {
    resources: DeclaredResource[];
    /** The account, region and partition the stand-ins answered with. */
    cloud: StandInCloud;
    outputs: Record<string, unknown>;
}

export interface RunProgramOptions {
    /** Flat Pulumi config (`kubeflow-irsa:clusterName` -> value; structured values as JSON text). */
    config: Record<string, string>;
    /** Keys whose values are secrets. */
    secretKeys?: string[];
    stack: string;
    /** Entry module; defaults to the package's `index`. */
    programPath?: string;
    /** Mocks to record into (a fresh set by default); pass one to inspect what a failed run declared. */
    mocks?: StandInMocks;
    /**
     * Keep the SDK's debug aids while the program runs (stack traces, per-resource source positions, promise leak
     * reports). Off by default (`withoutDebugAids`): they cost a third of the evaluation time at 1,000 profiles, and
     * offline there is no engine to show source positions to. Error messages are unaffected.
     */
    captureStacks?: boolean;
}

/**
 * The issuer the stack's stand-in cluster reports: the one its config names (oidcIssuerUrl, or the adopted
 * provider's), since offline nothing else is known; the deploy checks the real cluster against it.
 */
export function configuredIssuers(config: Record<string, string>): Record<string, string> {
    const cluster = config[`${CONFIG_NAMESPACE}:clusterName`];
    const url = config[`${CONFIG_NAMESPACE}:oidcIssuerUrl`];
    const providerArn = config[`${CONFIG_NAMESPACE}:oidcProviderArn`];
    const issuer = url ?? (providerArn?.includes(":oidc-provider/") ? `https://${issuerHostPathFromProviderArn(providerArn)}` : undefined);
    return cluster && issuer ? { [cluster]: issuer } : {};
}

/**
 * Declares everything the program declares, waits until every registration has been answered, and returns what
 * was declared plus the stack outputs. A config error rejects with the program's error.
 */
export async function runProgram(options: RunProgramOptions): Promise<ProgramRun> {
    const programPath = require.resolve(options.programPath ?? PROGRAM_PATH);
    const mocks = options.mocks ?? new StandInMocks(configuredIssuers(options.config), standInCloudFor(options.config));
    pulumi.runtime.setAllConfig(options.config, options.secretKeys);
    await pulumi.runtime.setMocks(mocks, PROJECT_NAME, options.stack, true);
    // The program runs at module load: drop any earlier load so each run declares its resources afresh.
    delete require.cache[programPath];
    const restoreDebugAids = options.captureStacks ? () => undefined : withoutDebugAids();
    try {
        const outputs = await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation(mocks.trackParents);
            const exported = require(programPath);
            // The program exports its main function (it awaits the cluster lookup before declaring).
            return typeof exported === "function" ? await exported() : { ...exported };
        });
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        return { resources: mocks.resources, cloud: mocks.cloud, outputs: outputs ?? {} };
    } finally {
        restoreDebugAids();
    }
}

/**
 * Turns off, until the returned function is called, what the SDK does per resource and per promise only to help
 * debug a program under the engine: Resource.callsites captures a whole stack per resource (it lifts the stack
 * limit itself) for source positions, and debuggablePromise stamps each internal promise with a stack and wraps it
 * for leak reports at exit. Offline there is no engine to show positions to, and the run awaits every RPC. Together
 * they were 1 s of 3.2 s at 1,000 profiles (BENCHMARKS.md). Both are SDK internals: should one be renamed, its
 * assignment is inert and only the time is lost.
 */
function withoutDebugAids(): () => void {
    const resourceClass = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
    const saved = { stackTraceLimit: Error.stackTraceLimit, callsites: resourceClass.callsites, debuggablePromise: debuggable.debuggablePromise };
    Error.stackTraceLimit = 0;
    resourceClass.callsites = () => [];
    debuggable.debuggablePromise = (p) => p;
    return () => {
        Error.stackTraceLimit = saved.stackTraceLimit;
        resourceClass.callsites = saved.callsites;
        debuggable.debuggablePromise = saved.debuggablePromise;
    };
}
