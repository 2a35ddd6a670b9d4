/**
 * The RolePair provider shim as Pulumi stores and runs it: serialized to text, loaded the way the dynamic-provider
 * host loads it (require-from-string, `.handler()`), from the project's directory and from elsewhere.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { rolePairProviderShim } from "../components/rolePair/shim";
import { PROJECT_ROOT } from "../project";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };

async function inHost(cwd: string, call: (p: pulumi.dynamic.ResourceProvider) => Promise<unknown>): Promise<unknown> {
    const { text } = await pulumi.runtime.serializeFunction(() => rolePairProviderShim, { allowSecrets: true });
    const previous = process.cwd();
    const cache = globalThis as { kubeflowIrsaRolePair?: unknown };
    delete cache.kubeflowIrsaRolePair;
    process.chdir(cwd);
    try {
        return await call(requireFromString(text).handler());
    } finally {
        process.chdir(previous);
        delete cache.kubeflowIrsaRolePair;
    }
}

const raw = {
    name: "p",
    assetAccountId: "123456789012",
    assetRoleName: "a",
    eksRoleName: "e",
    assetPolicyArns: ["arn:aws:iam::123456789012:policy/x"],
    subjects: ["system:serviceaccount:ns:sa"],
    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X",
};

describe("RolePair provider shim (what state stores)", () => {
    it("is small and holds no machine-specific path", async () => {
        const { text } = await pulumi.runtime.serializeFunction(() => rolePairProviderShim, { allowSecrets: true });
        expect(text.length).to.be.below(3_000);
        expect(text).to.not.contain(PROJECT_ROOT);
        expect(text).to.not.match(/RolePairProvider\s*\{|IAMClient/); // the provider's code is not in it
    });

    it("runs the project's provider when the host starts in the project or below it", async () => {
        const below = path.join(PROJECT_ROOT, "components");
        const result = (await inHost(below, (p) => p.check!({}, raw))) as pulumi.dynamic.CheckResult;
        expect(result.failures).to.deep.equal([]);
        expect(result.inputs).to.include({ owner: "p", subjectMatch: "StringEquals", path: "/" });
    });

    it("fails with a message that says where it looked and what to do, outside a project", async () => {
        const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-noproject-"));
        const err = await inHost(elsewhere, (p) => p.check!({}, raw)).then(() => undefined, (e: Error) => e);
        expect((err as Error)?.message).to.equal(
            `kubeflow-irsa RolePair: its provider code is loaded from the project, and no kubeflow-irsa project was found in ${fs.realpathSync(elsewhere)} or above: run pulumi in the project directory, after npm ci`,
        );
    });
});
