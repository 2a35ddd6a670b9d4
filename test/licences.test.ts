import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";

describe("licences", () => {
    it("keeps copyleft packages out of the runtime dependency tree (devDependencies only)", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package-lock.json"), "utf8"));
        const runtime = Object.entries(lock.packages as Record<string, { dev?: boolean; license?: string }>).filter(([p, info]) => p !== "" && !info.dev);
        expect(runtime.length).to.be.greaterThan(100);
        const copyleft = runtime.filter(([, info]) => /GPL|SSPL|EUPL|OSL|CPAL|MPL/i.test(info.license ?? "")).map(([p, info]) => `${p} (${info.license})`);
        expect(copyleft).to.deep.equal([]);
        // The AGPL simulator is in the tree, as a devDependency.
        expect(lock.packages["node_modules/@cloud-copilot/iam-simulate"].dev).to.equal(true);
    });
});
