import { expect } from "chai";
import { spawnSync, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { runPreview } from "../preview/preview";
import { STACKS_DIR, PROJECT_ROOT } from "../project";
import { SECURE_STAND_IN, flattenStackConfig } from "../offline/stackFile";

const GOLDEN = path.join(__dirname, "golden", "plan.dev.json");
const quiet = () => undefined;

function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A git repository of its own whose `stacks/` holds the dev stack file as committed (HEAD); returns that dir. */
function committedStacks(): string {
    const repo = tempDir("kfirsa-repo-");
    const stacks = path.join(repo, "stacks");
    fs.mkdirSync(stacks);
    fs.copyFileSync(path.join(STACKS_DIR, "Pulumi.dev.yaml"), path.join(stacks, "Pulumi.dev.yaml"));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", ...args], { cwd: repo, stdio: "pipe" });
    git("init", "-q");
    git("add", ".");
    git("commit", "-q", "-m", "dev stack");
    return stacks;
}

/** A stacks dir holding a copy of the dev stack file, edited by `edit`. */
function editedStacks(edit: (config: Record<string, any>) => void, stack = "dev", dir = tempDir("kfirsa-stacks-")): string {
    const doc = parse(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.dev.yaml"), "utf8"));
    edit(doc.config);
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(doc));
    return dir;
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "dist", "preview", "cli.js"), ...args], { encoding: "utf8", cwd: PROJECT_ROOT });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("offline preview", function () {
    this.timeout(120_000);

    it("writes a stable plan.json for the dev stack that matches the reviewed golden file", async () => {
        const a = await runPreview({ stack: "dev", outDir: tempDir("kfirsa-a-"), log: quiet });
        const b = await runPreview({ stack: "dev", outDir: tempDir("kfirsa-b-"), log: quiet });
        const planA = fs.readFileSync(path.join(a.outDir, "plan.json"), "utf8");
        expect(fs.readFileSync(path.join(b.outDir, "plan.json"), "utf8")).to.equal(planA);
        if (process.env.UPDATE_GOLDEN) fs.writeFileSync(GOLDEN, planA);
        expect(planA).to.equal(fs.readFileSync(GOLDEN, "utf8"), "plan changed: review it, then UPDATE_GOLDEN=1 npm test");
    });

    it("writes per-role IAM documents, Kubernetes manifests and a report with the access matrix", async () => {
        const result = await runPreview({ stack: "dev", outDir: tempDir("kfirsa-files-"), log: quiet });
        const role = JSON.parse(fs.readFileSync(path.join(result.outDir, "iam", "team-nlp-kf-dev-role.json"), "utf8"));
        expect(role.trustPolicy.Statement[0].Condition.StringEquals["oidc.eks.us-west-2.amazonaws.com/id/5C3A0B8E2D1F4A6B9C7E8D0F1A2B3C4D:sub"]).to.deep.equal([
            "system:serviceaccount:team-nlp:default-editor",
            "system:serviceaccount:team-nlp:nlp-batch",
        ]);
        expect(Object.keys(role.inlinePolicies)).to.deep.equal(["s3-access"]);
        const profile = parse(fs.readFileSync(path.join(result.outDir, "k8s", "profile-team-nlp.yaml"), "utf8"));
        expect(profile.spec.plugins[0].spec.awsIamRole).to.equal(role.arn);
        expect(fs.existsSync(path.join(result.outDir, "k8s", "serviceaccount-kubeflow-profiles-controller-service-account.yaml"))).to.equal(true);
        const batch = parse(fs.readFileSync(path.join(result.outDir, "k8s", "serviceaccount-team-nlp-nlp-batch.yaml"), "utf8"));
        expect(batch.metadata).to.deep.include({ name: "nlp-batch", namespace: "team-nlp", annotations: { "eks.amazonaws.com/role-arn": role.arn } });
        expect(profile.metadata.annotations["pulumi.com/waitFor"]).to.equal("jsonpath={.metadata.finalizers[0]}=profile-finalizer");
        const report = fs.readFileSync(path.join(result.outDir, "report.md"), "utf8");
        expect(report).to.contain("Kubernetes objects (6) go to cluster **`kf-dev`** (us-west-2) only:");
        expect(report).to.contain("| credentials | `aws --output json eks get-token --cluster-name kf-dev --region us-west-2` |");
        expect(fs.readFileSync(path.join(result.outDir, "summary.md"), "utf8")).to.contain("go to cluster **`kf-dev`** (us-west-2) only");
        expect(report).to.contain("| `team-nlp-kf-dev-role` | profile | `team-nlp:default-editor`, `team-nlp:nlp-batch` | none |");
        expect(report).to.contain("| `customer-read-bucket-role` | role-pair-asset | none | `arn:aws:iam::111122223333:role/customer-read-bucket-role-eks (external id)` |");
        expect(report).to.match(/\| team-vision \| `team-vision-kf-dev-role` \| irsa \| `team-vision:default-editor` \| `acme-ml-dev-artifacts\/team-vision`, `acme-ml-dev-datasets\/images` \| none \| true \|/);
        expect(report).to.match(/\| `kubernetes:kubeflow.org\/v1:Profile` \| 4 \|/);
    });

    it("reports a subject added to a profile as gaining access, against an earlier output directory", async () => {
        const before = await runPreview({ stack: "dev", outDir: tempDir("kfirsa-before-"), log: quiet });
        const stacksDir = editedStacks((c) => c["kubeflow-irsa:profiles"][0].serviceAccounts = ["default-editor", "batch-runner"]);
        const after = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-after-"), against: before.outDir, log: quiet });
        expect(after.changes!.accessGained).to.deep.equal([{ who: "team-vision:batch-runner", role: "team-vision-kf-dev-role" }]);
        expect(after.changes!.accessLost).to.deep.equal([]);
        expect(after.changes!.rolesAdded).to.deep.equal([]);
        expect(after.changes!.statementsRemoved.map((s) => `${s.role} ${s.document}`)).to.deep.equal(["team-vision-kf-dev-role trust"]);
        expect(after.changes!.statementsAdded.map((s) => `${s.role} ${s.document}`)).to.deep.equal(["team-vision-kf-dev-role trust"]);
        const report = fs.readFileSync(path.join(after.outDir, "report.md"), "utf8");
        expect(report).to.contain("`team-vision:batch-runner` gains access to `team-vision-kf-dev-role`");
    });

    it("caps the summary for the pull-request comment while the report keeps every line", async () => {
        const before = await runPreview({ stack: "dev", outDir: tempDir("kfirsa-before-"), log: quiet });
        const stacksDir = editedStacks((c) => {
            c["kubeflow-irsa:profiles"].push(...Array.from({ length: 60 }, (_, i) => ({ name: `extra-${i}`, owner: "o@example.com" })));
        });
        const after = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-after-"), against: before.outDir, log: quiet });
        expect(after.changes!.rolesAdded).to.have.length(60);
        const summary = fs.readFileSync(path.join(after.outDir, "summary.md"), "utf8");
        const report = fs.readFileSync(path.join(after.outDir, "report.md"), "utf8");
        expect(summary).to.contain("... and 50 more (see report.md)");
        expect(summary).to.not.contain("## Access matrix");
        expect(report.match(/^- `extra-\d+-kf-dev-role`$/gm)).to.have.length(60);
    });

    it("reports a removed profile's role and lost access, and a new stack as all added (git ref with no such file)", async () => {
        const before = await runPreview({ stack: "dev", outDir: tempDir("kfirsa-before-"), log: quiet });
        const stacksDir = editedStacks((c) => (c["kubeflow-irsa:profiles"] = c["kubeflow-irsa:profiles"].filter((p: { name: string }) => p.name !== "sandbox")));
        const after = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-after-"), against: before.outDir, log: quiet });
        expect(after.changes!.rolesRemoved).to.deep.equal(["sandbox-kf-dev-role"]);
        expect(after.changes!.accessLost).to.deep.include({ who: "sandbox:default-editor", role: "sandbox-kf-dev-role" });
        // The controller loses its only managed role: its policy statement goes away.
        expect(after.changes!.statementsRemoved.some((s) => s.role === "kf-dev-kf-profile-controller" && s.document === "manage-profile-role-trust")).to.equal(true);

        const fresh = await runPreview({ stack: "qa", stacksDir: editedStacks(() => undefined, "qa", committedStacks()), outDir: tempDir("kfirsa-qa-"), against: "HEAD", log: quiet });
        expect(fresh.changes!.rolesAdded).to.have.length(fresh.roles.length);
    });

    it("compares against a git ref of the stack file", async () => {
        const stacksDir = committedStacks();
        const result = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-ref-"), against: "HEAD", log: quiet });
        expect(result.changes).to.deep.equal({ reachGained: [], reachLost: [], rolesAdded: [], rolesRemoved: [], accessGained: [], accessLost: [], statementsAdded: [], statementsRemoved: [] });
        // An uncommitted edit of the stack file shows against HEAD.
        editedStacks((c) => (c["kubeflow-irsa:profiles"] = c["kubeflow-irsa:profiles"].filter((p: { name: string }) => p.name !== "sandbox")), "dev", stacksDir);
        const edited = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-ref-"), against: "HEAD", log: quiet });
        expect(edited.changes!.rolesRemoved).to.deep.equal(["sandbox-kf-dev-role"]);
        const err = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-ref-"), against: "no-such-ref-xyz", log: quiet }).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/--against no-such-ref-xyz: neither a directory nor a git ref/);
    });

    it("shows a profile moving to Pod Identity as access lost over IRSA and gained over Pod Identity, step by step", async () => {
        const stacksDir = committedStacks();
        const moveTo = (identity: string) =>
            editedStacks((c) => {
                const nlp = c["kubeflow-irsa:profiles"].find((p: { name: string }) => p.name === "team-nlp");
                nlp.identity = identity;
            }, "dev", stacksDir);
        moveTo("irsa+podIdentity");
        const both = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-both-"), against: "HEAD", log: quiet });
        expect(both.changes!.accessGained.map((c) => `${c.who} -> ${c.role}`)).to.deep.equal([
            "team-nlp:default-editor (pod identity) -> team-nlp-kf-dev-role",
            "team-nlp:nlp-batch (pod identity) -> team-nlp-kf-dev-role",
        ]);
        expect(both.changes!.accessLost).to.deep.equal([]);
        const bothReport = fs.readFileSync(path.join(both.outDir, "report.md"), "utf8");
        expect(bothReport).to.contain("## Pod Identity migration");
        expect(bothReport).to.contain("kubectl -n team-nlp annotate serviceaccount default-editor eks.amazonaws.com/role-arn-");
        expect(fs.readFileSync(path.join(both.outDir, "k8s", "profile-team-nlp.yaml"), "utf8")).to.not.contain("AwsIamForServiceAccount");
        const bothDir = both.outDir;
        moveTo("podIdentity");
        const moved = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-pod-"), against: bothDir, log: quiet });
        expect(moved.changes!.accessLost.map((c) => `${c.who} -> ${c.role}`)).to.deep.equal(["team-nlp:default-editor -> team-nlp-kf-dev-role", "team-nlp:nlp-batch -> team-nlp-kf-dev-role"]);
        expect(moved.changes!.accessGained).to.deep.equal([]);
        const report = fs.readFileSync(path.join(moved.outDir, "report.md"), "utf8");
        expect(report).to.match(/\| team-nlp \| `team-nlp-kf-dev-role` \| podIdentity \| `team-nlp:default-editor`, `team-nlp:nlp-batch` \| .* \| \(no plugin\) \|/);
        expect(moved.access.findings).to.deep.equal([]);
        expect(report).to.not.contain("## Pod Identity migration");
    });

    it("reads secure values as opaque, at the top level and nested, and namespaces bare keys", () => {
        const flat = flattenStackConfig({
            config: {
                "aws:region": "us-east-1",
                clusterName: "kf",
                "kubeflow-irsa:token": { secure: "v1:abc" },
                "kubeflow-irsa:rolePairs": [{ name: "p", externalId: { secure: "v1:def" } }],
            },
        });
        expect(flat.config).to.deep.equal({
            "aws:region": "us-east-1",
            "kubeflow-irsa:clusterName": "kf",
            "kubeflow-irsa:token": SECURE_STAND_IN,
            "kubeflow-irsa:rolePairs": `[{"name":"p","externalId":"${SECURE_STAND_IN}"}]`,
        });
        expect(flat.secretKeys).to.deep.equal(["kubeflow-irsa:token", "kubeflow-irsa:rolePairs"]);
    });

    it("names a created cluster as the target, with its ARN when the account is known, and says the deploy role does not cover it", async () => {
        const stacksDir = editedStacks((config) => {
            delete config["kubeflow-irsa:oidcIssuerUrl"];
            config["kubeflow-irsa:cluster"] = { create: { version: "1.31", kubeflowInstalled: true } };
            config["kubeflow-irsa:pipeline"] = { repository: "acme/ml-platform-kubeflow-irsa", accountId: "210987654321" };
        });
        const result = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-created-"), log: quiet });
        expect(result.plan.resources.filter((r) => r.type === "eks:index:Cluster")).to.have.length(1);
        const report = fs.readFileSync(path.join(result.outDir, "report.md"), "utf8");
        expect(report).to.contain("go to cluster **`kf-dev`** (us-west-2, `arn:aws:eks:us-west-2:210987654321:cluster/kf-dev`) only: created by this stack (@pulumi/eks, Kubernetes 1.31, 2x m6i.large); Kubeflow installed.");
        expect(report).to.contain("This stack creates its cluster: the deploy role above does not cover that");
        expect(report).to.not.contain("looked up with eks:DescribeCluster");
    });

    it("previews a stack whose role-pair external id is a secure value, showing it only as [secret]", async () => {
        const stacksDir = tempDir("kfirsa-secure-");
        const text = fs.readFileSync(path.join(STACKS_DIR, "Pulumi.dev.yaml"), "utf8");
        expect(text).to.match(/ externalId: kf-dev-customer-read\n/);
        fs.writeFileSync(path.join(stacksDir, "Pulumi.dev.yaml"), text.replace(/ externalId: kf-dev-customer-read\n/, " externalId:\n        secure: v1:c2VjcmV0LWNpcGhlcnRleHQ=\n"));
        const result = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-secure-out-"), log: quiet });
        const pair = result.plan.resources.find((r) => r.type.endsWith("kubeflow-irsa:RolePair"))!;
        expect(pair.inputs.externalId).to.equal("[secret]");
        for (const file of result.files) {
            const written = fs.readFileSync(path.join(result.outDir, file), "utf8");
            expect(written, file).to.not.contain(SECURE_STAND_IN);
            expect(written, file).to.not.contain("v1:c2VjcmV0");
        }
    });

    it("writes the ARNs the deploy would: the stack's region and configured account, not the documentation stand-ins", async () => {
        const stacksDir = editedStacks((c) => {
            c["kubeflow-irsa:profiles"][0].identity = "podIdentity";
            c["kubeflow-irsa:pipeline"].accountId = "444455556666";
        });
        const result = await runPreview({ stack: "dev", stacksDir, outDir: tempDir("kfirsa-cloud-"), log: quiet });
        expect(result.plan.cloud).to.deep.equal({ accountId: "444455556666", region: "us-west-2", partition: "aws" });
        const role = JSON.parse(fs.readFileSync(path.join(result.outDir, "iam", "team-vision-kf-dev-role.json"), "utf8"));
        expect(role.arn).to.equal("arn:aws:iam::444455556666:role/kubeflow/team-vision-kf-dev-role");
        const pods = role.trustPolicy.Statement.find((s: { Sid?: string }) => s.Sid === "PodIdentity");
        expect(pods.Condition.StringEquals["aws:RequestTag/eks-cluster-arn"]).to.equal("arn:aws:eks:us-west-2:444455556666:cluster/kf-dev");
        expect(pods.Condition.StringEquals["aws:SourceAccount"]).to.equal("444455556666");
        // The analysis evaluates the same ARNs: the associations give credentials, so no finding says otherwise.
        expect(result.access.findings.filter((f) => /gives no credentials/.test(f.message))).to.deep.equal([]);
        expect(fs.readFileSync(path.join(result.outDir, "report.md"), "utf8")).to.contain("Offline: ARNs use account 444455556666 and region us-west-2.");
    });

    describe("command line", () => {
        before(() => execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "build.js")]));

        it("exits 0 with a summary for the dev stack", () => {
            const r = cli(["--stack", "dev", "--out", tempDir("kfirsa-cli-")]);
            expect(r.status, r.stderr).to.equal(0);
            expect(r.stdout).to.match(/kubeflow-irsa preview of stack dev: 20 resources, 7 roles, 0 findings \(0 high\)/);
            expect(r.stderr).to.match(/\[1\/4\] config[\s\S]*\[4\/4\] write/);
        });

        it("exits 1 with the config error", () => {
            const stacksDir = editedStacks((c) => (c["kubeflow-irsa:profiles"][1].anotateOnly = false));
            const r = cli(["--stack", "dev", "--stacks-dir", stacksDir, "--out", tempDir("kfirsa-cli-")]);
            expect(r.status).to.equal(1);
            expect(r.stderr).to.contain('kubeflow-irsa:profiles[1] (team-nlp).anotateOnly: false is not a known key (did you mean "annotateOnly"?)');
        });

        it("exits 2 on a high-severity finding unless --allow-findings, and reports it in JSON", () => {
            const stacksDir = editedStacks((c) => c["kubeflow-irsa:profiles"][0].policyArns = ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]);
            const r = cli(["--stack", "dev", "--stacks-dir", stacksDir, "--out", tempDir("kfirsa-cli-"), "--format", "json"]);
            expect(r.status).to.equal(2);
            const out = JSON.parse(r.stdout);
            expect(out.ok).to.equal(false);
            expect(out.findings).to.deep.include({ severity: "high", role: "team-vision-kf-dev-role", message: "attaches AmazonS3FullAccess" });
            expect(cli(["--stack", "dev", "--stacks-dir", stacksDir, "--out", tempDir("kfirsa-cli-"), "--allow-findings"]).status).to.equal(0);
        });

        it("names the stack file it read, wherever it is", () => {
            const stacksDir = editedStacks((c) => (c["kubeflow-irsa:profiles"][0].name = "kube-system"));
            const r = cli(["--stack", "dev", "--stacks-dir", stacksDir, "--out", tempDir("kfirsa-cli-")]);
            expect(r.status).to.equal(1);
            expect(r.stderr).to.contain(`keys of ${path.relative(PROJECT_ROOT, path.join(stacksDir, "Pulumi.dev.yaml"))}\n`);
            expect(r.stderr).to.contain('kubeflow-irsa:profiles[0] (kube-system).name: "kube-system" is a namespace of Kubernetes itself');
        });

        // The seven stack files of the bad-input issue: each refused, or failing the preview with a high finding.
        const policy = (Action: string | string[], Resource: string) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource }] });
        const risky: Array<[string, (profile: Record<string, any>) => void, 1 | 2, RegExp]> = [
            ["a profile named kubeflow", (p) => (p.name = "kubeflow"), 1, /profiles\[0\] \(kubeflow\)\.name: "kubeflow" is the profile controller's namespace/],
            ["PassRole + AttachRolePolicy on role/*", (p) => (p.inlinePolicy = policy(["iam:PassRole", "iam:AttachRolePolicy"], "arn:aws:iam::111122223333:role/*")), 1, /\(team-vision\)\.inlinePolicy\.Statement\[0\]: .* allows IAM writes \(iam:PassRole, iam:AttachRolePolicy\)/],
            ["iam:* on any account's roles", (p) => (p.inlinePolicy = policy("iam:*", "arn:aws:iam::*:role/*")), 1, /allows IAM writes .* on arn:aws:iam::\*:role\/\*, a wildcard/],
            ["sts:AssumeRole on *", (p) => (p.inlinePolicy = policy("sts:AssumeRole", "*")), 2, /HIGH team-vision-kf-dev-role: allows sts:AssumeRole on \*: the pods may assume any role/],
            ["s3:* on *", (p) => (p.inlinePolicy = policy("s3:*", "*")), 2, /HIGH team-vision-kf-dev-role: allows data actions \(s3:GetObject, .*\) on \*/],
            ["52 tags", (p) => (p.tags = Object.fromEntries(Array.from({ length: 52 }, (_, i) => [`k${i}`, "v"]))), 1, /\(team-vision\)\.tags: .* gives the role 56 tags .* over IAM's 50 per role/],
            ["a negative cpu quota", (p) => (p.resourceQuota = { hard: { cpu: "-5" } }), 1, /\(team-vision\)\.resourceQuota\.hard\.cpu: "-5" is negative/],
        ];
        for (const [label, edit, status, message] of risky) {
            it(`refuses or fails on ${label}`, () => {
                const r = cli(["--stack", "dev", "--stacks-dir", editedStacks((c) => edit(c["kubeflow-irsa:profiles"][0])), "--out", tempDir("kfirsa-cli-")]);
                expect(r.status, r.stdout + r.stderr).to.equal(status);
                expect(status === 1 ? r.stderr : r.stdout).to.match(message);
            });
        }

        it("exits 64 on bad usage", () => {
            const r = cli(["--stak", "dev"]);
            expect(r.status).to.equal(64);
            expect(r.stderr).to.match(/unknown argument --stak\nusage: npm start/);
        });
    });
});

describe("the preview's deferred TypeScript load", () => {
    it("keeps TypeScript unloaded until a function is serialized, then serializes it with the real module", () => {
        // A fresh process running the compiled module: this one (ts-node) holds TypeScript already.
        execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "build.js")]);
        const script = `
            require(${JSON.stringify(path.join(PROJECT_ROOT, "dist", "offline", "deferTypescript.js"))}).deferTypescriptLoad();
            const loaded = () => Object.keys(require.cache).some((f) => f.includes("/node_modules/typescript/"));
            const pulumi = require("@pulumi/pulumi");
            const before = loaded();
            const x = 41;
            pulumi.runtime.serializeFunction(() => x + 1).then((s) => {
                process.stdout.write(JSON.stringify({ before, after: loaded(), text: s.text.includes("x + 1") }));
            });`;
        const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: PROJECT_ROOT });
        expect(r.status, r.stderr).to.equal(0);
        expect(JSON.parse(r.stdout)).to.deep.equal({ before: false, after: true, text: true });
    });
});
