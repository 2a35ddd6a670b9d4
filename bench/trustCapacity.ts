/**
 * Section 6: how many `sub` entries of realistic length fit a trust policy under IAM's default quota and a raised one,
 * for the package's layouts and for the Kubeflow profile controller's one-entry-per-namespace growth. Computed, not timed.
 */
import { policyLength } from "../iam/document";
import { serviceAccountSubject } from "../iam/identity";
import { webIdentityTrustPolicy } from "../components/trustDocuments";
import { rolePairDocuments } from "../components/rolePair/documents";
import { Section, table } from "./harness";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/5C3A0B8E2D1F4A6B9C7E8D0F1A2B3C4D";
/** A realistic namespace: a team name and a number, 20 characters. */
const namespace = (i: number) => `ds-team-forecast-${String(i).padStart(3, "0")}`;

function fits(limit: number, build: (count: number) => number): number {
    let count = 0;
    while (count < 10_000 && build(count + 1) <= limit) count++;
    return count;
}

function capacity(): Array<{ layout: string; entry: string; at2048: number; at4096: number }> {
    const pair = (subjects: string[], subjectMatch: "StringEquals" | "StringLike") =>
        policyLength(rolePairDocuments({ oidcProviderArn: PROVIDER, path: "/", eksRoleName: "e", assetRoleName: "a", assetAccountId: "222222222222", subjects, subjectMatch, exclusive: false }).eksTrust);
    const exact = (n: number) => Array.from({ length: n }, (_, i) => serviceAccountSubject(namespace(i), "default-editor"));
    const hostPath = PROVIDER.split(":oidc-provider/")[1];
    // The Kubeflow profile controller's document: one statement, one sub entry per namespace that uses the role.
    const kubeflow = (n: number) =>
        JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${hostPath}:aud`]: "sts.amazonaws.com", [`${hostPath}:sub`]: exact(n) } } }] }).length;
    const rows = [
        { layout: "RolePair, StringEquals (this package)", entry: exact(1)[0], build: (n: number) => pair(exact(n), "StringEquals") },
        { layout: "RolePair, StringLike one pattern per namespace", entry: `system:serviceaccount:${namespace(0)}:*`, build: (n: number) => pair(Array.from({ length: n }, (_, i) => `system:serviceaccount:${namespace(i)}:*`), "StringLike") },
        { layout: "Profile role, StringEquals (this package)", entry: exact(1)[0], build: (n: number) => policyLength(webIdentityTrustPolicy({ providerArn: PROVIDER, issuerHostPath: hostPath, subjects: exact(n) })) },
        { layout: "Kubeflow profile controller, one entry per namespace", entry: exact(1)[0], build: kubeflow },
    ];
    return rows.map((r) => ({ layout: r.layout, entry: r.entry, at2048: fits(2048, r.build), at4096: fits(4096, r.build) }));
}

type CapacityRow = { layout: string; entry: string; at2048: number; at4096: number };

export const trustCapacity: Section<CapacityRow[]> = {
    key: "capacity",
    title: "## 6. Trust-policy capacity",
    async measure() {
        return capacity();
    },
    render(rows) {
        return [
            `Subjects of realistic length (namespace of 20 characters, e.g. \`${namespace(7)}\`), with a real-length provider ARN.`,
            "",
            table(["layout", "entry", "entries under 2,048", "entries under 4,096"], rows.map((c) => [c.layout, `\`${c.entry}\``, c.at2048, c.at4096])),
            "",
            "One entry per namespace is the Kubeflow controller's growth: every profile namespace that uses a shared role adds one `sub` entry,",
            "so a shared role stops accepting new namespaces at the counts above. This package gives each profile its own role (one",
            "namespace per trust), and for role pairs says before writing how many entries fit, and suggests a `StringLike` pattern or sharding.",
            "",
        ];
    },
};
