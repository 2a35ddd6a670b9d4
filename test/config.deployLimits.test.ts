/**
 * What the config refuses because the deploy would fail, escalate or land in the wrong namespace: reserved
 * namespaces, IAM writes on wildcards, IAM's tag rules and quotas, Kubernetes' ResourceQuota validation and S3 prefixes
 * that do not cover what they seem to. Every message names the key, the entry by name and the fix.
 */
import { expect } from "chai";
import { parseStackConfig } from "../config";
import { StackConfigError } from "../config/errors";
import { refusalsOf } from "./helpers/configProblems";

const ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/ABC123";

function stack(profile: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { clusterName: "kf-dev", oidcIssuerUrl: ISSUER, profiles: [{ name: "team-a", owner: "a@example.com" }, { owner: "b@example.com", ...profile }], ...extra };
}

function expectOnly(raw: Record<string, unknown>, pattern: RegExp): void {
    const problems = refusalsOf(raw);
    expect(problems, problems.join("\n")).to.have.length(1);
    expect(problems[0]).to.match(pattern);
}

const policy = (statement: Record<string, unknown>) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] });

describe("stack config: what the deploy would refuse or regret", () => {
    describe("namespaces a Profile must never take", () => {
        for (const name of ["kube-system", "kube-public", "kube-node-lease", "default", "kube-anything"]) {
            it(`refuses ${name}`, () => {
                expectOnly(stack({ name }), new RegExp(`^kubeflow-irsa:profiles\\[1\\] \\(${name}\\)\\.name: "${name}" is a namespace of Kubernetes itself.*name the profile after a namespace of its own`));
            });
        }

        it("refuses the profile controller's namespace, default or configured", () => {
            expectOnly(stack({ name: "kubeflow" }), /profiles\[1\] \(kubeflow\)\.name: "kubeflow" is the profile controller's namespace/);
            // Kubeflow's own namespace stays reserved when the controller runs elsewhere.
            expectOnly(stack({ name: "kubeflow" }, { profileController: { namespace: "kf-system" } }), /profiles\[1\] \(kubeflow\)\.name: "kubeflow" is Kubeflow's own namespace, reserved wherever the profile controller runs \(here: kf-system\)/);
            expectOnly(stack({ name: "kf-system" }, { profileController: { namespace: "kf-system" } }), /"kf-system" is the profile controller's namespace/);
        });

        it("refuses the Kubeflow platform's namespaces, a list the stack can change", () => {
            for (const name of ["istio-system", "cert-manager", "knative-serving", "auth", "oauth2-proxy"]) {
                expectOnly(stack({ name }), new RegExp(`\\(${name}\\)\\.name: "${name}" is listed in reservedNamespaces`));
            }
            expect(parseStackConfig(stack({ name: "auth" }, { reservedNamespaces: ["istio-system"] })).profiles[1].name).to.equal("auth");
            expectOnly(stack({ name: "geo-lab" }, { reservedNamespaces: ["geo-lab"] }), /"geo-lab" is listed in reservedNamespaces/);
        });

        it("leaves role-pair subjects in those namespaces alone (an add-on may use a pair)", () => {
            const pair = {
                name: "addon",
                assetAccountId: "222233334444",
                assetRoleName: "addon-asset",
                eksRoleName: "addon-eks",
                assetPolicy: policy({ Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
                subjects: ["system:serviceaccount:kube-system:addon"],
            };
            expect(parseStackConfig({ ...stack({ name: "team-b" }), rolePairs: [pair] }).rolePairs).to.have.length(1);
        });
    });

    describe("IAM writes on wildcards", () => {
        it("refuses PassRole and AttachRolePolicy on every role of the account, naming the statement and the fix", () => {
            expectOnly(
                stack({ name: "geo-lab", inlinePolicy: policy({ Action: ["iam:PassRole", "iam:AttachRolePolicy"], Resource: "arn:aws:iam::111122223333:role/*" }) }),
                /^kubeflow-irsa:profiles\[1\] \(geo-lab\)\.inlinePolicy\.Statement\[0\]: .* allows IAM writes \(iam:PassRole, iam:AttachRolePolicy\) on arn:aws:iam::111122223333:role\/\*, a wildcard: name the exact role or policy ARNs/,
            );
        });

        it("refuses iam:* on any account's roles, NotAction that keeps IAM in, and NotResource", () => {
            expectOnly(stack({ name: "geo-lab", inlinePolicy: policy({ Action: "iam:*", Resource: "arn:aws:iam::*:role/*" }) }), /Statement\[0\].*allows IAM writes \(iam:PassRole, .* and \d+ more\) on arn:aws:iam::\*:role\/\*/);
            expectOnly(stack({ name: "geo-lab", inlinePolicy: policy({ NotAction: "s3:*", Resource: "*" }) }), /Statement\[0\].*allows IAM writes/);
            expectOnly(stack({ name: "geo-lab", inlinePolicy: policy({ Action: "iam:TagRole", NotResource: "arn:aws:iam::111122223333:role/x" }) }), /allows IAM writes \(iam:TagRole\) on \*/);
        });

        it("allows IAM writes on exact ARNs (the preview flags them) and refuses the same on a role pair's asset policy", () => {
            expect(parseStackConfig(stack({ name: "geo-lab", inlinePolicy: policy({ Action: "iam:PassRole", Resource: "arn:aws:iam::111122223333:role/x" }) })).profiles).to.have.length(2);
            const pair = { name: "customer-read", assetAccountId: "222233334444", assetRoleName: "a", eksRoleName: "e", subjects: ["system:serviceaccount:ns:sa"], assetPolicy: policy({ Action: "iam:PutRolePolicy", Resource: "arn:aws:iam::222233334444:role/*" }) };
            expectOnly({ ...stack({ name: "team-b" }), rolePairs: [pair] }, /^kubeflow-irsa:rolePairs\[0\] \(customer-read\)\.assetPolicy\.Statement\[0\]: .* allows IAM writes \(iam:PutRolePolicy\)/);
        });
    });

    describe("IAM tags and quotas", () => {
        it("counts the stack's, the profile's and the package's own tags against IAM's 50", () => {
            const tags = (n: number, prefix: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, "v"]));
            expect(parseStackConfig(stack({ name: "geo-lab", tags: tags(28, "p") }, { tags: tags(20, "s") })).profiles).to.have.length(2);
            expectOnly(stack({ name: "geo-lab", tags: tags(29, "p") }, { tags: tags(20, "s") }), /profiles\[1\] \(geo-lab\)\.tags: .* gives the role 51 tags \(49 from the stack's and this entry's tags, 2 of the package's own\), over IAM's 50 per role: remove 1 or more/);
        });

        it("refuses a tag key that is, but for case, one of the package's own (the ownership marks)", () => {
            expectOnly(stack({ name: "geo-lab", tags: { "Kubeflow-IRSA/Profile": "x" } }), /profiles\[1\] \(geo-lab\)\.tags: .* sets tag "Kubeflow-IRSA\/Profile", which IAM reads \(ignoring case\) as the package's own "kubeflow-irsa\/profile"/);
            expectOnly(stack({ name: "geo-lab" }, { tags: { "kubeflow-irsa:cluster": "other" } }), /kubeflow-irsa:tags: .* sets tag "kubeflow-irsa:cluster", which is the package's own "kubeflow-irsa:cluster"/);
        });

        it("refuses tag keys and values IAM refuses, and keys that differ only in case", () => {
            expectOnly(stack({ name: "geo-lab", tags: { "aws:owner": "x" } }), /tags\.aws:owner: "x" tag key "aws:owner" starts with "aws:", which AWS reserves/);
            expectOnly(stack({ name: "geo-lab", tags: { "bad*key": "x" } }), /tag key "bad\*key" has characters IAM does not allow/);
            expectOnly(stack({ name: "geo-lab", tags: { k: "v".repeat(257) } }), /the value of tag "k" is 257 characters, over IAM's 256/);
            expectOnly(stack({ name: "geo-lab", tags: { k: "a#b" } }), /the value of tag "k" has characters IAM does not allow/);
            expectOnly(stack({ name: "geo-lab", tags: { Team: "a" } }, { tags: { team: "b" } }), /profiles\[1\] \(geo-lab\)\.tags: .* has tags "team" and "Team", which IAM treats as the same key/);
        });

        it("refuses more managed policies than the configured quota, and a description over 1,000 characters", () => {
            const arns = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::111122223333:policy/p${i}`);
            expectOnly(stack({ name: "geo-lab", policyArns: arns }), /policyArns: .* lists 11 managed policies, over the 10 per role of managedPoliciesPerRole/);
            expect(parseStackConfig(stack({ name: "geo-lab", policyArns: arns }, { managedPoliciesPerRole: 20 })).profiles).to.have.length(2);
            const serviceAccounts = Array.from({ length: 40 }, (_, i) => `service-account-number-${i}`);
            expectOnly(stack({ name: "geo-lab", serviceAccounts }), /serviceAccounts: .* makes the role's description \d+ characters .* over IAM's 1000/);
        });

        it("refuses inline policies over IAM's 10,240 characters per role, s3Buckets' policy counted", () => {
            const grants = Array.from({ length: 120 }, (_, i) => `acme-data/prefix-number-${i}`);
            expectOnly(stack({ name: "geo-lab", s3Buckets: grants }), /s3Buckets: .* gives the role \d+ characters of inline policy .* over IAM's 10240 per role/);
        });
    });

    describe("Kubernetes ResourceQuota", () => {
        it("refuses negative quantities, resources a quota cannot limit, fractions of objects and unknown scopes", () => {
            expectOnly(stack({ name: "geo-lab", resourceQuota: { hard: { cpu: "-5" } } }), /^kubeflow-irsa:profiles\[1\] \(geo-lab\)\.resourceQuota\.hard\.cpu: "-5" is negative: the API server refuses a negative quota/);
            expectOnly(stack({ name: "geo-lab", resourceQuota: { hard: { memory: -1 } } }), /hard\.memory: -1 is negative/);
            expectOnly(stack({ name: "geo-lab", resourceQuota: { hard: { gpus: "4" } } }), /hard\.gpus: "4" is not a resource a quota can limit/);
            expectOnly(stack({ name: "geo-lab", resourceQuota: { hard: { pods: "500m" } } }), /hard\.pods: "500m" must be a whole number: pods is counted in objects/);
            expectOnly(stack({ name: "geo-lab", resourceQuota: { scopes: ["Sometimes"] } }), /scopes\[0\]: "Sometimes" is not a ResourceQuota scope/);
            expect(parseStackConfig(stack({ name: "geo-lab", resourceQuota: { hard: { cpu: "0", "requests.nvidia.com/gpu": "4", "count/pods": 10 }, scopes: ["NotBestEffort"] } })).profiles).to.have.length(2);
            // A pod-state scope tracks pods, cpu and memory only: the API server refuses it on hugepages (test/e2e/manifests.e2e.test.ts).
            expectOnly(stack({ name: "geo-lab", resourceQuota: { hard: { "hugepages-2Mi": "1Gi" }, scopes: ["NotBestEffort"] } }), /resourceQuota\.scopes\[0\]: .*scope NotBestEffort cannot apply to hugepages-2Mi/);
            expectOnly(stack({ name: "geo-lab", resourceQuota: { hard: { pods: "4" }, scopes: ["Terminating", "NotTerminating"] } }), /has both Terminating and NotTerminating/);
        });
    });

    describe("S3 grants", () => {
        const cases: Array<[string, RegExp]> = [
            ["data-a/team/*", /ends in '\*': .* write it without the wildcard \("data-a\/team"\)/],
            ["data-a/x//y", /has an empty path segment \('\/\/'\).* write "data-a\/x\/y"/],
            ["data-a//team", /has an empty path segment .* write "data-a\/team"/],
            ["/data-a/team", /starts with '\/': begin with the bucket name \("data-a\/team"\)/],
            ["data-a/../team-b", /has a '\.' or '\.\.' path segment/],
            ["s3://data-a/team", /is a URL: write the bucket and prefix without "s3:\/\/" \("data-a\/team"\)/],
        ];
        for (const [grant, pattern] of cases) {
            it(`refuses ${grant} with the fix`, () => expectOnly(stack({ name: "geo-lab", s3Buckets: [grant] }), pattern));
        }
    });

    it("names the stack file the config was read from", () => {
        try {
            parseStackConfig(stack({ name: "default" }), "../other/Pulumi.x.yaml");
            expect.fail("expected a refusal");
        } catch (err) {
            expect((err as Error).message).to.match(/^Invalid stack config: 1 problem in the kubeflow-irsa: keys of \.\.\/other\/Pulumi\.x\.yaml\n/);
            expect((err as StackConfigError).inFile("stacks/Pulumi.dev.yaml").message).to.contain("keys of stacks/Pulumi.dev.yaml");
        }
    });
});
