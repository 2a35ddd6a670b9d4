/**
 * The entry `pulumi up` runs (package.json main: scripts/pulumi-entry.js, `typescript: false` in Pulumi.yaml):
 * it must declare exactly what index.ts declares, from the current sources.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runProgram } from "../offline/runtime";
import { PROJECT_ROOT } from "../project";
import { readStackFile } from "../offline/stackFile";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureBuilt } = require("../scripts/build") as { ensureBuilt(opts?: { force?: boolean }): number };

describe("the Pulumi entry (scripts/pulumi-entry.js)", function () {
    this.timeout(60_000);

    it("is what Pulumi runs: package.json main, without ts-node", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
        const project = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
        expect(pkg.main).to.equal("scripts/pulumi-entry.js");
        expect(project.main).to.equal(undefined); // a main in Pulumi.yaml would also move the working directory
        expect(project.runtime.options.typescript).to.equal(false);
        expect(pkg.dependencies).to.have.property("typescript"); // the entry transpiles at run time
    });

    it("declares the same resources with the same inputs as index.ts for the dev stack", async () => {
        const { config, secretKeys } = readStackFile("dev");
        const strip = (run: Awaited<ReturnType<typeof runProgram>>) => run.resources.map((r) => ({ ...r, inputs: { ...r.inputs, __provider: undefined } }));
        const fromSources = await runProgram({ config, secretKeys, stack: "dev" });
        const fromEntry = await runProgram({ config, secretKeys, stack: "dev", programPath: path.join(PROJECT_ROOT, "scripts", "pulumi-entry.js") });
        expect(fromEntry.resources.length).to.equal(fromSources.resources.length);
        expect(strip(fromEntry)).to.deep.equal(strip(fromSources));
        expect(fromEntry.outputs).to.have.keys(Object.keys(fromSources.outputs));
    });

    it("re-transpiles exactly the sources newer than their output, and nothing when all are current", () => {
        ensureBuilt();
        expect(ensureBuilt()).to.equal(0);
        const source = path.join(PROJECT_ROOT, "components", "rolePair", "trustMerge.ts");
        const { atime, mtime } = fs.statSync(source);
        try {
            const later = new Date(Date.now() + 60_000);
            fs.utimesSync(source, later, later);
            expect(ensureBuilt()).to.equal(1);
        } finally {
            fs.utimesSync(source, atime, mtime);
        }
        expect(ensureBuilt()).to.equal(0);
    });
});
