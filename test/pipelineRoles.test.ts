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
import { evaluateTrust, webIdentityRequest } from "../iam/evaluate";
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
        const allowed = ["arn:aws:iam::444455556666:role/kubeflow/*", "arn:aws:iam::444455556666:role/pair-eks", "arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"];
        for (const s of roles.deploy.permissionPolicy.Statement) {
            expect(asList(s.Resource).includes("*") && writesIam(s), s.Sid).to.equal(false);
            if (writesIam(s)) {
                for (const resource of asList(s.Resource)) expect(allowed, `${s.Sid}: ${resource}`).to.include(resource);
            }
        }
        // A role outside the path, and the account's other roles, are out of reach for every write.
        const writesOn = (arn: string) =>
            roles.deploy.permissionPolicy.Statement.filter((s) => writesIam(s) && asList(s.Resource).some((r) => wildcardMatch(r, arn))).map((s) => s.Sid);
        expect(writesOn("arn:aws:iam::444455556666:role/admin")).to.deep.equal([]);
        expect(writesOn("arn:aws:iam::444455556666:role/kubeflow/team-a-role")).to.include.members(["ManageRoles", "CreateRoles"]);
    });

    it("requires the stack's boundary to create roles, attaches only the listed policies, and assumes only the asset deploy roles", () => {
        const bySid = Object.fromEntries(roles.deploy.permissionPolicy.Statement.map((s) => [s.Sid, s]));
        expect(bySid.CreateRoles.Condition).to.deep.equal({ StringEquals: { "iam:PermissionsBoundary": inputs.permissionsBoundaryArns } });
        expect(bySid.AttachListedPolicies.Condition).to.deep.equal({ ArnEquals: { "iam:PolicyARN": inputs.attachablePolicyArns } });
        expect(actionsOf(roles.deploy.permissionPolicy)).to.not.include("iam:DeleteRolePermissionsBoundary");
        expect(bySid.AssumeAssetDeployRoles.Resource).to.deep.equal(inputs.assetDeployRoleArns);
        expect(bySid.DescribeCluster.Resource).to.equal("arn:aws:eks:*:444455556666:cluster/kf-prod");

        const bare = pipelineRoles({ ...inputs, permissionsBoundaryArns: [], attachablePolicyArns: [], assetDeployRoleArns: [], adoptedOidcProviderArn: "arn:aws:iam::444455556666:oidc-provider/x" });
        const sids = bare.deploy.permissionPolicy.Statement.map((s) => s.Sid);
        expect(sids).to.not.include.members(["AttachListedPolicies", "AssumeAssetDeployRoles", "ManageOidcProvider"]);
        expect(bare.deploy.permissionPolicy.Statement.find((s) => s.Sid === "CreateRoles")!.Condition).to.equal(undefined);
    });

    it("manages Pod Identity associations of its own cluster only, and passes only the stack's roles, when a profile or pair uses Pod Identity", () => {
        expect(actionsOf(roles.deploy.permissionPolicy).filter((a) => a.includes("PodIdentity") || a === "iam:PassRole")).to.deep.equal([]);
        const pod = pipelineRoles({ ...inputs, podIdentity: true });
        const bySid = Object.fromEntries(pod.deploy.permissionPolicy.Statement.map((s) => [s.Sid, s]));
        const scope = ["arn:aws:eks:*:444455556666:cluster/kf-prod", "arn:aws:eks:*:444455556666:podidentityassociation/kf-prod/*"];
        expect(bySid.ManagePodIdentityAssociations.Resource).to.deep.equal(scope);
        expect(bySid.ManagePodIdentityAssociations.Action).to.include.members(["eks:CreatePodIdentityAssociation", "eks:DeletePodIdentityAssociation"]);
        expect(bySid.PassStackRoles).to.deep.equal({ Sid: "PassStackRoles", Effect: "Allow", Action: "iam:PassRole", Resource: ["arn:aws:iam::444455556666:role/kubeflow/*", "arn:aws:iam::444455556666:role/pair-eks"] });
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
