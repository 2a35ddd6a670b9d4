/**
 * @e2e: every Kubernetes manifest the offline preview shows a reviewer (`out/<stack>/k8s/*.yaml`) is one the real
 * kube-apiserver accepts: server-side dry-run applies against a local control plane (tools/controlPlane.ts) with the
 * vendored Profile CRD installed, for both shipped stacks and a generated one with every shape (resource quotas, a
 * Group owner, extra service accounts, Pod Identity and migrating profiles). Each Profile's `resourceQuotaSpec` is
 * also dry-run as the ResourceQuota the profile controller makes of it, since the CRD alone accepts quotas the API
 * server refuses.
 *
 * Stand-in, not under test: the profile namespaces are created here, as the profile controller would create them.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { runPreview } from "../../preview/preview";
import { STACKS_DIR } from "../../project";
import { ControlPlane } from "../../tools/controlPlane";
import { controlPlaneOrSkip } from "../helpers/controlPlane";
import { CRD_PATH } from "../helpers/crd";
import { QUOTA_SCOPES, quotaScopeProblems, QuotaScopes } from "../../config/limits";
import { prng } from "../../tools/random";

const PROFILE_CR_TYPE = "kubernetes:kubeflow.org/v1:Profile";

/** A stack with every shape the program writes into Kubernetes, beside the shipped ones. */
function everyShapeStack(dir: string): void {
    const profiles = [
        { name: "quota-team", owner: "q@example.com", resourceQuota: { hard: { cpu: "16", memory: "64Gi", "requests.nvidia.com/gpu": "2", "count/pods": 40, pods: "20" }, scopes: ["NotBestEffort"] } },
        { name: "group-team", owner: "ml-platform", ownerKind: "Group", serviceAccounts: ["default-editor", "default-viewer", "batch-runner", "etl.nightly"] },
        { name: "pods-team", owner: "p@example.com", identity: "podIdentity", serviceAccounts: ["default-editor", "trainer"] },
        { name: "moving-team", owner: "m@example.com", identity: "irsa+podIdentity", serviceAccounts: ["default-editor", "scorer"] },
        { name: "managed-team", owner: "c@example.com", annotateOnly: false },
    ];
    const config = {
        "aws:region": "eu-west-1",
        "kubeflow-irsa:clusterName": "kf-shapes",
        "kubeflow-irsa:oidcIssuerUrl": "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
        "kubeflow-irsa:profiles": profiles,
    };
    fs.writeFileSync(path.join(dir, "Pulumi.shapes.yaml"), stringify({ config }));
}

describe("the preview's Kubernetes manifests against a real API server @e2e", function () {
    this.timeout(300_000);
    let cluster: ControlPlane;
    const shapesDir = fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-shapes-"));

    before(async function () {
        cluster = await controlPlaneOrSkip(this);
        cluster.installCrd(CRD_PATH);
        everyShapeStack(shapesDir);
    });

    after(() => fs.rmSync(shapesDir, { recursive: true, force: true }));

    const stacks: Array<[string, () => string]> = [["dev", () => STACKS_DIR], ["prod", () => STACKS_DIR], ["shapes", () => shapesDir]];
    for (const [stack, dir] of stacks) {
        it(`accepts every manifest of the ${stack} stack (server-side dry run)`, async () => {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), `kfirsa-k8s-${stack}-`));
            const result = await runPreview({ stack, stacksDir: dir(), outDir: out, log: () => undefined });
            const profiles = result.plan.resources.filter((r) => r.type === PROFILE_CR_TYPE).map((r) => r.inputs as Record<string, any>);
            // What the profile controller does first: the namespaces the service accounts go into.
            for (const namespace of ["kubeflow", ...profiles.map((p) => p.metadata.name)]) {
                const made = cluster.kubectl(["create", "namespace", namespace, "--dry-run=client", "-o", "yaml"]);
                cluster.kubectl(["apply", "--server-side", "-f", "-"], made.stdout);
            }
            const files = fs.readdirSync(path.join(out, "k8s")).sort();
            expect(files.filter((f) => f.startsWith("profile-"))).to.have.length(profiles.length);
            const rejected: string[] = [];
            for (const file of files) {
                const r = cluster.kubectl(["apply", "--server-side", "--dry-run=server", "--field-manager=kubeflow-irsa", "-f", path.join(out, "k8s", file)]);
                if (r.status !== 0) rejected.push(`${file}: ${r.stderr.trim()}`);
            }
            for (const profile of profiles.filter((p) => p.spec.resourceQuotaSpec)) {
                const quota = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "kf-resource-quota", namespace: profile.metadata.name }, spec: profile.spec.resourceQuotaSpec };
                const r = cluster.kubectl(["apply", "--server-side", "--dry-run=server", "-f", "-"], JSON.stringify(quota));
                if (r.status !== 0) rejected.push(`ResourceQuota of Profile ${profile.metadata.name}: ${r.stderr.trim()}`);
            }
            expect(rejected, rejected.join("\n")).to.deep.equal([]);
            // The shapes stack must really hold the shapes it is for.
            if (stack === "shapes") {
                expect(files).to.include.members(["profile-quota-team.yaml", "serviceaccount-group-team-batch-runner.yaml", "serviceaccount-group-team-etl.nightly.yaml", "serviceaccount-pods-team-trainer.yaml"]);
                expect(parse(fs.readFileSync(path.join(out, "k8s", "profile-group-team.yaml"), "utf8")).spec.owner.kind).to.equal("Group");
            }
            fs.rmSync(out, { recursive: true, force: true });
        });
    }

    it("is a real check: the API server refuses a manifest the CRD does not allow, and a negative quota", () => {
        const bad = { apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name: "bad" }, spec: { owner: { kind: "User", name: "x" }, resourceQuotaSpec: { hard: { cpu: "-5" } } } };
        expect(cluster.kubectl(["apply", "--server-side", "--dry-run=server", "-f", "-"], JSON.stringify({ ...bad, spec: { owner: "not-an-object" } })).status).to.not.equal(0);
        cluster.kubectl(["create", "namespace", "bad"]);
        const quota = cluster.kubectl(["apply", "--server-side", "--dry-run=server", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "bad" }, spec: bad.spec.resourceQuotaSpec }));
        expect(quota.status).to.not.equal(0);
        expect(quota.stderr).to.match(/must be greater than or equal to 0/);
    });

    it("refuses a quota's scopes exactly where the API server does (generated scopes, resources and selectors)", () => {
        cluster.kubectl(["create", "namespace", "quota-scopes"]);
        const random = prng(20261207);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
        const RESOURCES = ["pods", "cpu", "memory", "requests.cpu", "limits.memory", "ephemeral-storage", "services", "requests.storage", "persistentvolumeclaims", "requests.nvidia.com/gpu", "count/pods", "hugepages-2Mi", "requests.hugepages-1Gi"];
        const disagreements: string[] = [];
        let refused = 0;
        // The edges first (a hugepages limit under a pod scope, ephemeral storage under Terminating, contradicting scopes,
        // selector values), then generated ones.
        const fixed: QuotaScopes[] = [
            { hard: { "hugepages-2Mi": "4" }, scopes: ["NotBestEffort"] },
            { hard: { "ephemeral-storage": "4" }, scopes: ["Terminating"] },
            { hard: { cpu: "4" }, scopes: ["BestEffort"] },
            { hard: { pods: "4" }, scopes: ["Terminating", "NotTerminating"] },
            { hard: { pods: "4" }, scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In" }] } },
            { hard: { pods: "4" }, scopeSelector: { matchExpressions: [{ scopeName: "BestEffort", operator: "DoesNotExist" }] } },
            { hard: { "requests.storage": "4" }, scopes: ["VolumeAttributesClass"] },
        ];
        for (let n = 0; n < 80 + fixed.length; n++) {
            const hard = Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 2) }, () => [pick(RESOURCES), "4"]));
            let quota: QuotaScopes = { hard };
            if (n < fixed.length) quota = fixed[n];
            else if (random() < 0.6) quota.scopes = [...new Set(Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(QUOTA_SCOPES)))];
            else {
                const operator = pick(["Exists", "DoesNotExist", "In", "NotIn"]);
                quota.scopeSelector = { matchExpressions: [{ scopeName: pick(QUOTA_SCOPES), operator, ...(random() < 0.5 ? { values: ["high"] } : {}) }] };
            }
            const ours = quotaScopeProblems(quota).length > 0;
            const result = cluster.kubectl(["apply", "--server-side", "--dry-run=server", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: `q${n}`, namespace: "quota-scopes" }, spec: quota }));
            const theirs = result.status !== 0;
            if (theirs) refused++;
            if (ours !== theirs) disagreements.push(`${JSON.stringify(quota)}: ours ${ours ? "refuses" : "takes"}, the API server ${theirs ? `refuses (${result.stderr.trim()})` : "takes"}`);
        }
        expect(disagreements, disagreements.join("\n")).to.deep.equal([]);
        expect(refused, "the generated quotas exercise refusals").to.be.greaterThan(10);
    });
});
