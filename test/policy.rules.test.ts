/**
 * The policy pack's rules (policy/rules.ts) on synthetic resources, as the engine hands them to the analyzer: at least
 * one resource each rule passes and one it stops, with the message a reviewer reads. The pack through the real engine
 * is test/e2e/policyPack.e2e.test.ts.
 */
import { expect } from "chai";
import { PolicyDocument, PolicyStatement } from "../iam/document";
import { podIdentityTrustStatement, profileTrustPolicy, webIdentityTrustPolicy } from "../components/trustDocuments";
import { ROLE_PAIR_TYPE, ROLE_TYPE } from "../components/typeTokens";
import { Target } from "../policy/resources";
import { broadManagedPolicyViolations, eksPodIdentityViolations, eksWebIdentityViolations, iamWriteOnWildcardViolations, profileRoleFinder, profileRoleViolations, riskViolations, StackProfile, StackRole } from "../policy/rules";

const ACCOUNT = "111122223333";
const HOST = "oidc.eks.us-west-2.amazonaws.com/id/ABC123";
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`;
const CLUSTER_ARN = `arn:aws:eks:us-west-2:${ACCOUNT}:cluster/kf-dev`;
const sa = (ns: string, name = "default-editor") => `system:serviceaccount:${ns}:${name}`;
const urn = (type: string, name: string, parents: string[] = []) => `urn:pulumi:dev::proj::${[...parents, type].join("$")}::${name}`;

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const role = (name: string, trust: PolicyDocument | string, extra: Record<string, unknown> = {}, parents: string[] = []): Target => ({
    type: ROLE_TYPE,
    name,
    urn: urn(ROLE_TYPE, name, parents),
    props: { name: `${name}-iam`, assumeRolePolicy: typeof trust === "string" ? trust : JSON.stringify(trust), ...extra },
});
const resource = (type: string, name: string, props: Record<string, unknown>, parents: string[] = []): Target => ({ type, name, urn: urn(type, name, parents), props });
const irsaTrust = (subjects: string[], subjectMatch?: "StringLike") => webIdentityTrustPolicy({ providerArn: PROVIDER, issuerHostPath: HOST, subjects, subjectMatch });
const webIdentity = (Condition?: PolicyStatement["Condition"]): PolicyStatement => ({ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", ...(Condition ? { Condition } : {}) });

describe("policy pack rules", () => {
    describe("eks-web-identity-trust", () => {
        it("passes the trust the package writes (aud, exact sub)", () => {
            expect(eksWebIdentityViolations(role("team-a", irsaTrust([sa("team-a")])))).to.deep.equal([]);
        });

        it("passes a service-account wildcard inside one namespace", () => {
            expect(eksWebIdentityViolations(role("team-a", irsaTrust([sa("team-a", "*")], "StringLike")))).to.deep.equal([]);
        });

        it("stops the AWS docs' aud-only trust, naming the role, the statement and the fix", () => {
            const trust = doc(webIdentity({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" } }));
            expect(eksWebIdentityViolations(role("team-a", trust))).to.deep.equal([
                `aws:iam/role:Role "team-a" (IAM name team-a-iam): trust policy, statement #0: trust has no effective sub condition: any service account of ${HOST} can assume it. Fix: add "StringEquals": {"${HOST}:sub": "system:serviceaccount:<namespace>:<service account>"} naming the service accounts that need the role`,
            ]);
        });

        it("stops a trust with sub but no aud", () => {
            const trust = doc({ ...webIdentity({ StringEquals: { [`${HOST}:sub`]: sa("team-a") } }), Sid: "NoAud" });
            expect(eksWebIdentityViolations(role("team-a", trust))).to.deep.equal([
                `aws:iam/role:Role "team-a" (IAM name team-a-iam): trust policy, statement NoAud: trust does not check aud: a token for any audience from ${HOST} can assume it as team-a:default-editor. Fix: add "StringEquals": {"${HOST}:aud": "sts.amazonaws.com"} to the statement`,
            ]);
        });

        it("stops a trust with neither aud nor sub twice: both are missing", () => {
            const messages = eksWebIdentityViolations(role("open", doc(webIdentity())));
            expect(messages.map((m) => m.split(": ")[2])).to.deep.equal(["trust has no effective sub condition", "trust does not check aud"]);
        });

        it("stops a sub pattern with a wildcard namespace", () => {
            const messages = eksWebIdentityViolations(role("team-a", irsaTrust(["system:serviceaccount:team-*:default-editor"], "StringLike")));
            expect(messages).to.have.length(1);
            expect(messages[0]).to.include("sub pattern system:serviceaccount:team-*:default-editor matches beyond one namespace. Fix: name one namespace exactly");
        });

        it("stops a trust whose conditions it cannot evaluate (an operator it does not model, on a key the request carries), rather than pass it", () => {
            const trust = doc(webIdentity({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" }, BinaryEquals: { [`${HOST}:sub`]: "c3lzdGVt" } }));
            expect(eksWebIdentityViolations(role("team-a", trust))[0]).to.match(/trust policy: condition operator BinaryEquals is not evaluated by the preview, so the pack cannot tell who may assume it/);
        });

        it("leaves other OIDC providers alone (GitHub's, for the pipeline roles)", () => {
            const github = doc({ Effect: "Allow", Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*" } } });
            expect(eksWebIdentityViolations(role("deploy", github))).to.deep.equal([]);
            // Beside an EKS statement, the GitHub pattern is still not this rule's business.
            const both = doc(...irsaTrust([sa("team-a")]).Statement, ...github.Statement);
            expect(eksWebIdentityViolations(role("both", both))).to.deep.equal([]);
        });

        it("judges a role pair's EKS trust as its provider writes it", () => {
            const pair = (subjects: string[], subjectMatch = "StringEquals") => resource(ROLE_PAIR_TYPE, "pipeline-data", { oidcProviderArn: PROVIDER, eksRoleName: "pd-eks", assetRoleName: "pd-asset", assetAccountId: ACCOUNT, subjects, subjectMatch });
            expect(eksWebIdentityViolations(pair([sa("team-b")]))).to.deep.equal([]);
            expect(eksWebIdentityViolations(pair(["system:serviceaccount:*:default-editor"], "StringLike"))[0]).to.include(
                `pulumi-nodejs:dynamic/kubeflow-irsa:RolePair "pipeline-data": EKS role pd-eks's trust policy, statement KubeflowIrsaRolePair: sub pattern system:serviceaccount:*:default-editor matches beyond one namespace`,
            );
        });
    });

    describe("eks-pod-identity-trust", () => {
        const pods = (Condition?: PolicyStatement["Condition"]): PolicyStatement => ({ Sid: "Pods", Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"], ...(Condition ? { Condition } : {}) });

        it("passes the statement the package writes (cluster, account, namespace, service account)", () => {
            const trust = doc(podIdentityTrustStatement({ clusterArn: CLUSTER_ARN, accountId: ACCOUNT, namespace: "team-a", serviceAccounts: ["default-editor"] }));
            expect(eksPodIdentityViolations(role("team-a", trust))).to.deep.equal([]);
        });

        it("stops the trust EKS's console suggests (no condition): any namespace, any cluster, any account", () => {
            const rules = eksPodIdentityViolations(role("open", doc(pods()))).map((m) => m.split(": ").slice(2).join(": "));
            expect(rules).to.deep.equal([
                "Pod Identity trust does not restrict namespace and service account: any association in cluster kubeflow-irsa-probe can use it. Fix: add StringEquals conditions on aws:RequestTag/kubernetes-namespace and aws:RequestTag/kubernetes-service-account to the statement that trusts pods.eks.amazonaws.com",
                "Pod Identity trust does not restrict the cluster: an association in any cluster of the account can use it. Fix: add StringEquals conditions on aws:RequestTag/eks-cluster-arn to the statement that trusts pods.eks.amazonaws.com",
                "Pod Identity trust restricts neither the cluster nor the account (aws:SourceAccount): an association in any account can use it. Fix: add StringEquals conditions on aws:RequestTag/eks-cluster-arn (or aws:SourceAccount) to the statement that trusts pods.eks.amazonaws.com",
            ]);
        });

        it("stops a trust scoped to the namespace and account but not the service account", () => {
            const trust = doc(pods({ StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:RequestTag/kubernetes-namespace": "team-a" } }));
            const messages = eksPodIdentityViolations(role("team-a", trust));
            expect(messages.map((m) => m.split(", statement Pods: ")[1].split(":")[0])).to.deep.equal(["Pod Identity trust does not restrict the service account", "Pod Identity trust does not restrict the cluster"]);
        });

        it("stops a trust that names the service account but not the namespace: that service account of any namespace gets in", () => {
            const trust = doc(pods({ StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:RequestTag/eks-cluster-arn": CLUSTER_ARN, "aws:RequestTag/kubernetes-service-account": "spark" } }));
            expect(eksPodIdentityViolations(role("spark", trust)).map((m) => m.split(", statement Pods: ")[1])).to.deep.equal([
                "Pod Identity trust does not restrict the namespace: service account spark of any namespace in cluster kf-dev can use it. Fix: add StringEquals conditions on aws:RequestTag/kubernetes-namespace to the statement that trusts pods.eks.amazonaws.com",
            ]);
        });

        it("ignores trusts without the Pod Identity service", () => {
            expect(eksPodIdentityViolations(role("team-a", irsaTrust([sa("team-a")])))).to.deep.equal([]);
        });
    });

    describe("no-iam-write-on-wildcard", () => {
        it("passes IAM writes on exact ARNs", () => {
            const policy = doc({ Effect: "Allow", Action: ["iam:UpdateAssumeRolePolicy", "iam:GetRole"], Resource: `arn:aws:iam::${ACCOUNT}:role/kubeflow/team-a-role` });
            expect(iamWriteOnWildcardViolations(resource("aws:iam/policy:Policy", "controller", { policy: JSON.stringify(policy) }))).to.deep.equal([]);
        });

        it("stops the upstream controller policy (aws:iam/policy:Policy), naming the statement", () => {
            const upstream = doc({ Sid: "VisualEditor0", Effect: "Allow", Action: ["iam:GetRole", "iam:UpdateAssumeRolePolicy"], Resource: "*" });
            expect(iamWriteOnWildcardViolations(resource("aws:iam/policy:Policy", "controller", { name: "kf-controller", policy: JSON.stringify(upstream) }))).to.deep.equal([
                'aws:iam/policy:Policy "controller" (IAM name kf-controller): policy, statement VisualEditor0: allows IAM writes (iam:UpdateAssumeRolePolicy) on *, a wildcard: name the exact role or policy ARNs (an IAM write on a wildcard lets the role change identities it was never meant to, its own among them)',
            ]);
        });

        it("stops a role's inline policy and a RolePolicy, a Statement written as one object included", () => {
            const single = { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "iam:*", Resource: `arn:aws:iam::${ACCOUNT}:role/*` } };
            const inline = role("team-a", irsaTrust([sa("team-a")]), { inlinePolicies: [{ name: "extra", policy: JSON.stringify(single) }] });
            expect(iamWriteOnWildcardViolations(inline)[0]).to.match(/^aws:iam\/role:Role "team-a" \(IAM name team-a-iam\): inline policy "extra", statement #0: allows IAM writes \(iam:PassRole, iam:AttachRolePolicy/);
            expect(iamWriteOnWildcardViolations(resource("aws:iam/rolePolicy:RolePolicy", "extra", { policy: single }))).to.have.length(1);
        });

        it("stops a role pair's asset policy", () => {
            const pair = resource(ROLE_PAIR_TYPE, "pd", { oidcProviderArn: PROVIDER, eksRoleName: "pd-eks", assetRoleName: "pd-asset", assetAccountId: ACCOUNT, subjects: [sa("team-b")], assetPolicy: doc({ Sid: "Pass", Effect: "Allow", Action: "iam:PassRole", Resource: "*" }) });
            expect(iamWriteOnWildcardViolations(pair)).to.deep.equal([
                `pulumi-nodejs:dynamic/kubeflow-irsa:RolePair "pd": asset role pd-asset's asset-policy, statement Pass: allows IAM writes (iam:PassRole) on *, a wildcard: name the exact role or policy ARNs (an IAM write on a wildcard lets the role change identities it was never meant to, its own among them)`,
            ]);
        });
    });

    describe("advisory: the preview's high risks", () => {
        const controllerPolicy = (resourceArn: string, parents: string[]) =>
            resource("aws:iam/policy:Policy", "profile-controller-policy", { policy: doc({ Sid: "ManageProfileTrusts", Effect: "Allow", Action: ["iam:GetRole", "iam:UpdateAssumeRolePolicy"], Resource: resourceArn }) }, parents);

        it("data-on-wildcard: stops s3:GetObject on *, passes it on one prefix", () => {
            const on = (r: string) => role("team-a", irsaTrust([sa("team-a")]), { inlinePolicies: [{ name: "s3", policy: JSON.stringify(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: r })) }] });
            expect(riskViolations(on("*"), "data-on-wildcard")[0]).to.include('inline policy "s3", statement #0: allows data actions (s3:GetObject) on *');
            expect(riskViolations(on("arn:aws:s3:::acme/team-a/*"), "data-on-wildcard")).to.deep.equal([]);
        });

        it("data-on-wildcard: reads the AWS-managed policies a role attaches", () => {
            const attached = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "s3", { role: "team-a", policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" });
            expect(riskViolations(attached, "data-on-wildcard")[0]).to.include("AWS-managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess");
        });

        it("privilege-escalation: the profile controller's trust rewrites on exact roles are by design, anywhere else they are a path", () => {
            const exact = `arn:aws:iam::${ACCOUNT}:role/kubeflow/team-a-role`;
            expect(riskViolations(controllerPolicy(exact, ["kubeflow-irsa:index:ProfileControllerIrsa"]), "privilege-escalation")).to.deep.equal([]);
            expect(riskViolations(controllerPolicy(exact, []), "privilege-escalation")[0]).to.include(`allows iam:UpdateAssumeRolePolicy on ${exact}: a privilege-escalation path`);
            expect(riskViolations(controllerPolicy("*", ["kubeflow-irsa:index:ProfileControllerIrsa"]), "privilege-escalation")).to.have.length(1);
        });

        it("privilege-escalation: a role's iam:PassRole on its own ARN is no escalation (as in the preview), on another role's it is", () => {
            const pass = (r: string) => role("runner", irsaTrust([sa("team-a")]), { path: "/kubeflow/", inlinePolicies: [{ name: "pass", policy: JSON.stringify(doc({ Effect: "Allow", Action: "iam:PassRole", Resource: r })) }] });
            const self = { name: "runner-iam", path: "/kubeflow/" };
            expect(riskViolations(pass(`arn:aws:iam::${ACCOUNT}:role/kubeflow/runner-iam`), "privilege-escalation", self)).to.deep.equal([]);
            expect(riskViolations(pass(`arn:aws:iam::${ACCOUNT}:role/kubeflow/other`), "privilege-escalation", self)[0]).to.include("allows iam:PassRole on");
        });

        it("assume-any-role: stops sts:AssumeRole on any account's roles, passes an exact role", () => {
            const assume = (r: string) => resource("aws:iam/rolePolicy:RolePolicy", "assume", { policy: doc({ Effect: "Allow", Action: "sts:AssumeRole", Resource: r }) });
            expect(riskViolations(assume("arn:aws:iam::*:role/*"), "assume-any-role")).to.have.length(1);
            expect(riskViolations(assume(`arn:aws:iam::${ACCOUNT}:role/asset`), "assume-any-role")).to.deep.equal([]);
        });

        it("workload-takeover: stops ssm:SendCommand on every instance", () => {
            const ssm = resource("aws:iam/rolePolicy:RolePolicy", "ssm", { policy: doc({ Effect: "Allow", Action: "ssm:SendCommand", Resource: "*" }) });
            expect(riskViolations(ssm, "workload-takeover")[0]).to.include("allows ssm:SendCommand on *");
        });

        it("broad-managed-policy: stops AdministratorAccess, passes a read-only policy", () => {
            const attach = (arn: string) => role("team-a", irsaTrust([sa("team-a")]), { managedPolicyArns: [arn] });
            expect(broadManagedPolicyViolations(attach("arn:aws:iam::aws:policy/AdministratorAccess"))[0]).to.include("attaches AdministratorAccess");
            expect(broadManagedPolicyViolations(attach("arn:aws:iam::aws:policy/AmazonSageMakerReadOnly"))).to.deep.equal([]);
        });
    });

    describe("profile-role-trusts-its-namespace (stack-wide)", () => {
        const stackRole = (name: string, trust: PolicyDocument, arn?: string): StackRole => ({ target: role(name, trust), name: `${name}-iam`, path: "/kubeflow/", arn });
        const profile = (namespace: string, awsIamRole?: string, specDependsOn: string[] = []): StackProfile => ({
            target: resource("kubernetes:kubeflow.org/v1:Profile", namespace, {}),
            namespace,
            awsIamRole,
            specDependsOn,
        });

        it("finds the Profile's role by ARN, by name and path, or (ARN unknown) by what its spec depends on", () => {
            const a = stackRole("team-a", irsaTrust([sa("team-a")]), `arn:aws:iam::${ACCOUNT}:role/kubeflow/team-a-iam`);
            const b = stackRole("team-b", irsaTrust([sa("team-b")]));
            const roleOf = profileRoleFinder([b, a]);
            expect(roleOf(profile("team-a", `arn:aws:iam::${ACCOUNT}:role/kubeflow/team-a-iam`))).to.equal(a);
            expect(roleOf(profile("team-b", `arn:aws:iam::${ACCOUNT}:role/kubeflow/team-b-iam`))).to.equal(b);
            expect(roleOf(profile("team-b", undefined, [b.target.urn]))).to.equal(b);
            expect(roleOf(profile("team-b", undefined, [a.target.urn, b.target.urn]))).to.equal(undefined);
            expect(roleOf(profile("team-c", `arn:aws:iam::${ACCOUNT}:role/elsewhere`))).to.equal(undefined);
        });

        it("passes a role trusting only its own namespace, with IRSA, Pod Identity or both", () => {
            for (const identity of ["irsa", "podIdentity", "irsa+podIdentity"] as const) {
                const trust = profileTrustPolicy({ identity, namespace: "team-a", serviceAccounts: ["default-editor"], oidc: { providerArn: PROVIDER, issuerHostPath: HOST }, cluster: { arn: CLUSTER_ARN, accountId: ACCOUNT } });
                expect(profileRoleViolations(profile("team-a"), stackRole("team-a", trust), new Set(["team-a", "team-b"])), identity).to.deep.equal([]);
            }
        });

        it("stops a role that also admits another Profile's namespace, naming both and the statement", () => {
            const shared = irsaTrust([sa("team-a"), sa("team-b")]);
            expect(profileRoleViolations(profile("team-a"), stackRole("shared", shared), new Set(["team-a", "team-b", "team-c"]))).to.deep.equal([
                'Profile "team-a" (AwsIamForServiceAccount) names aws:iam/role:Role "shared" (IAM name shared-iam), whose trust policy (statement #0) also admits team-b:default-editor, a service account of Profile "team-b": that profile\'s pods can act as this one, with its data. Fix: give each profile its own role whose trust names only its own namespace',
            ]);
        });

        it("says once, with a count, that a trust without sub admits every other Profile's namespace", () => {
            const others = Array.from({ length: 8 }, (_, i) => `team-${i}`);
            const messages = profileRoleViolations(profile("team-a"), stackRole("open", doc(webIdentity({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" } }))), new Set(["team-a", ...others]));
            expect(messages).to.have.length(1);
            expect(messages[0]).to.include('also admits team-0:default-editor, a service account of Profile "team-0" and service accounts of 7 more Profiles\' namespaces (team-1, team-2, team-3, team-4, team-5, …): those profiles\' pods');
        });

        it("probes every other namespace against a pattern, and against exact subjects the namespaces and service accounts they name", () => {
            const pattern = irsaTrust([sa("team-a"), "system:serviceaccount:team-b*:default-editor"], "StringLike");
            expect(profileRoleViolations(profile("team-a"), stackRole("pattern", pattern), new Set(["team-a", "team-b", "team-bx", "team-c"]))[0]).to.include("and service accounts of 1 more Profiles' namespaces (team-bx)");
            const exact = irsaTrust([sa("team-a"), sa("team-c", "batch")]);
            expect(profileRoleViolations(profile("team-a"), stackRole("exact", exact), new Set(["team-a", "team-b", "team-c"]))[0]).to.include('also admits team-c:batch, a service account of Profile "team-c": that profile');
        });

        it("takes an explicit Deny into account: a namespace the trust lists but denies is not admitted", () => {
            const denied = doc(...irsaTrust([sa("team-a"), sa("team-b")]).Statement, { Sid: "NotTeamB", Effect: "Deny", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${HOST}:sub`]: sa("team-b") } } });
            expect(profileRoleViolations(profile("team-a"), stackRole("denied", denied), new Set(["team-a", "team-b"]))).to.deep.equal([]);
            expect(profileRoleViolations(profile("team-b"), stackRole("denied", denied), new Set(["team-a", "team-b"]))[0]).to.include("does not admit team-b:default-editor");
        });

        it("stops a Pod Identity role that names a service account but no namespace: the same service account of another Profile gets in", () => {
            const trust = doc({ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"], Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:RequestTag/eks-cluster-arn": CLUSTER_ARN, "aws:RequestTag/kubernetes-service-account": "spark" } } });
            const messages = profileRoleViolations(profile("team-a"), stackRole("spark", trust), new Set(["team-a", "team-b"]));
            expect(messages.map((m) => m.split(", whose trust policy ")[1].split(":")[0])).to.deep.equal(["does not admit team-a", "(statement #0) also admits team-b"]);
            expect(messages[1]).to.include('also admits team-b:spark, a service account of Profile "team-b"');
        });

        it("stops a Pod Identity role scoped to another namespace, and says the Profile's own gets no credentials", () => {
            const trust = doc(podIdentityTrustStatement({ clusterArn: CLUSTER_ARN, accountId: ACCOUNT, namespace: "team-b", serviceAccounts: ["default-editor"] }));
            const messages = profileRoleViolations(profile("team-a"), stackRole("team-b", trust), new Set(["team-a", "team-b"]));
            expect(messages.map((m) => m.split(", whose trust policy ")[1].split(":")[0])).to.deep.equal(["does not admit team-a", "(statement #0) also admits team-b"]);
        });
    });
});
