/**
 * What the role-pair tests against moto share: two accounts (EKS: moto's default; asset: reached through a deploy
 * role), the pair they exercise and the check step. Starting the emulator (or skipping): toolsOrSkip.ts.
 */
import { expect } from "chai";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { RolePairInputs } from "../../components/rolePair/inputs";
import { RolePairProvider } from "../../components/rolePair/provider";

export const EKS_ACCOUNT = "123456789012";
export const ASSET_ACCOUNT = "222222222222";
export const DEPLOY_ROLE = `arn:aws:iam::${ASSET_ACCOUNT}:role/asset-deployer`;

export const eksIam = () => new IAMClient({});
export const assetIam = () => new IAMClient({ credentials: fromTemporaryCredentials({ params: { RoleArn: DEPLOY_ROLE, RoleSessionName: "test" } }) });

/** The customer-read pair across the two accounts, with `overrides`. */
export function pairInputs(oidcProviderArn: string, overrides: Partial<RolePairInputs> = {}): RolePairInputs {
    return {
        name: "customer-read",
        owner: "kubeflow-irsa/test/customer-read",
        assetAccountId: ASSET_ACCOUNT,
        assetRoleName: "customer-read-bucket-role",
        eksRoleName: "customer-read-bucket-role-eks",
        assetPolicy: { Version: "2012-10-17", Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::customer-data/*" }] },
        assetPolicyArns: [],
        subjects: ["system:serviceaccount:domino-compute:run-0001"],
        subjectMatch: "StringEquals",
        exclusive: false,
        externalId: "domino-eks-1",
        assetDeployRoleArn: DEPLOY_ROLE,
        path: "/",
        tags: { team: "data" },
        trustPolicyMaxLength: 2048,
        oidcProviderArn,
        ...overrides,
    };
}

/** The inputs as the provider's `check` normalizes them; the test fails on any check failure. */
export async function checkedBy(provider: RolePairProvider, raw: RolePairInputs): Promise<RolePairInputs> {
    const { inputs: normalized, failures } = await provider.check(raw, raw);
    expect(failures).to.deep.equal([]);
    return normalized!;
}

/** The asset account's deploy role (moto does not check its trust). */
export async function createDeployRole(): Promise<void> {
    await assetIam().send(
        new CreateRoleCommand({
            RoleName: "asset-deployer",
            AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${EKS_ACCOUNT}:root` }, Action: "sts:AssumeRole" }] }),
        }),
    );
}
