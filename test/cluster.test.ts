/**
 * The stack's cluster under mocks: every Kubernetes object goes through one provider bound to the configured
 * cluster; the configured issuer must agree with the cluster's before anything is declared; listed service accounts
 * get the role annotation after their Profile; a `cluster.create` stack wires everything to the cluster it creates.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { StandInMocks, STANDIN_ACCOUNT_ID, standInIssuerUrl } from "../offline/standInCloud";
import { ProgramRun } from "../offline/runtime";
import { SHIPPED_KUBERNETES_SDK_VERSIONS, defaultProviderName } from "../components/kubernetesProvider";
import { OIDC_PROVIDER, PROFILE_CR, ROLE, SA_PATCH, byType, one, runWith } from "./helpers/program";

const ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/5C3A0B8E2D1F4A6B9C7E8D0F1A2B3C4D";
const K8S_PROVIDER = "pulumi:providers:kubernetes";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const EKS_CLUSTER = "eks:index:Cluster";
const json = (text: unknown) => JSON.parse(text as string);

/** Runs the program and returns the error it fails with, and what the mocks saw declared. */
async function failureOf(raw: Record<string, unknown>, mocks: StandInMocks): Promise<{ error: Error; declared: string[] }> {
    try {
        await runWith(raw, mocks);
    } catch (err) {
        return { error: err as Error, declared: mocks.resources.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack") };
    }
    return expect.fail("expected the program to fail");
}

function kubernetesObjects(run: ProgramRun) {
    return run.resources.filter((r) => r.type.startsWith("kubernetes:"));
}

describe("the stack's cluster (index.ts under mocks)", () => {
    describe("an existing cluster", () => {
        let run: ProgramRun;
        const raw = {
            clusterName: "kf-dev",
            oidcIssuerUrl: ISSUER,
            cluster: { accessRoleArn: "arn:aws:iam::111122223333:role/kf-dev-deployer" },
            profiles: [
                { name: "team-a", owner: "a@example.com" },
                { name: "team-b", owner: "b@example.com", serviceAccounts: ["default-editor", "default-viewer", "spark-driver"] },
            ],
        };
        const lookups = new StandInMocks({ "kf-dev": ISSUER });
        before(async () => {
            run = await runWith(raw, lookups);
        });

        it("sends every Kubernetes object through one provider built for the configured cluster", () => {
            const [provider] = byType(run, K8S_PROVIDER);
            expect(byType(run, K8S_PROVIDER)).to.have.length(1);
            const objects = kubernetesObjects(run);
            expect(objects.map((o) => o.type).sort()).to.deep.equal([SERVICE_ACCOUNT, SA_PATCH, SA_PATCH, PROFILE_CR, PROFILE_CR].sort());
            for (const o of objects) expect(o.provider, `${o.type} ${o.name}`).to.equal(provider.name);
            expect(provider.inputs.clusterIdentifier).to.equal("kf-dev");
            const kubeconfig = json(provider.inputs.kubeconfig);
            expect(kubeconfig.clusters).to.have.length(1);
            expect(kubeconfig["current-context"]).to.equal("kf-dev");
            expect(kubeconfig.users[0].user.exec.command).to.equal("aws");
            expect(kubeconfig.users[0].user.exec.args).to.deep.equal(["--output", "json", "eks", "get-token", "--cluster-name", "kf-dev", "--role-arn", "arn:aws:iam::111122223333:role/kf-dev-deployer"]);
        });

        it("annotates every listed service account but default-editor exactly once, after its Profile", () => {
            const roleArn = (run.outputs.profileRoleArns as Record<string, string>)["team-b"];
            const created = one(run, SERVICE_ACCOUNT, "team-b.spark-driver");
            expect(created.inputs.metadata).to.deep.equal({
                name: "spark-driver",
                namespace: "team-b",
                annotations: { "eks.amazonaws.com/role-arn": roleArn },
                labels: { "app.kubernetes.io/managed-by": "kubeflow-irsa" },
            });
            // default-viewer belongs to the profile controller: one annotation is patched, nothing is taken over.
            const patched = one(run, SA_PATCH, "team-b.default-viewer");
            expect(patched.inputs.metadata).to.deep.equal({ name: "default-viewer", namespace: "team-b", annotations: { "eks.amazonaws.com/role-arn": roleArn } });
            for (const sa of [created, patched]) {
                expect(sa.parent).to.equal("team-b");
                expect(sa.dependsOn).to.deep.equal([`${PROFILE_CR}::team-b`]);
            }
            const annotated = kubernetesObjects(run).filter((o) => (o.inputs.metadata as any)?.namespace === "team-b");
            expect(annotated.map((o) => (o.inputs.metadata as any).name).sort()).to.deep.equal(["default-viewer", "spark-driver"]);
        });

        it("makes a Profile wait for its namespace only when something goes into it", () => {
            expect((one(run, PROFILE_CR, "team-b").inputs.metadata as any).annotations).to.deep.equal({
                "pulumi.com/deletionPropagationPolicy": "background",
                "pulumi.com/waitFor": "jsonpath={.metadata.finalizers[0]}=profile-finalizer",
                "pulumi.com/timeoutSeconds": "600",
            });
            // Every Profile is deleted in the background, so the controller's finalizer runs on an intact namespace.
            expect(one(run, PROFILE_CR, "team-a").inputs.metadata).to.deep.equal({ name: "team-a", annotations: { "pulumi.com/deletionPropagationPolicy": "background" } });
        });

        it("exports the cluster it writes to, looked up once", () => {
            expect(lookups.calls.filter((c) => c === "aws:eks/getCluster:getCluster")).to.have.length(1);
            expect(run.outputs.clusterName).to.equal("kf-dev");
            expect(run.outputs.clusterArn).to.equal(`arn:aws:eks:us-east-1:${STANDIN_ACCOUNT_ID}:cluster/kf-dev`);
            expect(run.outputs.clusterEndpoint).to.match(/^https:\/\/.+\.eks\.amazonaws\.com$/);
        });
    });

    it("uses an explicit kubeconfig and context only when the stack config names them", async () => {
        const run = await runWith({ clusterName: "kf-dev", oidcIssuerUrl: ISSUER, cluster: { kubeconfig: "/etc/kf/kubeconfig", context: "kf-dev-admin" }, profiles: [{ name: "a", owner: "o" }] });
        const [provider] = byType(run, K8S_PROVIDER);
        expect(provider.inputs).to.deep.include({ kubeconfig: "/etc/kf/kubeconfig", context: "kf-dev-admin", clusterIdentifier: "kf-dev" });
        for (const o of kubernetesObjects(run)) expect(o.provider).to.equal(provider.name);
    });

    it("fails with one error naming both issuers, before declaring anything, when the cluster reports another issuer", async () => {
        const mocks = new StandInMocks({ "kf-dev": "https://oidc.eks.us-west-2.amazonaws.com/id/PRODCLUSTER" });
        const { error, declared } = await failureOf({ clusterName: "kf-dev", oidcIssuerUrl: ISSUER, profiles: [{ name: "a", owner: "o" }] }, mocks);
        expect(error.message).to.contain(`kubeflow-irsa:oidcIssuerUrl: "${ISSUER}" is not the issuer of cluster "kf-dev", which reports https://oidc.eks.us-west-2.amazonaws.com/id/PRODCLUSTER`);
        expect(error.message).to.match(/1 problem/);
        expect(declared).to.deep.equal([]);
    });

    it("checks an adopted OIDC provider against the cluster's issuer too", async () => {
        const mocks = new StandInMocks({ kf: "https://oidc.eks.eu-west-1.amazonaws.com/id/OTHER" });
        const arn = "arn:aws:iam::444455556666:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXISTING";
        const { error, declared } = await failureOf({ clusterName: "kf", oidcProviderArn: arn, profiles: [] }, mocks);
        expect(error.message).to.contain(`kubeflow-irsa:oidcProviderArn: "${arn}" is a provider for issuer oidc.eks.eu-west-1.amazonaws.com/id/EXISTING, but cluster "kf" reports https://oidc.eks.eu-west-1.amazonaws.com/id/OTHER`);
        expect(declared).to.deep.equal([]);
    });

    it("accepts an issuer that differs only in the host's case or a trailing slash, and keeps the configured URL", async () => {
        const mocks = new StandInMocks({ "kf-dev": ISSUER.replace("oidc.eks.us-west-2", "OIDC.EKS.us-west-2") + "/" });
        const run = await runWith({ clusterName: "kf-dev", oidcIssuerUrl: ISSUER, profiles: [] }, mocks);
        expect(one(run, OIDC_PROVIDER, "cluster-oidc").inputs.url).to.equal(ISSUER);
    });

    it("takes the place of the engine's default Kubernetes provider of every shipped SDK version (no Profile is replaced)", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package-lock.json"), "utf8"));
        const locked = lock.packages["node_modules/@pulumi/kubernetes"].version;
        expect(SHIPPED_KUBERNETES_SDK_VERSIONS, "add the lockfile's @pulumi/kubernetes version to SHIPPED_KUBERNETES_SDK_VERSIONS").to.include(locked);
        expect(defaultProviderName("4.34.2")).to.equal("default_4_34_2");
        expect(defaultProviderName("4.35.0-alpha.1")).to.equal("default_4_35_0_alpha_1");
    });

    describe("a cluster the stack creates", () => {
        const create = { version: "1.31", instanceType: "m6i.xlarge", desiredSize: 3, minSize: 2, maxSize: 6, kubeflowInstalled: true };
        let run: ProgramRun;
        const mocks = new StandInMocks();
        before(async () => {
            run = await runWith({
                clusterName: "kf-ephemeral",
                cluster: { create, accessRoleArn: "arn:aws:iam::111122223333:role/ci-deployer" },
                tags: { environment: "ci" },
                profiles: [{ name: "team-a", owner: "a@example.com", serviceAccounts: ["default-editor", "batch"] }],
            }, mocks);
        });

        it("declares the EKS cluster with its OIDC provider, API authentication and the Pod Identity agent", () => {
            const cluster = one(run, EKS_CLUSTER, "cluster");
            expect(cluster.custom).to.equal(false);
            expect(cluster.parent).to.equal("cluster");
            expect(cluster.inputs).to.deep.include({
                name: "kf-ephemeral",
                version: "1.31",
                instanceType: "m6i.xlarge",
                desiredCapacity: 3,
                minSize: 2,
                maxSize: 6,
                createOidcProvider: true,
                authenticationMode: "API",
            });
            expect((cluster.inputs.accessEntries as any)["access-role"]).to.deep.equal({
                principalArn: "arn:aws:iam::111122223333:role/ci-deployer",
                accessPolicies: { "cluster-admin": { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } } },
            });
            const addon = one(run, "aws:eks/addon:Addon", "cluster-pod-identity-agent");
            expect(addon.inputs).to.deep.include({ clusterName: "kf-ephemeral", addonName: "eks-pod-identity-agent" });
            expect(addon.dependsOn).to.deep.equal([`${EKS_CLUSTER}::cluster`]);
        });

        it("trusts the created cluster's OIDC provider and looks nothing up", () => {
            expect(mocks.calls).to.not.include("aws:eks/getCluster:getCluster");
            expect(byType(run, OIDC_PROVIDER)).to.deep.equal([]);
            const host = standInIssuerUrl("kf-ephemeral").replace("https://", "");
            const trust = json(one(run, ROLE, "team-a-role").inputs.assumeRolePolicy);
            expect(trust.Statement[0].Principal.Federated).to.equal(`arn:aws:iam::${STANDIN_ACCOUNT_ID}:oidc-provider/${host}`);
            expect(trust.Statement[0].Condition.StringEquals[`${host}:sub`]).to.deep.equal(["system:serviceaccount:team-a:batch", "system:serviceaccount:team-a:default-editor"]);
            expect(run.outputs.oidcProviderArn).to.equal(trust.Statement[0].Principal.Federated);
        });

        it("sends the Profiles and service accounts through a provider built from the created cluster's kubeconfig", () => {
            const [provider] = byType(run, K8S_PROVIDER);
            const kubeconfig = json(provider.inputs.kubeconfig);
            expect(kubeconfig.clusters[0].name).to.equal("kf-ephemeral");
            expect(kubeconfig.users[0].user.exec.args).to.include.members(["--cluster-name", "kf-ephemeral", "--role-arn", "arn:aws:iam::111122223333:role/ci-deployer"]);
            const objects = kubernetesObjects(run);
            expect(objects.map((o) => `${o.type}::${o.name}`).sort()).to.deep.equal([`${SERVICE_ACCOUNT}::team-a.batch`, `${SA_PATCH}::profile-controller-service-account`, `${PROFILE_CR}::team-a`].sort());
            for (const o of objects) expect(o.provider).to.equal(provider.name);
        });

        it("puts nothing into Kubeflow's namespaces before Kubeflow is installed", async () => {
            const bare = await runWith({ clusterName: "kf-ephemeral", cluster: { create: { version: "1.31" } }, profiles: [] });
            expect(kubernetesObjects(bare)).to.deep.equal([]);
            expect(byType(bare, ROLE).map((r) => r.name)).to.deep.equal(["profile-controller-role"]);
            expect(one(bare, EKS_CLUSTER, "cluster").inputs).to.not.have.property("accessEntries");
        });
    });
});
