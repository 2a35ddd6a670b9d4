/**
 * Suites that need a tool this machine may lack (the moto emulator, a Pulumi CLI) skip without it, with a notice,
 * and fail under CI=true, where .ci/run installs both.
 */
import { Emulator, motoInstalled, startEmulator } from "../../tools/emulator";
import { pulumiCli } from "../../tools/engine";

/** Starts moto, or skips the suite when it is not installed. */
export async function motoOrSkip(suite: Mocha.Context): Promise<Emulator> {
    if (!motoInstalled() && !process.env.MOTO_ENDPOINT) {
        if (process.env.CI) throw new Error("moto is not installed: run scripts/install-moto.sh (.ci/run does)");
        console.warn("    moto is not installed (scripts/install-moto.sh): integration tests skipped");
        suite.skip();
    }
    return startEmulator();
}

/** The Pulumi CLI's path, or skips the suite when there is none. */
export function cliOrSkip(suite: Mocha.Context): string {
    const cli = pulumiCli();
    if (!cli) {
        if (process.env.CI) throw new Error("e2e tests need a Pulumi CLI: .ci/run installs it");
        console.warn("    SKIPPED: the real-engine e2e tests need a Pulumi CLI (bash scripts/install-pulumi.sh)");
        suite.skip();
    }
    return cli!;
}
