/**
 * What changes between two plans, in the terms a reviewer of an IAM change cares about: who gains or loses which
 * actions on which data, roles added and removed, who gains or loses the right to assume what, and (for the full
 * report) which policy statements appear or disappear.
 */
import { canonicalPolicy, PolicyDocument } from "../iam/document";
import { AccessAnalysis } from "./access";
import { RoleView } from "./iam";
import { Reach, ReachChange, reachChanges } from "./reach";

export interface AccessChange {
    /** `ns:sa`, a pattern, or an AWS principal ARN. */
    who: string;
    role: string;
}

export interface StatementChange {
    role: string;
    /** `trust`, an inline policy name, or `managed`. */
    document: string;
    statement: unknown;
}

export interface PlanChanges {
    /** Principals that gain plain-word actions on a resource (grouped). */
    reachGained: ReachChange[];
    reachLost: ReachChange[];
    rolesAdded: string[];
    rolesRemoved: string[];
    accessGained: AccessChange[];
    accessLost: AccessChange[];
    statementsAdded: StatementChange[];
    statementsRemoved: StatementChange[];
}

function accessPairs(analysis: AccessAnalysis): Map<string, AccessChange> {
    const pairs = new Map<string, AccessChange>();
    for (const entry of analysis.matrix) {
        for (const who of [...entry.serviceAccounts, ...entry.principals, ...entry.services]) {
            pairs.set(`${who}\u0000${entry.role}`, { who, role: entry.role });
        }
    }
    return pairs;
}

/** Statements of a role as canonical JSON strings, per document. */
function statementsOf(role: RoleView): Map<string, Set<string>> {
    const docs: Record<string, PolicyDocument> = { trust: role.trust, ...role.inlinePolicies };
    const out = new Map<string, Set<string>>();
    for (const [name, doc] of Object.entries(docs)) {
        out.set(name, new Set(canonicalPolicy(doc).Statement.map((s) => JSON.stringify(s))));
    }
    out.set("managed", new Set(role.managedPolicyArns.map((arn) => JSON.stringify({ attach: arn }))));
    return out;
}

function difference<T>(a: Map<string, T>, b: Map<string, T>): T[] {
    return [...a.entries()].filter(([k]) => !b.has(k)).map(([, v]) => v);
}

export interface ComparedAnalysis {
    roles: RoleView[];
    access: AccessAnalysis;
    reach: Reach[];
}

export function comparePlans(before: ComparedAnalysis, after: ComparedAnalysis): PlanChanges {
    const beforeRoles = new Map(before.roles.map((r) => [r.name, r]));
    const afterRoles = new Map(after.roles.map((r) => [r.name, r]));
    const statementsAdded: StatementChange[] = [];
    const statementsRemoved: StatementChange[] = [];
    for (const [name, role] of afterRoles) {
        const old = beforeRoles.get(name);
        if (!old) continue;
        const oldStatements = statementsOf(old);
        const newStatements = statementsOf(role);
        for (const document of new Set([...oldStatements.keys(), ...newStatements.keys()])) {
            const was = oldStatements.get(document) ?? new Set<string>();
            const is = newStatements.get(document) ?? new Set<string>();
            [...is].filter((s) => !was.has(s)).forEach((s) => statementsAdded.push({ role: name, document, statement: JSON.parse(s) }));
            [...was].filter((s) => !is.has(s)).forEach((s) => statementsRemoved.push({ role: name, document, statement: JSON.parse(s) }));
        }
    }
    const beforeAccess = accessPairs(before.access);
    const afterAccess = accessPairs(after.access);
    const reach = reachChanges(before.reach, after.reach);
    return {
        reachGained: reach.gained,
        reachLost: reach.lost,
        rolesAdded: [...afterRoles.keys()].filter((n) => !beforeRoles.has(n)).sort(),
        rolesRemoved: [...beforeRoles.keys()].filter((n) => !afterRoles.has(n)).sort(),
        accessGained: difference(afterAccess, beforeAccess),
        accessLost: difference(beforeAccess, afterAccess),
        statementsAdded,
        statementsRemoved,
    };
}

export function hasChanges(changes: PlanChanges): boolean {
    return Object.values(changes).some((list) => list.length > 0);
}
