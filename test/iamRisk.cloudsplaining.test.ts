/**
 * The preview's risk findings against cloudsplaining 0.9.1 (Salesforce's IAM policy scanner, BSD-3-Clause), on a fixed
 * seeded corpus of 300 policies: every policy cloudsplaining flags for privilege escalation or data exfiltration must
 * get a high finding from ours, through the path the preview runs (roleGrants -> riskFindings). cloudsplaining's
 * verdicts are checked in (test/fixtures/cloudsplaining/verdicts.json); scripts/cloudsplaining-verdicts.py says how to
 * regenerate them.
 *
 * Where ours flags more, each case must have one of the reasons `whyOursFlagsMore` names: cloudsplaining looks only
 * at `Resource: "*"`, only at statements without conditions, and only at whole combinations of actions.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { asList, PolicyDocument } from "../iam/document";
import { dataActions, WORKLOAD_TAKEOVER_ACTIONS } from "../iam/permissionRisks";
import type { RoleView } from "../preview/iam";
import { ActionCatalog, allGrants, riskFindings } from "../preview/reach";
import { CORPUS_SIZE, policyCorpus } from "./helpers/policyCorpus";

const FIXTURES = path.join(__dirname, "fixtures", "cloudsplaining");
const corpusFile = JSON.parse(fs.readFileSync(path.join(FIXTURES, "corpus.json"), "utf8")) as PolicyDocument[];
const { tool, verdicts } = JSON.parse(fs.readFileSync(path.join(FIXTURES, "verdicts.json"), "utf8")) as {
    tool: string;
    verdicts: Array<{ privilegeEscalation: string[]; dataExfiltration: string[] }>;
};

const ESCALATION_RULES = ["privilege-escalation", "iam-write-on-wildcard", "workload-takeover", "assume-any-role"];

/** Why ours may flag a policy cloudsplaining passes, or undefined when no reason explains it. */
function whyOursFlagsMore(doc: PolicyDocument): string | undefined {
    const allows = doc.Statement.filter((s) => s.Effect === "Allow");
    if (allows.some((s) => asList(s.Resource).some((r) => r !== "*" && /[*?]/.test(r)))) return "a wildcard ARN (cloudsplaining checks Resource \"*\" only)";
    if (allows.some((s) => asList(s.Resource).some((r) => /:iam::\d{12}:(role|user|policy|group)\//.test(r)))) return "an exact ARN of another identity";
    if (allows.some((s) => s.Condition)) return "a statement with a condition (cloudsplaining skips them)";
    if (allows.some((s) => s.NotAction)) return "NotAction (every action but a few)";
    const actions = allows.flatMap((s) => asList(s.Action));
    if (actions.some((a) => /^iam:(PassRole|CreateAccessKey|CreateLoginProfile|UpdateLoginProfile|AddUserToGroup)$/i.test(a) || WORKLOAD_TAKEOVER_ACTIONS.includes(a))) {
        return "one action of an escalation combination (cloudsplaining needs all of it)";
    }
    if (actions.some((a) => /[*?]/.test(a) || /^(iam:|kms:Decrypt|s3:PutObject)/.test(a))) return "an IAM write, service wildcard or data write cloudsplaining does not list";
    if (actions.some((a) => dataActions().includes(a))) return "a data action of the service reference (Read or Write on a data store, e.g. logs:PutLogEvents) cloudsplaining does not list";
    return undefined;
}

describe("risk findings vs cloudsplaining (checked-in verdicts)", () => {
    it("has the verdicts of the corpus the generator makes", () => {
        expect(tool).to.equal("cloudsplaining 0.9.1");
        expect(corpusFile, "the corpus changed: regenerate corpus.json and verdicts.json (scripts/cloudsplaining-verdicts.py)").to.deep.equal(policyCorpus());
        expect(verdicts).to.have.length(CORPUS_SIZE);
    });

    it("flags every policy cloudsplaining flags for escalation or data exfiltration, and explains each one it flags beyond", async () => {
        const roles: RoleView[] = corpusFile.map((doc, n) => ({
            name: `p${n}`,
            arn: `arn:aws:iam::111122223333:role/p${n}`,
            kind: "profile",
            declaredBy: `p${n}`,
            trust: { Version: "2012-10-17", Statement: [] },
            inlinePolicies: { inline: doc },
            managedPolicyArns: [],
            associations: [],
        }));
        const findings = riskFindings(roles, await allGrants(roles, new ActionCatalog()));
        const high = (n: number, rules: string[]) => findings.some((f) => f.role === `p${n}` && f.severity === "high" && rules.includes(f.rule!));
        const missed: string[] = [];
        const beyond = new Map<string, number>();
        verdicts.forEach((v, n) => {
            if (v.privilegeEscalation.length && !high(n, ESCALATION_RULES)) missed.push(`p${n} escalation ${v.privilegeEscalation.join(", ")}: ${JSON.stringify(corpusFile[n])}`);
            if (v.dataExfiltration.length && !high(n, ["data-on-wildcard"])) missed.push(`p${n} data ${v.dataExfiltration.join(", ")}: ${JSON.stringify(corpusFile[n])}`);
            if (!v.privilegeEscalation.length && !v.dataExfiltration.length && high(n, [...ESCALATION_RULES, "data-on-wildcard"])) {
                const reason = whyOursFlagsMore(corpusFile[n]);
                expect(reason, `p${n} flagged by ours alone, for no known reason: ${JSON.stringify(corpusFile[n])}`).to.not.equal(undefined);
                beyond.set(reason!, (beyond.get(reason!) ?? 0) + 1);
            }
        });
        expect(missed, missed.join("\n")).to.deep.equal([]);
        // Both tools agree on many; ours must flag strictly more (the wildcard ARNs are the point of the rule).
        expect(verdicts.filter((v) => v.privilegeEscalation.length || v.dataExfiltration.length).length).to.be.greaterThan(60);
        expect(beyond.get("a wildcard ARN (cloudsplaining checks Resource \"*\" only)") ?? 0).to.be.greaterThan(10);
    });
});
