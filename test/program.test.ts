import { expect } from "chai";
import { parse } from "yaml";
import * as fs from "fs";
import { StandInMocks, STANDIN_ACCOUNT_ID, standInIssuerUrl } from "../offline/standInCloud";
import { ProgramRun, runProgram } from "../offline/runtime";
import { readStackFile, stackFilePath } from "../offline/stackFile";
import { profileProblems } from "./helpers/crd";
import { OIDC_PROVIDER, PROFILE_CR, ROLE, ROLE_PAIR, SA_PATCH, byType, one, runWith } from "./helpers/program";

const json = (text: unknown) => JSON.parse(text as string);

describe("program (index.ts under mocks)", function () {
    describe("with stacks/Pulumi.dev.yaml", () => {
        let run: ProgramRun;
        const devFile = parse(fs.readFileSync(stackFilePath("dev"), "utf8")).config;
        const profiles: Array<Record<string, any>> = devFile["kubeflow-irsa:profiles"];
        const issuerHost = devFile["kubeflow-irsa:oidcIssuerUrl"].replace("https://", "");

        before(async () => {
            const { config, secretKeys } = readStackFile("dev");
            run = await runProgram({ config, secretKeys, stack: "dev" });
        });

        it("declares exactly one role and one Profile per profile entry, plus the OIDC provider, the controller and the role pairs", () => {
            expect(profiles.length).to.be.greaterThan(2);
            const counts: Record<string, number> = {};
            for (const r of run.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
            expect(counts).to.deep.equal({
                "pulumi:pulumi:Stack": 1,
                "kubeflow-irsa:index:ClusterOidcProvider": 1,
                "kubeflow-irsa:index:Profile": profiles.length,
                "kubeflow-irsa:index:ProfileControllerIrsa": 1,
                [OIDC_PROVIDER]: 1,
                [ROLE]: profiles.length + 1,
                [PROFILE_CR]: profiles.length,
                [SA_PATCH]: 1,
                // One per listed service account besides default-editor (none of dev's is the controller's default-viewer).
                "kubernetes:core/v1:ServiceAccount": profiles.flatMap((p) => (p.serviceAccounts ?? []).filter((sa: string) => sa !== "default-editor")).length,
                "pulumi:providers:kubernetes": 1,
                [ROLE_PAIR]: devFile["kubeflow-irsa:rolePairs"].length,
            });
            for (const p of profiles) {
                expect(one(run, ROLE, `${p.name}-role`).parent).to.equal(p.name);
                expect(one(run, PROFILE_CR, p.name).parent).to.equal(p.name);
            }
        });

        it("creates the OIDC provider for the configured issuer with the STS audience", () => {
            const provider = one(run, OIDC_PROVIDER, "cluster-oidc");
            expect(provider.inputs.url).to.equal(devFile["kubeflow-irsa:oidcIssuerUrl"]);
            expect(provider.inputs.clientIdLists).to.deep.equal(["sts.amazonaws.com"]);
        });

        it("trusts each profile role to exactly its own service accounts, with aud and sub", () => {
            for (const p of profiles) {
                const role = one(run, ROLE, `${p.name}-role`);
                const trust = json(role.inputs.assumeRolePolicy);
                expect(trust.Statement).to.have.length(1);
                const [s] = trust.Statement;
                expect(s.Effect).to.equal("Allow");
                expect(s.Action).to.equal("sts:AssumeRoleWithWebIdentity");
                expect(s.Principal).to.deep.equal({ Federated: `arn:aws:iam::${STANDIN_ACCOUNT_ID}:oidc-provider/${issuerHost}` });
                expect(Object.keys(s.Condition)).to.deep.equal(["StringEquals"]);
                const expectedSubjects = (p.serviceAccounts ?? ["default-editor"]).map((sa: string) => `system:serviceaccount:${p.name}:${sa}`).sort();
                expect(s.Condition.StringEquals).to.deep.equal({ [`${issuerHost}:aud`]: "sts.amazonaws.com", [`${issuerHost}:sub`]: expectedSubjects });
            }
        });

        it("grants S3 access on exactly the configured buckets and attaches exactly the configured policies", () => {
            for (const p of profiles) {
                const role = one(run, ROLE, `${p.name}-role`);
                expect(role.inputs.managedPolicyArns).to.deep.equal([...(p.policyArns ?? [])].sort());
                const inline = role.inputs.inlinePolicies as Array<{ name?: string; policy?: string }>;
                const s3 = inline.find((i) => i.name === "s3-access");
                const objectArns = json(s3!.policy).Statement.find((s: { Sid: string }) => s.Sid === "ReadWriteObjects").Resource;
                const expected = (p.s3Buckets as string[]).map((g) => `arn:aws:s3:::${g}/*`).sort();
                expect(objectArns).to.deep.equal(expected);
                const custom = inline.find((i) => i.name === "inline");
                expect(custom ? json(custom.policy) : undefined).to.deep.equal(p.inlinePolicy);
            }
        });

        it("declares Profiles that pass the CRD schema and point at their role", () => {
            for (const p of profiles) {
                const cr = one(run, PROFILE_CR, p.name);
                const object = { apiVersion: cr.inputs.apiVersion, kind: cr.inputs.kind, metadata: cr.inputs.metadata, spec: cr.inputs.spec };
                expect(profileProblems(object), p.name).to.deep.equal([]);
                const [plugin] = (cr.inputs.spec as any).plugins;
                expect(plugin.kind).to.equal("AwsIamForServiceAccount");
                expect(plugin.spec.awsIamRole).to.equal((run.outputs.profileRoleArns as Record<string, string>)[p.name]);
                expect(plugin.spec.awsIamRole).to.match(/^arn:aws:iam::\d{12}:role\/kubeflow\//);
                expect(plugin.spec.annotateOnly).to.be.a("boolean").and.equal(p.annotateOnly ?? true);
                expect((cr.inputs.spec as any).owner).to.deep.equal({ apiGroup: "rbac.authorization.k8s.io", kind: p.ownerKind ?? "User", name: p.owner });
            }
        });

        it("scopes the controller to exactly the non-annotate-only profile roles and annotates its service account", () => {
            const managed = profiles.filter((p) => p.annotateOnly === false).map((p) => (run.outputs.profileRoleArns as Record<string, string>)[p.name]);
            expect(managed).to.have.length.greaterThan(0);
            const role = one(run, ROLE, "profile-controller-role");
            const [policy] = role.inputs.inlinePolicies as Array<{ name: string; policy: string }>;
            const doc = json(policy.policy);
            expect(doc.Statement).to.deep.equal([
                { Sid: "ManageProfileRoleTrust", Effect: "Allow", Action: ["iam:GetRole", "iam:UpdateAssumeRolePolicy"], Resource: managed.sort() },
            ]);
            const trust = json(role.inputs.assumeRolePolicy);
            expect(trust.Statement[0].Condition.StringEquals[`${issuerHost}:sub`]).to.deep.equal(["system:serviceaccount:kubeflow:profiles-controller-service-account"]);
            const patch = one(run, SA_PATCH, "profile-controller-service-account");
            expect(patch.inputs.metadata).to.deep.equal({
                name: "profiles-controller-service-account",
                namespace: "kubeflow",
                annotations: { "eks.amazonaws.com/role-arn": run.outputs.profileControllerRoleArn },
            });
        });
    });

    it("gives the controller no IAM rights when every profile is annotate-only", async () => {
        const run = await runWith({ clusterName: "kf", oidcIssuerUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/X", profiles: [{ name: "a", owner: "o" }] });
        const role = one(run, ROLE, "profile-controller-role");
        expect(role.inputs.inlinePolicies).to.deep.equal([{}]);
        expect(role.inputs.managedPolicyArns).to.deep.equal([]);
    });

    it("adopts an existing OIDC provider instead of creating one", async () => {
        const arn = "arn:aws:iam::444455556666:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXISTING";
        const run = await runWith({ clusterName: "kf", oidcProviderArn: arn, profiles: [{ name: "a", owner: "o" }], profileController: { annotateServiceAccount: false } });
        expect(byType(run, OIDC_PROVIDER)).to.deep.equal([]);
        expect(byType(run, SA_PATCH)).to.deep.equal([]);
        const trust = json(one(run, ROLE, "a-role").inputs.assumeRolePolicy);
        expect(trust.Statement[0].Principal.Federated).to.equal(arn);
        expect(trust.Statement[0].Condition.StringEquals).to.have.keys("oidc.eks.eu-west-1.amazonaws.com/id/EXISTING:aud", "oidc.eks.eu-west-1.amazonaws.com/id/EXISTING:sub");
    });

    it("looks the issuer up from the cluster when it is not configured", async () => {
        const run = await runWith({ clusterName: "kf-lookup", profiles: [{ name: "a", owner: "o" }] });
        expect(one(run, OIDC_PROVIDER, "cluster-oidc").inputs.url).to.equal(standInIssuerUrl("kf-lookup"));
        const host = standInIssuerUrl("kf-lookup").replace("https://", "");
        expect(json(one(run, ROLE, "a-role").inputs.assumeRolePolicy).Statement[0].Condition.StringEquals[`${host}:sub`]).to.deep.equal(["system:serviceaccount:a:default-editor"]);
    });

    it("keeps logical names when the profile list is reordered", async () => {
        const base = { clusterName: "kf", oidcIssuerUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/X" };
        const a = await runWith({ ...base, profiles: [{ name: "a", owner: "o" }, { name: "b", owner: "o" }] });
        const b = await runWith({ ...base, profiles: [{ name: "b", owner: "o" }, { name: "a", owner: "o" }] });
        const key = (run: ProgramRun) => run.resources.map((r) => `${r.type}::${r.name}::${JSON.stringify(r.inputs)}`).sort();
        expect(key(a)).to.deep.equal(key(b));
    });

    it("fails on a bad config before declaring any resource", async () => {
        const mocks = new StandInMocks();
        let error: Error | undefined;
        try {
            await runWith({ clusterName: "kf", profiles: [{ name: "Bad_Name", owner: "o" }] }, mocks);
        } catch (err) {
            error = err as Error;
        }
        expect(error?.message).to.match(/kubeflow-irsa:profiles\[0\] \(Bad_Name\)\.name: "Bad_Name" is not a DNS-1123 label/);
        expect(mocks.resources.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack")).to.deep.equal([]);
    });

    it("keeps the prod example valid", async () => {
        const { config, secretKeys } = readStackFile("prod");
        const run = await runProgram({ config, secretKeys, stack: "prod" });
        for (const role of byType(run, ROLE)) {
            expect(role.inputs.permissionsBoundary).to.equal("arn:aws:iam::444455556666:policy/kubeflow-profile-boundary");
        }
        expect(byType(run, OIDC_PROVIDER)).to.deep.equal([]);
    });
});
