/**
 * The pipeline's own roles: who can assume them (evaluated from the trust documents, not read off the config), and
 * that their rights are the stack's and no more.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { asList, PolicyDocument, PolicyStatement, wildcardMatch } from "../iam/document";
import { iamWriteActions, scopeAllows, statementScopes } from "../iam/permissionRisks";
import { PipelineRoleInputs, pipelineRoles } from "../components/pipelineRoles";
import { evaluateIdentity, evaluateTrust, IdentityRequest, webIdentityRequest } from "../iam/evaluate";
import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { parse, stringify } from "yaml";
import { actionConditionKeys } from "../iam/actions";
import { latestManagedPolicyDocument } from "../iam/managedPolicies";
import { OwnershipTarget, roleWriteActions, unboundedBoundary, unownedRoleWrites } from "../iam/ownership";
import { STACK_OWNER_TAG } from "../components/tags";
import { STACKS_DIR } from "../project";
import { federatedTrusts } from "../iam/trustRules";
import { runPreview } from "../preview/preview";

/** Whether a statement allows any IAM write (Write or Permissions management) on any of its resources. */
const writesIam = (s: PolicyStatement) => statementScopes(s).some((scope) => iamWriteActions().some((a) => scopeAllows(scope, a)));

const REPO = "acme/ml-platform";
const inputs: PipelineRoleInputs = {
    partition: "aws",
    accountId: "444455556666",
    repository: REPO,
    environment: "prod",
    clusterName: "kf-prod",
    rolePath: "/kubeflow/",
    otherRoleArns: ["arn:aws:iam::444455556666:role/pair-eks"],
    createdRoleArns: ["arn:aws:iam::444455556666:role/kubeflow/team-a-role", "arn:aws:iam::444455556666:role/kubeflow/kf-prod-controller"],
    oidcIssuerHostPath: "oidc.eks.us-east-1.amazonaws.com/id/ABC",
    permissionsBoundaryArns: ["arn:aws:iam::444455556666:policy/boundary"],
    assetDeployRoleArns: ["arn:aws:iam::222233334444:role/deployer"],
    attachablePolicyArns: ["arn:aws:iam::aws:policy/AmazonSageMakerReadOnly"],
    podIdentity: false,
};

/** Whether GitHub's token for `subject` may assume the role with this trust. */
function admits(trust: PolicyDocument, subject: string, audience = "sts.amazonaws.com"): boolean {
    const [federated] = federatedTrusts(trust);
    return evaluateTrust(trust, webIdentityRequest(federated, subject, audience)) === "Allowed";
}

const actionsOf = (doc: PolicyDocument) => doc.Statement.flatMap((s) => asList(s.Action));

describe("pipeline roles", () => {
    const roles = pipelineRoles(inputs);

    it("lets only pull-request jobs of the repository assume the preview role, and only the environment's jobs the deploy role", () => {
        const subjects = {
            pullRequest: `repo:${REPO}:pull_request`,
            prod: `repo:${REPO}:environment:prod`,
            dev: `repo:${REPO}:environment:dev`,
            branch: `repo:${REPO}:ref:refs/heads/main`,
            otherRepo: "repo:acme/other:pull_request",
        };
        const admitted = (trust: PolicyDocument) => Object.entries(subjects).filter(([, s]) => admits(trust, s)).map(([k]) => k);
        expect(admitted(roles.preview.trustPolicy)).to.deep.equal(["pullRequest"]);
        expect(admitted(roles.deploy.trustPolicy)).to.deep.equal(["prod"]);
        expect(admits(roles.deploy.trustPolicy, subjects.prod, "some-other-audience")).to.equal(false);
        const [statement] = roles.deploy.trustPolicy.Statement;
        expect(statement.Principal).to.deep.equal({ Federated: "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com" });
        expect(Object.keys(statement.Condition!.StringEquals!)).to.have.members(["token.actions.githubusercontent.com:aud", "token.actions.githubusercontent.com:sub"]);
    });

    it("gives the preview role reads only", () => {
        for (const action of actionsOf(roles.preview.permissionPolicy)) {
            expect(action, action).to.match(/^(iam:(Get|List)|eks:(Describe|List))/);
            expect(iamWriteActions().some((a) => wildcardMatch(action, a, true)), action).to.equal(false);
        }
    });

    it("limits the deploy role's IAM writes to the stack's roles and OIDC provider, never every resource", () => {
        const allowed = [...inputs.createdRoleArns, "arn:aws:iam::444455556666:role/kubeflow/*", "arn:aws:iam::444455556666:role/pair-eks", "arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"];
        for (const s of roles.deploy.permissionPolicy.Statement) {
            expect(asList(s.Resource).includes("*") && writesIam(s), s.Sid).to.equal(false);
            if (writesIam(s)) {
                for (const resource of asList(s.Resource)) expect(allowed, `${s.Sid}: ${resource}`).to.include(resource);
            }
        }
    });

    describe("writes only the roles the stack owns (the evaluator, cross-checked by an IAM simulator)", () => {
        const target: OwnershipTarget = { partition: "aws", accountId: "444455556666", tagKey: STACK_OWNER_TAG, owner: "kf-prod", rolePath: "/kubeflow/", ownRoleArns: [...inputs.createdRoleArns, ...inputs.otherRoleArns], boundaries: inputs.permissionsBoundaryArns };
        const owned = "arn:aws:iam::444455556666:role/kubeflow/team-a-role";
        const tags = (owner?: string): Record<string, string> => (owner === undefined ? {} : { [`aws:ResourceTag/${STACK_OWNER_TAG}`]: owner });
        const boundary = { "iam:PermissionsBoundary": inputs.permissionsBoundaryArns[0] };
        const probes: Array<[string, IdentityRequest, "Allowed" | "Denied"]> = [
            ["rewrite the trust of an owned role under the boundary", { action: "iam:UpdateAssumeRolePolicy", resource: owned, context: { ...tags("kf-prod"), ...boundary } }, "Allowed"],
            ["put an inline policy on an owned role under the boundary", { action: "iam:PutRolePolicy", resource: owned, context: { ...tags("kf-prod"), ...boundary } }, "Allowed"],
            ["put an inline policy on an owned role without the boundary", { action: "iam:PutRolePolicy", resource: owned, context: tags("kf-prod") }, "Denied"],
            ["put an inline policy on another stack's role under the path", { action: "iam:PutRolePolicy", resource: owned, context: { ...tags("kf-dev"), ...boundary } }, "Denied"],
            ["rewrite the trust of an untagged role under the path", { action: "iam:UpdateAssumeRolePolicy", resource: owned, context: boundary }, "Denied"],
            ["delete an admin role", { action: "iam:DeleteRole", resource: "arn:aws:iam::444455556666:role/admin", context: { ...tags("kf-prod"), ...boundary } }, "Denied"],
            ["create a role of the stack with the ownership tag and boundary", { action: "iam:CreateRole", resource: owned, context: { [`aws:RequestTag/${STACK_OWNER_TAG}`]: "kf-prod", ...boundary } }, "Allowed"],
            ["create a role of the stack without the ownership tag", { action: "iam:CreateRole", resource: owned, context: boundary }, "Denied"],
            ["create a role of the stack without the boundary", { action: "iam:CreateRole", resource: owned, context: { [`aws:RequestTag/${STACK_OWNER_TAG}`]: "kf-prod" } }, "Denied"],
            ["create a role the stack does not declare", { action: "iam:CreateRole", resource: "arn:aws:iam::444455556666:role/kubeflow/extra", context: { [`aws:RequestTag/${STACK_OWNER_TAG}`]: "kf-prod", ...boundary } }, "Denied"],
            ["tag an owned role with another key", { action: "iam:TagRole", resource: owned, context: { ...tags("kf-prod"), "aws:TagKeys": "team" } }, "Allowed"],
            ["retag an owned role's ownership tag (give it away)", { action: "iam:UntagRole", resource: owned, context: { ...tags("kf-prod"), "aws:TagKeys": STACK_OWNER_TAG } }, "Denied"],
            ["set the ownership tag on an untagged role it does not create (claim it)", { action: "iam:TagRole", resource: "arn:aws:iam::444455556666:role/kubeflow/extra", context: { [`aws:RequestTag/${STACK_OWNER_TAG}`]: "kf-prod", "aws:TagKeys": STACK_OWNER_TAG } }, "Denied"],
            ["attach a listed policy to an owned role", { action: "iam:AttachRolePolicy", resource: owned, context: { ...tags("kf-prod"), "iam:PolicyARN": inputs.attachablePolicyArns[0] } }, "Allowed"],
            ["attach AdministratorAccess to an owned role", { action: "iam:AttachRolePolicy", resource: owned, context: { ...tags("kf-prod"), "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" } }, "Denied"],
        ];
        for (const [what, request, expected] of probes) {
            it(`${expected === "Allowed" ? "may" : "may not"} ${what}`, () => {
                const ours = evaluateIdentity([roles.deploy.permissionPolicy], request);
                expect(ours === "Allowed" ? "Allowed" : "Denied").to.equal(expected);
                const simulated = runUnsafeSimulation(
                    {
                        request: { principal: "arn:aws:iam::444455556666:role/deployer", action: request.action, resource: { resource: request.resource, accountId: "444455556666" }, contextVariables: request.context },
                        identityPolicies: [{ name: "deploy", policy: roles.deploy.permissionPolicy }],
                        serviceControlPolicies: [],
                        resourceControlPolicies: [],
                    },
                    {},
                );
                expect(simulated === "Allowed" ? "Allowed" : "Denied", `simulator: ${simulated}`).to.equal(expected);
            });
        }

        it("finds no write on a role the stack does not own (every role write of the service reference, probed)", () => {
            expect(roleWriteActions()).to.include.members(["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:DeleteRolePermissionsBoundary", "iam:PassRole"]);
            expect(unownedRoleWrites([roles.deploy.permissionPolicy], target)).to.deep.equal([]);
        });

        it("flags the former design (IAM writes on role/* without ownership conditions) as high", () => {
            const former: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "ManageRoles", Effect: "Allow", Action: ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:CreateRole"], Resource: "arn:aws:iam::444455556666:role/*" }] };
            const breaches = unownedRoleWrites([former], { ...target, rolePath: "/" });
            expect(breaches.map((b) => `${b.severity} ${b.action}`)).to.include.members(["high iam:PutRolePolicy", "high iam:UpdateAssumeRolePolicy", "high iam:DeleteRole", "high iam:CreateRole"]);
        });

        it("lists the roles it may create exactly while they fit, and says a pattern could claim untagged roles (high under /)", () => {
            const many = Array.from({ length: 200 }, (_, n) => `arn:aws:iam::444455556666:role/team-${n}-kf-prod-role`);
            const root = pipelineRoles({ ...inputs, rolePath: "/", createdRoleArns: many, permissionsBoundaryArns: [] });
            const claim = unownedRoleWrites([root.deploy.permissionPolicy], { ...target, rolePath: "/", ownRoleArns: many, boundaries: [] });
            expect(claim.map((b) => `${b.severity} ${b.action}`)).to.deep.equal(["high iam:TagRole"]);
            const few = pipelineRoles({ ...inputs, rolePath: "/", createdRoleArns: many.slice(0, 5), permissionsBoundaryArns: [] });
            expect(unownedRoleWrites([few.deploy.permissionPolicy], { ...target, rolePath: "/", ownRoleArns: many.slice(0, 5), boundaries: [] })).to.deep.equal([]);
        });

        it("uses only condition keys the service reference lists for the actions they condition", () => {
            for (const doc of [roles.deploy.permissionPolicy, pipelineRoles({ ...inputs, podIdentity: true }).deploy.permissionPolicy]) {
                for (const s of doc.Statement) {
                    const keys = Object.values(s.Condition ?? {}).flatMap((block) => Object.keys(block));
                    for (const action of asList(s.Action)) {
                        const listed = actionConditionKeys(action).map((k) => k.replace("${TagKey}", "*"));
                        for (const key of keys) expect(listed.some((k) => wildcardMatch(k, key, true)), `${s.Sid}: ${action} with ${key} (catalog: ${listed.join(", ")})`).to.equal(true);
                    }
                }
            }
        });
    });

    it("flags a boundary that bounds nothing: AdministratorAccess as a profile's boundary widens what the deploy role may create", async () => {
        const admin = latestManagedPolicyDocument("AdministratorAccess")!;
        expect(unboundedBoundary(admin, "aws", "444455556666")).to.match(/allows iam:PutRolePolicy/);
        expect(unboundedBoundary(latestManagedPolicyDocument("AmazonS3ReadOnlyAccess")!, "aws", "444455556666")).to.equal(undefined);
        const base = fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-boundary-"));
        const doc = parse(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.prod.yaml"), "utf8"));
        doc.config["kubeflow-irsa:profiles"][0].permissionsBoundaryArn = "arn:aws:iam::aws:policy/AdministratorAccess";
        fs.writeFileSync(path.join(base, "Pulumi.prod.yaml"), stringify(doc));
        const result = await runPreview({ stack: "prod", stacksDir: base, outDir: path.join(base, "out"), log: () => undefined });
        const findings = result.access.findings.map((f) => `${f.severity} ${f.role}: ${f.message}`);
        expect(findings.join("\n")).to.match(/high kf-prod-kubeflow-irsa-deploy-prod: may create roles under the boundary arn:aws:iam::aws:policy\/AdministratorAccess, which bounds nothing/);
        expect(findings.join("\n")).to.match(/high [^:]+: has the permissions boundary arn:aws:iam::aws:policy\/AdministratorAccess, which is no boundary/);
    });

    it("requires the stack's boundary to create roles, attaches only the listed policies, and assumes only the asset deploy roles", () => {
        const bySid = Object.fromEntries(roles.deploy.permissionPolicy.Statement.map((s) => [s.Sid, s]));
        expect(bySid.CreateOwnedRoles.Condition!.ArnEquals!["iam:PermissionsBoundary"]).to.deep.equal(inputs.permissionsBoundaryArns);
        expect(bySid.AttachListedPolicies.Condition!.ArnEquals).to.deep.equal({ "iam:PolicyARN": inputs.attachablePolicyArns });
        expect(actionsOf(roles.deploy.permissionPolicy)).to.not.include("iam:DeleteRolePermissionsBoundary");
        expect(bySid.AssumeAssetDeployRoles.Resource).to.deep.equal(inputs.assetDeployRoleArns);
        expect(bySid.DescribeCluster.Resource).to.equal("arn:aws:eks:*:444455556666:cluster/kf-prod");

        const bare = pipelineRoles({ ...inputs, permissionsBoundaryArns: [], attachablePolicyArns: [], assetDeployRoleArns: [], adoptedOidcProviderArn: "arn:aws:iam::444455556666:oidc-provider/x" });
        const sids = bare.deploy.permissionPolicy.Statement.map((s) => s.Sid);
        expect(sids).to.not.include.members(["AttachListedPolicies", "AssumeAssetDeployRoles", "ManageOidcProvider", "KeepRequiredBoundary"]);
        expect(bare.deploy.permissionPolicy.Statement.find((s) => s.Sid === "CreateOwnedRoles")!.Condition).to.deep.equal({ StringEquals: { [`aws:RequestTag/${STACK_OWNER_TAG}`]: "kf-prod" } });
    });

    it("manages Pod Identity associations of its own cluster only, and passes only the stack's roles, when a profile or pair uses Pod Identity", () => {
        expect(actionsOf(roles.deploy.permissionPolicy).filter((a) => a.includes("PodIdentity") || a === "iam:PassRole")).to.deep.equal([]);
        const pod = pipelineRoles({ ...inputs, podIdentity: true });
        const bySid = Object.fromEntries(pod.deploy.permissionPolicy.Statement.map((s) => [s.Sid, s]));
        const scope = ["arn:aws:eks:*:444455556666:cluster/kf-prod", "arn:aws:eks:*:444455556666:podidentityassociation/kf-prod/*"];
        expect(bySid.ManagePodIdentityAssociations.Resource).to.deep.equal(scope);
        expect(bySid.ManagePodIdentityAssociations.Action).to.include.members(["eks:CreatePodIdentityAssociation", "eks:DeletePodIdentityAssociation"]);
        expect(bySid.PassStackRoles).to.deep.equal({ Sid: "PassStackRoles", Effect: "Allow", Action: "iam:PassRole", Resource: ["arn:aws:iam::444455556666:role/kubeflow/*", "arn:aws:iam::444455556666:role/pair-eks"], Condition: { StringEquals: { [`aws:ResourceTag/${STACK_OWNER_TAG}`]: "kf-prod" } } });
        const previewReads = pod.preview.permissionPolicy.Statement.find((s) => s.Sid === "ReadPodIdentityAssociations")!;
        expect(previewReads.Resource).to.deep.equal(scope);
        for (const action of actionsOf(pod.preview.permissionPolicy)) expect(action, action).to.match(/^(iam:(Get|List)|eks:(Describe|List))/);
    });

    it("are written by the offline preview for a stack that names its repository", async () => {
        const result = await runPreview({ stack: "prod", outDir: fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-pipeline-")), log: () => undefined });
        expect(result.files.filter((f) => f.startsWith("pipeline"))).to.have.members([
            path.join("pipeline", "kf-prod-kubeflow-irsa-deploy-prod.json"),
            path.join("pipeline", "kf-prod-kubeflow-irsa-preview.json"),
        ]);
        const deploy = JSON.parse(fs.readFileSync(path.join(result.outDir, "pipeline", "kf-prod-kubeflow-irsa-deploy-prod.json"), "utf8"));
        expect(deploy.trustPolicy.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).to.deep.equal(["repo:acme/ml-platform-kubeflow-irsa:environment:prod"]);
        const report = fs.readFileSync(path.join(result.outDir, "report.md"), "utf8");
        expect(report).to.contain("## Pipeline roles").and.to.contain("`kf-prod-kubeflow-irsa-deploy-prod`");
        expect(report).to.not.contain("may write inline policies"); // prod has a stack-wide boundary
        const dev = await runPreview({ stack: "dev", outDir: fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-pipeline-")), log: () => undefined });
        expect(fs.readFileSync(path.join(dev.outDir, "report.md"), "utf8")).to.contain("may write inline policies");
    });
});
