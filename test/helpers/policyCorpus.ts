/**
 * A fixed, seeded corpus of identity policies for the cloudsplaining cross-check (test/iamRisk.cloudsplaining.test.ts):
 * escalation methods, data reads, workload takeovers and harmless actions, on `*`, wildcard ARNs and exact ARNs, with
 * Denies, conditions and NotAction mixed in. Its verdicts are checked in beside it (scripts/cloudsplaining-verdicts.py).
 */
import { PolicyDocument, PolicyStatement } from "../../iam/document";
import { prng } from "../../tools/random";

export const CORPUS_SEED = 20261202;
export const CORPUS_SIZE = 300;

const ESCALATION = [
    "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:AddUserToGroup", "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion", "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy",
    "iam:PutGroupPolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:PassRole",
];
const PASS_ROLE_PARTNERS = ["ec2:RunInstances", "lambda:CreateFunction", "lambda:InvokeFunction", "glue:CreateDevEndpoint", "cloudformation:CreateStack", "sagemaker:CreateTrainingJob", "codebuild:CreateProject", "codebuild:StartBuild"];
const TAKEOVER = ["lambda:UpdateFunctionCode", "glue:UpdateDevEndpoint", "sagemaker:CreatePresignedNotebookInstanceUrl", "ecs:ExecuteCommand", "ecs:DescribeTasks"];
const DATA = ["s3:GetObject", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "secretsmanager:GetSecretValue", "s3:PutObject", "kms:Decrypt"];
const HARMLESS = ["s3:ListAllMyBuckets", "ec2:DescribeInstances", "logs:PutLogEvents", "cloudwatch:PutMetricData", "iam:GetRole", "iam:ListRoles", "sts:GetCallerIdentity"];
const PATTERNS = ["iam:*", "iam:Put*", "iam:Attach*", "s3:*", "s3:Get*", "ssm:Get*", "*", "lambda:*", "secretsmanager:*"];
const RESOURCES = [
    "*", "*", "*",
    "arn:aws:iam::111122223333:role/*", "arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:user/*", "arn:aws:iam::111122223333:policy/*",
    "arn:aws:iam::111122223333:role/other-team", "arn:aws:iam::111122223333:user/alice",
    "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:aws:s3:::team-data/*", "arn:aws:s3:::team-data",
    "arn:aws:secretsmanager:us-west-2:111122223333:secret:*", "arn:aws:ssm:us-west-2:111122223333:parameter/app/db",
    "arn:aws:lambda:us-west-2:111122223333:function:*", "arn:aws:lambda:us-west-2:111122223333:function:etl",
];

/** The corpus, the same on every call. */
export function policyCorpus(): PolicyDocument[] {
    const random = prng(CORPUS_SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const some = <T>(list: readonly T[], max: number): T[] => [...new Set(Array.from({ length: 1 + Math.floor(random() * max) }, () => pick(list)))];
    const actions = (): string[] => {
        const kind = random();
        if (kind < 0.2) return ["iam:PassRole", ...some(PASS_ROLE_PARTNERS, 2)];
        if (kind < 0.4) return some(ESCALATION, 2);
        if (kind < 0.5) return some(TAKEOVER, 2);
        if (kind < 0.65) return some(DATA, 2);
        if (kind < 0.8) return some(PATTERNS, 1);
        return some(HARMLESS, 3);
    };
    const corpus: PolicyDocument[] = [];
    for (let n = 0; n < CORPUS_SIZE; n++) {
        const statements: PolicyStatement[] = [];
        const count = 1 + Math.floor(random() * 3);
        for (let i = 0; i < count; i++) {
            const shape = random();
            const statement: PolicyStatement = { Effect: "Allow", Action: actions(), Resource: some(RESOURCES, 2) };
            if (shape < 0.08) {
                delete statement.Action;
                statement.NotAction = some(["iam:*", "s3:*", "sts:*", "lambda:*"], 2);
            } else if (shape < 0.16) {
                statement.Condition = { StringEquals: { "aws:RequestedRegion": "us-west-2" } };
            }
            statements.push(statement);
        }
        if (random() < 0.2) statements.push({ Effect: "Deny", Action: some([...ESCALATION, ...DATA, "iam:*", "s3:*"], 2), Resource: "*" });
        corpus.push({ Version: "2012-10-17", Statement: statements });
    }
    return corpus;
}

if (require.main === module) {
    process.stdout.write(`${JSON.stringify(policyCorpus(), null, 1)}\n`);
}
