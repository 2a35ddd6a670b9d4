/**
 * @integration: the role-pair provider against real IAM/STS API calls served by the moto emulator, with two
 * accounts (EKS: moto's default 123456789012; asset: 222222222222 reached through STS AssumeRole).
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import Module from "module";
import {
    CreateOpenIDConnectProviderCommand,
    CreatePolicyCommand,
    CreateRoleCommand,
    GetRoleCommand,
    GetRolePolicyCommand,
    IAMClient,
    ListAttachedRolePoliciesCommand,
    UntagRoleCommand,
    UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { RolePairInputs, RolePairOutputs } from "../components/rolePair/inputs";
import { RolePairProvider, OWNED_STATEMENT_SID } from "../components/rolePair/provider";
import { decodePolicyDocument } from "../iam/document";
import { Emulator, resetEmulator } from "../tools/emulator";
import { ASSET_ACCOUNT, EKS_ACCOUNT, assetIam, checkedBy, createDeployRole, eksIam, pairInputs } from "./helpers/motoPair";
import { motoOrSkip } from "./helpers/toolsOrSkip";

const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/INTEGRATION";
const MANAGED_POLICY = `arn:aws:iam::${ASSET_ACCOUNT}:policy/customer-data-list`;
const FOREIGN_SUB = "system:serviceaccount:domino-compute:run-0042";

describe("RolePairProvider against moto @integration", function () {
    this.timeout(120_000);
    let emulator: Emulator | undefined;
    let providerArn: string;
    const calls: string[] = [];
    const provider = new RolePairProvider({ principalRetryBaseDelayMs: 10, observe: (service, command) => calls.push(`${service}:${command}`) });

    const trustOf = async (iam: IAMClient, roleName: string) => decodePolicyDocument((await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!.AssumeRolePolicyDocument!);
    const subjectsOf = (doc: any, sid = OWNED_STATEMENT_SID): string[] => {
        const s = doc.Statement.find((x: any) => x.Sid === sid);
        const v = s?.Condition?.StringEquals?.[`${ISSUER}:sub`] ?? s?.Condition?.StringLike?.[`${ISSUER}:sub`] ?? [];
        return [v].flat().sort();
    };

    const inputs = (overrides: Partial<RolePairInputs> = {}) => pairInputs(providerArn, overrides);
    const checked = (raw: RolePairInputs) => checkedBy(provider, raw);

    before(async function () {
        emulator = await motoOrSkip(this);
    });

    after(async () => emulator?.stop());

    beforeEach(async () => {
        await resetEmulator(emulator!.endpoint);
        calls.length = 0;
        const created = await eksIam().send(new CreateOpenIDConnectProviderCommand({ Url: `https://${ISSUER}`, ClientIDList: ["sts.amazonaws.com"], ThumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] }));
        providerArn = created.OpenIDConnectProviderArn!;
        // The asset account's deploy role, made with credentials of that account (moto does not check the trust).
        await assetIam().send(new CreatePolicyCommand({ PolicyName: "customer-data-list", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::customer-data" }] }) }));
        await createDeployRole();
    });

    it("creates both roles, each in its account, with least-privilege documents", async () => {
        const created = await provider.create(await checked(inputs()));
        const outs = created.outs!;
        const id = created.id;
        expect(id).to.equal(`${EKS_ACCOUNT}/customer-read-bucket-role-eks`);
        expect(outs.eksRoleArn).to.equal(`arn:aws:iam::${EKS_ACCOUNT}:role/customer-read-bucket-role-eks`);
        expect(outs.assetRoleArn).to.equal(`arn:aws:iam::${ASSET_ACCOUNT}:role/customer-read-bucket-role`);

        const eksTrust = await trustOf(eksIam(), "customer-read-bucket-role-eks");
        expect(eksTrust.Statement).to.have.length(1);
        expect(eksTrust.Statement[0].Principal).to.deep.equal({ Federated: providerArn });
        expect(eksTrust.Statement[0].Condition).to.deep.equal({
            StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com", [`${ISSUER}:sub`]: ["system:serviceaccount:domino-compute:run-0001"] },
        });
        const eksPolicy = await eksIam().send(new GetRolePolicyCommand({ RoleName: "customer-read-bucket-role-eks", PolicyName: "assume-asset-role" }));
        expect(decodePolicyDocument(eksPolicy.PolicyDocument!).Statement).to.deep.equal([{ Sid: "AssumeAssetRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: outs.assetRoleArn }]);

        const assetTrust = await trustOf(assetIam(), "customer-read-bucket-role");
        expect(assetTrust.Statement).to.deep.equal([
            { Sid: "TrustedRole", Effect: "Allow", Principal: { AWS: outs.eksRoleArn }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "domino-eks-1" } } },
        ]);
        const assetPolicy = await assetIam().send(new GetRolePolicyCommand({ RoleName: "customer-read-bucket-role", PolicyName: "asset-policy" }));
        expect(decodePolicyDocument(assetPolicy.PolicyDocument!)).to.deep.equal(inputs().assetPolicy);
        // The asset role is not in the EKS account.
        const missing = await eksIam().send(new GetRoleCommand({ RoleName: "customer-read-bucket-role" })).catch((e) => e.name);
        expect(missing).to.equal("NoSuchEntityException");
    });

    it("keeps a foreign sub entry and a foreign statement through every update, removing only its own entries", async () => {
        const first = await checked(inputs());
        let state = (await provider.create(first)).outs!;
        // A runtime mapping service adds its entry to our statement and a statement of its own.
        const doc: any = await trustOf(eksIam(), first.eksRoleName);
        doc.Statement[0].Condition.StringEquals[`${ISSUER}:sub`] = [...subjectsOf(doc), FOREIGN_SUB];
        const foreignStatement = { Sid: "DominoMapping", Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com", [`${ISSUER}:sub`]: "system:serviceaccount:other:sa" } } };
        doc.Statement.push(foreignStatement);
        await eksIam().send(new UpdateAssumeRolePolicyCommand({ RoleName: first.eksRoleName, PolicyDocument: JSON.stringify(doc) }));

        // Add a subject.
        const added = await checked(inputs({ subjects: ["system:serviceaccount:domino-compute:run-0001", "system:serviceaccount:domino-compute:run-0002"] }));
        state = (await provider.update("id", state, added)).outs!;
        let trust: any = await trustOf(eksIam(), first.eksRoleName);
        expect(subjectsOf(trust)).to.deep.equal(["system:serviceaccount:domino-compute:run-0001", "system:serviceaccount:domino-compute:run-0002", FOREIGN_SUB]);
        expect(trust.Statement.find((s: any) => s.Sid === "DominoMapping")).to.deep.equal(foreignStatement);
        expect(state.foreignSubjects).to.deep.equal([FOREIGN_SUB]);

        // Remove a subject and change the asset policy.
        const newPolicy = { Version: "2012-10-17" as const, Statement: [{ Sid: "Read", Effect: "Allow" as const, Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::customer-data", "arn:aws:s3:::customer-data/*"] }] };
        const removed = await checked(inputs({ subjects: ["system:serviceaccount:domino-compute:run-0002"], assetPolicy: newPolicy, assetPolicyArns: [MANAGED_POLICY] }));
        state = (await provider.update("id", state, removed)).outs!;
        trust = await trustOf(eksIam(), first.eksRoleName);
        expect(subjectsOf(trust)).to.deep.equal(["system:serviceaccount:domino-compute:run-0002", FOREIGN_SUB]);
        expect(trust.Statement.find((s: any) => s.Sid === "DominoMapping")).to.deep.equal(foreignStatement);
        const assetPolicy = await assetIam().send(new GetRolePolicyCommand({ RoleName: "customer-read-bucket-role", PolicyName: "asset-policy" }));
        expect(decodePolicyDocument(assetPolicy.PolicyDocument!)).to.deep.equal(newPolicy);
        const attached = await assetIam().send(new ListAttachedRolePoliciesCommand({ RoleName: "customer-read-bucket-role" }));
        expect(attached.AttachedPolicies!.map((p) => p.PolicyArn)).to.deep.equal([MANAGED_POLICY]);

        // exclusive: true owns the whole list of our statement (the foreign statement still stays).
        state = (await provider.update("id", state, await checked(inputs({ subjects: ["system:serviceaccount:domino-compute:run-0002"], exclusive: true, assetPolicy: newPolicy, assetPolicyArns: [MANAGED_POLICY] })))).outs!;
        trust = await trustOf(eksIam(), first.eksRoleName);
        expect(subjectsOf(trust)).to.deep.equal(["system:serviceaccount:domino-compute:run-0002"]);
        expect(trust.Statement.find((s: any) => s.Sid === "DominoMapping")).to.deep.equal(foreignStatement);
    });

    it("makes one read and no write for an unchanged update; one read, one write, one verifying read for a subject change", async () => {
        const desired = await checked(inputs());
        const state = (await provider.create(desired)).outs!;
        calls.length = 0;
        await provider.update("id", state, desired);
        expect(calls).to.deep.equal(["iam:GetRoleCommand"]);
        calls.length = 0;
        await provider.update("id", state, await checked(inputs({ subjects: [...desired.subjects, "system:serviceaccount:domino-compute:run-0009"] })));
        expect(calls).to.deep.equal(["iam:GetRoleCommand", "iam:UpdateAssumeRolePolicyCommand", "iam:GetRoleCommand"]);
    });

    it("tags both roles with the owner on the first update of a pair made before the owner tag existed", async () => {
        const desired = await checked(inputs());
        const created = (await provider.create(desired)).outs!;
        // As a pair made by an earlier version: no owner in state, no owner tag on the roles.
        for (const [iam, name] of [[eksIam(), desired.eksRoleName], [assetIam(), desired.assetRoleName]] as const) {
            await iam.send(new UntagRoleCommand({ RoleName: name, TagKeys: ["kubeflow-irsa:role-pair"] }));
        }
        const { owner: _owner, ...earlier } = created;
        const diff = await provider.diff("id", earlier as RolePairOutputs, desired);
        expect(diff.changes).to.equal(true);
        expect(diff.replaces).to.deep.equal([]);
        await provider.update("id", earlier as RolePairOutputs, desired);
        for (const [iam, name] of [[eksIam(), desired.eksRoleName], [assetIam(), desired.assetRoleName]] as const) {
            const tags = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role!.Tags;
            expect(tags).to.deep.include({ Key: "kubeflow-irsa:role-pair", Value: "kubeflow-irsa/test/customer-read" });
            expect(tags).to.deep.include({ Key: "team", Value: "data" });
        }
    });

    it("refreshes without phantom changes and reports real drift", async () => {
        const desired = await checked(inputs());
        const state = (await provider.create(desired)).outs!;
        const clean = await provider.read("id", state);
        expect((await provider.diff("id", clean.props as RolePairOutputs, desired)).changes).to.equal(false);

        // Someone removes our entry and adds theirs out of band.
        const doc: any = await trustOf(eksIam(), desired.eksRoleName);
        doc.Statement[0].Condition.StringEquals[`${ISSUER}:sub`] = FOREIGN_SUB;
        await eksIam().send(new UpdateAssumeRolePolicyCommand({ RoleName: desired.eksRoleName, PolicyDocument: JSON.stringify(doc) }));
        const drifted = await provider.read("id", state);
        expect(drifted.inputs!.subjects).to.deep.equal([]);
        expect((drifted.props as RolePairOutputs).foreignSubjects).to.deep.equal([FOREIGN_SUB]);
        const diff = await provider.diff("id", drifted.props as RolePairOutputs, desired);
        expect(diff.changes).to.equal(true);
        expect(diff.replaces).to.deep.equal([]);
    });

    it("deletes both roles, and deleting again succeeds", async () => {
        const desired = await checked(inputs({ assetPolicyArns: [MANAGED_POLICY] }));
        const state = (await provider.create(desired)).outs!;
        await provider.delete("id", state);
        for (const [iam, name] of [[eksIam(), desired.eksRoleName], [assetIam(), desired.assetRoleName]] as const) {
            expect(await iam.send(new GetRoleCommand({ RoleName: name })).then(() => "exists", (e) => e.name)).to.equal("NoSuchEntityException");
        }
        await provider.delete("id", state);
        expect((await provider.read("id", state)).id).to.equal(undefined);
    });

    it("cleans up the EKS role when the asset side fails, and leaves a same-named role that is not ours untouched", async () => {
        // The asset role already exists, made by someone else: the asset CreateRole fails after the EKS role was made.
        const theirs = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] };
        await assetIam().send(new CreateRoleCommand({ RoleName: "customer-read-bucket-role", AssumeRolePolicyDocument: JSON.stringify(theirs) }));
        const err = await provider.create(await checked(inputs())).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/role pair customer-read: CreateRole on role customer-read-bucket-role failed: RoleNotOurs: role customer-read-bucket-role already exists and is not this pair's \(tag kubeflow-irsa:role-pair is absent, expected kubeflow-irsa\/test\/customer-read\); it was left untouched/);
        expect(await eksIam().send(new GetRoleCommand({ RoleName: "customer-read-bucket-role-eks" })).then(() => "exists", (e) => e.name)).to.equal("NoSuchEntityException");
        expect(await trustOf(assetIam(), "customer-read-bucket-role")).to.deep.equal(theirs);
    });

    it("rejects in check: no subjects, wildcards under StringEquals, cross-account without a deploy role, and a trust over the quota", async () => {
        const reasons = async (raw: RolePairInputs) => (await provider.check(raw, raw)).failures!.map((f) => `${f.property}: ${f.reason}`).join("\n");
        expect(await reasons(inputs({ subjects: [] }))).to.match(/subjects: must list at least one subject/);
        expect(await reasons(inputs({ subjects: ["system:serviceaccount:ns:run-*"] }))).to.match(/has a wildcard but subjectMatch is StringEquals/);
        expect(await reasons(inputs({ subjects: ["system:serviceaccount:*:sa"], subjectMatch: "StringLike" }))).to.match(/must name one namespace exactly/);
        expect(await reasons(inputs({ assetDeployRoleArn: undefined }))).to.match(/assetDeployRoleArn: is required: the asset account 222222222222 differs from the EKS account 123456789012/);
        const many = Array.from({ length: 60 }, (_, i) => `system:serviceaccount:domino-compute:run-${String(i).padStart(4, "0")}`);
        expect(await reasons(inputs({ subjects: many }))).to.match(/over the 2048-character quota: \d+ of its 60 sub entries fit.*StringLike.*shard/);
        expect(await reasons(inputs({ subjects: many, trustPolicyMaxLength: 4096 }))).to.equal("");
    });

    it("runs the real assumption chain: web identity into the EKS role, then AssumeRole into the asset role", async () => {
        const state = (await provider.create(await checked(inputs()))).outs!;
        const web = await new STSClient({}).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: state.eksRoleArn, RoleSessionName: "pod", WebIdentityToken: "header.payload.signature" }));
        const podSts = new STSClient({ credentials: { accessKeyId: web.Credentials!.AccessKeyId!, secretAccessKey: web.Credentials!.SecretAccessKey!, sessionToken: web.Credentials!.SessionToken } });
        const asset = await podSts.send(new AssumeRoleCommand({ RoleArn: state.assetRoleArn, RoleSessionName: "asset", ExternalId: "domino-eks-1" }));
        const identity = await new STSClient({ credentials: { accessKeyId: asset.Credentials!.AccessKeyId!, secretAccessKey: asset.Credentials!.SecretAccessKey!, sessionToken: asset.Credentials!.SessionToken } }).send(new GetCallerIdentityCommand({}));
        expect(identity.Account).to.equal(ASSET_ACCOUNT);
        expect(identity.Arn).to.match(/assumed-role\/customer-read-bucket-role\/asset$/);
    });

    it("works after the engine's closure serialization", async () => {
        const plain = new RolePairProvider({ principalRetryBaseDelayMs: 10 });
        // As pulumi.dynamic.Resource serializes its provider, and as the dynamic-provider host loads it
        // (require-from-string, then .handler()).
        const serialized = await pulumi.runtime.serializeFunction(() => plain, { allowSecrets: true });
        const mod = new Module(path.join(process.cwd(), "__serialized_provider.js"), module) as Module & { _compile(code: string, file: string): void };
        mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(process.cwd());
        mod._compile(serialized.text, mod.id);
        const revived = (mod.exports as { handler: () => RolePairProvider }).handler();
        expect(serialized.text).to.not.match(/testing|AWS_SECRET/);
        const created = await revived.create(await checked(inputs()));
        const outs = created.outs!;
        expect(outs.eksRoleArn).to.equal(`arn:aws:iam::${EKS_ACCOUNT}:role/customer-read-bucket-role-eks`);
        await revived.delete("id", outs);
    });
});
