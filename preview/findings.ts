/**
 * The preview's findings: what a reviewer reads under the report's "Findings", one per role and risk, from the trust
 * rules, the permission rules and the data-reach rules, most severe first.
 */
import type { Severity } from "../iam/trustRules";

const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, info: 2 };

/** Findings order: most severe first, then by role and message. */
export function bySeverity(a: Finding, b: Finding): number {
    return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.role.localeCompare(b.role) || a.message.localeCompare(b.message);
}

export interface Finding {
    severity: Severity;
    role: string;
    message: string;
    /** The risk rule behind a permission finding (iam/permissionRisks.ts), for tools that filter by rule. */
    rule?: string;
}
