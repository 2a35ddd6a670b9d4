/**
 * The preview's permission findings (reach.ts riskFindings on the rules of iam/permissionRisks.ts), evaluated on the
 * same grants as the reach table: each rule with a case it flags and one it passes, managed policies included, Deny
 * carve-outs respected.
 */
import { expect } from "chai";
import { PolicyDocument, PolicyStatement } from "../iam/document";
import type { RoleView } from "../preview/iam";
import { ActionCatalog, allGrants, riskFindings } from "../preview/reach";

const ACCOUNT = "111122223333";
const SELF = `arn:aws:iam::${ACCOUNT}:role/self`;

function role(statements: PolicyStatement[], extra: Partial<RoleView> = {}): RoleView {
    const inline: PolicyDocument = { Version: "2012-10-17", Statement: statements };
    return { name: "self", arn: SELF, kind: "profile", declaredBy: "self", trust: { Version: "2012-10-17", Statement: [] }, inlinePolicies: statements.length ? { inline } : {}, managedPolicyArns: [], associations: [], ...extra };
}

async function findingsOf(...roles: RoleView[]): Promise<string[]> {
    return riskFindings(roles, await allGrants(roles, new ActionCatalog())).map((f) => `${f.severity} ${f.rule}: ${f.message}`);
}

const allow = (Action: string | string[], Resource: string | string[]): PolicyStatement => ({ Effect: "Allow", Action, Resource });

describe("risk findings of the offline preview", () => {
    const cases: Array<[string, PolicyStatement[], RegExp | undefined]> = [
        ["PassRole + AttachRolePolicy on every role of the account", [allow(["iam:PassRole", "iam:AttachRolePolicy"], `arn:aws:iam::${ACCOUNT}:role/*`)], /^high iam-write-on-wildcard: allows IAM writes \(iam:PassRole, iam:AttachRolePolicy\) on arn:aws:iam::111122223333:role\/\*/],
        ["AttachRolePolicy on an exact other role", [allow("iam:AttachRolePolicy", `arn:aws:iam::${ACCOUNT}:role/other`)], /^high privilege-escalation: allows iam:AttachRolePolicy on arn:aws:iam::111122223333:role\/other: a privilege-escalation path/],
        ["PutRolePolicy on its own role", [allow("iam:PutRolePolicy", SELF)], /^high privilege-escalation: allows iam:PutRolePolicy on its own role/],
        ["CreateAccessKey on another user", [allow("iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/alice`)], /^high privilege-escalation: allows iam:CreateAccessKey/],
        ["sts:AssumeRole on *", [allow("sts:AssumeRole", "*")], /^high assume-any-role: allows sts:AssumeRole on \*: the pods may assume any role/],
        ["sts:AssumeRole on any account's role", [allow("sts:AssumeRole", "arn:aws:iam::*:role/x")], /^high assume-any-role/],
        ["sts:AssumeRole on every role of one account", [allow("sts:AssumeRole", `arn:aws:iam::${ACCOUNT}:role/*`)], /^medium assume-account-roles/],
        ["s3:* on *", [allow("s3:*", "*")], /^high data-on-wildcard: allows data actions \(s3:GetObject, s3:GetObjectVersion, s3:PutObject, s3:DeleteObject and 2 more\) on \*/],
        ["GetObject on every bucket's objects", [allow("s3:GetObject", "arn:aws:s3:::*/*")], /^high data-on-wildcard/],
        ["dynamodb:Query on every table", [allow("dynamodb:Query", "arn:aws:dynamodb:us-west-2:111122223333:table/*")], /^high data-on-wildcard/],
        ["kms:Decrypt on every key", [allow("kms:Decrypt", "*")], /^high data-on-wildcard: allows data actions \(kms:Decrypt\)/],
        ["secrets and parameters on *", [allow(["secretsmanager:GetSecretValue", "ssm:GetParameter"], "*")], /^high data-on-wildcard: allows data actions \(secretsmanager:GetSecretValue, ssm:GetParameter\)/],
        ["s3:* on one bucket", [allow("s3:*", "arn:aws:s3:::team-data/*")], /^medium service-wildcard: allows every action of a service \(s3:\*\) on arn:aws:s3:::team-data\/\*/],
        ["lambda:UpdateFunctionCode on every function", [allow("lambda:UpdateFunctionCode", "*")], /^high workload-takeover/],
        ["lambda:UpdateFunctionCode on one function", [allow("lambda:UpdateFunctionCode", "arn:aws:lambda:us-west-2:111122223333:function:etl")], /^medium workload-takeover/],
        ["NotAction that leaves IAM in", [{ Effect: "Allow", NotAction: "s3:*", Resource: "*" }], /^high iam-write-on-wildcard/],
    ];
    for (const [label, statements, expected] of cases) {
        it(`flags ${label}`, async () => {
            const found = await findingsOf(role(statements));
            expect(found.some((f) => expected!.test(f)), found.join("\n")).to.equal(true);
        });
    }

    const clean: Array<[string, PolicyStatement[]]> = [
        ["exact bucket prefixes", [allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::team-data/team-a/*")]],
        ["IAM reads on *", [allow(["iam:GetRole", "iam:List*"], "*")]],
        ["sts:AssumeRole on one exact role", [allow("sts:AssumeRole", `arn:aws:iam::222233334444:role/asset`)]],
        ["its own PassRole", [allow("iam:PassRole", SELF)]],
        ["NotAction that takes IAM, data and compute out", [{ Effect: "Allow", NotAction: ["iam:*", "s3:*", "sts:*", "dynamodb:*", "kms:*", "secretsmanager:*", "ssm:*", "lambda:*", "ec2:*", "glue:*", "cloudformation:*", "ecs:*", "sagemaker:*", "bedrock-agentcore:*", "ec2-instance-connect:*"], Resource: "*" }]],
    ];
    for (const [label, statements] of clean) {
        it(`passes ${label}`, async () => {
            expect(await findingsOf(role(statements))).to.deep.equal([]);
        });
    }

    it("respects an unconditional Deny: s3:* on * without the data actions is a service wildcard, no more", async () => {
        const found = await findingsOf(role([allow("s3:*", "*"), { Effect: "Deny", Action: ["s3:Get*", "s3:Put*", "s3:Delete*", "s3:List*"], Resource: "*" }]));
        expect(found).to.have.length(1);
        expect(found[0]).to.match(/^medium service-wildcard: allows every action of a service \(s3:\*\) on \*/);
    });

    it("evaluates AWS-managed policies from the snapshot: IAMFullAccess is an IAM write on *", async () => {
        const found = await findingsOf(role([], { managedPolicyArns: ["arn:aws:iam::aws:policy/IAMFullAccess"] }));
        expect(found.some((f) => /^high iam-write-on-wildcard: .* on \*, a wildcard.*\(through managed policy IAMFullAccess\)$/.test(f)), found.join("\n")).to.equal(true);
    });

    it("leaves the profile controller's trust rewrites on the profile roles it manages alone, and flags anything else it may do", async () => {
        const profile = role([], { name: "team-a-role", arn: `arn:aws:iam::${ACCOUNT}:role/team-a-role` });
        const controller = role([allow(["iam:GetRole", "iam:UpdateAssumeRolePolicy"], profile.arn)], { name: "controller", arn: `arn:aws:iam::${ACCOUNT}:role/controller`, kind: "profile-controller" });
        expect(await findingsOf(profile, controller)).to.deep.equal([]);
        const widened = role([allow(["iam:UpdateAssumeRolePolicy"], `arn:aws:iam::${ACCOUNT}:role/admin`)], { name: "controller", arn: controller.arn, kind: "profile-controller" });
        expect(await findingsOf(profile, widened)).to.have.length(1);
    });
});
