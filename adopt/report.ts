/**
 * The adoption report: what the first `pulumi up` after the import tightens (findings), what could not be carried
 * over, the other changes, and per imported resource the properties the up changes. Markdown for people, JSON for
 * tools; both deterministic (no dates), so a second run on the same input writes the same bytes.
 */
import { Adoption, Finding } from "./decide";

export interface ResourceChanges {
    /** `role <name>` or `Profile <name>`. */
    resource: string;
    properties: string[];
}

export interface AdoptReport {
    cluster: string;
    stack: string;
    oidcProviderArn: string;
    importedRoles: string[];
    newRoles: string[];
    profiles: string[];
    findings: Finding[];
    notes: string[];
    kept: string[];
    changes: ResourceChanges[];
}

export function buildReport(adoption: Adoption, cluster: string, stack: string, changes: ResourceChanges[], newRoles: string[]): AdoptReport {
    return {
        cluster,
        stack,
        oidcProviderArn: String(adoption.config.oidcProviderArn),
        importedRoles: [...adoption.profiles.flatMap((p) => (p.adoptedRole ? [p.adoptedRole.name] : [])), ...(adoption.controllerRole ? [adoption.controllerRole.name] : [])],
        newRoles,
        profiles: adoption.profiles.map((p) => p.profile),
        findings: adoption.findings,
        notes: adoption.notes,
        kept: adoption.kept,
        changes,
    };
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function reportMarkdown(report: AdoptReport, files: { stackFile: string; importFile: string }): string {
    const count = (kind: Finding["kind"]) => report.findings.filter((f) => f.kind === kind).length;
    const lines = [
        `# Adoption of cluster ${report.cluster} into stack ${report.stack}`,
        "",
        "Nothing was written to AWS or to the cluster. Review this report, then follow the steps at the end.",
        "",
        `- Profiles adopted: ${report.profiles.length} (${report.profiles.join(", ") || "none"})`,
        `- Roles imported under their existing names: ${report.importedRoles.length} (${report.importedRoles.join(", ") || "none"})`,
        `- New roles the first up creates: ${report.newRoles.length}${report.newRoles.length ? ` (${report.newRoles.join(", ")})` : ""}`,
        `- OIDC provider referenced, not imported: ${report.oidcProviderArn}`,
        `- Findings: ${report.findings.length} (trust tightened ${count("trust-tightened")}, shared role split ${count("shared-role-split")}, S3 narrowed ${count("s3-narrowed")}, controller scoped ${count("controller-scoped")}, not mapped ${count("not-mapped")})`,
        "",
        "## Findings: what the first `pulumi up` after the import tightens, and what is not carried over",
        "",
    ];
    if (report.findings.length === 0) lines.push("None.", "");
    else {
        lines.push("| severity | kind | about | what |", "|---|---|---|---|");
        for (const f of report.findings) lines.push(`| ${f.severity} | ${f.kind} | ${cell(f.subject)} | ${cell(f.message)} |`);
        lines.push("");
    }
    lines.push("## Other changes (no one gains access)", "");
    lines.push(...(report.notes.length ? report.notes.map((n) => `- ${n}`) : ["None."]), "");
    lines.push("## Carried over as they are, worth a look", "");
    lines.push(...(report.kept.length ? report.kept.map((n) => `- ${n}`) : ["None."]), "");
    lines.push("## Properties the first up changes, per imported resource (from the program's plan)", "");
    lines.push("| resource | changes |", "|---|---|");
    for (const c of report.changes) lines.push(`| ${cell(c.resource)} | ${cell(c.properties.join("; ") || "none")} |`);
    lines.push(
        "",
        "## Next steps",
        "",
        `1. Review \`${files.stackFile}\` and this report.`,
        `2. \`pulumi stack init ${report.stack}\` (or select it), then \`pulumi import --file ${files.importFile} --generate-code=false\`: it reads the resources into the stack and changes nothing in AWS or the cluster.`,
        "3. `pulumi preview`: the updates must be the ones listed above, and nothing may be replaced or deleted.",
        "4. `pulumi up`, then restart the pods of any Profile whose role was split off.",
        "",
        "Rolling back before step 4: `pulumi stack rm --force` forgets the stack and leaves every resource as it is (or `pulumi state delete <urn>` per resource).",
        "",
    );
    return lines.join("\n");
}
