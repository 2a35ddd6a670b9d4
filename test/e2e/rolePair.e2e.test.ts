/**
 * @e2e: RolePair through the real Pulumi engine (CLI + Automation API inline program + the dynamic-provider host
 * process) against moto, with two accounts (EKS: 123456789012; asset: 222222222222 through the deploy role).
 * Everything a provider result goes through in a user's `pulumi up` / `refresh` / `destroy` is exercised here:
 * the gRPC boundary, the protobuf Struct encoding, secrets in state, and the shim that loads the provider code.
 *
 * `npm run test:e2e` runs this file alone; `npm test` runs it after the rest. It needs a Pulumi CLI
 * (scripts/install-pulumi.sh) and moto (scripts/install-moto.sh); without them it is skipped with a notice,
 * except under CI=true, where it fails.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { RolePair, RolePairArgs } from "../../components/rolePair";
import { RolePairProvider } from "../../components/rolePair/provider";
import { decodePolicyDocument } from "../../iam/document";
import { Emulator } from "../../tools/emulator";
import { EngineStack, engineStack, previewStack } from "../../tools/engine";
import { cliOrSkip, motoOrSkip } from "../helpers/toolsOrSkip";

const EKS_ACCOUNT = "123456789012";
const ASSET_ACCOUNT = "222222222222";
const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/E2E";
const DEPLOY_ROLE = `arn:aws:iam::${ASSET_ACCOUNT}:role/asset-deployer`;
const EXTERNAL_ID = "e2e-external-id-7f3a9c";
const EKS_ROLE = "customer-read-eks";
const ASSET_ROLE = "customer-read";
const FOREIGN_SUB = "system:serviceaccount:domino-compute:run-0042";
const run = (n: number) => `system:serviceaccount:domino-compute:run-${String(n).padStart(4, "0")}`;
const quiet = { color: "never" as const };

/**
 * The CLI, a running emulator and the cluster's OIDC provider in it; skips the suite (fails under CI=true) when
 * the CLI or moto is missing.
 */
async function engineAndEmulator(suite: Mocha.Context): Promise<{ cli: string; emulator: Emulator; providerArn: string }> {
    const cli = cliOrSkip(suite);
    const emulator = await motoOrSkip(suite);
    const providerArn = (await new IAMClient({}).send(new CreateOpenIDConnectProviderCommand({ Url: `https://${ISSUER}`, ClientIDList: ["sts.amazonaws.com"], ThumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] }))).OpenIDConnectProviderArn!;
    return { cli, emulator, providerArn };
}

describe("RolePair through the real Pulumi engine @e2e", function () {
    this.timeout(300_000);
    let emulator: Emulator | undefined;
    let engine: EngineStack | undefined;
    let providerArn = "";
    // What the program declares; tests change it between runs.
    let subjects = [run(1), run(2)];

    const eksIam = () => new IAMClient({});
    const assetIam = () => new IAMClient({ credentials: fromTemporaryCredentials({ params: { RoleArn: DEPLOY_ROLE, RoleSessionName: "e2e" } }) });
    const roleOf = (iam: IAMClient, name: string) => iam.send(new GetRoleCommand({ RoleName: name })).then((r) => r.Role!, (e) => { if (e.name === "NoSuchEntityException") return undefined; throw e; });
    const trustOf = async (iam: IAMClient, name: string): Promise<any> => decodePolicyDocument((await roleOf(iam, name))!.AssumeRolePolicyDocument!);
    const ourSubjects = (doc: any): string[] => [doc.Statement.find((s: any) => s.Sid === "KubeflowIrsaRolePair")?.Condition?.StringEquals?.[`${ISSUER}:sub`] ?? []].flat().sort();
    const pairState = async () => (await engine!.stack.exportStack()).deployment.resources.find((r: any) => r.type.endsWith("kubeflow-irsa:RolePair"));

    before(async function () {
        let cli: string;
        ({ cli, emulator, providerArn } = await engineAndEmulator(this));
        await assetIam().send(new CreateRoleCommand({ RoleName: "asset-deployer", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${EKS_ACCOUNT}:root` }, Action: "sts:AssumeRole" }] }) }));
        engine = await engineStack(cli, async () => {
            const pair = new RolePair("customer-read", {
                assetAccountId: ASSET_ACCOUNT,
                assetRoleName: ASSET_ROLE,
                eksRoleName: EKS_ROLE,
                assetPolicy: { Version: "2012-10-17", Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::customer-data/*" }] },
                subjects,
                externalId: EXTERNAL_ID,
                assetDeployRoleArn: DEPLOY_ROLE,
                tags: { team: "data" },
                oidcProviderArn: providerArn,
            });
            return { eksRoleArn: pair.eksRoleArn, assetRoleArn: pair.assetRoleArn };
        });
    });

    after(async () => {
        await engine?.dispose();
        await emulator?.stop();
    });

    it("preview shows the pair and the external id only as a secret", async () => {
        const preview = await previewStack(engine!.stack, { ...quiet, diff: true });
        expect(preview.changeSummary).to.deep.include({ create: 2 });
        expect(preview.stdout).to.contain("kubeflow-irsa:RolePair");
        expect(preview.stdout).to.match(/externalId\s*:\s*\[secret\]/);
        expect(preview.stdout).to.not.contain(EXTERNAL_ID);
    });

    it("up creates both roles with the exact documents; state holds the external id only as ciphertext, in under 10 KB", async () => {
        const up = await engine!.stack.up(quiet);
        expect(up.summary.resourceChanges).to.deep.include({ create: 2 });
        expect(up.outputs.eksRoleArn.value).to.equal(`arn:aws:iam::${EKS_ACCOUNT}:role/${EKS_ROLE}`);

        expect(await trustOf(eksIam(), EKS_ROLE)).to.deep.equal({
            Version: "2012-10-17",
            Statement: [{
                Sid: "KubeflowIrsaRolePair", Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com", [`${ISSUER}:sub`]: [run(1), run(2)] } },
            }],
        });
        const eksPolicy = await eksIam().send(new GetRolePolicyCommand({ RoleName: EKS_ROLE, PolicyName: "assume-asset-role" }));
        expect(decodePolicyDocument(eksPolicy.PolicyDocument!).Statement).to.deep.equal([{ Sid: "AssumeAssetRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: `arn:aws:iam::${ASSET_ACCOUNT}:role/${ASSET_ROLE}` }]);
        expect((await trustOf(assetIam(), ASSET_ROLE)).Statement).to.deep.equal([
            { Sid: "TrustedRole", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${EKS_ACCOUNT}:role/${EKS_ROLE}` }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": EXTERNAL_ID } } },
        ]);
        expect((await roleOf(eksIam(), EKS_ROLE))!.Tags).to.deep.include({ Key: "kubeflow-irsa:role-pair", Value: "kubeflow-irsa/e2e/customer-read" });
        expect(await roleOf(eksIam(), ASSET_ROLE)).to.equal(undefined); // the asset role is in the asset account only

        // The checkpoint as stored by the backend (`stack export` would decrypt: the Automation API passes --show-secrets).
        const stored = engine!.checkpoint();
        expect(stored).to.contain("kubeflow-irsa:RolePair");
        expect(stored).to.not.contain(EXTERNAL_ID);
        const pair = JSON.parse(stored).checkpoint.latest.resources.find((r: any) => r.type.endsWith("kubeflow-irsa:RolePair"));
        for (const side of [pair.inputs, pair.outputs]) {
            expect(side.externalId).to.have.property("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270");
            expect(side.externalId).to.have.property("ciphertext").that.is.a("string");
        }
        const bytes = JSON.stringify(pair).length;
        console.log(`      state of one pair: ${bytes} bytes (serialized provider: ${pair.inputs.__provider.length} bytes, in inputs and outputs)`);
        expect(bytes).to.be.below(10_000);
    });

    it("refresh records out-of-band foreign entries as foreign, and the next preview shows no change", async () => {
        const doc = await trustOf(eksIam(), EKS_ROLE);
        doc.Statement[0].Condition.StringEquals[`${ISSUER}:sub`] = [...ourSubjects(doc), FOREIGN_SUB];
        doc.Statement.push({ Sid: "DominoMapping", Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com", [`${ISSUER}:sub`]: "system:serviceaccount:other:sa" } } });
        await eksIam().send(new UpdateAssumeRolePolicyCommand({ RoleName: EKS_ROLE, PolicyDocument: JSON.stringify(doc) }));

        await engine!.stack.refresh(quiet);
        const pair = await pairState();
        expect(pair.outputs.foreignSubjects).to.deep.equal([FOREIGN_SUB]);
        expect(pair.outputs.ownedSubjects).to.deep.equal([run(1), run(2)]);
        const preview = await previewStack(engine!.stack, quiet);
        expect(preview.changeSummary).to.deep.equal({ same: 2 });
    });

    it("a subject change keeps the foreign entry and statement; our entries become exactly the new set", async () => {
        subjects = [run(2), run(3)];
        const up = await engine!.stack.up(quiet);
        expect(up.summary.resourceChanges).to.deep.include({ update: 1 });
        const doc = await trustOf(eksIam(), EKS_ROLE);
        expect(ourSubjects(doc)).to.deep.equal([run(2), run(3), FOREIGN_SUB]);
        expect(doc.Statement.map((s: any) => s.Sid)).to.deep.equal(["KubeflowIrsaRolePair", "DominoMapping"]);
        expect((await pairState()).outputs.ownedSubjects).to.deep.equal([run(2), run(3)]);
    });

    it("a second up is a no-op, and so is a refresh after it", async () => {
        await engine!.stack.up({ ...quiet, expectNoChanges: true });
        await engine!.stack.refresh({ ...quiet, expectNoChanges: true });
        expect((await previewStack(engine!.stack, quiet)).changeSummary).to.deep.equal({ same: 2 });
    });

    it("an entry of ours removed out of band: refresh reports it, up restores it", async () => {
        const doc = await trustOf(eksIam(), EKS_ROLE);
        doc.Statement[0].Condition.StringEquals[`${ISSUER}:sub`] = [run(3), FOREIGN_SUB];
        await eksIam().send(new UpdateAssumeRolePolicyCommand({ RoleName: EKS_ROLE, PolicyDocument: JSON.stringify(doc) }));
        const refresh = await engine!.stack.refresh(quiet);
        expect(refresh.summary.resourceChanges).to.deep.include({ update: 1 });
        expect((await pairState()).inputs.subjects).to.deep.equal([run(3)]);
        const up = await engine!.stack.up(quiet);
        expect(up.summary.resourceChanges).to.deep.include({ update: 1 });
        expect(ourSubjects(await trustOf(eksIam(), EKS_ROLE))).to.deep.equal([run(2), run(3), FOREIGN_SUB]);
    });

    it("both roles deleted out of band: refresh drops the pair, up recreates it", async () => {
        const eks = eksIam();
        const asset = assetIam();
        await eks.send(new DeleteRolePolicyCommand({ RoleName: EKS_ROLE, PolicyName: "assume-asset-role" }));
        await eks.send(new DeleteRoleCommand({ RoleName: EKS_ROLE }));
        await asset.send(new DeleteRolePolicyCommand({ RoleName: ASSET_ROLE, PolicyName: "asset-policy" }));
        await asset.send(new DeleteRoleCommand({ RoleName: ASSET_ROLE }));
        const refresh = await engine!.stack.refresh(quiet);
        expect(refresh.summary.resourceChanges).to.deep.include({ delete: 1 });
        expect(await pairState()).to.equal(undefined);
        const up = await engine!.stack.up(quiet);
        expect(up.summary.resourceChanges).to.deep.include({ create: 1 });
        expect(ourSubjects(await trustOf(eks, EKS_ROLE))).to.deep.equal([run(2), run(3)]);
        expect(await roleOf(asset, ASSET_ROLE)).to.not.equal(undefined);
    });

    it("destroy leaves no role in either account", async () => {
        const destroy = await engine!.stack.destroy(quiet);
        expect(destroy.summary.resourceChanges).to.deep.include({ delete: 2 });
        expect(await roleOf(eksIam(), EKS_ROLE)).to.equal(undefined);
        expect(await roleOf(assetIam(), ASSET_ROLE)).to.equal(undefined);
    });
});

describe("RolePair whose state holds the whole serialized provider, as every pair made before the shim @e2e", function () {
    this.timeout(300_000);
    let emulator: Emulator | undefined;
    let engine: EngineStack | undefined;
    let providerArn = "";
    let previousVersion = true;

    const pairState = (e: EngineStack) => JSON.parse(e.checkpoint()).checkpoint.latest.resources.find((r: any) => r.type.endsWith("kubeflow-irsa:RolePair"));

    before(async function () {
        let cli: string;
        ({ cli, emulator, providerArn } = await engineAndEmulator(this));
        const args: RolePairArgs = {
            assetAccountId: EKS_ACCOUNT, // same account: no deploy role needed
            assetRoleName: "upgrade-asset",
            eksRoleName: "upgrade-eks",
            assetPolicyArns: [],
            assetPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::upgrade/*" }] },
            subjects: [run(7)],
            oidcProviderArn: providerArn,
        };
        engine = await engineStack(cli, async () => {
            if (previousVersion) {
                // As the previous version declared it: the provider object itself, serialized whole into state, and
                // no owner input (the provider's check falls back to the pair name).
                const props = { name: "upgrade", ...args, eksRoleArn: undefined, assetRoleArn: undefined, ownedSubjects: undefined, foreignSubjects: undefined, trustPolicyLength: undefined, eksAccountId: undefined };
                class PreviousRolePair extends pulumi.dynamic.Resource {}
                new PreviousRolePair(new RolePairProvider(), "upgrade", props, {}, "kubeflow-irsa", "RolePair");
            } else {
                new RolePair("upgrade", args);
            }
        }, "upgrade");
    });

    after(async () => {
        await engine?.dispose();
        await emulator?.stop();
    });

    it("moves to the shim and gets its owner tag in one up, then refreshes through the project's code", async () => {
        await engine!.stack.up(quiet);
        const before = pairState(engine!);
        expect(before.outputs.__provider.length, "the previous version stored the whole provider").to.be.above(30_000);

        previousVersion = false;
        const preview = await previewStack(engine!.stack, { ...quiet, diff: true });
        expect(preview.changeSummary).to.deep.equal({ same: 1, update: 1 });
        expect(preview.stdout).to.match(/~ owner\s*: "upgrade" => "kubeflow-irsa\/upgrade\/upgrade"/);
        await engine!.stack.up(quiet);
        const after = pairState(engine!);
        expect(after.outputs.__provider.length).to.be.below(3_000);
        expect(after.inputs.__provider).to.equal(after.outputs.__provider);
        expect(JSON.stringify(after).length).to.be.below(10_000);
        for (const role of ["upgrade-eks", "upgrade-asset"]) {
            expect((await new IAMClient({}).send(new GetRoleCommand({ RoleName: role }))).Role!.Tags).to.deep.include({ Key: "kubeflow-irsa:role-pair", Value: "kubeflow-irsa/upgrade/upgrade" });
        }
        await engine!.stack.refresh({ ...quiet, expectNoChanges: true });
        await engine!.stack.destroy(quiet);
    });
});
