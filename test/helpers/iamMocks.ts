/** Shared fixtures of the tests that mock the IAM client (aws-sdk-client-mock): documents and replies as IAM sends them. */
import { IAMServiceException } from "@aws-sdk/client-iam";
import { PolicyDocument } from "../../iam/document";
import { OWNED_STATEMENT_SID } from "../../components/rolePair/documents";
import type { RolePairInputs } from "../../components/rolePair/inputs";

export const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/UNIT";
export const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;

/** A same-account pair with one subject and an inline asset policy. */
export const PAIR_INPUTS: RolePairInputs = {
    name: "pair",
    owner: "kubeflow-irsa/unit/pair",
    assetAccountId: "123456789012",
    assetRoleName: "asset-role",
    eksRoleName: "eks-role",
    assetPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] },
    assetPolicyArns: [],
    subjects: ["system:serviceaccount:ns:a"],
    subjectMatch: "StringEquals",
    exclusive: false,
    path: "/",
    tags: {},
    trustPolicyMaxLength: 2048,
    oidcProviderArn: PROVIDER_ARN,
};

export function awsError(name: string, message: string, status = 400): IAMServiceException {
    return new IAMServiceException({ name, message, $fault: "client", $metadata: { httpStatusCode: status } });
}

/** A trust policy holding our statement with these `sub` entries, plus any extra statements. */
export function trustWith(subjects: string[], extra: object[] = []): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: OWNED_STATEMENT_SID,
                Effect: "Allow",
                Principal: { Federated: PROVIDER_ARN },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com", [`${ISSUER}:sub`]: subjects } },
            },
            ...(extra as never[]),
        ],
    };
}

/** GetRole's reply for a role of account 123456789012, its trust URL-encoded as IAM returns it. */
export function getRoleReply(trust: object, roleName = "eks-role", extra: Record<string, unknown> = {}) {
    return { Role: { RoleName: roleName, Arn: `arn:aws:iam::123456789012:role/${roleName}`, Path: "/", RoleId: "AROA", CreateDate: new Date(), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)), ...extra } };
}

/** Credentials and region for clients whose calls are mocked; no emulator endpoint. */
export function useMockedAws(): void {
    process.env.AWS_ACCESS_KEY_ID = "unit";
    process.env.AWS_SECRET_ACCESS_KEY = "unit";
    process.env.AWS_REGION = "us-east-1";
    delete process.env.AWS_ENDPOINT_URL;
}
