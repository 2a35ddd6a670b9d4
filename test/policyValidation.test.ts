/**
 * Documents validated as IAM validates them (iam/validate.ts), through the config refusal a user meets: the grammar,
 * condition operators, known actions, ARN shapes per service, the stack's partition, managed-policy ARNs; generated
 * inputs from the service reference itself; and the cross-check against Parliament 1.6.4 (duo-labs' IAM linter,
 * BSD-3-Clause) on a seeded corpus whose verdicts are checked in (scripts/parliament-verdicts.py regenerates them).
 */
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { actionResourceTypes, catalogServices, isKnownAction, isKnownService, serviceActions } from "../iam/actions";
import { fitsArnFormat } from "../iam/arns";
import { asList, PolicyDocument } from "../iam/document";
import { actionProblem, conditionOperatorProblem, documentProblems, managedPolicyArnProblem, resourceProblem } from "../iam/validate";
import { concreteArn, DOCUMENT_CORPUS_SIZE, documentCorpus, CorpusEntry } from "./helpers/documentCorpus";
import { configProblems, refusalsOf } from "./helpers/configProblems";
import { prng } from "../tools/random";

const SEED = Number(process.env.PROPERTY_SEED ?? 20261207);
const US = { region: "us-west-2" };

const doc = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });
const allow = (Action: string | string[], Resource: string | string[], extra: object = {}) => ({ Effect: "Allow", Action, Resource, ...extra });
const stackWith = (inlinePolicy: object, more: object = {}) => ({ clusterName: "kf", profiles: [{ name: "team-a", owner: "a@example.com", inlinePolicy, ...more }] });
const messages = (d: object) => documentProblems(d, { kind: "identity", partition: "aws" }).map((p) => p.message);

describe("policy documents validated as IAM would (iam/validate.ts)", () => {
    describe("through the config refusal, each class named by key, profile and statement", () => {
        const cases: Array<[string, object, RegExp]> = [
            ["two statements with one Sid", doc({ Sid: "Read", ...allow("s3:GetObject", "arn:aws:s3:::b/*") }, { Sid: "Read", ...allow("s3:ListBucket", "arn:aws:s3:::b") }), /Statement\[1\].*Sid "Read" is also statement #0's/],
            ["a misspelt condition operator", doc(allow("s3:GetObject", "arn:aws:s3:::b/*", { Condition: { StringEqualz: { "aws:PrincipalTag/team": "a" } } })), /"StringEqualz" is not one IAM knows \(did you mean "StringEquals"\?\)/],
            ["an invented set qualifier", doc(allow("s3:GetObject", "arn:aws:s3:::b/*", { Condition: { "ForEveryValue:StringEquals": { "aws:TagKeys": "a" } } })), /"ForEveryValue:StringEquals" is not one IAM knows/],
            ["Null with IfExists", doc(allow("s3:GetObject", "arn:aws:s3:::b/*", { Condition: { NullIfExists: { "aws:TagKeys": "true" } } })), /Null has no IfExists form/],
            ["a misspelt action", doc(allow("s3:GetObjekt", "arn:aws:s3:::b/*")), /"s3:GetObjekt" is not an action of s3.*did you mean "s3:GetObject"/],
            ["an invented service", doc(allow("s4:GetObject", "*")), /"s4" is not a service prefix/],
            ["a pattern that matches nothing", doc(allow("s3:Gett*", "*")), /"s3:Gett\*" matches no action of s3/],
            ["an ARN missing a field", doc(allow("s3:GetObject", "arn:aws:s3:b/*")), /is not an ARN/],
            ["a region in a global service's ARN", doc(allow("iam:GetRole", "arn:aws:iam:us-west-2:111122223333:role/x")), /fits none of iam's ARN formats/],
            ["an account that is not 12 digits", doc(allow("lambda:InvokeFunction", "arn:aws:lambda:us-west-2:1234:function:etl")), /the account field "1234" is not a 12-digit account id/],
            ["an object action on a bucket ARN", doc(allow("s3:GetObject", "arn:aws:s3:::b")), /"s3:GetObject" can never be allowed on arn:aws:s3:::b: it needs a resource of type .*object/],
            ["an action with no resource type on an ARN", doc(allow("s3:ListAllMyBuckets", "arn:aws:s3:::b")), /"s3:ListAllMyBuckets" can never be allowed .* it needs "\*"/],
            ["an old Version", { Version: "2008-10-17", Statement: [allow("s3:GetObject", "arn:aws:s3:::b/*")] }, /Version must be "2012-10-17"/],
        ];
        for (const [what, inlinePolicy, expected] of cases) {
            it(`refuses ${what}`, () => {
                const problems = refusalsOf(stackWith(inlinePolicy));
                expect(problems.join("\n")).to.match(expected);
                expect(problems.join("\n")).to.include("profiles[0] (team-a).inlinePolicy");
            });
        }

        it("refuses an ARN of another partition than the stack's region's, and takes the stack's own", () => {
            const cn = doc(allow("s3:GetObject", "arn:aws-cn:s3:::b/*"));
            expect(refusalsOf(stackWith(cn), undefined, US).join("\n")).to.match(/inlinePolicy\.Statement\[0\].*partition "aws-cn", but the stack deploys to "aws" \(from its region\)/);
            expect(configProblems(stackWith(cn), undefined, { region: "cn-north-1" })).to.deep.equal([]);
            expect(refusalsOf(stackWith(doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))), undefined, { region: "us-gov-west-1" }).join("\n")).to.match(/deploys to "aws-us-gov"/);
        });

        it("reads the partition from the cluster's issuer, or the environment's region, when the stack sets no aws:region", () => {
            const gov = { ...stackWith(doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))), oidcIssuerUrl: "https://oidc.eks.us-gov-west-1.amazonaws.com/id/ABC" };
            expect(refusalsOf(gov).join("\n")).to.match(/deploys to "aws-us-gov"/);
            const china = { ...gov, oidcIssuerUrl: "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC" };
            expect(refusalsOf(china).join("\n")).to.match(/deploys to "aws-cn"/);
            const { engineTarget } = require("../config") as typeof import("../config");
            expect(engineTarget({}, "dev", { AWS_REGION: "cn-north-1" }).region).to.equal("cn-north-1");
            expect(engineTarget({ "aws:region": "eu-west-1" }, "dev", { AWS_REGION: "cn-north-1" }).region).to.equal("eu-west-1");
        });

        it("takes well-formed documents: patterns, NotResource, set qualifiers, IfExists, mixed bucket and object statements", () => {
            const good = doc(
                { Sid: "Read", ...allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], { Condition: { "ForAllValues:StringLike": { "aws:TagKeys": "team*" }, StringEqualsIfExists: { "s3:prefix": "x/" } } }) },
                { Effect: "Deny", NotAction: "s3:Get*", NotResource: "arn:aws:s3:::b/*" },
                allow("ssm:SendCommand", ["arn:aws:ssm:us-west-2::document/AWS-RunShellScript", "arn:aws:ec2:us-west-2:111122223333:instance/i-0abc"]),
                allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-west-2:111122223333:secret:prod/db/password-AbCdEf"),
                allow("logs:PutLogEvents", "arn:aws:logs:us-west-2:111122223333:log-group:/aws/kubeflow/team-a:*"),
            );
            expect(configProblems(stackWith(good), undefined, US)).to.deep.equal([]);
        });
    });

    describe("managed policy ARNs", () => {
        const ctx = { partition: "aws", accountId: "111122223333" };
        it("refuses an AWS-managed ARN the snapshot does not list, naming the nearest", () => {
            expect(managedPolicyArnProblem("arn:aws:iam::aws:policy/AmazonSageMakerReadOnIy", ctx)).to.match(/not an AWS-managed policy.*did you mean arn:aws:iam::aws:policy\/AmazonSageMakerReadOnly/);
        });
        it("refuses the right name under the wrong path, naming the real ARN", () => {
            expect(managedPolicyArnProblem("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole", ctx)).to.match(/is at arn:aws:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole/);
            expect(managedPolicyArnProblem("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", ctx)).to.equal(undefined);
        });
        it("refuses a customer-managed policy of another account than the stack's", () => {
            expect(managedPolicyArnProblem("arn:aws:iam::999988887777:policy/x", ctx)).to.match(/of account 999988887777, not of the stack's account 111122223333/);
            expect(managedPolicyArnProblem("arn:aws:iam::111122223333:policy/x", ctx)).to.equal(undefined);
            expect(managedPolicyArnProblem("arn:aws:iam::999988887777:policy/x", { partition: "aws" }), "no account known: nothing to compare").to.equal(undefined);
        });
        it("through the config: policyArns, boundaries and a pair's asset policies (in the asset account)", () => {
            const raw = {
                clusterName: "kf",
                pipeline: { repository: "acme/x", accountId: "111122223333" },
                permissionsBoundaryArn: "arn:aws:iam::aws:policy/PowerUserAcess",
                profiles: [{ name: "team-a", owner: "a@example.com", policyArns: ["arn:aws:iam::aws:policy/AmazonSageMakerReadOnIy", "arn:aws:iam::222233334444:policy/p"] }],
                rolePairs: [{ name: "p", assetAccountId: "222233334444", assetRoleName: "a", eksRoleName: "e", subjects: ["system:serviceaccount:team-a:default-editor"], assetPolicyArns: ["arn:aws:iam::111122223333:policy/q", "arn:aws:iam::222233334444:policy/ok"] }],
            };
            const problems = refusalsOf(raw, undefined, US).join("\n");
            expect(problems).to.match(/kubeflow-irsa:permissionsBoundaryArn: .*did you mean arn:aws:iam::aws:policy\/PowerUserAccess/);
            expect(problems).to.match(/profiles\[0\] \(team-a\)\.policyArns\[0\]: .*AmazonSageMakerReadOnly/);
            expect(problems).to.match(/profiles\[0\] \(team-a\)\.policyArns\[1\]: .*of account 222233334444, not of the stack's account 111122223333/);
            expect(problems).to.match(/rolePairs\[0\] \(p\)\.assetPolicyArns\[0\]: .*of account 111122223333, not of the stack's account 222233334444/);
            expect(problems).not.to.include("assetPolicyArns[1]");
        });
    });

    describe("generated from the service reference", () => {
        it("every action of every service is known, and one changed letter that makes an unknown name is refused", () => {
            const services = catalogServices();
            fc.assert(
                fc.property(fc.integer({ min: 0, max: services.length - 1 }), fc.nat(), fc.nat(), (s, a, at) => {
                    const actions = serviceActions(services[s]);
                    if (actions.length === 0) return;
                    const action = actions[a % actions.length];
                    expect(actionProblem(action)).to.equal(undefined);
                    const [service, name] = action.split(":");
                    const i = at % name.length;
                    const changed = `${service}:${name.slice(0, i)}${name[i].toLowerCase() === "q" ? "z" : "q"}${name.slice(i + 1)}`;
                    if (!isKnownAction(changed)) expect(actionProblem(changed)).to.be.a("string");
                }),
                { seed: SEED, numRuns: 500 },
            );
        });

        it("a concrete ARN of each of an action's resource types is a well-formed resource that the action fits; in another partition it is refused", () => {
            const services = catalogServices();
            fc.assert(
                fc.property(fc.integer({ min: 0, max: services.length - 1 }), fc.nat(), fc.integer(), (s, a, seed) => {
                    const actions = serviceActions(services[s]);
                    if (actions.length === 0) return;
                    const action = actions[a % actions.length];
                    for (const type of actionResourceTypes(action)) {
                        const arn = concreteArn(type.arn, prng(seed));
                        expect(resourceProblem(arn), `${action} on ${arn}`).to.equal(undefined);
                        expect(fitsArnFormat(arn, type.arn), `${arn} fits ${type.arn}`).to.equal(true);
                        expect(documentProblems(doc(allow(action, arn)), { kind: "identity", partition: "aws" }), `${action} on ${arn}`).to.deep.equal([]);
                        expect(messages(doc(allow(action, arn.replace(/^arn:aws:/, "arn:aws-cn:")))).join()).to.include('partition "aws-cn"');
                    }
                }),
                { seed: SEED, numRuns: 300 },
            );
        });

        it("every operator IAM lists, with each qualifier and IfExists, is known; other spellings are not", () => {
            const bases = ["StringEquals", "StringNotLike", "NumericLessThanEquals", "DateGreaterThan", "Bool", "BinaryEquals", "IpAddress", "ArnNotLike"];
            for (const base of bases) for (const q of ["", "ForAllValues:", "ForAnyValue:"]) for (const ifExists of ["", "IfExists"]) expect(conditionOperatorProblem(`${q}${base}${ifExists}`)).to.equal(undefined);
            fc.assert(
                fc.property(fc.constantFrom(...bases), fc.nat(), (base, at) => {
                    const i = at % base.length;
                    const changed = `${base.slice(0, i)}${base[i] === "x" ? "y" : "x"}${base.slice(i + 1)}`;
                    expect(conditionOperatorProblem(changed)).to.be.a("string");
                }),
                { seed: SEED, numRuns: 200 },
            );
        });
    });

    describe("against Parliament 1.6.4 (checked-in verdicts)", () => {
        const FIXTURES = path.join(__dirname, "fixtures", "parliament");
        const corpus = JSON.parse(fs.readFileSync(path.join(FIXTURES, "corpus.json"), "utf8")) as CorpusEntry[];
        const { tool, verdicts } = JSON.parse(fs.readFileSync(path.join(FIXTURES, "verdicts.json"), "utf8")) as {
            tool: string;
            verdicts: Array<{ issues: string[]; details: Array<{ issue: string; detail: unknown }> }>;
        };
        /** Parliament's codes for a document IAM refuses or that can never work as written. */
        const MALFORMED = ["MALFORMED", "DUPLICATE_SID", "UNKNOWN_OPERATOR", "UNKNOWN_ACTION", "UNKNOWN_PREFIX", "INVALID_ARN", "RESOURCE_MISMATCH", "INVALID_SID", "INVALID_VERSION"];

        /** Why Parliament's finding does not make the document malformed, or undefined when nothing explains it. */
        function whyParliamentIsWrong(d: PolicyDocument, finding: { issue: string; detail: unknown }): string | undefined {
            if (finding.issue === "UNKNOWN_PREFIX") {
                const prefix = String(finding.detail).replace(/^Unknown prefix /, "");
                return isKnownService(prefix) ? `its catalog predates the service "${prefix}", which the service reference lists` : undefined;
            }
            if (finding.issue === "UNKNOWN_ACTION") {
                const action = String(finding.detail).replace(/^Unknown action /, "");
                return isKnownAction(action) ? `its catalog predates ${action}, which the service reference lists` : undefined;
            }
            if (finding.issue === "RESOURCE_MISMATCH") {
                const mismatches = finding.detail as Array<{ action: string }>;
                const fits = mismatches.every(({ action }) => {
                    const statement = d.Statement.find((s) => asList(s.Action).includes(action));
                    return asList(statement?.Resource).some((r) => actionResourceTypes(action).some((t) => fitsArnFormat(r, t.arn)));
                });
                return fits ? "its resource formats are out of date: the service reference gives the action a type the resource fits" : undefined;
            }
            return undefined;
        }

        /** Why ours refuses what Parliament passes, or undefined when nothing explains it. */
        function whyOursIsStricter(message: string, d: PolicyDocument): string | undefined {
            if (/^Version must be/.test(message)) return "IAM still takes 2008-10-17, but without policy variables; Parliament only notes it as OLD_VERSION";
            if (/is not one IAM knows \(did you mean "(.*)"\?\)/.test(message) && /"(\w+)" is not one IAM knows \(did you mean "\1"\?\)/i.test(message)) return "an operator in another case: Parliament lowercases operators, ours takes them as IAM's reference writes them";
            if (/Null has no IfExists form/.test(message)) return "IAM's reference: IfExists goes with every operator but Null; Parliament does not check it";
            if (/fits none of (iam|s3)'s ARN formats/.test(message)) return "a region or account in the ARN of a service whose ARNs have none (IAM roles, S3 buckets): Parliament does not check those fields";
            if (/can never be allowed on/.test(message) && d.Statement.some((s) => s.Effect === "Deny")) return "a Deny that fits no resource protects nothing: Parliament checks resource fit on Allow statements only";
            if (/can never be allowed on arn:aws:sns:/.test(message)) return "an ARN of another service than the action's";
            return undefined;
        }

        it("has the verdicts of the corpus the generator makes", () => {
            expect(tool).to.equal("parliament 1.6.4");
            expect(corpus, "the corpus changed: regenerate corpus.json and verdicts.json (scripts/parliament-verdicts.py)").to.deep.equal(documentCorpus());
            expect(verdicts).to.have.length(DOCUMENT_CORPUS_SIZE);
        });

        it("refuses every document Parliament reports as malformed, and explains each difference either way", () => {
            const unexplained: string[] = [];
            let bothRefuse = 0;
            corpus.forEach(({ malformation, document }, n) => {
                const ours = documentProblems(document, { kind: "identity", partition: "aws" });
                const theirs = verdicts[n].details.filter((f) => MALFORMED.includes(f.issue));
                const wrong = theirs.filter((f) => whyParliamentIsWrong(document, f) !== undefined);
                if (theirs.length > wrong.length && ours.length === 0) unexplained.push(`#${n} (${malformation}): Parliament reports ${theirs.map((f) => f.issue).join(", ")}; ours takes it`);
                if (ours.length > 0 && theirs.length === 0) {
                    for (const p of ours) if (!whyOursIsStricter(p.message, document)) unexplained.push(`#${n} (${malformation}): ours refuses (${p.message}); Parliament passes it`);
                }
                // Otherwise Parliament reported only what its older catalog lacks: it stops analysing a statement at
                // the first action it does not know, so it never reached what ours refuses.
                if (ours.length > 0 && theirs.length > wrong.length) bothRefuse++;
            });
            expect(unexplained, unexplained.join("\n")).to.deep.equal([]);
            // The corpus exercises the malformations, not only the well-formed half.
            expect(bothRefuse).to.be.greaterThan(DOCUMENT_CORPUS_SIZE / 2);
        });

        it("refuses every malformation the generator applies, and takes every document it leaves well-formed", () => {
            for (const { malformation, document } of corpus) {
                expect(documentProblems(document, { kind: "identity", partition: "aws" }).length > 0, `${malformation}: ${JSON.stringify(document)}`).to.equal(malformation !== "none");
            }
        });
    });
});
