/**
 * Section 3: the role-pair provider's methods against moto: AWS calls per operation (counted by an SDK middleware, the
 * provider's `observe` option), cross-account through STS AssumeRole into a deploy role; and wall time for 100 pairs.
 */
import { CreateOpenIDConnectProviderCommand, CreatePolicyCommand, CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { RolePairInputs, RolePairOutputs } from "../components/rolePair/inputs";
import { RolePairProvider } from "../components/rolePair/provider";
import { motoInstalled, resetEmulator, startEmulator } from "../tools/emulator";
import { fmt, met, Section, table } from "./harness";

export interface ProviderBench {
    calls: Array<{ operation: string; reads: number; writes: number; sts: number; list: string }>;
    create100Ms: number;
    delete100Ms: number;
}

const READ = /^(Get|List)/;

async function providerBench(): Promise<ProviderBench | string> {
    if (!motoInstalled() && !process.env.MOTO_ENDPOINT) {
        return "skipped: moto is not installed (bash scripts/install-moto.sh)";
    }
    const emulator = await startEmulator();
    try {
        await resetEmulator(emulator.endpoint);
        const asset = "222222222222";
        const deployRole = `arn:aws:iam::${asset}:role/asset-deployer`;
        const eksIam = new IAMClient({});
        const assetIam = new IAMClient({ credentials: fromTemporaryCredentials({ params: { RoleArn: deployRole, RoleSessionName: "bench" } }) });
        const provider = (
            await eksIam.send(new CreateOpenIDConnectProviderCommand({ Url: "https://oidc.eks.us-east-1.amazonaws.com/id/BENCH", ClientIDList: ["sts.amazonaws.com"], ThumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] }))
        ).OpenIDConnectProviderArn!;
        await assetIam.send(new CreateRoleCommand({ RoleName: "asset-deployer", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }));
        const managed = (await assetIam.send(new CreatePolicyCommand({ PolicyName: "bench-read", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b" }] }) }))).Policy!.Arn!;

        const log: string[] = [];
        const rp = new RolePairProvider({ observe: (service, command) => log.push(`${service}:${command.replace(/Command$/, "")}`) });
        const inputs = (i: number, over: Partial<RolePairInputs> = {}): RolePairInputs => ({
            name: `pair-${i}`,
            owner: `bench/bench/pair-${i}`,
            assetAccountId: asset,
            assetRoleName: `asset-role-${i}`,
            eksRoleName: `eks-role-${i}`,
            assetPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] },
            assetPolicyArns: [managed],
            subjects: ["system:serviceaccount:compute:run-1"],
            subjectMatch: "StringEquals",
            exclusive: false,
            externalId: "bench",
            assetDeployRoleArn: deployRole,
            path: "/",
            tags: { bench: "yes" },
            trustPolicyMaxLength: 2048,
            oidcProviderArn: provider,
            ...over,
        });
        const rows: ProviderBench["calls"] = [];
        const record = async (operation: string, action: () => Promise<unknown>) => {
            log.length = 0;
            await action();
            const iamCalls = log.filter((c) => c.startsWith("iam:"));
            rows.push({
                operation,
                reads: iamCalls.filter((c) => READ.test(c.slice(4))).length,
                writes: iamCalls.filter((c) => !READ.test(c.slice(4))).length,
                sts: log.filter((c) => c.startsWith("sts:")).length,
                list: log.join(", "),
            });
        };
        let state!: RolePairOutputs;
        await record("create", async () => (state = (await rp.create(inputs(0))).outs!));
        await record("no-op update", async () => (state = (await rp.update("id", state, inputs(0))).outs!));
        const two = ["system:serviceaccount:compute:run-1", "system:serviceaccount:compute:run-2"];
        await record("subject added", async () => (state = (await rp.update("id", state, inputs(0, { subjects: two }))).outs!));
        await record("subject removed", async () => (state = (await rp.update("id", state, inputs(0))).outs!));
        const newPolicy = { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: "arn:aws:s3:::b/*" }] };
        await record("policy changed", async () => (state = (await rp.update("id", state, inputs(0, { assetPolicy: newPolicy }))).outs!));
        await record("refresh (read)", async () => rp.read("id", state));
        await record("delete", async () => rp.delete("id", state));

        const quiet = new RolePairProvider();
        const states: RolePairOutputs[] = [];
        let t = Date.now();
        for (let i = 1; i <= 100; i++) states.push((await quiet.create(inputs(i))).outs!);
        const create100Ms = Date.now() - t;
        t = Date.now();
        for (const s of states) await quiet.delete("id", s);
        const delete100Ms = Date.now() - t;
        return { calls: rows, create100Ms, delete100Ms };
    } finally {
        await emulator.stop();
    }
}

const byOperation = (data: ProviderBench | string, operation: string) => (typeof data === "string" ? undefined : data.calls.find((c) => c.operation === operation));

export const providerCalls: Section<ProviderBench | string> = {
    key: "provider",
    title: "## 3. Role-pair provider against moto",
    measure: providerBench,
    render(provider) {
        if (typeof provider === "string") return [provider, ""];
        return [
            table(["operation", "IAM reads", "IAM writes", "STS", "calls in order"], provider.calls.map((c) => [c.operation, c.reads, c.writes, c.sts, c.list])),
            "",
            `100 pairs, sequentially: create ${fmt(provider.create100Ms)} ms, delete ${fmt(provider.delete100Ms)} ms (moto on loopback; real IAM is slower per call and rate-limited).`,
            "",
            "Why these calls: **create** is CreateRole + PutRolePolicy on each side plus AttachRolePolicy per managed policy; the asset",
            "side needs one STS AssumeRole (credentials are fetched once per operation and cached). No read is needed when nothing",
            "exists; a CreateRole that meets an existing role reads it once to tell ours (owner tag) from someone else's. **delete**",
            "detaches known attachments and deletes the known inline policy before DeleteRole on each side, listing only if IAM",
            "reports a conflict. An **update** always reads the EKS trust once (others may have changed it), writes only when the",
            "merge changes it, then reads once to verify; asset-side calls happen only for asset-side changes.",
            "",
        ];
    },
    targets(provider) {
        const noop = byOperation(provider, "no-op update");
        const added = byOperation(provider, "subject added");
        const removed = byOperation(provider, "subject removed");
        return [
            ["no-op update: 1 read, 0 writes", noop ? `${noop.reads} read, ${noop.writes} writes` : "skipped", noop ? met(noop.reads === 1 && noop.writes === 0) : "skipped"],
            ["subject change: 1 read, 1 write, 1 verifying read", added && removed ? `added: ${added.reads}r/${added.writes}w, removed: ${removed.reads}r/${removed.writes}w` : "skipped", added && removed ? met([added, removed].every((c) => c.reads === 2 && c.writes === 1 && c.sts === 0)) : "skipped"],
        ];
    },
};
