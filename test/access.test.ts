/**
 * The preview's trust evaluator against an independent IAM simulator (@cloud-copilot/iam-simulate, a
 * devDependency): on hand-written tricky policies and on generated ones, both must reach the same decision.
 */
import { expect } from "chai";
import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { createValidatedPolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { PolicyDocument, PolicyStatement } from "../iam/document";
import { AssumeRequest, evaluateTrust, podIdentityRequests, webIdentityRequest } from "../iam/evaluate";
import { analyzeAccess } from "../preview/access";
import { podIdentityTrustStatement } from "../components/trustDocuments";
import { RoleView } from "../preview/iam";
import { prng } from "../tools/random";

const ACCOUNT = "111122223333";
const HOST1 = "oidc.eks.us-east-1.amazonaws.com/id/CLUSTER1";
const HOST2 = "oidc.eks.us-east-1.amazonaws.com/id/CLUSTER2";
const P1 = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST1}`;
const P2 = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST2}`;
const sa = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;

function simulate(doc: PolicyDocument, request: AssumeRequest): string {
    return runUnsafeSimulation(
        {
            request: { principal: request.principal, action: request.action, resource: { resource: `arn:aws:iam::${ACCOUNT}:role/target`, accountId: ACCOUNT }, contextVariables: request.context },
            identityPolicies: [],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            // The validated entry point drops the EKS aud/sub keys; a named validated policy keeps them.
            resourcePolicy: createValidatedPolicy(doc, validateTrustPolicy, { name: "trust" }),
        },
        {},
    );
}

function web(provider: string, host: string, sub: string, aud = "sts.amazonaws.com"): AssumeRequest {
    return webIdentityRequest({ providerArn: provider, issuerHostPath: host }, sub, aud);
}


describe("trust evaluator vs IAM simulator", () => {
    const tricky: Array<[string, PolicyDocument, AssumeRequest[]]> = [
        [
            "sub list under StringEquals, wrong aud, second cluster",
            { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: P1 }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${HOST1}:aud`]: "sts.amazonaws.com", [`${HOST1}:sub`]: [sa("a", "x"), sa("a", "y")] } } }] },
            [web(P1, HOST1, sa("a", "x")), web(P1, HOST1, sa("a", "y")), web(P1, HOST1, sa("a", "z")), web(P1, HOST1, sa("a", "x"), "wrong"), web(P2, HOST2, sa("a", "x"))],
        ],
        [
            "StringLike wildcard and ? patterns",
            { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: P1 }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${HOST1}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${HOST1}:sub`]: [sa("run", "job-*"), sa("b", "w?")] } } }] },
            [web(P1, HOST1, sa("run", "job-1")), web(P1, HOST1, sa("run", "job-")), web(P1, HOST1, sa("runx", "job-1")), web(P1, HOST1, sa("b", "w1")), web(P1, HOST1, sa("b", "w12"))],
        ],
        [
            "aud only (any service account)",
            { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: P1 }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${HOST1}:aud`]: "sts.amazonaws.com" } } }] },
            [web(P1, HOST1, sa("anything", "goes")), web(P1, HOST1, sa("x", "y"), "other")],
        ],
        [
            "conditions keyed on the other cluster's issuer",
            { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: [P1, P2] }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${HOST2}:aud`]: "sts.amazonaws.com", [`${HOST2}:sub`]: sa("a", "x") } } }] },
            [web(P1, HOST1, sa("a", "x")), web(P2, HOST2, sa("a", "x")), web(P2, HOST2, sa("a", "y"))],
        ],
        [
            "explicit deny of one subject beats the allow",
            {
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Principal: { Federated: P1 }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringLike: { [`${HOST1}:sub`]: sa("a", "*") } } },
                    { Effect: "Deny", Principal: { Federated: P1 }, Action: "sts:*", Condition: { StringEquals: { [`${HOST1}:sub`]: sa("a", "blocked") } } },
                ],
            },
            [web(P1, HOST1, sa("a", "ok")), web(P1, HOST1, sa("a", "blocked"))],
        ],
        [
            "negated operators and IfExists",
            {
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Principal: { Federated: P1 }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringNotEquals: { [`${HOST1}:sub`]: sa("a", "x") }, StringEqualsIfExists: { [`${HOST1}:amr`]: "authenticated" } } },
                ],
            },
            [web(P1, HOST1, sa("a", "x")), web(P1, HOST1, sa("a", "y"))],
        ],
    ];

    for (const [label, doc, requests] of tricky) {
        it(`agrees on: ${label}`, () => {
            for (const request of requests) {
                expect(evaluateTrust(doc, request), `${label}: ${JSON.stringify(request.context)} via ${request.principal}`).to.equal(simulate(doc, request));
            }
        });
    }

    it("agrees on 300 generated trust policies x 8 requests each", () => {
        const random = prng(20261122);
        const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
        const subjects = [sa("team-a", "default-editor"), sa("team-a", "batch"), sa("team-b", "default-editor"), sa("run", "job-17"), sa("other", "x")];
        const patterns = [sa("team-a", "*"), sa("run", "job-*"), sa("team-?", "default-editor"), "system:serviceaccount:*"];
        let compared = 0;
        for (let n = 0; n < 300; n++) {
            const statements: PolicyStatement[] = Array.from({ length: 1 + Math.floor(random() * 2) }, () => {
                const [provider, host] = pick([[P1, HOST1], [P2, HOST2]] as const);
                const keyHost = random() < 0.85 ? host : pick([HOST1, HOST2]);
                const condition: Record<string, Record<string, string | string[]>> = {};
                const put = (op: string, key: string, value: string | string[]) => ((condition[op] ??= {})[key] = value);
                if (random() < 0.8) put("StringEquals", `${keyHost}:aud`, pick<string | string[]>(["sts.amazonaws.com", ["sts.amazonaws.com", "other"], "other"]));
                const subMode = pick(["equals", "like", "none", "notEquals"]);
                if (subMode === "equals") put("StringEquals", `${keyHost}:sub`, random() < 0.5 ? pick(subjects) : subjects.filter(() => random() < 0.5));
                if (subMode === "like") put("StringLike", `${keyHost}:sub`, random() < 0.5 ? pick(patterns) : patterns.filter(() => random() < 0.5));
                if (subMode === "notEquals") put("StringNotEquals", `${keyHost}:sub`, pick(subjects));
                // An empty list never matches; keep the generator to what IAM accepts.
                for (const keys of Object.values(condition)) for (const [k, v] of Object.entries(keys)) if (Array.isArray(v) && v.length === 0) keys[k] = pick(subjects);
                return {
                    Effect: random() < 0.85 ? "Allow" : "Deny",
                    Principal: { Federated: random() < 0.8 ? provider : [P1, P2] },
                    Action: pick<string | string[]>(["sts:AssumeRoleWithWebIdentity", "sts:AssumeRole*", ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"], "sts:AssumeRole"]),
                    ...(Object.keys(condition).length ? { Condition: condition } : {}),
                } as PolicyStatement;
            });
            const doc: PolicyDocument = { Version: "2012-10-17", Statement: statements };
            for (let r = 0; r < 8; r++) {
                const [provider, host] = pick([[P1, HOST1], [P2, HOST2]] as const);
                const request = web(provider, host, pick(subjects), random() < 0.8 ? "sts.amazonaws.com" : "other");
                expect(evaluateTrust(doc, request), `policy ${n} request ${r}: ${JSON.stringify(doc)} ${JSON.stringify(request)}`).to.equal(simulate(doc, request));
                compared++;
            }
        }
        expect(compared).to.equal(2400);
    });

    it("builds the access matrix and findings from the documents", () => {
        const role = (name: string, trust: PolicyDocument, extra: Partial<RoleView> = {}): RoleView => ({ name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, kind: "role", declaredBy: name, trust, inlinePolicies: {}, managedPolicyArns: [], associations: [], ...extra });
        const exact = role("exact", tricky[0][1]);
        const open = role("open", tricky[2][1]);
        const broad = role("broad", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: P1 }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${HOST1}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${HOST1}:sub`]: "system:serviceaccount:*" } } }] }, {
            managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
            inlinePolicies: { p: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }] } },
        });
        const { matrix, findings } = analyzeAccess([exact, open, broad]);
        expect(matrix.find((m) => m.role === "exact")!.serviceAccounts).to.deep.equal(["a:x", "a:y"]);
        expect(matrix.find((m) => m.role === "open")!.serviceAccounts).to.include("(any service account)");
        const messages = findings.map((f) => `${f.severity} ${f.role}: ${f.message}`);
        expect(messages).to.include(`high open: trust has no effective sub condition: any service account of ${HOST1} can assume it`);
        expect(messages).to.include("high broad: sub pattern system:serviceaccount:* matches beyond one namespace");
        expect(messages).to.include("high broad: attaches AdministratorAccess");
        // What the permission policies risk (iam:PassRole on *) is reach.ts riskFindings, tested in reach.test.ts.
        expect(messages.filter((m) => m.includes(" exact:"))).to.deep.equal([]);
    });

    it("flags two roles of one ARN, whatever the case of their names (IAM would refuse the second)", () => {
        const trust: PolicyDocument = { Version: "2012-10-17", Statement: [] };
        const view = (name: string, kind: RoleView["kind"], declaredBy: string): RoleView => ({ name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, kind, declaredBy, trust, inlinePolicies: {}, managedPolicyArns: [], associations: [] });
        const { findings } = analyzeAccess([view("team-a-role", "profile", "team-a"), view("Team-A-Role", "role-pair-asset", "p"), view("other", "profile", "b")]);
        expect(findings.map((f) => `${f.severity} ${f.message}`)).to.deep.equal([`high 2 roles of the stack have the ARN arn:aws:iam::${ACCOUNT}:role/team-a-role (profile team-a, role-pair-asset p): IAM role names are unique per account, so the deploy would fail; give one another name`]);
    });

    it("flags a trust near the quota with its length", () => {
        const subjects = Array.from({ length: 38 }, (_, i) => sa("runtime", `run-${i}`));
        const trust: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: P1 }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${HOST1}:aud`]: "sts.amazonaws.com", [`${HOST1}:sub`]: subjects } } }] };
        const length = JSON.stringify(trust).length;
        expect(length).to.be.within(1639, 2048);
        const { findings } = analyzeAccess([{ name: "big", arn: "x", kind: "role", declaredBy: "big", trust, inlinePolicies: {}, managedPolicyArns: [], associations: [] }]);
        expect(findings).to.deep.equal([{ severity: "medium", role: "big", message: `trust policy is ${length} of 2048 characters: near the quota` }]);
    });

    describe("EKS Pod Identity trusts", () => {
        const C1 = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/one`;
        const C2 = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/two`;
        const C3 = "arn:aws:eks:us-east-1:444455556666:cluster/one";
        const exact = (namespace: string, serviceAccounts: string[], clusterArn = C1): PolicyDocument => ({
            Version: "2012-10-17",
            Statement: [podIdentityTrustStatement({ clusterArn, accountId: ACCOUNT, namespace, serviceAccounts })],
        });
        const pods = (extra: Partial<PolicyStatement>): PolicyDocument => ({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"], ...extra } as PolicyStatement],
        });
        const requests = (clusterArn: string, ns: string, name: string) => podIdentityRequests(clusterArn, ns, name);
        const cases: Array<[string, PolicyDocument, AssumeRequest[]]> = [
            ["exact trust: listed accounts only, this cluster only", exact("team-a", ["default-editor", "batch"]), [...requests(C1, "team-a", "batch"), ...requests(C1, "team-a", "other"), ...requests(C1, "team-b", "batch"), ...requests(C2, "team-a", "batch"), ...requests(C3, "team-a", "batch")]],
            ["no conditions: any association", pods({}), [...requests(C1, "x", "y"), ...requests(C3, "x", "y")]],
            ["AssumeRole without TagSession", pods({ Action: "sts:AssumeRole" }), requests(C1, "team-a", "batch")],
            [
                "namespace pattern and a denied account",
                {
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: "sts:*", Condition: { StringLike: { "aws:RequestTag/kubernetes-namespace": "team-*" }, StringEquals: { "aws:RequestTag/eks-cluster-arn": C1 } } },
                        { Effect: "Deny", Principal: { Service: "pods.eks.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:RequestTag/kubernetes-service-account": "blocked" } } },
                    ],
                },
                [...requests(C1, "team-a", "ok"), ...requests(C1, "team-a", "blocked"), ...requests(C1, "other", "ok"), ...requests(C2, "team-b", "ok")],
            ],
        ];
        for (const [label, doc, list] of cases) {
            it(`agrees with the simulator on: ${label}`, () => {
                for (const request of list) {
                    expect(evaluateTrust(doc, request), `${label}: ${request.action} ${JSON.stringify(request.context)}`).to.equal(simulate(doc, request));
                }
            });
        }

        it("agrees with the simulator on 300 generated Pod Identity trusts x 8 requests each (both actions)", () => {
            const random = prng(20261125);
            const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
            const namespaces = ["team-a", "team-b", "run"];
            const accounts = ["default-editor", "batch", "job-1"];
            let compared = 0;
            const decisions: Record<string, number> = {};
            for (let n = 0; n < 300; n++) {
                const statements: PolicyStatement[] = Array.from({ length: 1 + Math.floor(random() * 2) }, () => {
                    const condition: Record<string, Record<string, string | string[]>> = {};
                    const put = (op: string, key: string, value: string | string[]) => ((condition[op] ??= {})[key] = value);
                    if (random() < 0.7) put("StringEquals", "aws:SourceAccount", pick([ACCOUNT, "444455556666"]));
                    if (random() < 0.7) put("StringEquals", "aws:RequestTag/eks-cluster-arn", pick<string | string[]>([C1, C2, [C1, C3]]));
                    if (random() < 0.7) put(pick(["StringEquals", "StringLike", "StringNotEquals"]), "aws:RequestTag/kubernetes-namespace", pick<string | string[]>([...namespaces, "team-*", ["team-a", "run"]]));
                    if (random() < 0.7) put(pick(["StringEquals", "StringLike"]), "aws:RequestTag/kubernetes-service-account", pick<string | string[]>([...accounts, "job-?", ["batch", "default-editor"]]));
                    return {
                        Effect: random() < 0.85 ? "Allow" : "Deny",
                        Principal: { Service: pick<string | string[]>(["pods.eks.amazonaws.com", ["pods.eks.amazonaws.com", "ec2.amazonaws.com"], "ec2.amazonaws.com"]) },
                        Action: pick<string | string[]>([["sts:AssumeRole", "sts:TagSession"], "sts:AssumeRole", "sts:*", "sts:TagSession"]),
                        ...(Object.keys(condition).length ? { Condition: condition } : {}),
                    } as PolicyStatement;
                });
                const doc: PolicyDocument = { Version: "2012-10-17", Statement: statements };
                for (let r = 0; r < 4; r++) {
                    for (const request of requests(pick([C1, C2, C3]), pick(namespaces), pick(accounts))) {
                        const decision = simulate(doc, request);
                        expect(evaluateTrust(doc, request), `policy ${n} request ${r}: ${JSON.stringify(doc)} ${JSON.stringify(request)}`).to.equal(decision);
                        compared++;
                        decisions[decision] = (decisions[decision] ?? 0) + 1;
                    }
                }
            }
            expect(compared).to.equal(2400);
            // The generator must exercise every outcome, or the agreement proves little.
            expect(decisions.Allowed, JSON.stringify(decisions)).to.be.greaterThan(200);
            expect(decisions.ExplicitlyDenied, JSON.stringify(decisions)).to.be.greaterThan(20);
            expect(decisions.ImplicitlyDenied, JSON.stringify(decisions)).to.be.greaterThan(200);
        });

        it("lists associations the trust allows, and flags refused associations and open trusts", () => {
            const view = (name: string, trust: PolicyDocument, associations: RoleView["associations"]): RoleView => ({
                name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, kind: "profile", declaredBy: name, trust, inlinePolicies: {}, managedPolicyArns: [], associations,
            });
            // Stand-in cluster ARNs are in the stand-in account and region (offline/standInCloud.ts).
            const standIn = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/kf`;
            const good = view("good", exact("team-a", ["batch", "default-editor"], standIn), [{ clusterName: "kf", namespace: "team-a", serviceAccount: "batch" }, { clusterName: "kf", namespace: "team-a", serviceAccount: "spark" }]);
            const open = view("open", pods({}), [{ clusterName: "kf", namespace: "team-b", serviceAccount: "default-editor" }]);
            const { matrix, findings } = analyzeAccess([good, open]);
            expect(matrix.find((m) => m.role === "good")!.serviceAccounts).to.deep.equal(["team-a:batch (pod identity)"]);
            expect(matrix.find((m) => m.role === "open")!.serviceAccounts).to.deep.equal(["team-b:default-editor (pod identity)", "(any service account of kf) (pod identity)"]);
            expect(findings.map((f) => `${f.severity} ${f.role}: ${f.message}`)).to.deep.equal([
                "high open: Pod Identity trust does not restrict namespace and service account: any association in cluster kf can use it",
                "high open: Pod Identity trust does not restrict the cluster: an association in any cluster of the account can use it",
                "high open: Pod Identity trust restricts neither the cluster nor the account (aws:SourceAccount): an association in any account can use it",
                "medium good: the Pod Identity association for team-a:spark in kf gives no credentials: the trust does not allow it",
            ]);
        });

        it("flags a trust that names the service account and cluster but no namespace: that service account of any namespace gets in", () => {
            const standIn = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/kf`;
            const trust = pods({ Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:RequestTag/eks-cluster-arn": standIn, "aws:RequestTag/kubernetes-service-account": "spark" } } });
            const role: RoleView = { name: "spark", arn: `arn:aws:iam::${ACCOUNT}:role/spark`, kind: "profile", declaredBy: "spark", trust, inlinePolicies: {}, managedPolicyArns: [], associations: [{ clusterName: "kf", namespace: "team-a", serviceAccount: "spark" }] };
            const { matrix, findings } = analyzeAccess([role]);
            expect(matrix[0].serviceAccounts).to.deep.equal(["team-a:spark (pod identity)", "(spark of any namespace of kf) (pod identity)"]);
            expect(findings.map((f) => `${f.severity} ${f.role}: ${f.message}`)).to.deep.equal(["high spark: Pod Identity trust does not restrict the namespace: service account spark of any namespace in cluster kf can use it"]);
        });
    });
});
