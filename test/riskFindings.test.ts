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
        ["s3:* on *", [allow("s3:*", "*")], /^high data-on-wildcard: allows data actions \(s3:GetObject, s3:GetObjectVersion, s3:PutObject, s3:DeleteObject and \d+ more\) on \*/],
        ["GetObject on every bucket's objects", [allow("s3:GetObject", "arn:aws:s3:::*/*")], /^high data-on-wildcard/],
        ["dynamodb:Query on every table", [allow("dynamodb:Query", "arn:aws:dynamodb:us-west-2:111122223333:table/*")], /^high data-on-wildcard/],
        ["kms:Decrypt on every key", [allow("kms:Decrypt", "*")], /^high data-on-wildcard: allows data actions \(kms:Decrypt\)/],
        ["secrets and parameters on *", [allow(["secretsmanager:GetSecretValue", "ssm:GetParameter"], "*")], /^high data-on-wildcard: allows data actions \(secretsmanager:GetSecretValue, ssm:GetParameter\)/],
        ["s3:* on one bucket", [allow("s3:*", "arn:aws:s3:::team-data/*")], /^medium service-wildcard: allows every action of a service \(s3:\*\) on arn:aws:s3:::team-data\/\*/],
        ["lambda:UpdateFunctionCode on every function", [allow("lambda:UpdateFunctionCode", "*")], /^high workload-takeover/],
        ["lambda:UpdateFunctionCode on one function", [allow("lambda:UpdateFunctionCode", "arn:aws:lambda:us-west-2:111122223333:function:etl")], /^medium workload-takeover/],
        ["NotAction that leaves IAM in", [{ Effect: "Allow", NotAction: "s3:*", Resource: "*" }], /^high iam-write-on-wildcard/],
        // Permissions management outside IAM: who else may use a resource.
        ["s3:PutBucketPolicy and PutBucketAcl on every bucket", [allow(["s3:PutBucketPolicy", "s3:PutBucketAcl"], "arn:aws:s3:::*")], /^high resource-exposure: allows s3:PutBucketPolicy, s3:PutBucketAcl on arn:aws:s3:::\*: permissions management/],
        ["kms:PutKeyPolicy and CreateGrant on every key", [allow(["kms:PutKeyPolicy", "kms:CreateGrant"], "arn:aws:kms:us-west-2:111122223333:key/*")], /^high resource-exposure: allows kms:PutKeyPolicy, kms:CreateGrant/],
        ["kms:CreateGrant on one key", [allow("kms:CreateGrant", "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")], /^medium resource-exposure: allows kms:CreateGrant on arn:aws:kms/],
        ["secretsmanager:PutResourcePolicy on every secret", [allow("secretsmanager:PutResourcePolicy", "arn:aws:secretsmanager:us-west-2:111122223333:secret:*")], /^high resource-exposure/],
        ["lambda:AddPermission on *", [allow("lambda:AddPermission", "*")], /^high resource-exposure: allows lambda:AddPermission on \*/],
        ["ecr:SetRepositoryPolicy on every repository", [allow("ecr:SetRepositoryPolicy", "arn:aws:ecr:us-west-2:111122223333:repository/*")], /^high resource-exposure/],
        ["sns:AddPermission on every topic", [allow("sns:AddPermission", "arn:aws:sns:*:111122223333:*")], /^high resource-exposure/],
        // Takeover through another service's resource: the action's own resource types decide.
        ["ssm:SendCommand on every EC2 instance", [allow("ssm:SendCommand", "arn:aws:ec2:us-west-2:111122223333:instance/*")], /^high workload-takeover: allows ssm:SendCommand on arn:aws:ec2:us-west-2:111122223333:instance\/\*: the role can run its own code or commands in every matching instance .*every pod's credentials/],
        ["ssm:StartSession on every managed instance", [allow("ssm:StartSession", "arn:aws:ssm:us-west-2:111122223333:managed-instance/*")], /^high workload-takeover: .* managed-instance/],
        ["ec2-instance-connect:SendSSHPublicKey on every instance", [allow("ec2-instance-connect:SendSSHPublicKey", "arn:aws:ec2:*:*:instance/*")], /^high workload-takeover/],
        ["ecs:ExecuteCommand on every task", [allow("ecs:ExecuteCommand", "arn:aws:ecs:us-west-2:111122223333:task/*")], /^high workload-takeover/],
        ["codebuild:StartBuild on every project", [allow("codebuild:StartBuild", "arn:aws:codebuild:us-west-2:111122223333:project/*")], /^high workload-takeover/],
        ["ssm:SendCommand on one instance", [allow("ssm:SendCommand", "arn:aws:ec2:us-west-2:111122223333:instance/i-0abc")], /^medium workload-takeover: .* in that instance/],
        // Data reads from the catalog's access levels, not a hand-picked list.
        ["ssm:GetParameterHistory on every parameter", [allow("ssm:GetParameterHistory", "arn:aws:ssm:us-west-2:111122223333:parameter/*")], /^high data-on-wildcard: allows data actions \(ssm:GetParameterHistory\)/],
        ["sqs:ReceiveMessage on *", [allow("sqs:ReceiveMessage", "*")], /^high data-on-wildcard: allows data actions \(sqs:ReceiveMessage\)/],
        ["logs:GetLogEvents on every log group", [allow("logs:GetLogEvents", "arn:aws:logs:us-west-2:111122223333:log-group:*")], /^high data-on-wildcard/],
        ["kinesis:GetRecords on every stream", [allow("kinesis:GetRecords", "arn:aws:kinesis:us-west-2:111122223333:stream/*")], /^high data-on-wildcard/],
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
        ["ssm:SendCommand on a document alone (no instance: it runs nothing)", [allow("ssm:SendCommand", "arn:aws:ssm:us-west-2::document/AWS-RunShellScript")]],
        ["ssm:GetParameterHistory on one team's parameters", [allow("ssm:GetParameterHistory", "arn:aws:ssm:us-west-2:111122223333:parameter/team-a/*")]],
        ["sqs:ReceiveMessage on one queue", [allow("sqs:ReceiveMessage", "arn:aws:sqs:us-west-2:111122223333:team-a-jobs")]],
        ["metadata reads on *", [allow(["s3:GetBucketTagging", "sqs:GetQueueAttributes", "kms:DescribeKey", "secretsmanager:DescribeSecret", "ssm:DescribeParameters"], "*")]],
    ];
    for (const [label, statements] of clean) {
        it(`passes ${label}`, async () => {
            expect(await findingsOf(role(statements))).to.deep.equal([]);
        });
    }

    it("respects an unconditional Deny: s3:* on * minus Get/Put/Delete/List keeps only what the Deny leaves (replication and restore writes, access-grant permissions)", async () => {
        const found = await findingsOf(role([allow("s3:*", "*"), { Effect: "Deny", Action: ["s3:Get*", "s3:Put*", "s3:Delete*", "s3:List*"], Resource: "*" }]));
        const data = found.find((f) => f.startsWith("high data-on-wildcard"));
        expect(data).to.match(/s3:ReplicateObject/);
        expect(data).not.to.match(/s3:(Get|Put|Delete|List)/);
        expect(found.find((f) => f.startsWith("high resource-exposure"))).not.to.match(/PutBucketPolicy|PutBucketAcl/);
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
