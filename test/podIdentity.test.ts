/**
 * EKS Pod Identity as a profile's identity backend: the trust documents (exact), one association per service
 * account, the Profile without the IAM plugin, the controller's rights shrinking as profiles leave IRSA, the
 * migration state (both backends), and the config rules (association quota, annotateOnly).
 */
import { expect } from "chai";
import { parseStackConfig } from "../config";

import { podIdentityTrustStatement, profileTrustPolicy } from "../components/trustDocuments";
import { STANDIN_ACCOUNT_ID } from "../offline/standInCloud";
import { ProgramRun } from "../offline/runtime";
import { PROFILE_CR, ROLE, SA_PATCH, byType, one, runWith } from "./helpers/program";
import { configProblems } from "./helpers/configProblems";

const ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/5C3A0B8E2D1F4A6B9C7E8D0F1A2B3C4D";
const HOST = ISSUER.replace("https://", "");
const CLUSTER_ARN = `arn:aws:eks:us-west-2:${STANDIN_ACCOUNT_ID}:cluster/kf-dev`; // the region of the issuer: the stand-ins follow the stack
const ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const json = (text: unknown) => JSON.parse(text as string);

const podStatement = (namespace: string, serviceAccounts: string[]) => ({
    Sid: "PodIdentity",
    Effect: "Allow",
    Principal: { Service: "pods.eks.amazonaws.com" },
    Action: ["sts:AssumeRole", "sts:TagSession"],
    Condition: {
        StringEquals: {
            "aws:SourceAccount": STANDIN_ACCOUNT_ID,
            "aws:RequestTag/eks-cluster-arn": CLUSTER_ARN,
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": serviceAccounts,
        },
    },
});

describe("EKS Pod Identity for profiles and role pairs", () => {
    describe("trust documents", () => {
        it("restricts the pods service principal to one cluster, namespace and the listed service accounts", () => {
            expect(podIdentityTrustStatement({ clusterArn: CLUSTER_ARN, accountId: STANDIN_ACCOUNT_ID, namespace: "team-a", serviceAccounts: ["z", "a", "a"], sid: "PodIdentity" })).to.deep.equal(
                podStatement("team-a", ["a", "z"]),
            );
        });

        it("refuses a statement without a namespace or service account", () => {
            expect(() => podIdentityTrustStatement({ clusterArn: CLUSTER_ARN, accountId: STANDIN_ACCOUNT_ID, namespace: "team-a", serviceAccounts: [] })).to.throw(/any association in the account could use the role/);
            expect(() => podIdentityTrustStatement({ clusterArn: CLUSTER_ARN, accountId: STANDIN_ACCOUNT_ID, namespace: "", serviceAccounts: ["a"] })).to.throw(/needs a namespace/);
        });

        it("holds the web-identity statement, the pods statement, or both, by backend", () => {
            const base = { namespace: "ns", serviceAccounts: ["default-editor"], oidc: { providerArn: "arn:aws:iam::1:oidc-provider/x", issuerHostPath: "x" }, cluster: { arn: CLUSTER_ARN, accountId: STANDIN_ACCOUNT_ID } };
            const kinds = (identity: "irsa" | "podIdentity" | "irsa+podIdentity") => profileTrustPolicy({ ...base, identity }).Statement.map((s) => Object.keys(s.Principal as object)[0]);
            expect(kinds("irsa")).to.deep.equal(["Federated"]);
            expect(kinds("podIdentity")).to.deep.equal(["Service"]);
            expect(kinds("irsa+podIdentity")).to.deep.equal(["Federated", "Service"]);
        });
    });

    describe("config", () => {
        const base = { clusterName: "kf", oidcIssuerUrl: ISSUER };

        it("defaults to irsa, takes the stack's backend, and lets a profile override it", () => {
            const cfg = parseStackConfig({ ...base, identity: "podIdentity", profiles: [{ name: "a", owner: "o" }, { name: "b", owner: "o", identity: "irsa+podIdentity" }] });
            expect(cfg.resolvedProfiles.map((p) => p.identity)).to.deep.equal(["podIdentity", "irsa+podIdentity"]);
            expect(parseStackConfig({ ...base, profiles: [{ name: "a", owner: "o" }] }).resolvedProfiles[0].identity).to.equal("irsa");
        });

        it("names a wrong backend and annotateOnly: false on a profile that is not IRSA alone", () => {
            expect(configProblems({ ...base, identity: "pod-identity", profiles: [] })[0]).to.match(/^kubeflow-irsa:identity: "pod-identity" must be "irsa", "podIdentity" or "irsa\+podIdentity"/);
            expect(configProblems({ ...base, profiles: [{ name: "a", owner: "o", identity: "podIdentity", annotateOnly: false }] })).to.deep.equal([
                "kubeflow-irsa:profiles[0] (a).annotateOnly: false is false, but the profile's identity is podIdentity: off irsa the Profile carries no IAM plugin, so the controller manages nothing; remove annotateOnly",
            ]);
            expect(configProblems({ ...base, profiles: [{ name: "a", owner: "o", identity: "irsa+podIdentity", annotateOnly: false }] })[0]).to.match(/identity is irsa\+podIdentity: off irsa the Profile carries no IAM plugin/);
        });

        it("counts associations across profiles against the 5,000-per-cluster quota, with the numbers", () => {
            const profiles = Array.from({ length: 1001 }, (_, i) => ({ name: `p${i}`, owner: "o", serviceAccounts: ["default-editor", "a", "b", "c", "d"] }));
            // 1,001 roles: the account's raised roles quota keeps this test about associations alone.
            const problems = configProblems({ ...base, identity: "podIdentity", iamRolesQuota: 5000, profiles });
            expect(problems).to.have.length(1);
            expect(problems[0]).to.match(
                /^kubeflow-irsa:profiles: .* needs 5005 Pod Identity associations \(one per service account of each profile, and per subject of each role pair, on podIdentity or irsa\+podIdentity\), over EKS's 5000 per cluster, which AWS does not raise: keep 5 or more of them on irsa$/,
            );
            profiles[0] = { ...profiles[0], identity: "irsa" } as never;
            expect(configProblems({ ...base, identity: "podIdentity", iamRolesQuota: 5000, profiles })).to.deep.equal([]);
        });
    });

    describe("the program under mocks", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runWith({
                clusterName: "kf-dev",
                oidcIssuerUrl: ISSUER,
                profiles: [
                    { name: "irsa-team", owner: "a@example.com", annotateOnly: false },
                    { name: "pod-team", owner: "b@example.com", identity: "podIdentity", serviceAccounts: ["default-editor", "default-viewer", "spark"] },
                    { name: "moving-team", owner: "c@example.com", identity: "irsa+podIdentity", serviceAccounts: ["default-editor", "batch"] },
                ],
            });
        });

        it("trusts exactly the pods statement on podIdentity, and both statements while migrating", () => {
            expect(json(one(run, ROLE, "pod-team-role").inputs.assumeRolePolicy)).to.deep.equal({
                Version: "2012-10-17",
                Statement: [podStatement("pod-team", ["default-editor", "default-viewer", "spark"])],
            });
            expect(json(one(run, ROLE, "moving-team-role").inputs.assumeRolePolicy)).to.deep.equal({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Federated: `arn:aws:iam::${STANDIN_ACCOUNT_ID}:oidc-provider/${HOST}` },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: ["system:serviceaccount:moving-team:batch", "system:serviceaccount:moving-team:default-editor"] } },
                    },
                    podStatement("moving-team", ["batch", "default-editor"]),
                ],
            });
            expect(json(one(run, ROLE, "irsa-team-role").inputs.assumeRolePolicy).Statement.map((s: any) => Object.keys(s.Principal)[0])).to.deep.equal(["Federated"]);
        });

        it("declares one association per service account of each Pod Identity profile, and none for IRSA", () => {
            const arns = run.outputs.profileRoleArns as Record<string, string>;
            const associations = byType(run, ASSOCIATION).map((a) => {
                const { tags, ...inputs } = a.inputs;
                expect(tags).to.deep.equal({ "kubeflow-irsa/profile": a.parent, "kubeflow-irsa:cluster": "kf-dev" });
                return { name: a.name, parent: a.parent, ...inputs };
            });
            expect(associations).to.deep.equal([
                { name: "pod-team.default-editor", parent: "pod-team", clusterName: "kf-dev", namespace: "pod-team", serviceAccount: "default-editor", roleArn: arns["pod-team"], disableSessionTags: false },
                { name: "pod-team.default-viewer", parent: "pod-team", clusterName: "kf-dev", namespace: "pod-team", serviceAccount: "default-viewer", roleArn: arns["pod-team"], disableSessionTags: false },
                { name: "pod-team.spark", parent: "pod-team", clusterName: "kf-dev", namespace: "pod-team", serviceAccount: "spark", roleArn: arns["pod-team"], disableSessionTags: false },
                { name: "moving-team.default-editor", parent: "moving-team", clusterName: "kf-dev", namespace: "moving-team", serviceAccount: "default-editor", roleArn: arns["moving-team"], disableSessionTags: false },
                { name: "moving-team.batch", parent: "moving-team", clusterName: "kf-dev", namespace: "moving-team", serviceAccount: "batch", roleArn: arns["moving-team"], disableSessionTags: false },
            ]);
        });

        it("puts the IAM plugin on IRSA Profiles only: while migrating, new pods must not get web-identity credentials", () => {
            expect((one(run, PROFILE_CR, "pod-team").inputs.spec as any).plugins).to.equal(undefined);
            expect((one(run, PROFILE_CR, "moving-team").inputs.spec as any).plugins).to.equal(undefined);
            expect((one(run, PROFILE_CR, "irsa-team").inputs.spec as any).plugins).to.have.length(1);
        });

        it("creates the service accounts the controller does not, annotated on IRSA alone", () => {
            const created = { labels: { "app.kubernetes.io/managed-by": "kubeflow-irsa" } };
            expect(one(run, SERVICE_ACCOUNT, "pod-team.spark").inputs.metadata).to.deep.equal({ name: "spark", namespace: "pod-team", ...created });
            expect(one(run, SERVICE_ACCOUNT, "moving-team.batch").inputs.metadata).to.deep.equal({ name: "batch", namespace: "moving-team", ...created });
            // default-viewer is the controller's: nothing to create, and no annotation to patch off IRSA.
            expect(byType(run, SA_PATCH).map((p) => p.name)).to.deep.equal(["profile-controller-service-account"]);
        });

        it("gives the controller rights on IRSA profiles with annotateOnly: false only, and none once no profile needs them", async () => {
            const arns = run.outputs.profileRoleArns as Record<string, string>;
            const [policy] = one(run, ROLE, "profile-controller-role").inputs.inlinePolicies as Array<{ policy: string }>;
            expect(json(policy.policy).Statement[0].Resource).to.deep.equal([arns["irsa-team"]]);
            const moved = await runWith({ clusterName: "kf-dev", oidcIssuerUrl: ISSUER, identity: "podIdentity", profiles: [{ name: "irsa-team", owner: "a@example.com" }] });
            expect(one(moved, ROLE, "profile-controller-role").inputs.inlinePolicies).to.deep.equal([{}]);
        });
    });

    it("names a cluster the stack creates by its ARN in the account and region of the deploy", async () => {
        const run = await runWith({ clusterName: "kf-new", identity: "podIdentity", cluster: { create: { version: "1.31", kubeflowInstalled: true } }, profiles: [{ name: "a", owner: "o" }] });
        const [statement] = json(one(run, ROLE, "a-role").inputs.assumeRolePolicy).Statement;
        expect(statement.Condition.StringEquals["aws:RequestTag/eks-cluster-arn"]).to.equal(`arn:aws:eks:us-east-1:${STANDIN_ACCOUNT_ID}:cluster/kf-new`);
        expect(statement.Condition.StringEquals["aws:SourceAccount"]).to.equal(STANDIN_ACCOUNT_ID);
        expect(byType(run, ASSOCIATION).map((a) => a.inputs.clusterName)).to.deep.equal(["kf-new"]);
    });

    describe("role pairs", () => {
        const pair = {
            name: "customer-read",
            assetAccountId: "222233334444",
            assetRoleName: "customer-read-bucket-role",
            eksRoleName: "customer-read-bucket-role-eks",
            assetDeployRoleArn: "arn:aws:iam::222233334444:role/kubeflow-irsa-deployer",
            subjects: ["system:serviceaccount:team-nlp:default-editor", "system:serviceaccount:forecasting:default-editor"],
            assetPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-customer-data/*" }] },
        };

        it("refuses patterns, StringLike and an external id that Pod Identity would ignore, naming the pair and the fix", () => {
            const problems = configProblems({
                clusterName: "kf-dev",
                profiles: [],
                rolePairs: [{ ...pair, identity: "podIdentity", subjectMatch: "StringLike", subjects: ["system:serviceaccount:domino-compute:run-*"], externalId: "kf-dev-customer-read" }],
            });
            expect(problems).to.deep.equal([
                'kubeflow-irsa:rolePairs[0] (customer-read).subjectMatch: "StringLike" must be StringEquals on podIdentity: a Pod Identity association names one concrete service account, no patterns',
                'kubeflow-irsa:rolePairs[0] (customer-read).subjects[0]: "system:serviceaccount:domino-compute:run-*" is not a concrete system:serviceaccount:<namespace>:<name>: on podIdentity each subject becomes one Pod Identity association, so patterns are not possible',
                'kubeflow-irsa:rolePairs[0] (customer-read).externalId: "kf-dev-customer-read" has no effect on podIdentity (EKS generates an external id per association): remove it, or keep irsa+podIdentity while IRSA pods still use it',
            ]);
            // The stack's identity applies to pairs too, and a pair may keep IRSA.
            expect(configProblems({ clusterName: "kf-dev", identity: "podIdentity", profiles: [], rolePairs: [{ ...pair, identity: "irsa", subjectMatch: "StringLike", subjects: ["system:serviceaccount:domino-compute:run-*"] }] })).to.deep.equal([]);
        });

        it("passes the backend and the cluster to the pair; IRSA pairs carry neither (no change for deployed pairs)", async () => {
            const run = await runWith({ clusterName: "kf-dev", oidcIssuerUrl: ISSUER, profiles: [], rolePairs: [{ ...pair, identity: "irsa+podIdentity", externalId: "x-1" }] });
            const [declared] = byType(run, "pulumi-nodejs:dynamic/kubeflow-irsa:RolePair");
            expect(declared.inputs).to.deep.include({ identity: "irsa+podIdentity", cluster: { name: "kf-dev", arn: CLUSTER_ARN } });
            const irsaOnly = await runWith({ clusterName: "kf-dev", oidcIssuerUrl: ISSUER, profiles: [], rolePairs: [pair] });
            expect(byType(irsaOnly, "pulumi-nodejs:dynamic/kubeflow-irsa:RolePair")[0].inputs).to.not.have.any.keys("identity", "cluster");
        });
    });
});
