/** Error paths of the role-pair provider that an emulator cannot produce, with the SDK mocked. */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
    CreateRoleCommand,
    DeleteRoleCommand,
    DeleteRolePolicyCommand,
    GetRoleCommand,
    IAMClient,
    PutRolePolicyCommand,
    UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { iamClient } from "../components/rolePair/aws";
import { RolePairOutputs } from "../components/rolePair/inputs";
import { RolePairProvider } from "../components/rolePair/provider";
import { policiesEqual } from "../iam/document";
import { PAIR_INPUTS, awsError, getRoleReply, trustWith, useMockedAws } from "./helpers/iamMocks";

const inputs = PAIR_INPUTS;

const state: RolePairOutputs = {
    ...inputs,
    eksAccountId: "123456789012",
    eksRoleArn: "arn:aws:iam::123456789012:role/eks-role",
    assetRoleArn: "arn:aws:iam::123456789012:role/asset-role",
    ownedSubjects: ["system:serviceaccount:ns:a"],
    foreignSubjects: [],
    trustPolicyLength: 0,
};

describe("RolePairProvider error paths (SDK mocked)", () => {
    // Mocked only while this block runs: mockClient patches every IAMClient in the process.
    let iam: ReturnType<typeof mockClient>;
    before(() => {
        iam = mockClient(IAMClient);
    });
    beforeEach(() => {
        iam.reset();
        useMockedAws();
    });
    after(() => {
        iam.restore();
    });

    it("retries while IAM reports a fresh role as an invalid principal, then succeeds", async () => {
        iam.on(CreateRoleCommand, { RoleName: "eks-role" }).resolves({ Role: { Arn: state.eksRoleArn } as never });
        iam.on(PutRolePolicyCommand).resolves({});
        iam.on(CreateRoleCommand, { RoleName: "asset-role" })
            .rejectsOnce(awsError("MalformedPolicyDocumentException", "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:role/eks-role\""))
            .rejectsOnce(awsError("MalformedPolicyDocumentException", "Invalid principal in policy"))
            .resolves({ Role: { Arn: state.assetRoleArn } as never });
        const provider = new RolePairProvider({ principalRetryBaseDelayMs: 1 });
        const created = await provider.create(inputs);
        const outs = created.outs!;
        expect(outs.assetRoleArn).to.equal(state.assetRoleArn);
        expect(iam.commandCalls(CreateRoleCommand, { RoleName: "asset-role" })).to.have.length(3);
    });

    it("gives up on an invalid principal after the timeout, names role and operation, and removes the EKS role it made", async () => {
        iam.on(CreateRoleCommand, { RoleName: "eks-role" }).resolves({ Role: { Arn: state.eksRoleArn } as never });
        iam.on(PutRolePolicyCommand).resolves({});
        iam.on(CreateRoleCommand, { RoleName: "asset-role" }).rejects(awsError("MalformedPolicyDocumentException", "Invalid principal in policy"));
        iam.on(DeleteRolePolicyCommand).resolves({});
        iam.on(DeleteRoleCommand).resolves({});
        // The rollback deletes a role only when it carries our owner tag.
        iam.on(GetRoleCommand, { RoleName: "eks-role" }).resolves(getRoleReply(trustWith(inputs.subjects), "eks-role", { Tags: [{ Key: "kubeflow-irsa:role-pair", Value: inputs.owner }] }));
        iam.on(GetRoleCommand, { RoleName: "asset-role" }).rejects(awsError("NoSuchEntityException", "not found", 404));
        const provider = new RolePairProvider({ principalRetryBaseDelayMs: 5, principalPropagationTimeoutMs: 30 });
        const err = await provider.create(inputs).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/role pair pair: CreateRole on role asset-role failed: MalformedPolicyDocumentException: Invalid principal/);
        expect(iam.commandCalls(DeleteRoleCommand).map((c) => c.args[0].input.RoleName)).to.deep.equal(["eks-role"]);
    });

    it("retries reads in the SDK's adaptive mode with bounded attempts; the trust writer's client never re-sends", async () => {
        // aws-sdk-client-mock stubs send() below the retry middleware, so the configuration is what can be checked.
        const client = iamClient();
        expect(client.config.retryMode).to.equal("adaptive");
        expect(await client.config.maxAttempts()).to.equal(8);
        const writer = iamClient({ sdkRetries: false });
        expect(await writer.config.maxAttempts()).to.equal(1);
        expect(writer.config.retryMode).to.equal("standard"); // no client-side rate limiter holding a merged document
    });

    it("gives the STS client behind the deploy role the same bounded retry settings", async () => {
        let stsConfig: { retryMode?: string; maxAttempts?: number } | undefined;
        const client = iamClient({ assumeRoleArn: "arn:aws:iam::222222222222:role/deployer" });
        // The credential provider builds its STS client from these settings on first use.
        const provider = client.config.credentials as unknown as (opts?: unknown) => Promise<unknown>;
        // The STS client the credential provider builds (its own copy of the STS client).
        const { STSClient } = require("@aws-sdk/nested-clients/sts") as typeof import("@aws-sdk/client-sts");
        const send = STSClient.prototype.send;
        STSClient.prototype.send = async function (this: InstanceType<typeof STSClient>) {
            stsConfig = { retryMode: String(this.config.retryMode), maxAttempts: await this.config.maxAttempts() };
            return { Credentials: { AccessKeyId: "a", SecretAccessKey: "b", SessionToken: "c", Expiration: new Date(Date.now() + 900_000) } } as never;
        } as never;
        try {
            await provider();
        } finally {
            STSClient.prototype.send = send;
        }
        expect(stsConfig).to.deep.equal({ retryMode: "adaptive", maxAttempts: 8 });
    });

    it("retries a trust write from a fresh read after throttling, a 5xx and a lost response, never re-sending a stale document", async () => {
        const theirs = "system:serviceaccount:runtime:run-7";
        iam.on(GetRoleCommand)
            .resolvesOnce(getRoleReply(trustWith(["system:serviceaccount:ns:a"])))
            // Each failed write is followed by a fresh read; the runtime writer added an entry meanwhile.
            .resolvesOnce(getRoleReply(trustWith(["system:serviceaccount:ns:a", theirs])))
            .resolvesOnce(getRoleReply(trustWith(["system:serviceaccount:ns:a", theirs])))
            .resolvesOnce(getRoleReply(trustWith(["system:serviceaccount:ns:a", theirs])))
            .resolves(getRoleReply(trustWith(["system:serviceaccount:ns:a", "system:serviceaccount:ns:b", theirs])));
        const lost = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        iam.on(UpdateAssumeRolePolicyCommand)
            .rejectsOnce(awsError("Throttling", "Rate exceeded"))
            .rejectsOnce(awsError("ServiceFailure", "internal", 500))
            .rejectsOnce(lost)
            .resolves({});
        const provider = new RolePairProvider({ trustWriteBaseDelayMs: 1 });
        const outs = (await provider.update("id", state, { ...inputs, subjects: ["system:serviceaccount:ns:a", "system:serviceaccount:ns:b"] })).outs!;
        const writes = iam.commandCalls(UpdateAssumeRolePolicyCommand).map((c) => JSON.parse(c.args[0].input.PolicyDocument!));
        expect(writes).to.have.length(4);
        // The first write was based on the first read; every later one includes the entry the runtime added meanwhile.
        expect(policiesEqual(writes[0], trustWith(["system:serviceaccount:ns:a", "system:serviceaccount:ns:b"]))).to.equal(true);
        for (const later of writes.slice(1)) expect(policiesEqual(later, trustWith(["system:serviceaccount:ns:a", "system:serviceaccount:ns:b", theirs]))).to.equal(true);
        expect(outs.foreignSubjects).to.deep.equal([theirs]);
    });

    it("gives up on a trust write after the bounded attempts, naming the count; a non-retryable error is not retried", async () => {
        iam.on(GetRoleCommand).resolves(getRoleReply(trustWith(["system:serviceaccount:ns:a"])));
        iam.on(UpdateAssumeRolePolicyCommand).rejects(awsError("Throttling", "Rate exceeded"));
        const provider = new RolePairProvider({ trustWriteBaseDelayMs: 1, maxTrustWriteAttempts: 3 });
        const err = await provider.update("id", state, { ...inputs, subjects: ["system:serviceaccount:ns:b"] }).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.equal("role pair pair: UpdateAssumeRolePolicy (after 3 read-merge-write attempts) on role eks-role failed: Throttling: Rate exceeded");
        expect(iam.commandCalls(UpdateAssumeRolePolicyCommand)).to.have.length(3);
        iam.on(UpdateAssumeRolePolicyCommand).rejects(awsError("MalformedPolicyDocumentException", "bad"));
        iam.resetHistory();
        await provider.update("id", state, { ...inputs, subjects: ["system:serviceaccount:ns:b"] }).catch(() => undefined);
        expect(iam.commandCalls(UpdateAssumeRolePolicyCommand)).to.have.length(1);
    });

    it("maps LimitExceeded (ACLSizePerRole) to the quota message", async () => {
        iam.on(GetRoleCommand).resolves(getRoleReply(trustWith(["system:serviceaccount:ns:a"])));
        iam.on(UpdateAssumeRolePolicyCommand).rejects(awsError("LimitExceededException", "Cannot exceed quota for ACLSizePerRole: 2048"));
        const provider = new RolePairProvider();
        const err = await provider.update("id", state, { ...inputs, subjects: ["system:serviceaccount:ns:a", "system:serviceaccount:ns:b"] }).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/^role pair pair: .*(quota|too large)/);
    });

    it("refuses to write a trust over the quota once foreign entries are counted, before calling IAM", async () => {
        const foreign = Array.from({ length: 45 }, (_, i) => `system:serviceaccount:runtime:run-${i}`);
        iam.on(GetRoleCommand).resolves(getRoleReply(trustWith(["system:serviceaccount:ns:a", ...foreign])));
        const provider = new RolePairProvider();
        const err = await provider.update("id", state, { ...inputs, subjects: ["system:serviceaccount:ns:a", "system:serviceaccount:ns:b"] }).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/over the 2048-character quota: \d+ of its 47 sub entries fit.*\(45 of the entries were added by others\)/);
        expect(iam.commandCalls(UpdateAssumeRolePolicyCommand)).to.have.length(0);
    });

    it("merges again when a concurrent writer replaced the document between our write and the verifying read", async () => {
        const theirs = "system:serviceaccount:runtime:run-7";
        iam.on(GetRoleCommand)
            .resolvesOnce(getRoleReply(trustWith(["system:serviceaccount:ns:a"])))
            // The concurrent writer's document landed after ours: it has their entry and not our new one.
            .resolvesOnce(getRoleReply(trustWith(["system:serviceaccount:ns:a", theirs])))
            // The fresh read after the backoff.
            .resolvesOnce(getRoleReply(trustWith(["system:serviceaccount:ns:a", theirs])))
            .resolves(getRoleReply(trustWith(["system:serviceaccount:ns:a", "system:serviceaccount:ns:b", theirs])));
        iam.on(UpdateAssumeRolePolicyCommand).resolves({});
        const provider = new RolePairProvider({ trustWriteBaseDelayMs: 1 });
        const created = await provider.update("id", state, { ...inputs, subjects: ["system:serviceaccount:ns:a", "system:serviceaccount:ns:b"] });
        const outs = created.outs!;
        const writes = iam.commandCalls(UpdateAssumeRolePolicyCommand).map((c) => JSON.parse(c.args[0].input.PolicyDocument!));
        expect(writes).to.have.length(2);
        expect(policiesEqual(writes[1], trustWith(["system:serviceaccount:ns:a", "system:serviceaccount:ns:b", theirs]))).to.equal(true);
        expect(outs.foreignSubjects).to.deep.equal([theirs]);
    });

    it("stops after a bounded number of merge rounds when another writer keeps dropping our entries", async () => {
        iam.on(GetRoleCommand).resolves(getRoleReply(trustWith(["system:serviceaccount:ns:a"])));
        iam.on(UpdateAssumeRolePolicyCommand).resolves({});
        const provider = new RolePairProvider({ maxMergeRounds: 2, trustWriteBaseDelayMs: 1 });
        const err = await provider.update("id", state, { ...inputs, subjects: ["system:serviceaccount:ns:a", "system:serviceaccount:ns:b"] }).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/another writer kept replacing the trust policy of role eks-role \(2 merge rounds\)/);
        expect(iam.commandCalls(UpdateAssumeRolePolicyCommand)).to.have.length(2);
    });

    it("names the role and operation for any other error", async () => {
        iam.on(GetRoleCommand).rejects(awsError("AccessDenied", "User is not authorized to perform: iam:GetRole", 403));
        const err = await new RolePairProvider().update("id", state, inputs).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.equal("role pair pair: GetRole on role eks-role failed: AccessDenied: User is not authorized to perform: iam:GetRole");
    });
});
