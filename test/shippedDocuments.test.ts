/**
 * Every document the package writes for the shipped stacks passes its own validator (iam/validate.ts), and every
 * identity policy among them passes Parliament 1.6.4 with no finding at all (checked-in verdicts:
 * `npx ts-node --transpile-only test/helpers/shippedDocuments.ts > test/fixtures/parliament/shipped.json`, then
 * scripts/parliament-verdicts.py on it into shipped-verdicts.json). Trust policies go to ours only: Parliament reads
 * every document as an identity policy (it calls a trust "MALFORMED" for having no Resource, and an EKS or GitHub OIDC
 * provider an unknown federation source).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { documentProblems } from "../iam/validate";
import { ShippedDocument, shippedDocuments } from "./helpers/shippedDocuments";

const FIXTURES = path.join(__dirname, "fixtures", "parliament");

describe("the documents the package writes for the shipped stacks", function () {
    this.timeout(120_000);
    let documents: ShippedDocument[];
    before(async () => {
        documents = await shippedDocuments();
    });

    it("pass the package's own validator, trust policies included", () => {
        expect(documents.length).to.be.greaterThan(30);
        const problems = documents.flatMap((d) => documentProblems(d.document, { kind: d.kind, partition: "aws" }).map((p) => `${d.source}: ${p.message}`));
        expect(problems, problems.join("\n")).to.deep.equal([]);
    });

    it("pass Parliament 1.6.4 with no finding (identity policies; the verdicts are of exactly these documents)", () => {
        const checkedIn = JSON.parse(fs.readFileSync(path.join(FIXTURES, "shipped.json"), "utf8")) as ShippedDocument[];
        const { tool, verdicts } = JSON.parse(fs.readFileSync(path.join(FIXTURES, "shipped-verdicts.json"), "utf8")) as { tool: string; verdicts: Array<{ issues: string[]; details: unknown[] }> };
        expect(tool).to.equal("parliament 1.6.4");
        expect(documents, "the shipped documents changed: regenerate shipped.json and shipped-verdicts.json (see this file's header)").to.deep.equal(checkedIn);
        const found = checkedIn.flatMap((d, n) => (d.kind === "identity" && verdicts[n].issues.length ? [`${d.source}: ${JSON.stringify(verdicts[n].details)}`] : []));
        expect(checkedIn.filter((d) => d.kind === "identity").length).to.be.greaterThan(10);
        expect(found, found.join("\n")).to.deep.equal([]);
    });
});
