/**
 * `npm run adopt` against moto: the hand-made state the AWS Kubeflow docs lead to (an eksctl OIDC provider and
 * controller role with the upstream policy, an aud-only profile role with AmazonS3FullAccess, one role the
 * controller shared across three namespaces with s3:* on a bucket, an exact bucket-scoped role, an add-on's IRSA
 * role), adopted, then checked against the offline preview of the stack it wrote. @integration
 */
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CreateClusterCommand, DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { adopt, AdoptOptions } from "../adopt/cli";
import { AdoptError } from "../adopt/errors";
import { engineUrn, ImportFile } from "../adopt/importFile";
import { runPreview } from "../preview/preview";
import { PROJECT_NAME, PROJECT_ROOT } from "../project";
import { Emulator, resetEmulator } from "../tools/emulator";
import { ACCOUNT, buildHandMadeState, CLUSTER, HandMade, role, writeKubectlFiles } from "./helpers/handMade";
import { motoOrSkip } from "./helpers/toolsOrSkip";

const STACK = "prod-adopted";
const iam = () => new IAMClient({});

/** Everything IAM holds about the account's roles: the adoption must leave it exactly as it was. */
async function iamSnapshot(): Promise<unknown> {
    const roles = (await iam().send(new ListRolesCommand({}))).Roles ?? [];
    return Promise.all(
        roles.map(async (r) => ({
            role: (await iam().send(new GetRoleCommand({ RoleName: r.RoleName }))).Role,
            inline: (await iam().send(new ListRolePoliciesCommand({ RoleName: r.RoleName }))).PolicyNames,
            attached: (await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: r.RoleName }))).AttachedPolicies,
        })),
    );
}

/** URNs of the plan's resources, by the engine's rule (parents are components, named in the plan). */
function planUrns(plan: { resources: Array<{ type: string; name: string; parent?: string; custom: boolean }> }, stack: string): Set<string> {
    const components = new Map(plan.resources.filter((r) => !r.custom).map((r) => [r.name, r]));
    const qualified = (r: { type: string; parent?: string }): string => {
        const parent = r.parent ? components.get(r.parent) : undefined;
        return parent ? `${qualified(parent)}$${r.type}` : r.type;
    };
    return new Set(plan.resources.map((r) => `urn:pulumi:${stack}::${PROJECT_NAME}::${qualified(r)}::${r.name}`));
}

/** URNs the import file's entries get, by the rule the CLI applies (parents by their file name). */
function importUrns(file: ImportFile, stack: string): string[] {
    const byName = new Map(file.resources.map((r) => [r.name, r]));
    const qualified = (r: ImportFile["resources"][number]): string => (r.parent ? `${qualified(byName.get(r.parent)!)}$${r.type}` : r.type);
    return file.resources.map((r) => engineUrn(stack, PROJECT_NAME, r.parent ? qualified(byName.get(r.parent)!) : undefined, r.type, r.logicalName));
}

describe("npm run adopt against moto @integration", function () {
    this.timeout(180_000);
    let emulator: Emulator;
    let dir: string;
    let handMade: HandMade;

    before(async function () {
        // moto loads AWS-managed policies (AmazonS3FullAccess) only when asked to.
        process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = "true";
        emulator = await motoOrSkip(this);
    });
    after(async () => {
        await emulator?.stop();
        delete process.env.MOTO_IAM_LOAD_MANAGED_POLICIES;
    });
    beforeEach(async () => {
        await resetEmulator(emulator.endpoint);
        handMade = await buildHandMadeState();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-"));
        writeKubectlFiles(dir);
    });

    const options = (out = "out"): AdoptOptions => ({
        cluster: CLUSTER,
        profilesFile: path.join(dir, "profiles.json"),
        serviceAccountsFile: path.join(dir, "serviceaccounts.json"),
        stack: STACK,
        region: "us-east-1",
        outDir: path.join(dir, out),
        stacksDir: path.join(dir, "stacks"),
    });

    it("writes a stack and an import file the offline preview agrees with, and changes nothing in AWS", async () => {
        const before = await iamSnapshot();
        const result = await adopt(options());
        expect(await iamSnapshot()).to.deep.equal(before);

        const preview = await runPreview({ stack: STACK, stacksDir: path.join(dir, "stacks"), outDir: path.join(dir, "preview"), log: () => undefined });
        const plannedRoles = preview.plan.resources.filter((r) => r.type === "aws:iam/role:Role");
        const byName = new Map(plannedRoles.map((r) => [r.inputs.name as string, r]));
        // Every existing role the adoption takes over keeps its name and its path (a new path would replace it).
        for (const [name, rolePath] of [
            ["alice-kf-prod-role", "/"],
            ["kf-shared-role", "/"],
            ["vision-kf-prod-role", "/kubeflow/"],
            ["eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F", "/"],
        ]) {
            expect(byName.get(name), name).to.not.equal(undefined);
            expect(byName.get(name)!.inputs.path, name).to.equal(rolePath);
        }
        expect(result.report.importedRoles).to.have.members(["alice-kf-prod-role", "kf-shared-role", "vision-kf-prod-role", "eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F"]);
        expect(result.report.newRoles).to.deep.equal(["team-b-kf-prod-role", "team-c-kf-prod-role"]);
        expect(byName.has("team-b-kf-prod-role") && byName.has("team-c-kf-prod-role")).to.equal(true);
        expect(byName.has("kf-prod-ebs-csi")).to.equal(false);

        // Every import entry is a URN of the preview's plan; the import names each role and Profile by its id.
        const urns = planUrns(preview.plan, STACK);
        const imported = JSON.parse(fs.readFileSync(result.files.importFile, "utf8")) as ImportFile;
        for (const urn of importUrns(imported, STACK)) expect(urns.has(urn), urn).to.equal(true);
        const ids = imported.resources.filter((r) => r.id).map((r) => `${r.type} ${r.id}`);
        expect(ids).to.have.members([
            "aws:iam/role:Role alice-kf-prod-role",
            "aws:iam/role:Role kf-shared-role",
            "aws:iam/role:Role vision-kf-prod-role",
            "aws:iam/role:Role eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F",
            ...["alice", "team-a", "team-b", "team-c", "vision"].map((p) => `kubernetes:kubeflow.org/v1:Profile ${p}`),
            "kubernetes:core/v1:ServiceAccount vision/trainer",
        ]);
        const provider = imported.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        const endpoint = (await new EKSClient({}).send(new DescribeClusterCommand({ name: CLUSTER }))).cluster!.endpoint!;
        expect(JSON.parse(provider.inputs!.kubeconfig as string).clusters[0].cluster.server).to.equal(endpoint);
        expect(imported.resources.filter((r) => r.provider).map((r) => r.provider)).to.satisfy((names: string[]) => names.every((n) => n === provider.name));

        // The trust the first up writes: aud and sub, only the profile's own accounts.
        const aliceTrust = JSON.stringify(byName.get("alice-kf-prod-role")!.inputs.assumeRolePolicy);
        expect(aliceTrust).to.include(`${handMade.hostPath}:sub`).and.include("system:serviceaccount:alice:default-editor").and.include(`${handMade.hostPath}:aud`);
        const sharedTrust = JSON.stringify(byName.get("kf-shared-role")!.inputs.assumeRolePolicy);
        expect(sharedTrust).to.include("team-a:default-editor").and.not.include("team-b").and.not.include("team-c");
        // The controller may rewrite exactly nothing (every adopted profile is annotate-only or managed by the package).
        expect(JSON.stringify(byName.get("eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F")!.inputs.managedPolicyArns)).to.equal("[]");

        // The report: each tightening, and nothing else.
        expect(result.report.findings.map((f) => `${f.kind} ${f.subject}`)).to.deep.equal([
            "trust-tightened role alice-kf-prod-role",
            "trust-tightened role kf-shared-role",
            "shared-role-split role kf-shared-role",
            "s3-narrowed role kf-shared-role",
            "controller-scoped role eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F",
            "not-mapped Profile no-iam",
            "not-mapped role kf-prod-ebs-csi",
        ]);
        expect(result.report.findings.find((f) => f.subject === "role alice-kf-prod-role")!.severity).to.equal("high");
        expect(result.report.findings.find((f) => f.kind === "s3-narrowed")!.message).to.include("acme-shared").and.include("s3:*");
        expect(result.report.findings.find((f) => f.kind === "controller-scoped")!.severity).to.equal("high");
        // What the first up changes on each imported resource, from the plan: Profiles keep their spec unless their
        // role or annotate-only setting moves, and get the background-deletion annotation; the controller's attached
        // policy is detached.
        const changes = Object.fromEntries(result.report.changes.map((c) => [c.resource, c.properties.join("; ")]));
        expect(changes["Profile alice"]).to.equal("metadata.annotations (+pulumi.com/deletionPropagationPolicy)");
        expect(changes["ServiceAccount vision/trainer"]).to.equal("metadata.labels (app.kubernetes.io/managed-by)");
        expect(changes["Profile team-b"]).to.equal("spec.plugins; metadata.annotations (+pulumi.com/deletionPropagationPolicy)");
        expect(changes["role alice-kf-prod-role"]).to.equal("description; trust policy; tags (+kubeflow-irsa/profile, +kubeflow-irsa:cluster)");
        expect(changes["role eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F"]).to.include("attached policies (1 detached, 0 attached)");
        // What the adoption cannot narrow without knowing the buckets stays, and is said twice: here and in the preview.
        expect(result.report.kept).to.deep.equal([
            "role alice-kf-prod-role keeps arn:aws:iam::aws:policy/AmazonS3FullAccess: replace it with s3Buckets once its buckets are known",
            "role eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F belongs to a CloudFormation stack (eksctl made it): `eksctl delete iamserviceaccount` or deleting that stack deletes the role from under this one. Set DeletionPolicy: Retain on it in that stack before removing the stack, or leave the stack alone.",
        ]);
        expect(preview.access.findings.filter((f) => f.severity === "high").map((f) => `${f.role} ${f.message}`)).to.deep.equal([
            "alice-kf-prod-role allows data actions (s3:GetObject, s3:GetObjectVersion, s3:PutObject, s3:DeleteObject and 20 more) on *: every bucket, table, key, secret, parameter, queue or stream of that kind in the account, other profiles' data included; name the exact resources (through managed policy AmazonS3FullAccess)",
            "alice-kf-prod-role allows s3:PutBucketPolicy, s3:PutBucketAcl, s3-object-lambda:PutObjectAcl, s3-object-lambda:PutObjectVersionAcl and 25 more on *: permissions management, so the role decides who else may use every matching resource (make a bucket public, grant itself or another account Decrypt on a key); drop them, or name the exact resources the workload manages (through managed policy AmazonS3FullAccess)",
            "alice-kf-prod-role attaches AmazonS3FullAccess",
        ]);
    });

    it("carries over paths, sessions, tags, quotas, managed policies and statements it cannot read back", async () => {
        const result = await adopt({ ...options(), serviceAccountsFile: undefined });
        // Without the service accounts file, nothing tells whether vision/trainer exists: it is created, and said so.
        expect(result.importFile.resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount")).to.deep.equal([]);
        expect(result.report.notes.join("\n")).to.include("Service account vision/trainer: the first up creates it; if it exists already that create fails. Run the adoption with --service-accounts");
        const text = fs.readFileSync(path.join(dir, "stacks", `Pulumi.${STACK}.yaml`), "utf8");
        const { parse } = await import("yaml");
        const config = parse(text).config;
        expect(config["aws:region"]).to.equal("us-east-1");
        expect(config["kubeflow-irsa:oidcProviderArn"]).to.equal(handMade.providerArn);
        expect(config["kubeflow-irsa:tags"]).to.deep.equal({ team: "ml" });
        const profiles = config["kubeflow-irsa:profiles"] as Array<Record<string, unknown>>;
        expect(profiles.map((p) => p.name)).to.deep.equal(["alice", "team-a", "team-b", "team-c", "vision"]);
        const vision = profiles.find((p) => p.name === "vision")!;
        expect(vision).to.deep.include({ rolePath: "/kubeflow/", maxSessionDuration: 7200, s3Buckets: ["acme-vision"], serviceAccounts: ["default-editor", "trainer"], tags: { owner: "vision" }, resourceQuota: { hard: { cpu: "16" } } });
        expect((vision.inlinePolicy as { Statement: unknown[] }).Statement).to.deep.equal([{ Sid: "PublicRead", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-public/*" }]);
        expect(profiles.find((p) => p.name === "alice")).to.deep.include({ policyArns: ["arn:aws:iam::aws:policy/AmazonS3FullAccess"], annotateOnly: false });
        expect(profiles.find((p) => p.name === "team-a")).to.deep.include({ roleName: "kf-shared-role", s3Buckets: ["acme-shared"] });
        expect(profiles.find((p) => p.name === "team-b")).to.not.have.property("roleName");
        expect(profiles.find((p) => p.name === "team-b")).to.deep.include({ s3Buckets: ["acme-shared"] });
        expect(config["kubeflow-irsa:profileController"]).to.deep.include({ roleName: "eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F" });
    });

    it("writes identical files when run twice on the same input", async () => {
        const first = await adopt(options());
        const written = Object.fromEntries(Object.entries(first.files).map(([key, file]) => [key, fs.readFileSync(file, "utf8")]));
        const second = await adopt({ ...options(), force: true });
        for (const [key, file] of Object.entries(second.files)) expect(fs.readFileSync(file, "utf8"), key).to.equal(written[key]);
    });

    describe("the command a user runs (npm run adopt: the compiled CLI)", () => {
        const cli = (args: string[]) => {
            execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "build.js")]);
            return spawnSync(process.execPath, [path.join(PROJECT_ROOT, "dist", "adopt", "cli.js"), ...args], { encoding: "utf8", cwd: dir, env: process.env });
        };
        const base = () => ["--cluster", CLUSTER, "--profiles", "profiles.json", "--service-accounts", "serviceaccounts.json", "--stack", STACK, "--out", "out", "--stacks-dir", "stacks", "--region", "us-east-1"];

        it("writes the three files and says where, exit 0", () => {
            const r = cli(base());
            expect(r.status, r.stderr).to.equal(0);
            expect(r.stdout).to.match(/^Adopted 5 profiles of kf-prod: 4 roles imported under their names, 2 new, 7 findings\./);
            for (const file of [`stacks/Pulumi.${STACK}.yaml`, "out/import.json", "out/adopt-report.md", "out/adopt-report.json"]) {
                expect(r.stdout).to.include(`wrote ${file}`);
                expect(fs.existsSync(path.join(dir, file)), file).to.equal(true);
            }
            expect(r.stdout).to.include("pulumi import --file out/import.json --generate-code=false");
        });

        it("refuses with one line and exit 2, writing nothing", () => {
            const r = cli([...base(), "--cluster", "no-such-cluster"]);
            expect(r.status).to.equal(2);
            expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("adopt: "))).to.deep.equal(["adopt: cluster no-such-cluster was not found in us-east-1: check --cluster and the region (AWS_REGION)"]);
            expect(fs.existsSync(path.join(dir, "stacks")) || fs.existsSync(path.join(dir, "out"))).to.equal(false);
            const usage = cli(["--cluster", CLUSTER]);
            expect(usage.status).to.equal(2);
            expect(usage.stderr).to.include("adopt: --cluster and --profiles are required").and.include("usage: npm run adopt --");
        });
    });

    describe("refuses, and writes nothing", () => {
        const expectRefusal = async (opts: AdoptOptions, pattern: RegExp) => {
            const err = await adopt(opts).then(() => undefined, (e: unknown) => e);
            expect(err).to.be.instanceOf(AdoptError);
            expect((err as Error).message).to.match(pattern);
            expect(fs.existsSync(path.join(dir, "stacks")), "a stack file was written").to.equal(false);
            expect(fs.existsSync(opts.outDir!), "an output was written").to.equal(false);
        };

        it("a Profiles file that is not a Profile list", async () => {
            fs.writeFileSync(path.join(dir, "profiles.json"), JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }] }));
            await expectRefusal(options(), /profiles\.json is not a Profile list: items\.0\.apiVersion .*kubectl get profiles -o json/);
        });

        it("a cluster with no OIDC provider", async () => {
            // Another region: moto gives every cluster of a region the same issuer.
            await new EKSClient({ region: "eu-west-1" }).send(new CreateClusterCommand({ name: "bare", roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-cluster`, resourcesVpcConfig: { subnetIds: ["subnet-0aaa1111"] } }));
            await expectRefusal({ ...options(), cluster: "bare", region: "eu-west-1" }, /cluster bare has no IAM OIDC provider for its issuer .*eksctl utils associate-iam-oidc-provider/);
        });

        it("a role name a split-off Profile would need", async () => {
            await role("team-b-kf-prod-role", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }));
            await expectRefusal(options(), /Profile team-b must leave the shared role kf-shared-role for a role of its own, named team-b-kf-prod-role, but a role of that name already exists/);
        });

        it("an existing stack file, unless --force", async () => {
            fs.mkdirSync(path.join(dir, "stacks"));
            fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${STACK}.yaml`), "config: {}\n");
            const err = await adopt(options()).then(() => undefined, (e: unknown) => e);
            expect((err as Error).message).to.match(/exists: the adoption writes a whole stack file and never merges into one/);
            expect(fs.readFileSync(path.join(dir, "stacks", `Pulumi.${STACK}.yaml`), "utf8")).to.equal("config: {}\n");
            expect(fs.existsSync(path.join(dir, "out"))).to.equal(false);
        });
    });
});
