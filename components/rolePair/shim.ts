/**
 * What Pulumi stores with each RolePair as its dynamic provider: a shim of about 2 KB that loads
 * `RolePairProvider` from the project at call time, instead of the ~50 KB closure of the provider and its modules.
 * State stays small (Pulumi saves the serialized provider in every pair's inputs and outputs), and a provider fix
 * reaches existing pairs on the next `pulumi refresh` / `up` / `destroy`, since the code that runs is the
 * project's current code, not a copy saved in state.
 *
 * Resolution is the same on every machine: from the directory Pulumi starts the provider host in (the project
 * directory), up to the folder holding `scripts/kubeflow-irsa-role-pair.js`, which brings `dist/` up to date and
 * returns the compiled provider. The shim's functions use nothing outside themselves: Pulumi serializes their text.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RolePairProvider } from "./provider";

/** The project's RolePairProvider, loaded once per process; fails saying how to run pulumi so that it can be. */
function project(): RolePairProvider {
    const g = globalThis as { kubeflowIrsaRolePair?: RolePairProvider };
    if (!g.kubeflowIrsaRolePair) {
        const { existsSync } = require("fs");
        const { dirname, join } = require("path");
        let dir = process.cwd();
        while (!existsSync(join(dir, "scripts", "kubeflow-irsa-role-pair.js"))) {
            if (dir === dirname(dir)) {
                throw new Error(`kubeflow-irsa RolePair: its provider code is loaded from the project, and no kubeflow-irsa project was found in ${process.cwd()} or above: run pulumi in the project directory, after npm ci`);
            }
            dir = dirname(dir);
        }
        g.kubeflowIrsaRolePair = require(join(dir, "scripts", "kubeflow-irsa-role-pair.js"));
    }
    return g.kubeflowIrsaRolePair!;
}

/** The provider object Pulumi serializes: every method defers to the project's RolePairProvider. */
export const rolePairProviderShim: pulumi.dynamic.ResourceProvider = {
    check: (olds, news) => project().check(olds, news),
    diff: (id, olds, news) => project().diff(id, olds, news),
    create: (inputs) => project().create(inputs),
    read: (id, props) => project().read(id, props),
    update: (id, olds, news) => project().update(id, olds, news),
    delete: (id, props) => project().delete(id, props),
};
