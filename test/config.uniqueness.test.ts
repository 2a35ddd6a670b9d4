/**
 * One uniqueness check over everything the program declares (config/uniqueness.ts): each space with a collision the
 * deploy would hit, named by both entries; and generated configs (seeded) where one random collision of a random kind
 * is injected among distinct entries: it is refused, naming both, and without it the config passes.
 */
import { expect } from "chai";
import fc from "fast-check";
import { configProblems, refusalsOf } from "./helpers/configProblems";

const SEED = Number(process.env.PROPERTY_SEED ?? 20261207);
const SUBJECT = (ns: string, sa: string) => `system:serviceaccount:${ns}:${sa}`;
const pair = (name: string, extra: object = {}) => ({ name, assetAccountId: "222233334444", assetRoleName: `${name}-asset`, eksRoleName: `${name}-eks`, subjects: [SUBJECT("team-a", "default-editor")], assetPolicyArns: ["arn:aws:iam::222233334444:policy/read"], ...extra });
const base = (extra: object = {}) => ({ clusterName: "kf", profiles: [{ name: "team-a", owner: "a@example.com" }, { name: "team-b", owner: "b@example.com" }], ...extra });

describe("one uniqueness check over everything the program declares", () => {
    it("a pair's asset role named like a profile role, when the asset account is the stack's", () => {
        const raw = base({ pipeline: { repository: "acme/x", accountId: "222233334444" }, rolePairs: [pair("p", { assetRoleName: "TEAM-A-kf-role" })] });
        expect(refusalsOf(raw).join("\n")).to.match(/rolePairs\[0\] \(p\)\.assetRoleName: .*gives "TEAM-A-kf-role", as profiles\[0\] \(team-a\)\.name does \("team-a-kf-role"\): IAM role names are unique per account, whatever their case/);
        // In another account the same name is another role.
        expect(configProblems(base({ pipeline: { repository: "acme/x", accountId: "111122223333" }, rolePairs: [pair("p", { assetRoleName: "team-a-kf-role" })] }))).to.deep.equal([]);
    });

    it("two pairs' asset roles of one name in one asset account", () => {
        expect(refusalsOf(base({ rolePairs: [pair("p"), pair("q", { assetRoleName: "p-asset" })] })).join("\n")).to.match(/rolePairs\[1\] \(q\)\.assetRoleName: .*as rolePairs\[0\] \(p\)\.assetRoleName does/);
    });

    it("a profile role named like the pipeline's deploy role (named from the stack when no environment is set)", () => {
        const raw = base({ pipeline: { repository: "acme/x" }, profiles: [{ name: "team-a", owner: "a", roleName: "kf-kubeflow-irsa-deploy-dev" }] });
        expect(refusalsOf(raw, undefined, { stack: "dev" }).join("\n")).to.match(/kubeflow-irsa:pipeline: .*gives "kf-kubeflow-irsa-deploy-dev" to the pipeline's deploy role, as profiles\[0\] \(team-a\)\.roleName does/);
        expect(configProblems(raw, undefined, { stack: "prod" })).to.deep.equal([]);
        const preview = base({ pipeline: { repository: "acme/x" }, rolePairs: [pair("p", { eksRoleName: "kf-kubeflow-irsa-preview" })] });
        expect(refusalsOf(preview).join("\n")).to.match(/rolePairs\[0\] \(p\)\.eksRoleName: .*as the pipeline's preview role does/);
    });

    it("a service account listed twice (one object, one resource name)", () => {
        const raw = base({ profiles: [{ name: "team-a", owner: "a", serviceAccounts: ["default-editor", "batch", "batch"] }] });
        expect(refusalsOf(raw).join("\n")).to.match(/profiles\[0\] \(team-a\)\.serviceAccounts\[2\]: .*gives "team-a:batch", as profiles\[0\] \(team-a\)\.serviceAccounts\[1\] does/);
    });

    it("one namespace and service account bound by two Pod Identity associations", () => {
        const raw = base({ identity: "podIdentity", rolePairs: [pair("p", { subjects: [SUBJECT("team-a", "default-editor")] })] });
        expect(refusalsOf(raw).join("\n")).to.match(/rolePairs\[0\] \(p\)\.subjects\[0\]: .*gives "team-a:default-editor", as profiles\[0\] \(team-a\)\.serviceAccounts\[0\] does.*409/);
        // On IRSA a pair's subject is a trust entry, not an association: no collision.
        expect(configProblems(base({ rolePairs: [pair("p")] }))).to.deep.equal([]);
    });

    it("generated: one injected collision of any kind is refused naming both entries; without it the config passes", () => {
        const kinds = ["profile-name", "role-name", "eks-role", "asset-role", "pair-name", "service-account", "pod-identity"] as const;
        fc.assert(
            fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(...kinds), fc.nat(), fc.nat(), fc.boolean(), (nProfiles, nPairs, kind, x, y, upper) => {
                const profiles: Array<Record<string, unknown>> = Array.from({ length: nProfiles }, (_, i) => ({ name: `team-${i}`, owner: `o${i}`, serviceAccounts: ["default-editor", `job-${i}`] }));
                const pairs: Array<Record<string, unknown>> = Array.from({ length: nPairs }, (_, i) => pair(`pair-${i}`, { subjects: [SUBJECT(`ns-${i}`, "runner")] }));
                const raw = () => ({ clusterName: "kf", identity: "podIdentity", profiles: structuredClone(profiles), rolePairs: structuredClone(pairs) });
                expect(configProblems(raw()), "distinct entries pass").to.deep.equal([]);
                const a = x % nProfiles;
                const b = (a + 1 + (y % (nProfiles - 1))) % nProfiles;
                const p = x % nPairs;
                const q = (p + 1) % nPairs;
                const cfg = raw();
                const caseOf = (name: string) => (upper ? name.toUpperCase() : name);
                let at: RegExp;
                switch (kind) {
                    case "profile-name":
                        cfg.profiles[b].name = `team-${a}`;
                        at = new RegExp(`profiles\\[${Math.max(a, b)}\\].*as profiles\\[${Math.min(a, b)}\\]`);
                        break;
                    case "role-name":
                        cfg.profiles[b].roleName = caseOf(`team-${a}-kf-role`);
                        at = new RegExp(`profiles\\[${Math.max(a, b)}\\].*as profiles\\[${Math.min(a, b)}\\].*IAM role names`);
                        break;
                    case "eks-role":
                        cfg.rolePairs[p].eksRoleName = caseOf(`team-${a}-kf-role`);
                        at = new RegExp(`rolePairs\\[${p}\\] \\(pair-${p}\\)\\.eksRoleName.*as profiles\\[${a}\\] \\(team-${a}\\)`);
                        break;
                    case "asset-role":
                        if (nPairs < 2) return;
                        cfg.rolePairs[q].assetRoleName = caseOf(`pair-${p}-asset`);
                        at = new RegExp(`rolePairs\\[${Math.max(p, q)}\\].*assetRoleName.*as rolePairs\\[${Math.min(p, q)}\\]`);
                        break;
                    case "pair-name":
                        if (nPairs < 2) return;
                        cfg.rolePairs[q].name = `pair-${p}`;
                        at = new RegExp(`rolePairs\\[${Math.max(p, q)}\\].*as rolePairs\\[${Math.min(p, q)}\\]`);
                        break;
                    case "service-account":
                        (cfg.profiles[a].serviceAccounts as string[]).push(`job-${a}`);
                        at = new RegExp(`profiles\\[${a}\\] \\(team-${a}\\)\\.serviceAccounts\\[2\\].*as profiles\\[${a}\\] \\(team-${a}\\)\\.serviceAccounts\\[1\\]`);
                        break;
                    case "pod-identity":
                        cfg.rolePairs[p].subjects = [SUBJECT(`team-${a}`, `job-${a}`)];
                        at = new RegExp(`rolePairs\\[${p}\\].*subjects\\[0\\].*as profiles\\[${a}\\] \\(team-${a}\\)\\.serviceAccounts\\[1\\]`);
                        break;
                }
                const problems = configProblems(cfg);
                expect(problems.join("\n"), `${kind}`).to.match(at!);
            }),
            { seed: SEED, numRuns: 300 },
        );
    });
});
