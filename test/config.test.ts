import { expect } from "chai";

import { namespaceValues, parseStackConfig } from "../config";
import { refusalsOf } from "./helpers/configProblems";

function validConfig(): Record<string, any> {
    return {
        clusterName: "kf-dev",
        oidcIssuerUrl: "https://oidc.eks.us-west-2.amazonaws.com/id/ABC123",
        profiles: [
            { name: "team-a", owner: "a@example.com", s3Buckets: ["data-a/team-a"] },
            { name: "team-b", owner: "b@example.com", annotateOnly: false },
        ],
    };
}

function expectProblem(raw: Record<string, unknown>, key: string, pattern: RegExp): void {
    const problems = refusalsOf(raw);
    const hit = problems.find((p) => p.startsWith(`${key}:`));
    expect(hit, `no problem for ${key} in:\n${problems.join("\n")}`).to.not.equal(undefined);
    expect(hit).to.match(pattern);
}

describe("stack config", () => {
    it("applies defaults", () => {
        const cfg = parseStackConfig(validConfig());
        expect(cfg.rolePath).to.equal("/");
        expect(cfg.profileController).to.deep.equal({ namespace: "kubeflow", serviceAccount: "profiles-controller-service-account", annotateServiceAccount: true, readyTimeoutSeconds: 600 });
        expect(cfg.profiles[1]).to.include({ ownerKind: "User", annotateOnly: false });
        expect(cfg.profiles[1].serviceAccounts).to.deep.equal(["default-editor"]);
        expect(cfg.profiles[0].annotateOnly).to.equal(true);
        expect(cfg.resolvedProfiles.map((p) => p.roleName)).to.deep.equal(["team-a-kf-dev-role", "team-b-kf-dev-role"]);
        expect(cfg.rolePairs).to.deep.equal([]);
    });

    it("merges stack-wide tags, path and boundary into each profile", () => {
        const raw = validConfig();
        raw.tags = { env: "dev", team: "platform" };
        raw.rolePath = "/kubeflow/";
        raw.permissionsBoundaryArn = "arn:aws:iam::111122223333:policy/boundary";
        raw.profiles[0].tags = { team: "a" };
        const p = parseStackConfig(raw).resolvedProfiles[0];
        expect(p.tags).to.deep.equal({ env: "dev", team: "a" });
        expect(p.rolePath).to.equal("/kubeflow/");
        expect(p.permissionsBoundaryArn).to.equal("arn:aws:iam::111122223333:policy/boundary");
    });

    it("accepts an empty profile list", () => {
        const raw = validConfig();
        raw.profiles = [];
        expect(parseStackConfig(raw).profiles).to.deep.equal([]);
    });

    it("names a missing clusterName and a missing profiles list", () => {
        const problems = refusalsOf({});
        expect(problems.join("\n")).to.match(/kubeflow-irsa:clusterName: missing is required/);
        expect(problems.join("\n")).to.match(/kubeflow-irsa:profiles: missing is required/);
    });

    it("names a missing owner with the entry index", () => {
        const raw = validConfig();
        delete raw.profiles[1].owner;
        expectProblem(raw, "kubeflow-irsa:profiles[1] (team-b).owner", /missing is required/);
    });

    it("rejects a profile name that is not a DNS-1123 label, quoting the value", () => {
        const raw = validConfig();
        raw.profiles[1].name = "Team_B";
        expectProblem(raw, "kubeflow-irsa:profiles[1] (Team_B).name", /"Team_B" is not a DNS-1123 label: use lowercase/);
    });

    it("rejects duplicate profile names", () => {
        const raw = validConfig();
        raw.profiles[1].name = "team-a";
        expectProblem(raw, "kubeflow-irsa:profiles[1] (team-a).name", /gives "team-a", as profiles\[0\] \(team-a\)\.name does .*profile names are the namespaces they make/);
    });

    it("rejects two profiles whose role names collide (override against a default)", () => {
        const raw = validConfig();
        raw.profiles[1].roleName = "team-a-kf-dev-role";
        expectProblem(raw, "kubeflow-irsa:profiles[1] (team-b).roleName", /as profiles\[0\] \(team-a\)\.name does \("team-a-kf-dev-role"\): IAM role names are unique per account.*set a distinct roleName/);
    });

    it("rejects role names that collide after shortening", () => {
        const raw = validConfig();
        raw.clusterName = "c".repeat(60);
        raw.profiles = [{ name: "team-a", owner: "x" }, { name: "team-b", owner: "y" }];
        const cfg = parseStackConfig(raw);
        raw.profiles[1].roleName = cfg.resolvedProfiles[0].roleName;
        expectProblem(raw, "kubeflow-irsa:profiles[1] (team-b).roleName", /as profiles\[0\] \(team-a\)\.name does/);
        expect(cfg.resolvedProfiles[0].roleName).to.have.length(64);
    });

    it("rejects a role name over 64 characters or with bad characters", () => {
        const raw = validConfig();
        raw.profiles[0].roleName = "r".repeat(65);
        raw.profiles[1].roleName = "bad name!";
        const problems = refusalsOf(raw).join("\n");
        expect(problems).to.match(/profiles\[0\] \(team-a\)\.roleName: "r{65}" is longer than IAM's 64-character limit/);
        expect(problems).to.match(/profiles\[1\] \(team-b\)\.roleName: "bad name!" has characters IAM does not allow/);
    });

    it("rejects malformed ARNs", () => {
        const raw = validConfig();
        raw.profiles[0].policyArns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "AmazonS3FullAccess"];
        raw.permissionsBoundaryArn = "arn:aws:iam::123:policy/x";
        raw.oidcProviderArn = "arn:aws:iam::111122223333:role/not-a-provider";
        const problems = refusalsOf(raw).join("\n");
        expect(problems).to.match(/profiles\[0\] \(team-a\)\.policyArns\[1\]: "AmazonS3FullAccess" is not an IAM managed policy ARN/);
        expect(problems).to.match(/kubeflow-irsa:permissionsBoundaryArn: ".*" is not an IAM managed policy ARN/);
        expect(problems).to.match(/kubeflow-irsa:oidcProviderArn: ".*" is not an IAM OIDC provider ARN/);
    });

    it("rejects invalid bucket names and wildcards", () => {
        const raw = validConfig();
        raw.profiles[0].s3Buckets = ["*", "My_Bucket", "ok-bucket/prefix", "ab", "data-*", "fine-bucket/"];
        const problems = refusalsOf(raw).join("\n");
        expect(problems).to.match(/s3Buckets\[0\]: "\*" wildcards are not allowed/);
        expect(problems).to.match(/s3Buckets\[1\]: "My_Bucket" is not a valid S3 bucket name/);
        expect(problems).to.match(/s3Buckets\[3\]: "ab" is not a valid S3 bucket name/);
        expect(problems).to.match(/s3Buckets\[4\]: "data-\*" wildcards are not allowed/);
        expect(problems).to.match(/s3Buckets\[5\]: "fine-bucket\/" has an empty prefix/);
        expect(problems).to.not.match(/s3Buckets\[2\]/);
    });

    it("rejects unknown keys and suggests the nearest known one", () => {
        const raw = validConfig();
        raw.profiles[1].anotateOnly = true;
        raw.clustername = "x";
        const problems = refusalsOf(raw).join("\n");
        expect(problems).to.match(/kubeflow-irsa:profiles\[1\] \(team-b\)\.anotateOnly: true is not a known key \(did you mean "annotateOnly"\?\)/);
        expect(problems).to.match(/kubeflow-irsa:clustername: "x" is not a known key \(did you mean "clusterName"\?\)/);
    });

    it("lists every problem at once", () => {
        const raw = validConfig();
        raw.profiles[0].name = "UPPER";
        raw.profiles[1].ownerKind = "Team";
        raw.profiles[1].maxSessionDuration = 60;
        const problems = refusalsOf(raw);
        expect(problems).to.have.length(3);
        expect(problems[1]).to.match(/profiles\[1\] \(team-b\)\.ownerKind: "Team" must be "User" or "Group"/);
        expect(problems[2]).to.match(/maxSessionDuration: 60 must be at least 3600/);
    });

    it("rejects an inline policy that grants IAM writes on every resource", () => {
        const raw = validConfig();
        raw.profiles[0].inlinePolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:GetRole", "iam:UpdateAssumeRolePolicy"], Resource: "*" }] };
        expectProblem(raw, "kubeflow-irsa:profiles[0] (team-a).inlinePolicy.Statement[0]", /allows IAM writes \(iam:UpdateAssumeRolePolicy\) on \*, a wildcard: name the exact role or policy ARNs/);
    });

    it("rejects an empty service account list and a bad quota quantity", () => {
        const raw = validConfig();
        raw.profiles[0].serviceAccounts = [];
        raw.profiles[1].resourceQuota = { hard: { cpu: "lots" } };
        const problems = refusalsOf(raw).join("\n");
        expect(problems).to.match(/serviceAccounts: \[\] must list at least one service account/);
        expect(problems).to.match(/resourceQuota\.hard\.cpu: "lots" is not a Kubernetes quantity/);
    });

    it("rejects an issuer URL and an adopted provider that disagree", () => {
        const raw = validConfig();
        raw.oidcProviderArn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/OTHER";
        expectProblem(raw, "kubeflow-irsa:oidcProviderArn", /must name the same issuer/);
    });

    it("rejects service accounts besides default-editor on a profile the controller manages (annotateOnly: false)", () => {
        const raw = validConfig();
        raw.profiles[1].serviceAccounts = ["default-editor", "nlp-batch"];
        expectProblem(raw, "kubeflow-irsa:profiles[1] (team-b).serviceAccounts", /\["default-editor","nlp-batch"\] lists nlp-batch besides default-editor, but annotateOnly is false: the profile controller would rewrite the role's trust to default-editor alone and cut them off; set annotateOnly: true/);
        raw.profiles[1].annotateOnly = true;
        expect(() => parseStackConfig(raw)).to.not.throw();
        raw.profiles[1] = { ...raw.profiles[1], annotateOnly: false, serviceAccounts: ["default-editor"] };
        expect(() => parseStackConfig(raw)).to.not.throw();
    });

    it("accepts a pipeline section and names a bad repository or account", () => {
        const raw = validConfig();
        raw.pipeline = { repository: "acme/ml-platform", accountId: "444455556666" };
        expect(parseStackConfig(raw).pipeline).to.deep.equal({ repository: "acme/ml-platform", accountId: "444455556666" });
        raw.pipeline = { repository: "ml-platform", accountId: 444455556666 };
        const problems = refusalsOf(raw).join("\n");
        expect(problems).to.match(/kubeflow-irsa:pipeline\.repository: "ml-platform" must be the GitHub repository as <owner>\/<repo>/);
        // A wrong type is told apart from a missing key, with the YAML fix for a number.
        expect(problems).to.match(/kubeflow-irsa:pipeline\.accountId: 444455556666 must be a string, but YAML read it as the number 444455556666, .*: write "444455556666"/);
        // An account id with a leading zero loses it as a number: the hint gives the 12 digits back.
        raw.pipeline = { repository: "acme/ml-platform", accountId: 12345678901 };
        expect(refusalsOf(raw).join("\n")).to.match(/kubeflow-irsa:pipeline\.accountId: 12345678901 must be a string, .*drops leading \(and trailing\) zeros: write "012345678901"/);
        raw.pipeline = { repository: true };
        expect(refusalsOf(raw).join("\n")).to.match(/kubeflow-irsa:pipeline\.repository: true must be a string$/m);
    });

    describe("cluster", () => {
        it("defaults to the existing cluster with generated credentials", () => {
            expect(parseStackConfig(validConfig()).cluster).to.deep.equal({});
        });

        it("accepts a created cluster with defaults, and an explicit kubeconfig with a context", () => {
            const created = parseStackConfig({ ...validConfig(), oidcIssuerUrl: undefined, profiles: [], cluster: { create: { version: "1.31" } } });
            expect(created.cluster.create).to.deep.equal({ version: "1.31", instanceType: "m6i.large", desiredSize: 2, minSize: 1, maxSize: 3, kubeflowInstalled: false });
            const explicit = parseStackConfig({ ...validConfig(), cluster: { kubeconfig: "/etc/kf/kubeconfig", context: "kf-dev-admin" } });
            expect(explicit.cluster).to.deep.equal({ kubeconfig: "/etc/kf/kubeconfig", context: "kf-dev-admin" });
        });

        it("reads a context only from an explicit kubeconfig, never the ambient one", () => {
            expectProblem({ ...validConfig(), cluster: { context: "prod" } }, "kubeflow-irsa:cluster.context", /needs cluster.kubeconfig/);
        });

        it("refuses combinations that would be ignored or contradict each other", () => {
            expectProblem({ ...validConfig(), cluster: { kubeconfig: "k", accessRoleArn: "arn:aws:iam::111122223333:role/deploy" } }, "kubeflow-irsa:cluster.accessRoleArn", /has no effect with cluster.kubeconfig/);
            expectProblem({ ...validConfig(), profiles: [], cluster: { kubeconfig: "k", create: { version: "1.31" } } }, "kubeflow-irsa:cluster.kubeconfig", /cannot be used with cluster.create/);
            expectProblem({ ...validConfig(), profiles: [], cluster: { create: { version: "1.31" } } }, "kubeflow-irsa:oidcIssuerUrl", /cannot be used with cluster.create: the created cluster brings its own issuer/);
        });

        it("refuses profiles on a created cluster until Kubeflow is installed there", () => {
            const raw = { ...validConfig(), oidcIssuerUrl: undefined, cluster: { create: { version: "1.31" } } };
            expectProblem(raw, "kubeflow-irsa:cluster.create.kubeflowInstalled", /is false, but 2 profiles are listed: .*Deploy with profiles: \[\] first, install Kubeflow, then set cluster.create.kubeflowInstalled: true/);
            expect(parseStackConfig({ ...raw, cluster: { create: { version: "1.31", kubeflowInstalled: true } } }).profiles).to.have.length(2);
        });

        it("names bad node counts, a numeric version and a VPC without subnets", () => {
            const base = { ...validConfig(), oidcIssuerUrl: undefined, profiles: [] };
            expectProblem({ ...base, cluster: { create: { version: "1.31", desiredSize: 5, maxSize: 3 } } }, "kubeflow-irsa:cluster.create.desiredSize", /must lie between minSize \(1\) and maxSize \(3\)/);
            expectProblem({ ...base, cluster: { create: { version: 1.31 } } }, "kubeflow-irsa:cluster.create.version", /YAML read it as the number 1\.31, which drops leading \(and trailing\) zeros: write the value exactly as written in the file, in quotes/);
            expectProblem({ ...base, cluster: { create: { version: "1.31", vpcId: "vpc-0123456789abcdef0" } } }, "kubeflow-irsa:cluster.create.subnetIds", /is required with vpcId/);
            expectProblem({ ...base, cluster: { create: { version: "1.31", nodes: 3 } } }, "kubeflow-irsa:cluster.create.nodes", /is not a known key; allowed keys: version, instanceType/);
        });
    });

    it("rejects more managed profiles than the controller's inline policy quota holds", () => {
        const raw = validConfig();
        raw.profiles = Array.from({ length: 200 }, (_, i) => ({ name: `p${i}`, owner: "o", annotateOnly: false }));
        expectProblem(raw, "kubeflow-irsa:profiles", /200 profiles with annotateOnly: false.*set annotateOnly: true on more profiles/);
    });

    it("decodes the engine's flat config map, leaving other namespaces out", () => {
        const values = namespaceValues({
            "kubeflow-irsa:clusterName": "kf",
            "kubeflow-irsa:profiles": '[{"name":"a","owner":"o"}]',
            "kubeflow-irsa:tags": '{"a":"b"}',
            "aws:region": "us-east-1",
        });
        expect(values).to.deep.equal({ clusterName: "kf", profiles: [{ name: "a", owner: "o" }], tags: { a: "b" } });
    });
});
