/**
 * The whole program through the real engine for the preview sections: a local control plane with the Profile CRD, and
 * per size a fresh stack of N profiles of only a name and owner, the OIDC provider adopted so every value is known at preview, the aws side
 * through the labelled stand-in plugin (tools/engine.ts).
 */
import * as path from "path";
import { PROJECT_ROOT } from "../project";
import { controlPlaneBinaries, startControlPlane } from "../tools/controlPlane";
import { EngineStack, pulumiCli, wholeProgramStack } from "../tools/engine";
import { BENCH_ROLES_QUOTA, generatedProfiles } from "./fixtures";

const ACCOUNT = "123456789012";
export const BENCH_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/BENCH0000000000000000000000000000`;

/** N profiles; `full`: each with 2 service accounts, a bucket and a managed policy (fixtures.ts), else only name and owner. */
export function benchStackConfig(n: number, full: boolean): Record<string, unknown> {
    const profiles = full ? generatedProfiles(n) : generatedProfiles(n).map(({ name, owner }) => ({ name, owner }));
    return { "aws:region": "us-east-1", "kubeflow-irsa:clusterName": "kf-bench", "kubeflow-irsa:oidcProviderArn": BENCH_PROVIDER_ARN, "kubeflow-irsa:rolePath": "/kubeflow/", "kubeflow-irsa:iamRolesQuota": BENCH_ROLES_QUOTA, "kubeflow-irsa:profiles": profiles };
}

/** Runs `measure` on a fresh whole-program stack per size; a string says why it was skipped. */
export async function eachWholeProgramStack<T>(name: string, sizes: number[], measure: (engine: EngineStack, n: number) => Promise<T>): Promise<T[] | string> {
    const cli = pulumiCli();
    const binaries = controlPlaneBinaries();
    if (!cli || !binaries) return "skipped: needs a Pulumi CLI and the control-plane binaries (scripts/install-pulumi.sh, scripts/install-kubernetes.sh)";
    const cluster = await startControlPlane(binaries);
    const rows: T[] = [];
    try {
        cluster.installCrd(path.join(PROJECT_ROOT, "test", "fixtures", "kubeflow-profile-crd.yaml"));
        for (const n of sizes) {
            const engine = await wholeProgramStack(cli, `${name}-${n}`, {
                kubernetesPlugin: binaries["pulumi-resource-kubernetes"],
                env: { STANDIN_ACCOUNT_ID: ACCOUNT, STANDIN_REGION: "us-east-1", STANDIN_ISSUER_URL: `https://${BENCH_PROVIDER_ARN.split(":oidc-provider/")[1]}` },
            });
            try {
                // The stack file, not the CLI's command line: 3,000 profiles exceed the argument limit (E2BIG).
                const config = { ...benchStackConfig(n, false), "kubeflow-irsa:cluster": { kubeconfig: cluster.kubeconfigPath, context: "local" } };
                await engine.stack.workspace.saveStackSettings(engine.stack.name, { config });
                rows.push(await measure(engine, n));
            } finally {
                await engine.dispose();
            }
        }
    } finally {
        await cluster.stop();
    }
    return rows;
}
