import { expect } from "chai";
import { canonicalPolicy, decodePolicyDocument, policiesEqual, PolicyDocument } from "../iam/document";
import { checkTrustQuota, mergeOwnedStatement } from "../components/rolePair/trustMerge";
import { statementSubjects } from "../iam/trustRules";

const HOST = "oidc.eks.us-east-1.amazonaws.com/id/T";
const PROVIDER = `arn:aws:iam::123456789012:oidc-provider/${HOST}`;
const spec = { sid: "Ours", providerArn: PROVIDER, issuerHostPath: HOST, subjectMatch: "StringEquals" as const, exclusive: false };
const sub = (n: string) => `system:serviceaccount:ns:${n}`;

describe("trust-policy merge and normalization", () => {
    it("decodes IAM's URL-encoded documents and plain JSON alike", () => {
        const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: "arn:aws:iam::1:role/a b" } }] };
        expect(decodePolicyDocument(encodeURIComponent(JSON.stringify(doc)))).to.deep.equal(doc);
        expect(decodePolicyDocument(JSON.stringify(doc))).to.deep.equal(doc);
    });

    it("treats key order, one-element lists and set order as equal, and real differences as different", () => {
        const a: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: "x" }, Condition: { StringEquals: { k: ["b", "a"] } } }] };
        const b = JSON.parse('{"Statement":[{"Condition":{"StringEquals":{"k":["a","b","a"]}},"Principal":{"AWS":["x"]},"Action":["sts:AssumeRole"],"Effect":"Allow"}],"Version":"2012-10-17"}');
        expect(policiesEqual(a, b)).to.equal(true);
        const c = JSON.parse(JSON.stringify(b));
        c.Statement[0].Condition.StringEquals.k.push("c");
        expect(policiesEqual(a, c)).to.equal(false);
        expect(canonicalPolicy({ Statement: [] } as never).Version).to.equal("2008-10-17");
    });

    it("creates our statement when there is none", () => {
        const r = mergeOwnedStatement(undefined, { ...spec, subjects: [sub("b"), sub("a")], previouslyOwned: [] });
        expect(r.changed).to.equal(true);
        expect(statementSubjects(r.document.Statement[0], HOST)).to.deep.equal([sub("a"), sub("b")]);
        expect(r.document.Statement[0].Condition!.StringEquals[`${HOST}:aud`]).to.equal("sts.amazonaws.com");
    });

    it("keeps foreign entries, foreign statements and foreign condition keys; removes only what we added", () => {
        const current: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [
                { Sid: "Theirs", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
                {
                    Sid: "Ours",
                    Effect: "Allow",
                    Principal: { Federated: PROVIDER },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: [sub("old"), sub("theirs")] }, IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
                },
            ],
        };
        const r = mergeOwnedStatement(current, { ...spec, subjects: [sub("new")], previouslyOwned: [sub("old")] });
        expect(r.document.Statement[0]).to.deep.equal(current.Statement[0]);
        expect(r.document.Statement[1].Sid).to.equal("Ours");
        expect(statementSubjects(r.document.Statement[1], HOST)).to.deep.equal([sub("new"), sub("theirs")]);
        expect(r.document.Statement[1].Condition!.IpAddress).to.deep.equal({ "aws:SourceIp": "10.0.0.0/8" });
        expect(r.foreignSubjects).to.deep.equal([sub("theirs")]);
        const exclusive = mergeOwnedStatement(current, { ...spec, exclusive: true, subjects: [sub("new")], previouslyOwned: [sub("old")] });
        expect(statementSubjects(exclusive.document.Statement[1], HOST)).to.deep.equal([sub("new")]);
    });

    it("reports no change when the merge result equals the current document up to normalization", () => {
        const first = mergeOwnedStatement(undefined, { ...spec, subjects: [sub("a")], previouslyOwned: [] }).document;
        const reencoded = JSON.parse(JSON.stringify(first).replace(`["${sub("a")}"]`, `"${sub("a")}"`));
        expect(mergeOwnedStatement(reencoded, { ...spec, subjects: [sub("a")], previouslyOwned: [sub("a")] }).changed).to.equal(false);
    });

    it("moves sub entries between StringEquals and StringLike when the match changes", () => {
        const first = mergeOwnedStatement(undefined, { ...spec, subjects: [sub("a")], previouslyOwned: [] }).document;
        const r = mergeOwnedStatement(first, { ...spec, subjectMatch: "StringLike", subjects: [sub("run-*")], previouslyOwned: [sub("a")] });
        expect(r.document.Statement[0].Condition).to.deep.equal({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${HOST}:sub`]: [sub("run-*")] } });
    });

    it("rewrites the aud and sub keys of a previous issuer in our statement when the provider changes", () => {
        const OLD = "oidc.eks.us-east-1.amazonaws.com/id/OLD";
        const first = mergeOwnedStatement(undefined, { ...spec, providerArn: `arn:aws:iam::123456789012:oidc-provider/${OLD}`, issuerHostPath: OLD, subjects: [sub("a")], previouslyOwned: [] }).document;
        const moved = mergeOwnedStatement(first, { ...spec, subjects: [sub("a")], previouslyOwned: [sub("a")] }).document;
        expect(moved.Statement[0].Principal).to.deep.equal({ Federated: PROVIDER });
        expect(moved.Statement[0].Condition).to.deep.equal({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: [sub("a")] } });
    });

    it("says how many subjects fit when the quota is exceeded", () => {
        const subjects = Array.from({ length: 60 }, (_, i) => sub(`run-${String(i).padStart(4, "0")}`));
        const doc = mergeOwnedStatement(undefined, { ...spec, subjects, previouslyOwned: [] }).document;
        const verdict = checkTrustQuota(doc, spec, 2048, "eks-role");
        expect(verdict.ok).to.equal(false);
        // Independently: the largest n whose document fits.
        let fits = 0;
        while (fits < 60 && JSON.stringify(mergeOwnedStatement(undefined, { ...spec, subjects: subjects.slice(0, fits + 1), previouslyOwned: [] }).document).length <= 2048) fits++;
        expect(verdict.fitting).to.equal(fits);
        expect(verdict.message).to.contain(`${fits} of its 60 sub entries fit`);
        expect(checkTrustQuota(doc, spec, 8192, "eks-role").ok).to.equal(true);
    });
});
