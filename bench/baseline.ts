/**
 * The benchmark's baseline: the least a program can declare for N profiles with the SDKs directly, per profile
 * one aws.iam.Role with an inline policy, one RolePolicyAttachment, one Profile CustomResource and one annotated
 * ServiceAccount per service account besides default-editor, with no validation, components or outputs.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config("kubeflow-irsa");
const issuer = config.require("oidcIssuerUrl").replace("https://", "");
const provider = new aws.iam.OpenIdConnectProvider("cluster-oidc", { url: `https://${issuer}`, clientIdLists: ["sts.amazonaws.com"] });
for (const p of config.requireObject<Array<{ name: string; owner: string; serviceAccounts: string[]; s3Buckets: string[]; policyArns: string[] }>>("profiles")) {
    const role = new aws.iam.Role(`${p.name}-role`, {
        name: `${p.name}-kf-bench-role`,
        path: "/kubeflow/",
        assumeRolePolicy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Federated: provider.arn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com", [`${issuer}:sub`]: p.serviceAccounts.map((sa) => `system:serviceaccount:${p.name}:${sa}`) } } }],
        }),
        inlinePolicies: [{ name: "s3", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: p.s3Buckets.map((b) => `arn:aws:s3:::${b}/*`) }] }) }],
    });
    new aws.iam.RolePolicyAttachment(`${p.name}-attach`, { role: role.name, policyArn: p.policyArns[0] });
    const profile = new k8s.apiextensions.CustomResource(p.name, {
        apiVersion: "kubeflow.org/v1",
        kind: "Profile",
        metadata: { name: p.name },
        spec: { owner: { kind: "User", name: p.owner }, plugins: [{ kind: "AwsIamForServiceAccount", spec: { awsIamRole: role.arn, annotateOnly: true } }] },
    });
    for (const sa of p.serviceAccounts.filter((s) => s !== "default-editor")) {
        new k8s.core.v1.ServiceAccount(`${p.name}.${sa}`, { metadata: { name: sa, namespace: p.name, annotations: { "eks.amazonaws.com/role-arn": role.arn } } }, { dependsOn: [profile] });
    }
}
