/**
 * Owners and subjects the config refuses, from the rules rather than from a list: an owner with any control character
 * (Unicode's Cc class, generated) or one of Kubernetes' own `system:` identities; role-pair subjects that can never
 * match because Kubernetes names are lowercase DNS labels and subdomains (generated from the name grammar).
 */
import { expect } from "chai";
import * as fc from "fast-check";

import { subjectProblem } from "../iam/identity";
import { configProblems } from "./helpers/configProblems";

const ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/ABC123";
const stack = (owner: string, ownerKind: "User" | "Group" = "User") => ({ clusterName: "kf-dev", oidcIssuerUrl: ISSUER, profiles: [{ name: "team-a", owner, ownerKind }] });

/** Every code point of Unicode's Cc class: C0 controls, DEL and the C1 controls. */
const CONTROL = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i)].map((c) => String.fromCodePoint(c));

describe("stack config: owners and subjects", () => {
    it("refuses an owner with any control character, wherever it stands", () => {
        fc.assert(
            fc.property(fc.constantFrom(...CONTROL), fc.stringMatching(/^[a-z][a-z.@-]{0,12}$/), fc.nat(14), (control, name, at) => {
                // Leading and trailing whitespace is trimmed: put the control character inside the name.
                const owner = `a${name.slice(0, at)}${control}${name.slice(at)}z`;
                const problems = configProblems(stack(owner));
                expect(problems, JSON.stringify(owner)).to.have.length(1);
                expect(problems[0]).to.match(/^kubeflow-irsa:profiles\[0\] \(team-a\)\.owner: .* has a control character/);
            }),
            { numRuns: 200 },
        );
    });

    it("refuses Kubernetes' own system: identities and groups as owners, of either kind and in any case", () => {
        for (const owner of ["system:authenticated", "system:unauthenticated", "system:masters", "system:serviceaccounts", "system:serviceaccounts:kubeflow", "system:anonymous", "System:Authenticated", "system:node:ip-10-0-0-1"]) {
            for (const kind of ["User", "Group"] as const) {
                const problems = configProblems(stack(owner, kind));
                expect(problems, owner).to.have.length(1);
                expect(problems[0]).to.match(/\.owner: .* is one of Kubernetes' own identities or groups \(system:\*\)/);
            }
        }
    });

    it("accepts ordinary user and group names", () => {
        for (const owner of ["alice@example.com", "ml-forecasting", "Jane Doe", "system-admins", "oidc:alice", "https://idp.example.com#alice"]) {
            expect(configProblems(stack(owner)), owner).to.deep.equal([]);
        }
    });

    it("refuses role-pair subjects that can never match: a namespace or service account that is no Kubernetes name", () => {
        const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
        // One character Kubernetes names never have, put somewhere into an otherwise valid name.
        const bad = fc.constantFrom("A", "Z", "_", " ", "é", "/", "+");
        fc.assert(
            fc.property(label, label, bad, fc.nat(22), fc.boolean(), (namespace, serviceAccount, character, at, inNamespace) => {
                const spoil = (name: string) => `${name.slice(0, at)}${character}${name.slice(at)}`;
                const subject = `system:serviceaccount:${inNamespace ? spoil(namespace) : namespace}:${inNamespace ? serviceAccount : spoil(serviceAccount)}`;
                for (const match of ["StringEquals", "StringLike"] as const) {
                    expect(subjectProblem(subject, match), subject).to.match(/^can never match: its (namespace|service account) /);
                }
                expect(subjectProblem(`system:serviceaccount:${namespace}:${serviceAccount}`, "StringEquals")).to.equal(undefined);
            }),
            { numRuns: 300 },
        );
        expect(subjectProblem("system:serviceaccount:team-a:run-*", "StringLike")).to.equal(undefined);
        expect(subjectProblem("system:serviceaccount:team-a:Run-*", "StringLike")).to.match(/^can never match: its service account "Run-\*"/);
        expect(subjectProblem(`system:serviceaccount:${"a".repeat(64)}:x`, "StringEquals")).to.match(/^can never match: its namespace/);
    });
});
