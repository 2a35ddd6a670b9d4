/**
 * The account's quotas counted before deploy: IAM's roles per account. A stack over `iamRolesQuota` is refused with the
 * count, what makes it up and how to raise the quota; one at 80 % or more parses with a warning (the account's other
 * roles count too). Sizes are generated around the boundary, not only the examples.
 */
import { expect } from "chai";
import { parseStackConfig } from "../config";

import { stackRoleCount } from "../config/rules";
import { configProblems } from "./helpers/configProblems";

const ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/ABC123";
const profiles = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `team-${i}`, owner: "a@example.com" }));
const stack = (n: number, extra: Record<string, unknown> = {}) => ({ clusterName: "kf-dev", oidcIssuerUrl: ISSUER, profiles: profiles(n), ...extra });
const pair = (name: string, assetAccountId: string) => ({
    name, assetAccountId, assetRoleName: `${name}-asset`, eksRoleName: `${name}-eks`, subjects: ["system:serviceaccount:team-0:default-editor"],
    assetPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] },
    ...(assetAccountId === "111122223333" ? {} : { assetDeployRoleArn: `arn:aws:iam::${assetAccountId}:role/deployer` }),
});

describe("stack config: the account's roles quota", () => {
    it("counts one role per profile, the controller's, both roles of a pair in the stack's own account, the pipeline's and a created cluster's", () => {
        const raw = parseStackConfig(stack(3, { pipeline: { repository: "acme/kf", accountId: "111122223333" }, rolePairs: [pair("here", "111122223333"), pair("there", "444455556666")] }));
        expect(stackRoleCount(raw, raw.resolvedProfiles)).to.deep.equal({ profiles: 3, controller: 1, rolePairs: 3, pipeline: 2, cluster: 0 });
        const created = parseStackConfig({ clusterName: "kf-dev", profiles: [], cluster: { create: { version: "1.31" } } });
        expect(stackRoleCount(created, created.resolvedProfiles).cluster).to.equal(2);
    });

    // Around the default quota: 1 controller role besides the profiles.
    for (const n of [998, 999, 1000, 1200]) {
        const total = n + 1;
        it(`${total} roles against the default 1,000: ${total > 1000 ? "refused, naming the count and the quota" : "accepted, with a warning"}`, () => {
            const problems = configProblems(stack(n));
            if (total > 1000) {
                expect(problems).to.have.length(1);
                expect(problems[0]).to.match(new RegExp(`^kubeflow-irsa:profiles: .* makes the stack create ${total} IAM roles in its account \\(${n} for the profiles, 1 for the profile controller\\), over iamRolesQuota 1000: raise "Roles per account" in Service Quotas .*up to 5000.* set iamRolesQuota`));
            } else {
                expect(problems).to.deep.equal([]);
                expect(parseStackConfig(stack(n)).warnings[0]).to.match(new RegExp(`^the stack creates ${total} IAM roles in its account .*of iamRolesQuota 1000; the account's other roles count`));
            }
        });
    }

    it("warns from 80 % of the quota and not below it", () => {
        expect(parseStackConfig(stack(799)).warnings).to.have.length(1); // 800 of 1,000
        expect(parseStackConfig(stack(798)).warnings).to.deep.equal([]);
        expect(parseStackConfig(stack(3999, { iamRolesQuota: 5000 })).warnings).to.have.length(1);
        expect(parseStackConfig(stack(1200, { iamRolesQuota: 5000 })).warnings).to.deep.equal([]);
    });

    it("takes a raised quota up to IAM's 5,000, and refuses one above it or below the default", () => {
        expect(configProblems(stack(1200, { iamRolesQuota: 2000 }))).to.deep.equal([]);
        expect(configProblems(stack(1, { iamRolesQuota: 6000 }))[0]).to.match(/^kubeflow-irsa:iamRolesQuota: 6000 must be at most 5000 \(the most IAM raises roles per account to\)/);
        expect(configProblems(stack(1, { iamRolesQuota: 500 }))[0]).to.match(/^kubeflow-irsa:iamRolesQuota: 500 must be at least 1000/);
    });
});
