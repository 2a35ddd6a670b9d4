/**
 * @integration fault drills: the role-pair provider through a loopback proxy in front of moto that throttles,
 * fails with 5xx, drops responses after the call took effect, and adds latency (tools/faultProxy.ts), while a
 * runtime writer edits the same trust statement (tools/trustDrill.ts). The proxy's log is the ground truth: every
 * document IAM held, in order, and when each provider read and write happened.
 */
import { expect } from "chai";
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { RolePairInputs, RolePairOutputs } from "../components/rolePair/inputs";
import { RolePairProvider } from "../components/rolePair/provider";
import { decodePolicyDocument } from "../iam/document";
import { Emulator, resetEmulator } from "../tools/emulator";
import { motoOrSkip } from "./helpers/toolsOrSkip";
import { FaultProxy } from "../tools/faultProxy";
import { DRILL_FAULTS, describeDrill, drillSubjects, subjectUpdateDrill } from "../tools/trustDrill";

const ASSET_ACCOUNT = "222222222222";
const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/DRILL";
const DEPLOY_ROLE = `arn:aws:iam::${ASSET_ACCOUNT}:role/asset-deployer`;
const WINDOW_LIMIT_MS = 100;
const SEEDS = [11, 23, 37, 41, 59];
const ours = (n: number) => `system:serviceaccount:compute:job-${n}`;

describe("RolePairProvider fault drills @integration", function () {
    this.timeout(600_000);
    let emulator: Emulator | undefined;
    let proxy: FaultProxy;
    let providerArn = "";
    const provider = new RolePairProvider({ principalRetryBaseDelayMs: 10, trustWriteBaseDelayMs: 20 });

    // Clients of the test itself and of the runtime writer: never faulted.
    const clean = () => new IAMClient({ endpoint: proxy.cleanEndpoint });
    const cleanAsset = () => new IAMClient({ endpoint: proxy.cleanEndpoint, credentials: fromTemporaryCredentials({ params: { RoleArn: DEPLOY_ROLE, RoleSessionName: "drill" }, clientConfig: { endpoint: proxy.cleanEndpoint } }) });
    const roleOf = (iam: IAMClient, name: string) => iam.send(new GetRoleCommand({ RoleName: name })).then((r) => r.Role!, (e) => { if (e.name === "NoSuchEntityException") return undefined; throw e; });

    const inputs = (over: Partial<RolePairInputs> = {}): RolePairInputs => ({
        name: "drill",
        owner: "kubeflow-irsa/drill/drill",
        assetAccountId: ASSET_ACCOUNT,
        assetRoleName: "drill-asset",
        eksRoleName: "drill-eks",
        assetPolicy: { Version: "2012-10-17", Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::drill/*" }] },
        assetPolicyArns: [],
        subjects: [ours(0)],
        subjectMatch: "StringEquals",
        exclusive: false,
        externalId: "drill-ext",
        assetDeployRoleArn: DEPLOY_ROLE,
        path: "/",
        tags: {},
        trustPolicyMaxLength: 4096,
        oidcProviderArn: providerArn,
        ...over,
    });

    async function expectExactPair(state: RolePairOutputs, subjects: string[]) {
        const eks = await roleOf(clean(), "drill-eks");
        expect(decodePolicyDocument(eks!.AssumeRolePolicyDocument!).Statement).to.deep.equal([{
            Sid: "KubeflowIrsaRolePair", Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com", [`${ISSUER}:sub`]: subjects } },
        }]);
        const assume = await clean().send(new GetRolePolicyCommand({ RoleName: "drill-eks", PolicyName: "assume-asset-role" }));
        expect(decodePolicyDocument(assume.PolicyDocument!).Statement).to.deep.equal([{ Sid: "AssumeAssetRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: state.assetRoleArn }]);
        const asset = await roleOf(cleanAsset(), "drill-asset");
        expect(decodePolicyDocument(asset!.AssumeRolePolicyDocument!).Statement).to.deep.equal([
            { Sid: "TrustedRole", Effect: "Allow", Principal: { AWS: state.eksRoleArn }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "drill-ext" } } },
        ]);
        const assetPolicy = await cleanAsset().send(new GetRolePolicyCommand({ RoleName: "drill-asset", PolicyName: "asset-policy" }));
        expect(decodePolicyDocument(assetPolicy.PolicyDocument!)).to.deep.equal(inputs().assetPolicy);
    }

    before(async function () {
        emulator = await motoOrSkip(this);
        proxy = await new FaultProxy(emulator.endpoint).start();
    });

    after(async () => {
        delete process.env.AWS_ENDPOINT_URL;
        await proxy?.stop();
        await emulator?.stop();
    });

    beforeEach(async () => {
        proxy.clear();
        await resetEmulator(emulator!.endpoint);
        process.env.AWS_ENDPOINT_URL = proxy.endpoint; // the provider's clients (IAM and STS) go through the faults
        providerArn = (await clean().send(new CreateOpenIDConnectProviderCommand({ Url: `https://${ISSUER}`, ClientIDList: ["sts.amazonaws.com"], ThumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] }))).OpenIDConnectProviderArn!;
        await cleanAsset().send(new CreateRoleCommand({ RoleName: "asset-deployer", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }] }) }));
        proxy.log.length = 0;
    });

    it("create under 30% throttling and 10% 5xx succeeds with the exact documents", async () => {
        proxy.faults([{ actions: "*", throttle: 0.3, serverError: 0.1, delayMs: [0, 10] }], 7);
        const state = (await provider.create(inputs())).outs!;
        const faults = proxy.log.filter((e) => e.fault).length;
        console.log(`      create: ${proxy.log.length} requests, ${faults} faulted`);
        expect(faults).to.be.greaterThan(0);
        proxy.clear();
        await expectExactPair(state, [ours(0)]);
    });

    for (const side of ["drill-eks", "drill-asset"]) {
        it(`create with a lost CreateRole response (${side}) recognises its own role and finishes`, async () => {
            proxy.once({ action: "CreateRole", roleName: side, nth: 1, fault: "drop" });
            const state = (await provider.create(inputs())).outs!;
            const creates = proxy.log.filter((e) => e.action === "CreateRole" && e.roleName === side);
            expect(creates.map((e) => [e.status, e.fault ?? "delivered"])).to.deep.equal([[200, "drop"], [409, "delivered"]]);
            await expectExactPair(state, [ours(0)]);
            const role = await roleOf(side === "drill-eks" ? clean() : cleanAsset(), side);
            expect(role!.Tags).to.deep.include({ Key: "kubeflow-irsa:role-pair", Value: "kubeflow-irsa/drill/drill" });
        });
    }

    it("refuses a same-named role that is not ours, leaves it untouched, and leaves nothing of its own", async () => {
        const theirs = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] };
        await clean().send(new CreateRoleCommand({ RoleName: "drill-eks", AssumeRolePolicyDocument: JSON.stringify(theirs), Tags: [{ Key: "kubeflow-irsa:role-pair", Value: "other/stack/pair" }] }));
        proxy.faults([{ actions: "*", throttle: 0.2 }], 3);
        const err = await provider.create(inputs()).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/CreateRole on role drill-eks failed: RoleNotOurs: .*names other\/stack\/pair, expected kubeflow-irsa\/drill\/drill.*left untouched/);
        proxy.clear();
        expect(decodePolicyDocument((await roleOf(clean(), "drill-eks"))!.AssumeRolePolicyDocument!)).to.deep.equal(theirs);
        expect(await roleOf(cleanAsset(), "drill-asset")).to.equal(undefined);
        expect(proxy.log.filter((e) => e.listener === "faulted" && /^(Update|Delete|Put|Attach|Detach|Tag|Untag)/.test(e.action) && e.status === 200)).to.deep.equal([]);
    });

    it("a lost UpdateAssumeRolePolicy response ends consistent: the next read shows it landed, nothing is re-sent", async () => {
        let state = (await provider.create(inputs())).outs!;
        proxy.once({ action: "UpdateAssumeRolePolicy", roleName: "drill-eks", nth: 1, fault: "drop" });
        state = (await provider.update("id", state, inputs({ subjects: [ours(0), ours(1)] }))).outs!;
        const writes = proxy.log.filter((e) => e.action === "UpdateAssumeRolePolicy" && e.listener === "faulted");
        expect(writes).to.have.length(1);
        expect(state.ownedSubjects).to.deep.equal([ours(0), ours(1)]);
        await expectExactPair(state, [ours(0), ours(1)]);
    });

    for (const seed of SEEDS) {
        it(`20 subject updates under 20% throttling and 5% dropped writes, with a concurrent runtime writer (seed ${seed}): no entry lost or brought back outside a ${WINDOW_LIMIT_MS} ms window`, async () => {
            const state = (await provider.create(inputs())).outs!;
            // A foreign statement of the runtime service, beside ours.
            const doc: any = decodePolicyDocument((await roleOf(clean(), "drill-eks"))!.AssumeRolePolicyDocument!);
            const foreignStatement = { Sid: "RuntimeMapping", Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com", [`${ISSUER}:sub`]: "system:serviceaccount:rt:controller" } } };
            doc.Statement.push(foreignStatement);
            await clean().send(new UpdateAssumeRolePolicyCommand({ RoleName: "drill-eks", PolicyDocument: JSON.stringify(doc) }));

            proxy.faults(DRILL_FAULTS, seed);
            const report = await subjectUpdateDrill({
                provider, proxy, clean: clean(), state, seed, updates: 20, issuerHostPath: ISSUER, windowLimitMs: WINDOW_LIMIT_MS,
                inputsFor: (i) => inputs({ subjects: drillSubjects(i, ours) }),
            }).finally(() => proxy.clear());
            const finalDoc: any = decodePolicyDocument((await roleOf(clean(), "drill-eks"))!.AssumeRolePolicyDocument!);
            console.log(`      seed ${seed}: ${describeDrill(report)}`);
            expect(report.runtimeWrites, "the runtime writer ran").to.be.greaterThan(20);
            expect(report.providerWrites).to.be.at.least(20);
            // The provider may stop an update the writer kept winning (the drill reruns it, as its error tells a user);
            // a provider that needed that for most updates would not converge in practice.
            expect(report.contendedReruns, "updates run again after the writer won every merge round").to.be.at.most(5);
            expect(report.lost, "runtime entries lost").to.deep.equal([]);
            expect(report.resurrected, "runtime entries brought back after removal").to.deep.equal([]);
            expect(report.writesWithoutSub, "writes whose owned statement had no sub condition").to.equal(0);
            expect(report.missingAfterUpdate, "our subjects missing right after an update").to.deep.equal([]);
            expect(finalDoc.Statement.find((s: any) => s.Sid === "RuntimeMapping")).to.deep.equal(foreignStatement);
        });
    }

    it("delete under throttling removes both roles, and deleting twice is fine", async () => {
        const state = (await provider.create(inputs({ assetPolicyArns: [] }))).outs!;
        proxy.faults([{ actions: "*", throttle: 0.3, serverError: 0.05 }], 5);
        await provider.delete("id", state);
        await provider.delete("id", state);
        proxy.clear();
        expect(await roleOf(clean(), "drill-eks")).to.equal(undefined);
        expect(await roleOf(cleanAsset(), "drill-asset")).to.equal(undefined);
    });
});
