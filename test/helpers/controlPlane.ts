/**
 * One local control plane (tools/controlPlane.ts) for a whole mocha run: started by the first suite that asks, stopped
 * by the root hook after the last test (.mocharc.e2e.json requires this file). Without the binaries a suite skips with
 * a notice, and fails under CI=true, where .ci/run builds them (scripts/install-kubernetes.sh).
 */
import { ControlPlane, controlPlaneBinaries, startControlPlane } from "../../tools/controlPlane";

let shared: Promise<ControlPlane> | undefined;

export async function controlPlaneOrSkip(suite: Mocha.Context): Promise<ControlPlane> {
    if (!shared) {
        const binaries = controlPlaneBinaries();
        if (!binaries) {
            if (process.env.CI) throw new Error("the Kubernetes e2e tests need the control-plane binaries: .ci/run builds them (scripts/install-kubernetes.sh)");
            console.warn("    SKIPPED: the Kubernetes e2e tests need a local control plane (bash scripts/install-kubernetes.sh)");
            suite.skip();
        }
        shared = startControlPlane(binaries!);
    }
    return shared;
}

export const mochaHooks = {
    async afterAll(): Promise<void> {
        if (shared) await (await shared).stop();
        shared = undefined;
    },
};
