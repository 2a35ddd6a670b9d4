/**
 * A fixed, seeded corpus of identity policies for the validator's Parliament cross-check (test/policyValidation.test.ts):
 * well-formed statements made from the service reference (a random action of a random service, on a resource built
 * from one of the action's own ARN formats), and each malformation IAM or Parliament catches applied to some of them:
 * a duplicate Sid, a misspelt or invented condition operator, a misspelt action, an invented service prefix, a wildcard
 * that matches no action, an ARN with a field missing or a region where its format has none, an account that is not
 * 12 digits, an action on a resource type it never acts on. Parliament's verdicts are checked in beside it
 * (scripts/parliament-verdicts.py). Run as a script, it prints the corpus.
 */
import { PolicyDocument, PolicyStatement } from "../../iam/document";
import { actionResourceTypes, catalogServices, serviceActions } from "../../iam/actions";
import { prng } from "../../tools/random";

export const DOCUMENT_CORPUS_SEED = 20261207;
export const DOCUMENT_CORPUS_SIZE = 240;

/** What was done to a well-formed document; `none` leaves it well-formed. */
export const MALFORMATIONS = ["none", "duplicate-sid", "operator-typo", "operator-invented", "action-typo", "prefix-invented", "pattern-matches-nothing", "arn-field-missing", "arn-region-on-global", "account-not-12-digits", "action-resource-mismatch", "version-old"] as const;
export type Malformation = (typeof MALFORMATIONS)[number];

export interface CorpusEntry {
    malformation: Malformation;
    document: PolicyDocument;
}

/** A concrete ARN of a format: each `${Variable}` becomes a plausible value. */
export function concreteArn(format: string, random: () => number): string {
    return format.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
        if (name === "Partition") return "aws";
        if (/Region$/.test(name)) return "us-west-2";
        if (/Account(Id)?$/.test(name)) return "111122223333";
        return random() < 0.3 ? "*" : `${name.toLowerCase().replace(/[^a-z0-9]/g, "")}-${Math.floor(random() * 1000)}`;
    });
}

/** A statement the service reference vouches for: an action and a resource of one of its own types. */
function wellFormedStatement(random: () => number, pick: <T>(xs: readonly T[]) => T, sid: string): PolicyStatement {
    for (;;) {
        const service = pick(catalogServices());
        const actions = serviceActions(service);
        if (actions.length === 0) continue;
        const action = pick(actions);
        const types = actionResourceTypes(action);
        const resource = types.length === 0 ? "*" : concreteArn(pick(types).arn, random);
        return { Sid: sid, Effect: random() < 0.85 ? "Allow" : "Deny", Action: [action], Resource: [resource] };
    }
}

function malform(doc: PolicyDocument, how: Malformation, random: () => number, pick: <T>(xs: readonly T[]) => T): void {
    const s = doc.Statement[0];
    const actions = s.Action as string[];
    switch (how) {
        case "none":
            return;
        case "duplicate-sid":
            doc.Statement[1].Sid = s.Sid;
            return;
        case "operator-typo":
            s.Condition = { [pick(["StringEqualz", "StringsEquals", "Stringlike", "ArnLikes", "NumericLessThen", "BoolIfExist"])]: { "aws:PrincipalTag/team": "ml" } };
            return;
        case "operator-invented":
            s.Condition = { [pick(["StringContains", "ForEveryValue:StringEquals", "RegexMatch", "NullIfExists"])]: { "aws:PrincipalTag/team": "ml" } };
            return;
        case "action-typo": {
            const [service, name] = actions[0].split(":");
            const i = Math.floor(random() * name.length);
            actions[0] = `${service}:${name.slice(0, i)}${name[i] === "x" ? "y" : "x"}${name.slice(i + 1)}`;
            return;
        }
        case "prefix-invented":
            actions.push(`${pick(["s4", "ec3", "iamm", "lambdas", "kubeflow"])}:${pick(["GetObject", "RunInstances", "Invoke"])}`);
            return;
        case "pattern-matches-nothing":
            actions.push(`${actions[0].split(":")[0]}:Zz*`);
            return;
        case "arn-field-missing":
            s.Resource = [pick(["arn:aws:s3:bucket", "arn:aws:iam:111122223333:role/x", "arn:aws:ec2:us-west-2:instance/i-1"])];
            return;
        case "arn-region-on-global":
            s.Action = ["s3:GetObject"];
            s.Resource = [pick(["arn:aws:s3:us-west-2::data/*", "arn:aws:s3:us-west-2:111122223333:data/*", "arn:aws:iam:us-west-2:111122223333:role/x"])];
            if ((s.Resource as string[])[0].includes(":iam:")) s.Action = ["iam:GetRole"];
            return;
        case "account-not-12-digits":
            s.Action = [pick(["ec2:StartInstances", "lambda:InvokeFunction", "sqs:SendMessage"])];
            s.Resource = [
                { "ec2:StartInstances": "arn:aws:ec2:us-west-2:1111:instance/*", "lambda:InvokeFunction": "arn:aws:lambda:us-west-2:acme:function:etl", "sqs:SendMessage": "arn:aws:sqs:us-west-2:11112222333344:queue" }[(s.Action as string[])[0]]!,
            ];
            return;
        case "action-resource-mismatch":
            [s.Action, s.Resource] = pick([
                [["s3:GetObject"], ["arn:aws:s3:::team-data"]],
                [["s3:ListBucket"], ["arn:aws:s3:::team-data/*"]],
                [["dynamodb:GetItem"], ["arn:aws:s3:::team-data/*"]],
                [["sqs:SendMessage"], ["arn:aws:sns:us-west-2:111122223333:topic"]],
                [["lambda:InvokeFunction"], ["arn:aws:iam::111122223333:role/etl"]],
            ]);
            return;
        case "version-old":
            (doc as { Version: string }).Version = "2008-10-17";
            return;
    }
}

/** The corpus: DOCUMENT_CORPUS_SIZE documents of two statements, cycling through the malformations. */
export function documentCorpus(): CorpusEntry[] {
    const random = prng(DOCUMENT_CORPUS_SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    return Array.from({ length: DOCUMENT_CORPUS_SIZE }, (_, n) => {
        const malformation = MALFORMATIONS[n % MALFORMATIONS.length];
        const document: PolicyDocument = { Version: "2012-10-17", Statement: [wellFormedStatement(random, pick, "First"), wellFormedStatement(random, pick, "Second")] };
        malform(document, malformation, random, pick);
        return { malformation, document };
    });
}

if (require.main === module) {
    process.stdout.write(`${JSON.stringify(documentCorpus(), null, 1)}\n`);
}
