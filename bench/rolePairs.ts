/**
 * Role-pair benchmarks that need moto: the real Pulumi engine on N pairs (wall time per operation, AWS calls per
 * pair, state per pair), and the trust-write read->write window under faults with a concurrent runtime writer.
 */
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { RolePair } from "../components/rolePair";
import { RolePairInputs } from "../components/rolePair/inputs";
import { RolePairProvider } from "../components/rolePair/provider";
import { Emulator, resetEmulator, startEmulator } from "../tools/emulator";
import { engineStack, previewStack, pulumiCli } from "../tools/engine";
import { FaultProxy } from "../tools/faultProxy";
import { DRILL_FAULTS, drillSubjects, subjectUpdateDrill, UpdateDrillResult } from "../tools/trustDrill";

const ASSET_ACCOUNT = "222222222222";
const DEPLOY_ROLE = `arn:aws:iam::${ASSET_ACCOUNT}:role/asset-deployer`;
const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/BENCH";

/** Emulator behind a proxy (never faulted unless asked), with the OIDC provider and the asset deploy role. */
async function setUp(): Promise<{ emulator: Emulator; proxy: FaultProxy; providerArn: string; clean: () => IAMClient }> {
    const emulator = await startEmulator();
    await resetEmulator(emulator.endpoint);
    const proxy = await new FaultProxy(emulator.endpoint).start();
    const clean = () => new IAMClient({ endpoint: proxy.cleanEndpoint });
    const providerArn = (await clean().send(new CreateOpenIDConnectProviderCommand({ Url: `https://${ISSUER}`, ClientIDList: ["sts.amazonaws.com"], ThumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] }))).OpenIDConnectProviderArn!;
    const asset = new IAMClient({ endpoint: proxy.cleanEndpoint, credentials: fromTemporaryCredentials({ params: { RoleArn: DEPLOY_ROLE, RoleSessionName: "bench" }, clientConfig: { endpoint: proxy.cleanEndpoint } }) });
    await asset.send(new CreateRoleCommand({ RoleName: "asset-deployer", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }] }) }));
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    proxy.log.length = 0;
    return { emulator, proxy, providerArn, clean };
}

export interface EngineBench {
    pairs: number;
    cli: string;
    /** Wall ms per engine operation, in order. */
    operations: Array<{ operation: string; ms: number; awsCalls: number }>;
    /** AWS calls per pair during `up`, by action. */
    upCallsPerPair: Record<string, number>;
    stateBytesPerPair: number;
    checkpointBytes: number;
}

/** preview, up, no-op up, refresh, destroy of `pairs` RolePairs through the real engine. */
export async function engineBench(pairs: number): Promise<EngineBench | string> {
    const cli = pulumiCli();
    if (!cli) return "skipped: no Pulumi CLI (bash scripts/install-pulumi.sh)";
    const { emulator, proxy, providerArn } = await setUp();
    const engine = await engineStack(cli, async () => {
        for (let i = 0; i < pairs; i++) {
            new RolePair(`pair-${i}`, {
                assetAccountId: ASSET_ACCOUNT,
                assetRoleName: `bench-asset-${i}`,
                eksRoleName: `bench-eks-${i}`,
                assetPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::bench/${i}/*` }] },
                subjects: [`system:serviceaccount:compute:run-${i}`],
                externalId: `bench-${i}`,
                assetDeployRoleArn: DEPLOY_ROLE,
                oidcProviderArn: providerArn,
            });
        }
    }, "bench");
    try {
        const operations: EngineBench["operations"] = [];
        const timed = async (operation: string, action: () => Promise<unknown>) => {
            const from = proxy.log.length;
            const started = Date.now();
            await action();
            operations.push({ operation, ms: Date.now() - started, awsCalls: proxy.log.length - from });
            process.stderr.write(`engine ${operation} (${pairs} pairs): ${operations.at(-1)!.ms} ms\n`);
        };
        const quiet = { color: "never" as const };
        await timed("preview", () => previewStack(engine.stack, quiet));
        const upFrom = proxy.log.length;
        await timed("up", () => engine.stack.up(quiet));
        const upCallsPerPair: Record<string, number> = {};
        for (const e of proxy.log.slice(upFrom)) upCallsPerPair[e.action] = (upCallsPerPair[e.action] ?? 0) + 1 / pairs;
        const checkpoint = engine.checkpoint();
        const resources = JSON.parse(checkpoint).checkpoint.latest.resources.filter((r: { type: string }) => r.type.endsWith("kubeflow-irsa:RolePair"));
        const stateBytesPerPair = resources.reduce((sum: number, r: unknown) => sum + JSON.stringify(r).length, 0) / resources.length;
        await timed("no-op up", () => engine.stack.up({ ...quiet, expectNoChanges: true }));
        await timed("refresh", () => engine.stack.refresh({ ...quiet, expectNoChanges: true }));
        await timed("destroy", () => engine.stack.destroy(quiet));
        return { pairs, cli, operations, upCallsPerPair, stateBytesPerPair, checkpointBytes: checkpoint.length };
    } finally {
        await engine.dispose();
        await proxy.stop();
        await emulator.stop();
    }
}

/** The fault drill of the tests (20% throttling, 5% dropped writes, 0-15 ms latency) for each seed. */
export async function windowBench(seeds: number[], updates: number): Promise<Array<{ seed: number; result: UpdateDrillResult }>> {
    const out: Array<{ seed: number; result: UpdateDrillResult }> = [];
    for (const seed of seeds) {
        const { emulator, proxy, providerArn, clean } = await setUp();
        try {
            const provider = new RolePairProvider({ principalRetryBaseDelayMs: 10, trustWriteBaseDelayMs: 20 });
            const ours = (n: number) => `system:serviceaccount:compute:job-${n}`;
            const inputs = (subjects: string[]): RolePairInputs => ({
                name: "bench", owner: "kubeflow-irsa/bench/bench", assetAccountId: ASSET_ACCOUNT, assetRoleName: "bench-asset", eksRoleName: "bench-eks",
                assetPolicyArns: [], assetPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bench/*" }] },
                subjects, subjectMatch: "StringEquals", exclusive: false, assetDeployRoleArn: DEPLOY_ROLE, path: "/", tags: {}, trustPolicyMaxLength: 4096, oidcProviderArn: providerArn,
            });
            const state = (await provider.create(inputs([ours(0)]))).outs!;
            proxy.faults(DRILL_FAULTS, seed);
            const result = await subjectUpdateDrill({
                provider, proxy, clean: clean(), state, seed, updates, issuerHostPath: ISSUER, windowLimitMs: 100,
                inputsFor: (i) => inputs(drillSubjects(i, ours)),
            });
            out.push({ seed, result });
            process.stderr.write(`trust-write drill seed ${seed}: lost ${result.lost.length}, resurrected ${result.resurrected.length}\n`);
        } finally {
            delete process.env.AWS_ENDPOINT_URL;
            await proxy.stop();
            await emulator.stop();
        }
    }
    return out;
}
