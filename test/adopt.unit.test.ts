/**
 * The adoption's pure parts: reading S3 statements back into `s3Buckets` (never wider), reading trusts, the
 * Profiles file, the decisions on shared roles and the controller, and the import file's URNs.
 */
import { expect } from "chai";
import { PolicyDocument, PolicyStatement } from "../iam/document";
import { s3AccessPolicy } from "../components/permissionPolicies";
import { decideAdoption, LiveRole, LiveState } from "../adopt/decide";
import { readWebIdentityTrust } from "../iam/trustRules";
import { AdoptError } from "../adopt/errors";
import { buildImportFile, declaredUrns, engineUrn } from "../adopt/importFile";
import { parseProfilesFile } from "../adopt/kubectlFiles";
import { readS3Grants } from "../adopt/s3Grants";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC123";
const HOST = "oidc.eks.us-west-2.amazonaws.com/id/ABC123";
const allow = (Action: string | string[], Resource: string | string[], extra: Partial<PolicyStatement> = {}): PolicyStatement => ({ Effect: "Allow", Action, Resource, ...extra });

describe("readS3Grants: S3 statements read back into s3Buckets", () => {
    it("reads back exactly what s3Buckets writes, with nothing narrowed or added", () => {
        const grants = ["acme-data", "acme-logs/team-a", "acme-logs/team-b/raw"];
        const reading = readS3Grants(s3AccessPolicy("aws", grants)!.Statement);
        expect(reading.s3Buckets).to.deep.equal(grants);
        expect(reading.remaining).to.deep.equal([]);
        expect(reading.narrowed).to.deep.equal([]);
        expect(reading.gainsBucketLocation).to.deep.equal([]);
    });

    it("narrows s3:* on a bucket and its objects, and says what is lost", () => {
        const statement = allow("s3:*", ["arn:aws:s3:::acme-shared", "arn:aws:s3:::acme-shared/*"]);
        const reading = readS3Grants([statement]);
        expect(reading.s3Buckets).to.deep.equal(["acme-shared"]);
        expect(reading.remaining).to.deep.equal([]);
        expect(reading.narrowed).to.deep.equal([{ grant: "acme-shared", lost: ["every other action s3:* matches"] }]);
        expect(reading.gainsBucketLocation).to.deep.equal([]);
    });

    it("reads a prefix listing only with the exact s3:prefix values s3Buckets writes", () => {
        const objects = allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "arn:aws:s3:::acme-a/team/*");
        const listing = (values: string[]) => allow("s3:ListBucket", "arn:aws:s3:::acme-a", { Condition: { StringLike: { "s3:prefix": values } } });
        expect(readS3Grants([objects, listing(["team", "team/*"])]).s3Buckets).to.deep.equal(["acme-a/team"]);
        expect(readS3Grants([objects, listing(["team/*"])]).s3Buckets).to.deep.equal([]);
        expect(readS3Grants([objects, listing(["other", "other/*"])]).s3Buckets).to.deep.equal([]);
        const wider = allow("s3:ListBucket", "arn:aws:s3:::acme-a", { Condition: { StringLike: { "s3:prefix": ["team", "team/*"] }, IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } });
        expect(readS3Grants([objects, wider]).remaining).to.deep.equal([objects, wider]);
    });

    it("takes a single string or a list for Action and Resource, in any case", () => {
        const reading = readS3Grants([allow("s3:listbucket", "arn:aws:s3:::acme-a"), allow(["S3:GetObject", "s3:PutObject", "s3:deleteobject"], "arn:aws:s3:::acme-a/*")]);
        expect(reading.s3Buckets).to.deep.equal(["acme-a"]);
        expect(reading.narrowed).to.deep.equal([]);
        expect(reading.gainsBucketLocation).to.deep.equal(["acme-a"]);
    });

    it("reads a prefix, and reports the whole-bucket listing it drops", () => {
        const reading = readS3Grants([allow("s3:ListBucket", "arn:aws:s3:::acme-a"), allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "arn:aws:s3:::acme-a/team/x/*")]);
        expect(reading.s3Buckets).to.deep.equal(["acme-a/team/x"]);
        expect(reading.narrowed).to.deep.equal([{ grant: "acme-a/team/x", lost: ["listing outside team/x/"] }]);
    });

    it("never widens: read-only access stays as written", () => {
        const readOnly = [allow("s3:ListBucket", "arn:aws:s3:::acme-a"), allow("s3:GetObject", "arn:aws:s3:::acme-a/*")];
        const reading = readS3Grants(readOnly);
        expect(reading.s3Buckets).to.deep.equal([]);
        expect(reading.remaining).to.deep.equal(readOnly);
    });

    it("keeps NotAction, NotResource, conditions, Deny, other services and patterns as written", () => {
        const odd: PolicyStatement[] = [
            { Effect: "Allow", NotAction: "s3:DeleteObject", Resource: ["arn:aws:s3:::acme-b", "arn:aws:s3:::acme-b/*"] },
            { Effect: "Allow", Action: "s3:*", NotResource: "arn:aws:s3:::acme-secret/*" },
            allow("s3:*", ["arn:aws:s3:::acme-c", "arn:aws:s3:::acme-c/*"], { Condition: { Bool: { "aws:SecureTransport": "true" } } }),
            { Effect: "Deny", Action: "s3:*", Resource: ["arn:aws:s3:::acme-d", "arn:aws:s3:::acme-d/*"] },
            allow(["s3:*", "athena:*"], ["arn:aws:s3:::acme-e", "arn:aws:s3:::acme-e/*"]),
            allow("s3:*", ["arn:aws:s3:::acme-*", "arn:aws:s3:::acme-*/*"]),
            allow("s3:*", ["arn:aws:s3:::acme-f", "arn:aws:s3:::acme-f/data/*/raw/*"]),
            allow("s3:*", "*"),
        ];
        const reading = readS3Grants(odd);
        expect(reading.s3Buckets).to.deep.equal([]);
        expect(reading.remaining).to.deep.equal(odd);
    });

    it("keeps a statement whole when it reaches beyond what a grant covers, and the grant does not rest on it", () => {
        // The object statement also names a bucket nobody lists: it stays, and acme-g is then not fully granted.
        const objects = allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], ["arn:aws:s3:::acme-g/*", "arn:aws:s3:::acme-h/*"]);
        const listing = allow("s3:ListBucket", "arn:aws:s3:::acme-g");
        const reading = readS3Grants([objects, listing]);
        expect(reading.s3Buckets).to.deep.equal([]);
        expect(reading.remaining).to.deep.equal([objects, listing]);
    });

    it("drops prefixes a whole-bucket grant of the same bucket covers", () => {
        const reading = readS3Grants([allow("s3:*", ["arn:aws:s3:::acme-a", "arn:aws:s3:::acme-a/*", "arn:aws:s3:::acme-a/logs/*"])]);
        expect(reading.s3Buckets).to.deep.equal(["acme-a"]);
    });
});

describe("readWebIdentityTrust (adopt reads trusts through the shared evaluator)", () => {
    const readTrust = (trust: PolicyDocument, providerArn: string) => readWebIdentityTrust(trust, { providerArn, issuerHostPath: providerArn.split(":oidc-provider/")[1] });
    const statement = (condition: Record<string, Record<string, string | string[]>> | undefined, principal: unknown = { Federated: PROVIDER }): PolicyStatement =>
        ({ Effect: "Allow", Principal: principal, Action: "sts:AssumeRoleWithWebIdentity", ...(condition ? { Condition: condition } : {}) }) as PolicyStatement;
    const doc = (...s: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: s });

    it("tells an aud-only trust (any service account of the cluster) and a trust without aud", () => {
        expect(readTrust(doc(statement({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" } })), PROVIDER)).to.deep.include({ anySubject: true, anyAudience: false, subjects: [] });
        expect(readTrust(doc(statement({ StringEquals: { [`${HOST}:sub`]: "system:serviceaccount:a:b" } })), PROVIDER)).to.deep.include({ anySubject: false, anyAudience: true });
    });

    it("reads sub lists and patterns, with condition keys in any case", () => {
        const reading = readTrust(
            doc(statement({ StringEquals: { [`${HOST.toUpperCase().replace("OIDC.EKS", "oidc.eks")}:SUB`]: ["system:serviceaccount:a:default-editor", "system:serviceaccount:b:x"] }, StringLike: { [`${HOST}:sub`]: "system:serviceaccount:c:*" } })),
            PROVIDER,
        )!;
        expect(reading.subjects).to.deep.equal(["system:serviceaccount:a:default-editor", "system:serviceaccount:b:x"]);
        expect(reading.patterns).to.deep.equal(["system:serviceaccount:c:*"]);
        expect(reading.anySubject).to.equal(false);
    });

    it("sets other principals apart, and ignores a trust that does not federate the provider", () => {
        const ec2 = { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" } as PolicyStatement;
        expect(readTrust(doc(statement({ StringEquals: { [`${HOST}:sub`]: "system:serviceaccount:a:b" } }), ec2), PROVIDER)!.otherStatements).to.deep.equal([ec2]);
        expect(readTrust(doc(ec2), PROVIDER)).to.equal(undefined);
        expect(readTrust(doc(statement(undefined, { Federated: PROVIDER.replace("ABC123", "OTHER") })), PROVIDER)).to.equal(undefined);
    });
});

describe("parseProfilesFile", () => {
    const profile = (name: string) => ({ apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name }, spec: { owner: { kind: "User", name: "a@example.com" } } });

    it("reads a List and a ProfileList, sorted by name", () => {
        expect(parseProfilesFile(JSON.stringify({ kind: "List", items: [profile("b"), profile("a")] }), "p.json").map((p) => p.metadata.name)).to.deep.equal(["a", "b"]);
        expect(parseProfilesFile(JSON.stringify({ kind: "ProfileList", items: [] }), "p.json")).to.deep.equal([]);
    });

    it("refuses what is not a Profile list, naming the file, the place and the fix", () => {
        const refusal = (text: string) => {
            try {
                parseProfilesFile(text, "p.json");
            } catch (err) {
                expect(err).to.be.instanceOf(AdoptError);
                return (err as Error).message;
            }
            throw new Error("accepted");
        };
        expect(refusal("apiVersion: v1")).to.match(/^p\.json is not JSON .*kubectl get profiles -o json > p\.json$/);
        expect(refusal(JSON.stringify(profile("a")))).to.match(/p\.json is not a Profile list: kind is not List or ProfileList/);
        expect(refusal(JSON.stringify({ kind: "List", items: [{ ...profile("a"), kind: "Namespace" }] }))).to.match(/items\.0\.kind is not Profile/);
        expect(refusal(JSON.stringify({ kind: "List", items: [profile("a"), profile("a")] }))).to.match(/lists Profile a twice/);
    });
});

describe("decideAdoption", () => {
    const trust = (subjects: string[]): PolicyDocument => ({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: subjects } } }],
    });
    const role = (name: string, subjects: string[], extra: Partial<LiveRole> = {}): LiveRole => ({
        name,
        path: "/",
        arn: `arn:aws:iam::123456789012:role/${name}`,
        maxSessionDuration: 3600,
        tags: {},
        trust: trust(subjects),
        inlinePolicies: [],
        attachedPolicies: [],
        ...extra,
    });
    const live = (roles: LiveRole[]): LiveState => ({ clusterName: "kf", region: "us-west-2", oidcProviderArn: PROVIDER, roles, allRoleNames: roles.map((r) => r.name) });
    const profile = (name: string, roleName?: string) => ({
        apiVersion: "kubeflow.org/v1",
        kind: "Profile" as const,
        metadata: { name },
        spec: { owner: { kind: "User", name: `${name}@example.com` }, ...(roleName ? { plugins: [{ kind: "AwsIamForServiceAccount", spec: { awsIamRole: `arn:aws:iam::123456789012:role/${roleName}` } }] } : {}) },
    });
    const options = { controllerNamespace: "kubeflow", controllerServiceAccount: "profiles-controller-service-account" };
    const sub = (ns: string, sa = "default-editor") => `system:serviceaccount:${ns}:${sa}`;

    it("keeps a shared role with the Profile whose generated name it has, whatever the order", () => {
        const shared = role("b-kf-role", [sub("a"), sub("b"), sub("c")]);
        const adoption = decideAdoption(live([shared]), [profile("a", "b-kf-role"), profile("b", "b-kf-role"), profile("c", "b-kf-role")], options);
        expect(adoption.profiles.map((p) => [p.profile, p.adoptedRole?.name])).to.deep.equal([["a", undefined], ["b", "b-kf-role"], ["c", undefined]]);
        expect(adoption.findings.find((f) => f.kind === "shared-role-split")!.message).to.include("it stays with b (its generated role name is the role's name)");
    });

    it("maps a Profile without a plugin by the namespace its role trusts, annotate-only", () => {
        const adoption = decideAdoption(live([role("x", [sub("a"), sub("a", "batch")])]), [profile("a")], options);
        expect(adoption.profiles[0].entry).to.deep.include({ roleName: "x", serviceAccounts: ["default-editor", "batch"] });
        expect(adoption.profiles[0].entry).to.not.have.property("annotateOnly");
        expect(adoption.findings.map((f) => f.kind)).to.deep.equal([]);
    });

    it("tightens a trust without aud, and one open to other principals", () => {
        const noAud = role("x", []);
        noAud.trust.Statement[0].Condition = { StringEquals: { [`${HOST}:sub`]: sub("a") } };
        noAud.trust.Statement.push({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" });
        const [finding] = decideAdoption(live([noAud]), [profile("a", "x")], options).findings;
        expect(finding.kind).to.equal("trust-tightened");
        expect(finding.message).to.include("it had no aud condition").and.include('1 statement trusting other principals ({"AWS":"arn:aws:iam::999999999999:root"}) is removed');
    });

    it("refuses a Profile owned by something that is not a User or Group", () => {
        const p = profile("a", "x");
        p.spec.owner.kind = "ServiceAccount";
        expect(() => decideAdoption(live([role("x", [sub("a")])]), [p], options)).to.throw(AdoptError, /Profile a: its spec.owner is a ServiceAccount, but a profile's owner must be a User or Group/);
    });

    it("reports a missing controller role, and refuses when its generated name is taken", () => {
        const state = live([role("x", [sub("a")])]);
        expect(decideAdoption(state, [profile("a", "x")], options).notes.join("\n")).to.include("the first up creates kf-kf-profile-controller");
        expect(() => decideAdoption({ ...state, allRoleNames: ["x", "kf-kf-profile-controller"] }, [profile("a", "x")], options)).to.throw(AdoptError, /controller would get a new role named kf-kf-profile-controller, but a role of that name already exists/);
    });
});

describe("the import file", () => {
    it("names each entry by the engine's URN rule, parents and provider included", () => {
        const declared = [
            { type: "kubeflow-irsa:index:Profile", name: "a", custom: false, inputs: {} },
            { type: "aws:iam/role:Role", name: "a-role", parent: "a", custom: true, inputs: {} },
            { type: "kubernetes:kubeflow.org/v1:Profile", name: "a", parent: "a", provider: "cluster", custom: true, inputs: {} },
            { type: "pulumi:providers:kubernetes", name: "cluster", custom: true, inputs: { kubeconfig: "{}" } },
        ];
        const file = buildImportFile(declared, [{ type: "aws:iam/role:Role", name: "a-role", id: "a-kf-role" }, { type: "kubernetes:kubeflow.org/v1:Profile", name: "a", id: "a" }], { aws: "7.0.0", kubernetes: "4.0.0" });
        const names = file.resources.map((r) => r.name);
        expect(new Set(names).size).to.equal(names.length);
        expect(file.resources.map((r) => [r.type, r.logicalName, r.id, r.parent && file.resources.find((p) => p.name === r.parent)!.type, r.version])).to.deep.equal([
            ["kubeflow-irsa:index:Profile", "a", undefined, undefined, undefined],
            ["aws:iam/role:Role", "a-role", "a-kf-role", "kubeflow-irsa:index:Profile", "7.0.0"],
            ["pulumi:providers:kubernetes", "cluster", undefined, undefined, "4.0.0"],
            ["kubernetes:kubeflow.org/v1:Profile", "a", "a", "kubeflow-irsa:index:Profile", "4.0.0"],
        ]);
        const urns = declaredUrns(declared, "dev", "kubeflow-irsa");
        expect(urns.get("aws:iam/role:Role::a-role")).to.equal(engineUrn("dev", "kubeflow-irsa", "kubeflow-irsa:index:Profile", "aws:iam/role:Role", "a-role"));
        expect(urns.get("aws:iam/role:Role::a-role")).to.equal("urn:pulumi:dev::kubeflow-irsa::kubeflow-irsa:index:Profile$aws:iam/role:Role::a-role");
        expect(() => buildImportFile(declared, [{ type: "aws:iam/role:Role", name: "b-role", id: "b" }], {})).to.throw(/declares no aws:iam\/role:Role named b-role/);
    });
});
