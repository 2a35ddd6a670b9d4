import { expect } from "chai";
import { ROLE_PAIR, one, runWith } from "./helpers/program";

describe("config -> RolePair wiring (mocks)", () => {
    const base = {
        clusterName: "kf",
        oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/WIRE",
        tags: { env: "test" },
        profiles: [],
    };
    const pair = {
        name: "customer-read",
        assetAccountId: "222222222222",
        assetRoleName: "customer-read-bucket-role",
        eksRoleName: "customer-read-bucket-role-eks",
        assetPolicyArns: ["arn:aws:iam::222222222222:policy/customer-read"],
        subjects: ["system:serviceaccount:domino-compute:run-*"],
        subjectMatch: "StringLike",
        assetDeployRoleArn: "arn:aws:iam::222222222222:role/deployer",
        tags: { owner: "data" },
    };

    it("declares one RolePair per entry with defaults, merged tags and the cluster's provider", async () => {
        const run = await runWith({ ...base, rolePairs: [pair] });
        const declared = one(run, ROLE_PAIR, "customer-read");
        expect(declared.inputs).to.deep.include({
            name: "customer-read",
            assetAccountId: "222222222222",
            assetRoleName: "customer-read-bucket-role",
            eksRoleName: "customer-read-bucket-role-eks",
            subjects: ["system:serviceaccount:domino-compute:run-*"],
            subjectMatch: "StringLike",
            exclusive: false,
            path: "/",
            trustPolicyMaxLength: 2048,
            oidcProviderArn: base.oidcProviderArn,
        });
        expect(declared.inputs.tags).to.deep.equal({ env: "test", owner: "data", "kubeflow-irsa:cluster": "kf" }); // the stack's ownership tag (components/tags.ts STACK_OWNER_TAG)
        expect(declared.inputs).to.not.have.property("__provider");
        expect(declared.inputs).to.not.have.property("externalId");
        expect((run.outputs.rolePairRoleArns as Record<string, unknown>)["customer-read"]).to.deep.equal({
            eksRoleArn: "arn:aws:iam::123456789012:role/customer-read-bucket-role-eks",
            assetRoleArn: "arn:aws:iam::222222222222:role/customer-read-bucket-role",
        });
    });

    it("passes the external id as a secret, which plans show only as set", async () => {
        const run = await runWith({ ...base, rolePairs: [{ ...pair, externalId: "partner-7" }] });
        expect(one(run, ROLE_PAIR, "customer-read").inputs.externalId).to.equal("[secret]");
        expect(JSON.stringify(run.resources)).to.not.contain("partner-7");
    });

    it("rejects a pair config error before declaring anything", async () => {
        const err = await runWith({ ...base, rolePairs: [{ ...pair, subjectMatch: "StringEquals", eksRoleName: "kf-kf-profile-controller" }] }).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/rolePairs\[0\] \(customer-read\)\.subjects\[0\]: "system:serviceaccount:domino-compute:run-\*" has a wildcard but subjectMatch is StringEquals/);
    });

    it("rejects an EKS role name already used by the profile controller", async () => {
        const err = await runWith({ ...base, rolePairs: [{ ...pair, eksRoleName: "kf-kf-profile-controller" }] }).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/rolePairs\[0\] \(customer-read\)\.eksRoleName: "kf-kf-profile-controller" gives "kf-kf-profile-controller", as the profile controller's role does/);
    });
});
