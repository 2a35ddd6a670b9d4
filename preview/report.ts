/** report.md: what a reviewer reads in the pull request. */
import { AccessAnalysis, shortSubject, subjectsNamed } from "./access";
import { PlanChanges, hasChanges } from "./compare";
import { RoleView } from "./iam";
import { Plan } from "./plan";

export interface ProfileRow {
    profile: string;
    role: string;
    serviceAccounts: string[];
    s3: string[];
    policies: string[];
    annotateOnly: string;
}

/** One row per declared Profile, read back from its role's documents and its Profile object. */
export function profileRows(plan: Plan, roles: RoleView[]): ProfileRow[] {
    return plan.resources
        .filter((r) => r.type === "kubeflow-irsa:index:Profile")
        .map((component) => {
            const role = roles.find((v) => v.kind === "profile" && v.declaredBy === component.name);
            const cr = plan.resources.find((r) => r.type === "kubernetes:kubeflow.org/v1:Profile" && r.parent === component.name);
            const objects = role?.inlinePolicies["s3-access"]?.Statement.find((s) => s.Sid === "ReadWriteObjects")?.Resource ?? [];
            const plugin = (cr?.inputs.spec as { plugins?: Array<{ spec?: { annotateOnly?: boolean } }> } | undefined)?.plugins?.[0];
            return {
                profile: component.name,
                role: role?.name ?? "(none)",
                serviceAccounts: role ? subjectsNamed(role.trust).map(shortSubject) : [],
                s3: [objects].flat().map((arn) => arn.replace(/^arn:[^:]+:s3:::/, "").replace(/\/\*$/, "")),
                policies: [...(role?.managedPolicyArns.map((a) => a.split("/").pop()!) ?? []), ...(role?.inlinePolicies.inline ? ["inline"] : [])],
                annotateOnly: String(plugin?.spec?.annotateOnly ?? "?"),
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

export function renderChanges(changes: PlanChanges, against: string): string {
    const lines = [`## Changes against \`${against}\``, ""];
    if (!hasChanges(changes)) {
        return [...lines, "No IAM changes: the same roles, the same access, the same statements.", ""].join("\n");
    }
    const list = (title: string, items: string[]) => (items.length ? [`**${title}**`, "", ...items.map((i) => `- ${i}`), ""] : []);
    const statement = (s: { role: string; document: string; statement: unknown }) => `\`${s.role}\` ${s.document}: \`${JSON.stringify(s.statement)}\``;
    lines.push(
        ...list("Roles added", changes.rolesAdded.map((r) => `\`${r}\``)),
        ...list("Roles removed", changes.rolesRemoved.map((r) => `\`${r}\``)),
        ...list("Gains access", changes.accessGained.map((c) => `\`${c.who}\` gains access to \`${c.role}\``)),
        ...list("Loses access", changes.accessLost.map((c) => `\`${c.who}\` loses access to \`${c.role}\``)),
        ...list("Statements added", changes.statementsAdded.map(statement)),
        ...list("Statements removed", changes.statementsRemoved.map(statement)),
    );
    return lines.join("\n");
}

export function renderReport(plan: Plan, roles: RoleView[], access: AccessAnalysis, changes?: { against: string; changes: PlanChanges }): string {
    const high = access.findings.filter((f) => f.severity === "high").length;
    const out: string[] = [
        `# kubeflow-irsa preview: stack \`${plan.stack}\``,
        "",
        `${plan.resources.length} resources, ${roles.length} IAM roles, ${access.findings.length} findings (${high} high). Offline: ARNs use the stand-in account 111122223333.`,
        "",
    ];
    if (changes) out.push(renderChanges(changes.changes, changes.against));
    out.push("## Findings", "");
    out.push(access.findings.length ? table(["severity", "role", "finding"], access.findings.map((f) => [f.severity.toUpperCase(), `\`${f.role}\``, f.message])) : "None.", "");
    out.push("## Access matrix", "", "Who can assume each role, evaluated from its trust policy (conditions, lists, patterns, `aud`).", "");
    out.push(
        table(
            ["role", "kind", "service accounts (ns:sa)", "AWS principals"],
            access.matrix.map((m) => [`\`${m.role}\``, roles.find((r) => r.name === m.role)?.kind ?? "", cell(m.serviceAccounts), cell([...m.principals, ...m.services])]),
        ),
        "",
    );
    const profiles = profileRows(plan, roles);
    out.push("## Profiles", "");
    out.push(profiles.length ? table(["profile", "role", "service accounts", "S3", "policies", "annotateOnly"], profiles.map((p) => [p.profile, `\`${p.role}\``, cell(p.serviceAccounts), cell(p.s3), cell(p.policies), p.annotateOnly])) : "None.", "");
    out.push("## Resources", "", table(["type", "count"], countsByType(plan).map(([t, n]) => [`\`${t}\``, String(n)])), "");
    return out.join("\n");
}
