/** report.md: what a reviewer reads in the pull request. */
import { STACK_OWNER_TAG } from "../components/tags";
import { AccessAnalysis } from "./access";
import { subjectsNamed } from "../iam/trustRules";
import { shortSubject } from "../iam/identity";
import type { PipelineRoles } from "../components/pipelineRoles";
import type { ClusterTargetView } from "./cluster";
import { hasChanges, PlanChanges } from "./compare";
import { RoleView } from "./iam";
import { Plan } from "./plan";
import { DEFAULT_STANDIN_CLOUD, STANDIN_ACCOUNT_ID } from "../offline/standInCloud";
import { Reach, reachLine, wordsOn } from "./reach";
import { PROFILE_COMPONENT_TYPE, PROFILE_CR_TYPE } from "../components/typeTokens";
import { S3_ACCESS_POLICY_NAME, s3ObjectArns } from "../components/permissionPolicies";
import { statements } from "../iam/document";

export interface ProfileRow {
    profile: string;
    role: string;
    serviceAccounts: string[];
    s3: string[];
    policies: string[];
    annotateOnly: string;
    /** `irsa`, `podIdentity` or `irsa+podIdentity`, read from the trust and the associations. */
    identity: string;
}

/** One row per declared Profile, read back from its role's documents and its Profile object. */
export function profileRows(plan: Plan, roles: RoleView[]): ProfileRow[] {
    const roleByComponent = new Map(roles.filter((v) => v.kind === "profile").map((v) => [v.declaredBy, v]));
    const crByParent = new Map(plan.resources.filter((r) => r.type === PROFILE_CR_TYPE).map((r) => [r.parent, r]));
    return plan.resources
        .filter((r) => r.type === PROFILE_COMPONENT_TYPE)
        .map((component) => {
            const role = roleByComponent.get(component.name);
            const cr = crByParent.get(component.name);
            const objects = s3ObjectArns(role?.inlinePolicies[S3_ACCESS_POLICY_NAME]);
            const plugin = (cr?.inputs.spec as { plugins?: Array<{ spec?: { annotateOnly?: boolean } }> } | undefined)?.plugins?.[0];
            const irsa = role ? subjectsNamed(role.trust).map(shortSubject) : [];
            const associated = role?.associations.map((a) => `${a.namespace}:${a.serviceAccount}`) ?? [];
            return {
                profile: component.name,
                role: role?.name ?? "(none)",
                serviceAccounts: [...new Set([...irsa, ...associated])].sort(),
                identity: [irsa.length ? "irsa" : "", associated.length ? "podIdentity" : ""].filter(Boolean).join("+") || "none",
                s3: [objects].flat().map((arn) => arn.replace(/^arn:[^:]+:s3:::/, "").replace(/\/\*$/, "")),
                policies: [...(role?.managedPolicyArns.map((a) => a.split("/").pop()!) ?? []), ...(role?.inlinePolicies.inline ? ["inline"] : [])],
                annotateOnly: plugin ? String(plugin.spec?.annotateOnly ?? "?") : "(no plugin)",
            };
        });
}

function cell(values: string[]): string {
    return values.length ? values.map((v) => `\`${v}\``).join(", ") : "none";
}

function table(header: string[], rows: string[][]): string {
    return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function countsByType(plan: Plan): Array<[string, number]> {
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

/** Lines a summary may fold into its `<details>` block; the rest is in report.md (a PR comment holds 65,536 characters). */
const DETAILS_LIMIT = 200;

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** At most `limit` items, then a line saying how many more there are (the full list is in report.md). */
function capped(items: string[], limit: number): string[] {
    return items.length > limit ? [...items.slice(0, limit), `... and ${items.length - limit} more (see report.md)`] : items;
}

/**
 * The change in a reviewer's terms: first who gains or loses which actions on which data (counts, then one line per
 * resource and set of principals), then roles and who may assume them; the statements themselves only in the full
 * report (`withStatements`).
 */
export function renderChanges(changes: PlanChanges, against: string, limit = Infinity, withStatements = limit === Infinity): string {
    const lines = [`## Changes against \`${against}\``, ""];
    if (!hasChanges(changes)) {
        return [...lines, "No IAM changes: the same roles, the same access, the same statements.", ""].join("\n");
    }
    // The data-access lines share one budget (gains first); the lists after them are shorter in the summary.
    const otherLimit = Number.isFinite(limit) ? Math.ceil(limit / 4) : limit;
    const list = (title: string, items: string[], cap = otherLimit) => (items.length ? [`**${title}**`, "", ...capped(items, cap).map((i) => `- ${i}`), ""] : []);
    const statement = (s: { role: string; document: string; statement: unknown }) => `\`${s.role}\` ${s.document}: \`${JSON.stringify(s.statement)}\``;
    const who = (changes: PlanChanges["reachGained"]) => new Set(changes.flatMap((c) => c.principals)).size;
    const where = (changes: PlanChanges["reachGained"]) => new Set(changes.map((c) => c.resource)).size;
    const gainsShown = Math.min(changes.reachGained.length, limit);
    const lossesShown = Math.min(changes.reachLost.length, Math.max(limit - gainsShown, 0));
    if (changes.reachGained.length || changes.reachLost.length) {
        lines.push(
            `**Data access:** ${[
                changes.reachGained.length ? `${count(who(changes.reachGained), "principal")} ${who(changes.reachGained) === 1 ? "gains" : "gain"} access on ${count(where(changes.reachGained), "resource")}` : "",
                changes.reachLost.length ? `${count(who(changes.reachLost), "principal")} ${who(changes.reachLost) === 1 ? "loses" : "lose"} access on ${count(where(changes.reachLost), "resource")}` : "",
            ].filter(Boolean).join("; ")}.`,
            "",
        );
    }
    const overflow = [...changes.reachGained.slice(gainsShown).map((c) => reachLine(c, "gain")), ...changes.reachLost.slice(lossesShown).map((c) => reachLine(c, "lose"))];
    lines.push(
        ...list("Gains", changes.reachGained.slice(0, gainsShown).map((c) => reachLine(c, "gain")), Infinity),
        ...list("Loses", changes.reachLost.slice(0, lossesShown).map((c) => reachLine(c, "lose")), Infinity),
        ...(overflow.length
            ? [`<details><summary>${overflow.length} more data-access changes</summary>`, "", ...capped(overflow, DETAILS_LIMIT).map((i) => `- ${i}`), "", "</details>", ""]
            : []),
        ...list("Roles added", changes.rolesAdded.map((r) => `\`${r}\``)),
        ...list("Roles removed", changes.rolesRemoved.map((r) => `\`${r}\``)),
        ...list("May now assume", changes.accessGained.map((c) => `\`${c.who}\` gains access to \`${c.role}\``)),
        ...list("May no longer assume", changes.accessLost.map((c) => `\`${c.who}\` loses access to \`${c.role}\``)),
        ...(withStatements
            ? [...list("Statements added", changes.statementsAdded.map(statement)), ...list("Statements removed", changes.statementsRemoved.map(statement))]
            : changes.statementsAdded.length + changes.statementsRemoved.length
              ? [`Policy statements: ${changes.statementsAdded.length} added, ${changes.statementsRemoved.length} removed (the documents are in report.md).`, ""]
              : []),
    );
    return lines.join("\n");
}

/** The reach table of report.md: one row per role or chain, its principals and its grants. */
function reachByRole(reach: Reach[]): string[] {
    const byVia = new Map<string, { principals: Set<string>; grants: Map<string, { label: string; words: Set<string> }> }>();
    for (const r of reach) {
        const entry = byVia.get(r.via) ?? { principals: new Set<string>(), grants: new Map() };
        entry.principals.add(r.principal);
        const label = `\`${r.resource}\`${r.condition ? ` ${r.condition}` : ""}`;
        const grant = entry.grants.get(label) ?? { label, words: new Set<string>() };
        grant.words.add(r.word);
        entry.grants.set(label, grant);
        byVia.set(r.via, entry);
    }
    if (byVia.size === 0) return ["None."];
    return [
        table(
            ["role", "who", "may"],
            [...byVia.entries()]
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([via, e]) => [
                    `\`${via}\``,
                    cell([...e.principals].sort()),
                    [...e.grants.values()].map((g) => wordsOn(g.words, g.label)).join("<br>"),
                ]),
        ),
    ];
}

export interface ReportInput {
    plan: Plan;
    roles: RoleView[];
    access: AccessAnalysis;
    /** Who reaches which data (plain-word actions per resource). */
    reach: Reach[];
    changes?: { against: string; changes: PlanChanges };
    /** The pipeline's own roles, when the stack names its repository (`pipeline`). */
    pipeline?: PipelineRoles;
    /** The cluster the Kubernetes objects go to. */
    cluster?: ClusterTargetView;
}

function clusterLine(cluster: ClusterTargetView | undefined, plan: Plan): string[] {
    if (!cluster) return [];
    const objects = plan.resources.filter((r) => r.type.startsWith("kubernetes:")).length;
    const where = [cluster.region, cluster.arn ? `\`${cluster.arn}\`` : undefined].filter(Boolean).join(", ");
    return [`Kubernetes objects (${objects}) go to cluster **\`${cluster.name}\`**${where ? ` (${where})` : ""} only: ${cluster.source}.`, ""];
}

/** Which account and region the offline ARNs name: the stack's where its config tells them, else stand-ins. */
function cloudLine(plan: Plan): string {
    const { accountId, region } = plan.cloud ?? DEFAULT_STANDIN_CLOUD;
    const account = accountId === STANDIN_ACCOUNT_ID ? `the stand-in account ${accountId} (the config names none: set pipeline.accountId)` : `account ${accountId}`;
    return `Offline: ARNs use ${account} and region ${region}.`;
}

function headerAndVerdict(input: ReportInput, limit: number): string[] {
    const { plan, roles, access, changes } = input;
    const high = access.findings.filter((f) => f.severity === "high").length;
    const rows = access.findings.map((f) => [f.severity.toUpperCase(), `\`${f.role}\``, f.message]);
    const shown = rows.slice(0, limit);
    return [
        `# kubeflow-irsa preview: stack \`${plan.stack}\``,
        "",
        `${plan.resources.length} resources, ${roles.length} IAM roles, ${access.findings.length} findings (${high} high). ${cloudLine(plan)}`,
        "",
        ...clusterLine(input.cluster, plan),
        ...(changes ? [renderChanges(changes.changes, changes.against, limit)] : []),
        "## Findings",
        "",
        rows.length ? table(["severity", "role", "finding"], shown) + (rows.length > shown.length ? `\n\n... and ${rows.length - shown.length} more (see report.md)` : "") : "None.",
        "",
    ];
}

/** summary.md: what a pull-request comment shows: the changes and the findings, each list capped. */
export function renderSummary(input: ReportInput, limit = 40): string {
    return headerAndVerdict(input, limit).join("\n");
}

/** report.md: the summary uncapped, then the access matrix, the profiles and the resource counts. */
export function renderReport(input: ReportInput): string {
    const { plan, roles, access } = input;
    const kindOf = new Map(roles.map((r) => [r.name, r.kind]));
    const out = headerAndVerdict(input, Infinity);
    out.push("## Access matrix", "", "Who can assume each role, evaluated from its trust policy (conditions, lists, patterns, `aud`).", "");
    out.push(
        table(
            ["role", "kind", "service accounts (ns:sa)", "AWS principals"],
            access.matrix.map((m) => [`\`${m.role}\``, kindOf.get(m.role) ?? "", cell(m.serviceAccounts), cell([...m.principals, ...m.services])]),
        ),
        "",
    );
    out.push("## Who can reach which data", "", "Per role (or role chain): who can use it, and what it allows, in plain words per resource.", "", ...reachByRole(input.reach), "");
    const profiles = profileRows(plan, roles);
    out.push("## Profiles", "");
    out.push(
        profiles.length
            ? table(["profile", "role", "identity", "service accounts", "S3", "policies", "annotateOnly"], profiles.map((p) => [p.profile, `\`${p.role}\``, p.identity, cell(p.serviceAccounts), cell(p.s3), cell(p.policies), p.annotateOnly]))
            : "None.",
        "",
    );
    if (input.cluster) {
        out.push("## Target cluster", "", table(["", ""], [
            ["name", `\`${input.cluster.name}\``],
            ["region", input.cluster.region ?? "the deploy's AWS region"],
            ["ARN", input.cluster.arn ? `\`${input.cluster.arn}\`` : "known at deploy (set `pipeline.accountId` to see it here)"],
            ["endpoint and CA", input.cluster.source],
            ["credentials", input.cluster.credentials],
        ]), "");
    }
    const migrating = profiles.filter((p) => p.identity === "irsa+podIdentity");
    if (migrating.length) {
        out.push(
            "## Pod Identity migration",
            "",
            `${migrating.length} profile${migrating.length === 1 ? " is" : "s are"} on irsa+podIdentity: the role trusts both, the associations exist, and this package no longer ` +
                "annotates anything. The profile controller removes its plugin's annotation from `default-editor` only when a Profile is deleted, so remove it " +
                "once per namespace, restart the namespace's pods (they come up on Pod Identity), then set `identity: podIdentity`:",
            "",
            "```sh",
            ...migrating.map((p) => `kubectl -n ${p.profile} annotate serviceaccount default-editor eks.amazonaws.com/role-arn-`),
            "```",
            "",
        );
    }
    out.push("## Pipeline roles", "");
    out.push(
        input.pipeline
            ? "Create these from `pipeline/<role>.json` (trust and permission policy) and set them in the workflows: the preview role as the repository variable " +
                  "`AWS_PREVIEW_ROLE_ARN`, the deploy role as the environment variable `AWS_DEPLOY_ROLE_ARN`.\n\n" +
                  table(["role", "assumed by", "rights"], [
                      [`\`${input.pipeline.preview.roleName}\``, input.pipeline.preview.assumedBy, "read only: the stack's roles, its OIDC provider, its cluster"],
                      [`\`${input.pipeline.deploy.roleName}\``, input.pipeline.deploy.assumedBy, `IAM writes only on roles tagged as the stack's (\`${STACK_OWNER_TAG}\`), a tag it may not set on other roles or remove, and its OIDC provider; its cluster; its asset deploy roles`],
                  ])
            : "None: set `kubeflow-irsa:pipeline.repository` to have their documents written here.",
        ...(input.pipeline && !statements(input.pipeline.deploy.permissionPolicy).some((s) => s.Condition?.ArnEquals?.["iam:PermissionsBoundary"])
            ? ["", "The deploy role may write inline policies on the roles it manages, so it can give them any right: set `kubeflow-irsa:permissionsBoundaryArn` to cap them (the deploy role may then create and write only roles under that boundary)."]
            : []),
        ...(input.pipeline && input.cluster?.created
            ? ["", "This stack creates its cluster: the deploy role above does not cover that (EKS, EC2, Auto Scaling and the nodes' IAM roles). Deploy such a stack with a platform team's broader role."]
            : []),
        "",
    );
    out.push("## Resources", "", table(["type", "count"], countsByType(plan).map(([t, n]) => [`\`${t}\``, String(n)])), "");
    return out.join("\n");
}
