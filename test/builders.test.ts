import { expect } from "chai";
import { policyLength } from "../iam/document";
import { issuerHostPath, issuerHostPathFromProviderArn } from "../iam/identity";
import { profileRoleName, shortenName } from "../components/names";
import { webIdentityTrustPolicy } from "../components/trustDocuments";
import { profileControllerPolicy, s3AccessPolicy } from "../components/permissionPolicies";
import { refusedRisks } from "../iam/permissionRisks";
import { profileManifest, profileReadyAnnotations, serviceAccountManifest } from "../components/manifests";
import { execKubeconfig, getTokenArgs } from "../components/kubeconfig";
import { issuerDisagreements } from "../cluster/existingCluster";

const PROVIDER = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC";
const HOST = "oidc.eks.us-west-2.amazonaws.com/id/ABC";

describe("policy builders", () => {
    describe("webIdentityTrustPolicy", () => {
        it("trusts only the listed subjects through the provider, with aud and sub conditions", () => {
            const doc = webIdentityTrustPolicy({
                providerArn: PROVIDER,
                issuerHostPath: HOST,
                subjects: ["system:serviceaccount:team-a:nlp-batch", "system:serviceaccount:team-a:default-editor"],
            });
            expect(doc).to.deep.equal({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Federated: PROVIDER },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                [`${HOST}:aud`]: "sts.amazonaws.com",
                                [`${HOST}:sub`]: ["system:serviceaccount:team-a:default-editor", "system:serviceaccount:team-a:nlp-batch"],
                            },
                        },
                    },
                ],
            });
        });

        it("puts wildcard subjects under StringLike but keeps aud exact", () => {
            const doc = webIdentityTrustPolicy({ providerArn: PROVIDER, issuerHostPath: HOST, subjects: ["system:serviceaccount:ns:run-*"], subjectMatch: "StringLike", sid: "S" });
            expect(doc.Statement[0].Sid).to.equal("S");
            expect(doc.Statement[0].Condition).to.deep.equal({
                StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" },
                StringLike: { [`${HOST}:sub`]: ["system:serviceaccount:ns:run-*"] },
            });
        });

        it("refuses to build a trust without subjects", () => {
            expect(() => webIdentityTrustPolicy({ providerArn: PROVIDER, issuerHostPath: HOST, subjects: [] })).to.throw(/sub condition/);
        });
    });

    describe("s3AccessPolicy", () => {
        it("grants exactly the listed buckets and prefixes", () => {
            const doc = s3AccessPolicy("aws", ["data-b/team/x/", "data-a", "data-b/common"])!;
            const bySid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
            expect(bySid.BucketLocation.Resource).to.deep.equal(["arn:aws:s3:::data-a", "arn:aws:s3:::data-b"]);
            expect(bySid.ListBuckets.Resource).to.deep.equal(["arn:aws:s3:::data-a"]);
            expect(bySid.ListPrefixesdatab).to.deep.equal({
                Sid: "ListPrefixesdatab",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: "arn:aws:s3:::data-b",
                Condition: { StringLike: { "s3:prefix": ["common", "common/*", "team/x", "team/x/*"] } },
            });
            expect(bySid.ReadWriteObjects.Action).to.deep.equal(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]);
            expect(bySid.ReadWriteObjects.Resource).to.deep.equal(["arn:aws:s3:::data-a/*", "arn:aws:s3:::data-b/common/*", "arn:aws:s3:::data-b/team/x/*"]);
            for (const s of doc.Statement) {
                expect([s.Resource].flat().some((r) => r === "*" || r === "arn:aws:s3:::*")).to.equal(false);
            }
        });

        it("lets a whole-bucket grant absorb prefixes of the same bucket, and uses the partition", () => {
            const doc = s3AccessPolicy("aws-cn", ["b1/p", "b1"])!;
            expect(doc.Statement.map((s) => s.Sid)).to.deep.equal(["BucketLocation", "ListBuckets", "ReadWriteObjects"]);
            expect(doc.Statement[2].Resource).to.deep.equal(["arn:aws-cn:s3:::b1/*"]);
        });

        it("is absent for no buckets", () => {
            expect(s3AccessPolicy("aws", [])).to.equal(undefined);
        });
    });

    describe("profileControllerPolicy", () => {
        it("scopes GetRole and UpdateAssumeRolePolicy to exactly the managed role ARNs", () => {
            const arns = ["arn:aws:iam::111122223333:role/b", "arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/a"];
            expect(profileControllerPolicy(arns)).to.deep.equal({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "ManageProfileRoleTrust",
                        Effect: "Allow",
                        Action: ["iam:GetRole", "iam:UpdateAssumeRolePolicy"],
                        Resource: ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/b"],
                    },
                ],
            });
        });

        it("grants nothing when no role is managed, and refuses wildcards", () => {
            expect(profileControllerPolicy([])).to.equal(undefined);
            expect(() => profileControllerPolicy(["*"])).to.throw(/exact role ARNs/);
            expect(() => profileControllerPolicy(["arn:aws:iam::111122223333:role/*"])).to.throw(/exact role ARNs/);
        });
    });

    describe("names", () => {
        it("uses <profile>-<cluster>-role when it fits", () => {
            expect(profileRoleName("team-a", "kf-dev")).to.equal("team-a-kf-dev-role");
        });

        it("shortens long names deterministically to 64 characters, keeping distinct names distinct", () => {
            const a = profileRoleName("a".repeat(40), "cluster-with-a-rather-long-name");
            const b = profileRoleName(`${"a".repeat(39)}b`, "cluster-with-a-rather-long-name");
            expect(a.length).to.be.at.most(64);
            expect(b.length).to.be.at.most(64);
            expect(a).to.not.equal(b);
            expect(profileRoleName("a".repeat(40), "cluster-with-a-rather-long-name")).to.equal(a);
            expect(a).to.match(/^a{40}-cluster-with-a-[0-9a-f]{8}$/);
            expect(shortenName("x".repeat(64))).to.equal("x".repeat(64));
            expect(shortenName("x".repeat(65))).to.have.length(64);
        });
    });

    describe("issuer", () => {
        it("derives the condition-key prefix from the URL or the provider ARN", () => {
            expect(issuerHostPath(`https://${HOST}/`)).to.equal(HOST);
            expect(issuerHostPathFromProviderArn(PROVIDER)).to.equal(HOST);
            expect(() => issuerHostPathFromProviderArn("arn:aws:iam::1:role/x")).to.throw(/not an IAM OIDC provider ARN/);
        });
    });

    describe("profileManifest", () => {
        it("builds a kubeflow.org/v1 Profile with the AwsIamForServiceAccount plugin", () => {
            const m = profileManifest({ name: "team-a", owner: "a@example.com", ownerKind: "User", roleArn: "arn:aws:iam::1:role/r", annotateOnly: true, resourceQuota: { hard: { cpu: "4" } } });
            expect(m).to.deep.equal({
                apiVersion: "kubeflow.org/v1",
                kind: "Profile",
                metadata: { name: "team-a" },
                spec: {
                    owner: { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "a@example.com" },
                    plugins: [{ kind: "AwsIamForServiceAccount", spec: { awsIamRole: "arn:aws:iam::1:role/r", annotateOnly: true } }],
                    resourceQuotaSpec: { hard: { cpu: "4" } },
                },
            });
        });
    });

    describe("serviceAccountManifest", () => {
        it("labels the accounts this package owns and only annotates the controller's", () => {
            expect(serviceAccountManifest("ns", "batch", "arn:r").metadata).to.deep.equal({
                name: "batch",
                namespace: "ns",
                annotations: { "eks.amazonaws.com/role-arn": "arn:r" },
                labels: { "app.kubernetes.io/managed-by": "kubeflow-irsa" },
            });
            expect(serviceAccountManifest("ns", "default-viewer", "arn:r").metadata).to.deep.equal({ name: "default-viewer", namespace: "ns", annotations: { "eks.amazonaws.com/role-arn": "arn:r" } });
        });

        it("waits for the controller's finalizer, with the given timeout", () => {
            expect(profileReadyAnnotations(90)).to.deep.equal({ "pulumi.com/waitFor": "jsonpath={.metadata.finalizers[0]}=profile-finalizer", "pulumi.com/timeoutSeconds": "90" });
        });
    });

    describe("execKubeconfig", () => {
        it("names one cluster and a user that gets its token from aws eks get-token", () => {
            const config = execKubeconfig({ clusterName: "kf", endpoint: "https://E.eks.amazonaws.com", certificateAuthorityData: "Q0E=", region: "eu-west-1" });
            expect(config).to.deep.equal({
                apiVersion: "v1",
                kind: "Config",
                clusters: [{ name: "kf", cluster: { server: "https://E.eks.amazonaws.com", "certificate-authority-data": "Q0E=" } }],
                users: [{ name: "kf", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["--output", "json", "eks", "get-token", "--cluster-name", "kf", "--region", "eu-west-1"], interactiveMode: "Never" } } }],
                contexts: [{ name: "kf", context: { cluster: "kf", user: "kf" } }],
                "current-context": "kf",
            });
        });

        it("assumes the access role for the token when one is given", () => {
            expect(getTokenArgs({ clusterName: "kf", roleArn: "arn:aws:iam::1:role/r" })).to.deep.equal(["--output", "json", "eks", "get-token", "--cluster-name", "kf", "--role-arn", "arn:aws:iam::1:role/r"]);
        });
    });

    describe("issuerDisagreements", () => {
        const cluster = { name: "kf", issuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC" };
        it("is empty when the configured issuer and provider name the cluster's issuer", () => {
            expect(issuerDisagreements(cluster, {})).to.deep.equal([]);
            expect(issuerDisagreements(cluster, { oidcIssuerUrl: "https://OIDC.eks.eu-west-1.amazonaws.com/id/ABC/", oidcProviderArn: "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC" })).to.deep.equal([]);
        });
        it("names each key that disagrees, with both issuers", () => {
            const problems = issuerDisagreements(cluster, { oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/XYZ", oidcProviderArn: "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/XYZ" });
            expect(problems).to.have.length(2);
            expect(problems[0]).to.match(/^kubeflow-irsa:oidcIssuerUrl: .*id\/XYZ" is not the issuer of cluster "kf", which reports https:\/\/oidc.eks.eu-west-1.amazonaws.com\/id\/ABC/);
            expect(problems[1]).to.match(/^kubeflow-irsa:oidcProviderArn: .* is a provider for issuer oidc.eks.eu-west-1.amazonaws.com\/id\/XYZ, but cluster "kf" reports/);
        });
    });

    describe("IAM writes on a wildcard (refusedRisks: what the config refuses)", () => {
        const cases: Array<[string, object, boolean]> = [
            ["the upstream controller policy", { Effect: "Allow", Action: ["iam:GetRole", "iam:UpdateAssumeRolePolicy"], Resource: "*" }, true],
            ["iam:* on *", { Effect: "Allow", Action: "iam:*", Resource: "*" }, true],
            ["* on *", { Effect: "Allow", Action: "*", Resource: "*" }, true],
            ["iam:Put* on arn:aws:iam::*:*", { Effect: "Allow", Action: "iam:Put*", Resource: "arn:aws:iam::123456789012:*" }, true],
            ["PassRole and AttachRolePolicy on every role of the account", { Effect: "Allow", Action: ["iam:PassRole", "iam:AttachRolePolicy"], Resource: "arn:aws:iam::123456789012:role/*" }, true],
            ["iam:* on every role of every account", { Effect: "Allow", Action: "iam:*", Resource: "arn:aws:iam::*:role/*" }, true],
            ["a ? in the role name", { Effect: "Allow", Action: "iam:TagRole", Resource: "arn:aws:iam::1:role/team-?" }, true],
            ["NotResource", { Effect: "Allow", Action: "iam:PassRole", NotResource: "arn:aws:iam::1:role/x" }, true],
            ["NotAction that leaves IAM in", { Effect: "Allow", NotAction: "s3:*", Resource: "*" }, true],
            ["NotAction that takes IAM out", { Effect: "Allow", NotAction: ["iam:*"], Resource: "*" }, false],
            ["iam reads on *", { Effect: "Allow", Action: ["iam:GetRole", "iam:List*"], Resource: "*" }, false],
            ["writes on exact ARNs", { Effect: "Allow", Action: "iam:UpdateAssumeRolePolicy", Resource: "arn:aws:iam::1:role/x" }, false],
            ["Deny", { Effect: "Deny", Action: "iam:*", Resource: "*" }, false],
            ["s3 on *", { Effect: "Allow", Action: "s3:*", Resource: "*" }, false],
        ];
        for (const [label, statement, expected] of cases) {
            it(`${expected ? "refuses" : "passes"} ${label}`, () => {
                expect(refusedRisks({ Version: "2012-10-17", Statement: [statement as never] }).length > 0).to.equal(expected);
            });
        }
    });

    it("measures policies minified, as IAM counts them", () => {
        expect(policyLength({ Version: "2012-10-17", Statement: [] })).to.equal('{"Version":"2012-10-17","Statement":[]}'.length);
    });
});
