/**
 * The hand-made state the AWS Kubeflow docs (and a few years of kubectl) leave behind, built in moto, and the
 * Profiles and service accounts kubectl would export for it: what the adoption tests start from.
 */
import * as fs from "fs";
import * as path from "path";
import { CreateClusterCommand, DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { AttachRolePolicyCommand, CreateOpenIDConnectProviderCommand, CreatePolicyCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";

export const ACCOUNT = "123456789012";
export const CLUSTER = "kf-prod";
/** The upstream controller policy (kubeflow/manifests awsconfigs, as the AWS docs attach it): what never to keep. */
export const UPSTREAM_CONTROLLER_POLICY = {
    Version: "2012-10-17",
    Statement: [{ Sid: "VisualEditor0", Effect: "Allow", Action: ["iam:GetRole", "iam:UpdateAssumeRolePolicy"], Resource: "*" }],
};

const iam = () => new IAMClient({});

export interface HandMade {
    providerArn: string;
    hostPath: string;
}

/** The docs' trust.json (`aud` only), or with `subjects` the `sub` condition a careful admin adds. */
export function webIdentityTrust(providerArn: string, hostPath: string, subjects?: string[]) {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${hostPath}:aud`]: "sts.amazonaws.com", ...(subjects ? { [`${hostPath}:sub`]: subjects.length === 1 ? subjects[0] : subjects } : {}) } },
            },
        ],
    });
}

export async function role(name: string, trust: string, extra: { path?: string; maxSessionDuration?: number; tags?: Record<string, string> } = {}): Promise<void> {
    await iam().send(
        new CreateRoleCommand({
            RoleName: name,
            AssumeRolePolicyDocument: trust,
            Path: extra.path,
            MaxSessionDuration: extra.maxSessionDuration,
            Tags: Object.entries(extra.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        }),
    );
}

/** What the manual procedure leaves behind, as the AWS docs (and a few years of kubectl) make it. */
export async function buildHandMadeState(): Promise<HandMade> {
    const eks = new EKSClient({});
    await eks.send(new CreateClusterCommand({ name: CLUSTER, roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-cluster`, resourcesVpcConfig: { subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"] } }));
    const issuer = (await eks.send(new DescribeClusterCommand({ name: CLUSTER }))).cluster!.identity!.oidc!.issuer!;
    const hostPath = issuer.replace(/^https:\/\//, "");
    const { OpenIDConnectProviderArn: providerArn } = await iam().send(
        new CreateOpenIDConnectProviderCommand({ Url: issuer, ClientIDList: ["sts.amazonaws.com"], ThumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] }),
    );
    const sub = (ns: string, sa = "default-editor") => `system:serviceaccount:${ns}:${sa}`;

    // eksctl create iamserviceaccount for the controller, with the upstream policy.
    const { Policy: controllerPolicy } = await iam().send(new CreatePolicyCommand({ PolicyName: "kf-profile-controller-policy", PolicyDocument: JSON.stringify(UPSTREAM_CONTROLLER_POLICY) }));
    await role("eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F", webIdentityTrust(providerArn!, hostPath, [sub("kubeflow", "profiles-controller-service-account")]), {
        tags: { "alpha.eksctl.io/cluster-name": CLUSTER, "alpha.eksctl.io/iamserviceaccount-name": "kubeflow/profiles-controller-service-account" },
    });
    await iam().send(new AttachRolePolicyCommand({ RoleName: "eksctl-kf-prod-addon-iamserviceaccount-kube-Role1-1A2B3C4D5E6F", PolicyArn: controllerPolicy!.Arn }));

    // The docs' profile role: trust with aud only, AmazonS3FullAccess.
    await role("alice-kf-prod-role", webIdentityTrust(providerArn!, hostPath), { tags: { team: "ml" } });
    await iam().send(new AttachRolePolicyCommand({ RoleName: "alice-kf-prod-role", PolicyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" }));

    // One role three Profiles point at: the controller appended one sub per namespace; s3:* on one bucket.
    await role("kf-shared-role", webIdentityTrust(providerArn!, hostPath, [sub("team-a"), sub("team-b"), sub("team-c")]), { tags: { team: "ml" } });
    await iam().send(
        new PutRolePolicyCommand({
            RoleName: "kf-shared-role",
            PolicyName: "shared-bucket",
            PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::acme-shared", "arn:aws:s3:::acme-shared/*"] }] }),
        }),
    );

    // A careful one: exact bucket access, one read-only bucket, two service accounts, its own path and session.
    await role("vision-kf-prod-role", webIdentityTrust(providerArn!, hostPath, [sub("vision"), sub("vision", "trainer")]), { path: "/kubeflow/", maxSessionDuration: 7200, tags: { team: "ml", owner: "vision" } });
    await iam().send(
        new PutRolePolicyCommand({
            RoleName: "vision-kf-prod-role",
            PolicyName: "vision-data",
            PolicyDocument: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    { Sid: "List", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: "arn:aws:s3:::acme-vision" },
                    { Sid: "Objects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: "arn:aws:s3:::acme-vision/*" },
                    { Sid: "PublicRead", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-public/*" },
                ],
            }),
        }),
    );

    // An add-on's IRSA role and a role that has nothing to do with the cluster.
    await role("kf-prod-ebs-csi", webIdentityTrust(providerArn!, hostPath, [sub("kube-system", "ebs-csi-controller-sa")]));
    await role("ec2-node-role", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }));
    return { providerArn: providerArn!, hostPath };
}

function profile(name: string, owner: string, roleArn?: string, extra: Record<string, unknown> = {}) {
    return {
        apiVersion: "kubeflow.org/v1",
        kind: "Profile",
        metadata: { name, uid: `uid-${name}`, resourceVersion: "12345" },
        spec: {
            owner: { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: owner },
            ...(roleArn ? { plugins: [{ kind: "AwsIamForServiceAccount", spec: { awsIamRole: roleArn } }] } : {}),
            ...extra,
        },
    };
}

export const arn = (name: string, rolePath = "/") => `arn:aws:iam::${ACCOUNT}:role${rolePath}${name}`;

/** The Profiles as `kubectl get profiles -o json` lists them. */
export function handMadeProfiles() {
    return {
        apiVersion: "v1",
        kind: "List",
        items: [
            profile("team-c", "carol@example.com", arn("kf-shared-role")),
            profile("alice", "alice@example.com", arn("alice-kf-prod-role")),
            profile("team-a", "dan@example.com", arn("kf-shared-role")),
            profile("team-b", "erin@example.com", arn("kf-shared-role")),
            profile("vision", "frank@example.com", arn("vision-kf-prod-role", "/kubeflow/"), { resourceQuotaSpec: { hard: { cpu: "16" } } }),
            profile("no-iam", "gina@example.com"),
        ],
    };
}

/** The service accounts as `kubectl get serviceaccounts -A -o json` lists them (the ones the adoption looks at). */
export function handMadeServiceAccounts() {
    const account = (namespace: string, name: string, annotations?: Record<string, string>) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace, name, ...(annotations ? { annotations } : {}) } });
    return {
        apiVersion: "v1",
        kind: "List",
        items: [account("vision", "default-editor"), account("vision", "trainer", { "eks.amazonaws.com/role-arn": arn("vision-kf-prod-role", "/kubeflow/") }), account("kube-system", "ebs-csi-controller-sa")],
    };
}

/** Writes profiles.json and serviceaccounts.json, as kubectl would, into `dir`. */
export function writeKubectlFiles(dir: string): void {
    fs.writeFileSync(path.join(dir, "profiles.json"), JSON.stringify(handMadeProfiles(), null, 2));
    fs.writeFileSync(path.join(dir, "serviceaccounts.json"), JSON.stringify(handMadeServiceAccounts()));
}
