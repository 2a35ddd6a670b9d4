/**
 * Section 9 of `npm run bench`: what the policy pack costs.
 * - The pack's policies alone, in this process, on the resources the program declares for N generated profiles (the
 *   real program under the offline preview's mock runtime): every per-resource policy on every resource, then the
 *   stack-wide one. The analyzer's arguments are built here from the declared inputs (a labelled stand-in for the
 *   engine's gRPC call, which section b includes).
 * - `pulumi preview` of the whole program through the real engine and kubernetes plugin against a local API server,
 *   without and with the pack (policy/analyzer), the OIDC provider adopted so every rule has its values at preview;
 *   profiles with only a name and owner (as section 8).
 */
import { fmt, Section, table } from "./harness";
import { POLICY_PREVIEW_SIZES, POLICY_RULE_SIZES } from "./knobs";
import { ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs } from "@pulumi/policy";
import { POLICIES, validateProfileRoles } from "../policy/policies";
import { runProgram } from "../offline/runtime";

import { POLICY_PACK_ANALYZER, previewStack } from "../tools/engine";

import { benchStackConfig, eachWholeProgramStack } from "./wholeProgram";

export interface PolicyRulesRow {
    n: number;
    resources: number;
    perResourceMs: number;
    stackMs: number;
    violations: number;
}

/** The policies on the program's declared resources, in process. */
export async function policyRulesBench(sizes: number[]): Promise<PolicyRulesRow[]> {
    const rows: PolicyRulesRow[] = [];
    for (const n of sizes) {
        const flat = Object.fromEntries(Object.entries(benchStackConfig(n, true)).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
        const run = await runProgram({ config: flat, stack: "bench" });
        const typeOf = new Map(run.resources.filter((r) => !r.custom).map((r) => [r.name, r.type]));
        const resources = run.resources.map((r) => {
            const parentType = r.parent ? typeOf.get(r.parent) : undefined;
            const urn = `urn:pulumi:bench::kubeflow-irsa::${parentType ? `${parentType}$` : ""}${r.type}::${r.name}`;
            return { type: r.type, name: r.name, urn, props: r.inputs as Record<string, any>, propertyDependencies: {} };
        });
        let violations = 0;
        const report = () => void (violations += 1);
        let started = process.hrtime.bigint();
        for (const policy of POLICIES.filter((p): p is ResourceValidationPolicy => "validateResource" in p)) {
            for (const r of resources) await (policy.validateResource as (a: ResourceValidationArgs, rep: () => void) => void)(r as unknown as ResourceValidationArgs, report);
        }
        const perResourceMs = Number(process.hrtime.bigint() - started) / 1e6;
        started = process.hrtime.bigint();
        validateProfileRoles({ resources } as unknown as StackValidationArgs, report);
        const stackMs = Number(process.hrtime.bigint() - started) / 1e6;
        rows.push({ n, resources: resources.length, perResourceMs, stackMs, violations });
        process.stderr.write(`policy rules N=${n}: ${resources.length} resources, per-resource ${perResourceMs.toFixed(0)} ms, stack ${stackMs.toFixed(0)} ms, ${violations} violations\n`);
    }
    return rows;
}

export interface PolicyPreviewRow {
    n: number;
    withoutMs: number;
    withMs: number;
}

/** `pulumi preview` of the whole program without and with the pack. */
export function policyPreviewBench(sizes: number[]): Promise<PolicyPreviewRow[] | string> {
    return eachWholeProgramStack("policy-bench", sizes, async (engine, n) => {
        const timed = async (policyPacks: string[]) => {
            const started = Date.now();
            await previewStack(engine.stack, { color: "never", policyPacks });
            return Date.now() - started;
        };
        await timed([]); // warms the plugins' caches, as a second preview in CI would find them
        const withoutMs = await timed([]);
        const withMs = await timed([POLICY_PACK_ANALYZER]);
        process.stderr.write(`policy preview N=${n}: without the pack ${withoutMs} ms, with it ${withMs} ms\n`);
        return { n, withoutMs, withMs };
    });
}

export interface PolicyPackData {
    rules: PolicyRulesRow[];
    previews: PolicyPreviewRow[] | string;
}

export const policyPack: Section<PolicyPackData> = {
    key: "policy-pack",
    title: "## 9. Policy pack: its rules, and `pulumi preview` without and with it",
    measure: async () => ({ rules: await policyRulesBench(POLICY_RULE_SIZES), previews: await policyPreviewBench(POLICY_PREVIEW_SIZES) }),
    render({ rules, previews }) {
        return [
            "The pack's policies in one process on the resources the program declares for N generated profiles (2 service accounts, a bucket and AmazonSageMakerReadOnly each; the real program under the offline preview's mock runtime; the analyzer's arguments built from the declared inputs): every per-resource policy on every resource, then the stack-wide rule. One run each.",
            "",
            table(["N profiles", "resources", "per-resource policies ms", "stack-wide rule ms", "violations"], rules.map((r) => [r.n, r.resources, fmt(r.perResourceMs), fmt(r.stackMs), r.violations])),
            "",
            "`pulumi preview` of the whole program through the real engine and pulumi-kubernetes plugin against a local API server (the aws side through the labelled stand-in), the OIDC provider adopted so that every rule has its values at preview, profiles with only a name and owner; the second of two previews without the pack, then one with it (`policy/analyzer`), all without per-step checkpoints (section 10). One run each.",
            "",
            typeof previews === "string" ? previews : table(["N profiles", "preview ms", "preview with the pack ms", "added"], previews.map((r) => [r.n, fmt(r.withoutMs), fmt(r.withMs), `${fmt(((r.withMs - r.withoutMs) / r.withoutMs) * 100)} %`])),
            "",
        ];
    },
};
