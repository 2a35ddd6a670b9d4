/**
 * The adoption's decisions, from what exists (IAM roles trusting the cluster's OIDC provider, and the Profiles) to
 * the stack config that reproduces it as closely as the config contract allows, plus a finding for everything the
 * first `pulumi up` will tighten or could not carry over. Pure: the AWS reads and the writing happen elsewhere.
 *
 * Choices, stated once:
 * - a Profile takes the role its `AwsIamForServiceAccount` plugin names, else the one role whose trust names its
 *   namespace (by name order when several do; the others are listed as not mapped);
 * - a role several Profiles share stays with the Profile whose generated role name it has, else with the first by
 *   name; the others get roles of their own (generated names) with the same rights;
 * - the OIDC provider is referenced (`oidcProviderArn`), never imported: eksctl made it, others may depend on it.
 */
import { asList, PolicyDocument, PolicyStatement, sortedUnique, statements } from "../iam/document";
import { issuerHostPathFromProviderArn, serviceAccountSubject, shortSubject, subjectParts } from "../iam/identity";
import { PROFILE_TAG } from "../components/tags";
import { profileControllerRoleName, profileRoleName } from "../components/names";
import { PLUGIN_ANNOTATED_SERVICE_ACCOUNT } from "../components/manifests";
import { iamPlugin, LiveProfile } from "./kubectlFiles";
import { AdoptError } from "./errors";
import { readS3Grants } from "./s3Grants";
import { readWebIdentityTrust, WebIdentityReading } from "../iam/trustRules";
import { broadManagedPolicy, refusedRisks } from "../iam/permissionRisks";

/** AWS's default (and the provider's) maximum session duration. */
const DEFAULT_MAX_SESSION = 3600;
const SERVICE_ACCOUNT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** An IAM role as read from AWS. */
export interface LiveRole {
    name: string;
    path: string;
    arn: string;
    description?: string;
    maxSessionDuration: number;
    permissionsBoundaryArn?: string;
    tags: Record<string, string>;
    trust: PolicyDocument;
    inlinePolicies: Array<{ name: string; document: PolicyDocument }>;
    /** Attached managed policies; `document` is the default version's, read for customer-managed ones. */
    attachedPolicies: Array<{ arn: string; document?: PolicyDocument }>;
}

/** What the adoption read from AWS. */
export interface LiveState {
    clusterName: string;
    region: string;
    oidcProviderArn: string;
    /** Every role whose trust names the OIDC provider, sorted by name. */
    roles: LiveRole[];
    /** Names of every role in the account (for collisions with generated names). */
    allRoleNames: string[];
}

export interface AdoptOptions {
    controllerNamespace: string;
    controllerServiceAccount: string;
}

export type FindingKind = "trust-tightened" | "shared-role-split" | "s3-narrowed" | "controller-scoped" | "not-mapped";

export interface Finding {
    kind: FindingKind;
    severity: "high" | "medium" | "info";
    /** The role or Profile it is about. */
    subject: string;
    message: string;
}

/** How one Profile is carried over. */
export interface AdoptedProfile {
    profile: string;
    /** The role it keeps (imported), or undefined when it gets a new one (split off a shared role). */
    adoptedRole?: LiveRole;
    /** The role whose rights it carries (its own, or the shared one it was split from). */
    sourceRole: LiveRole;
    /** The profile's config entry. */
    entry: Record<string, unknown>;
}

export interface Adoption {
    /** The `kubeflow-irsa:` keys of the stack config (without the namespace prefix). */
    config: Record<string, unknown>;
    profiles: AdoptedProfile[];
    controllerRole?: LiveRole;
    findings: Finding[];
    /** Changes in the Profiles and roles that alter nobody's access (annotate-only set, rights copied). */
    notes: string[];
    /** Broad grants carried over as they are, since narrowing them needs what only their owners know. */
    kept: string[];
}

const namespacesOf = (reading: WebIdentityReading) => sortedUnique(reading.subjects.flatMap((s) => subjectParts(s)?.namespace ?? []));

/** The service accounts of a namespace a trust names, `default-editor` (the plugin's) first. */
function serviceAccountsIn(reading: WebIdentityReading, namespace: string): string[] {
    const named = reading.subjects.flatMap((s) => subjectParts(s) ?? []).filter((p) => p.namespace === namespace && SERVICE_ACCOUNT_NAME.test(p.serviceAccount)).map((p) => p.serviceAccount);
    return [PLUGIN_ANNOTATED_SERVICE_ACCOUNT, ...sortedUnique(named).filter((sa) => sa !== PLUGIN_ANNOTATED_SERVICE_ACCOUNT)];
}

const withoutReservedTags = (tags: Record<string, string>) => Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith("aws:") && k !== PROFILE_TAG));

/** Tags every given role has with the same value: they become the stack's tags. */
function commonTags(roles: readonly LiveRole[]): Record<string, string> {
    if (roles.length === 0) return {};
    const [first, ...rest] = roles.map((r) => withoutReservedTags(r.tags));
    return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((t) => t[k] === v)).sort(([a], [b]) => a.localeCompare(b)));
}

/** The most used path (ties: "/" first, then by name): the stack's `rolePath`. */
function commonPath(roles: readonly LiveRole[]): string {
    const counts = new Map<string, number>();
    for (const r of roles) counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
    return [...counts.entries()].sort(([a, x], [b, y]) => y - x || (a === "/" ? -1 : b === "/" ? 1 : a.localeCompare(b)))[0]?.[0] ?? "/";
}

/** Statements from all inline policies, each Sid unique (IAM requires it within one document). */
function mergedStatements(role: LiveRole): PolicyStatement[] {
    const seen = new Set<string>();
    return role.inlinePolicies.flatMap((p) =>
        statements(p.document).map((s) => {
            if (!s.Sid) return s;
            const base = s.Sid.replace(/[^A-Za-z0-9]/g, "");
            let sid = base;
            for (let n = 2; seen.has(sid); n++) sid = `${base}${n}`;
            seen.add(sid);
            return sid === s.Sid ? s : { ...s, Sid: sid };
        }),
    );
}

function describeSubjects(subjects: readonly string[]): string {
    return subjects.length ? subjects.map(shortSubject).join(", ") : "(none)";
}

/**
 * Decides the stack config and findings. Throws AdoptError for input it cannot take over: a role name a new role
 * would need already exists, or a Profile's owner is not a User or Group.
 */
export function decideAdoption(live: LiveState, profiles: readonly LiveProfile[], options: AdoptOptions): Adoption {
    const findings: Finding[] = [];
    const notes: string[] = [];
    const kept: string[] = [];
    // Roles whose trust only mentions the provider (in a Deny, a condition) do not federate it: not ours to read.
    const trusted = live.roles.flatMap((r) => {
        const reading = readWebIdentityTrust(r.trust, { providerArn: live.oidcProviderArn, issuerHostPath: issuerHostPathFromProviderArn(live.oidcProviderArn) });
        return reading ? [{ role: r, reading }] : [];
    });
    live = { ...live, roles: trusted.map((t) => t.role) };
    const readings = new Map(trusted.map((t) => [t.role.name, t.reading] as const));
    const roleByArn = new Map(live.roles.map((r) => [r.arn, r]));
    const profileNames = new Set(profiles.map((p) => p.metadata.name));

    // The controller's role: its trust names the controller's service account.
    const controllerSubject = serviceAccountSubject(options.controllerNamespace, options.controllerServiceAccount);
    const controllerCandidates = live.roles.filter((r) => readings.get(r.name)!.subjects.includes(controllerSubject));
    const controllerRole = controllerCandidates[0];

    // Profile -> role: the plugin's, else the one trusting its namespace.
    const roleOf = new Map<string, LiveRole>();
    const unmappedProfiles: Finding[] = [];
    for (const p of profiles) {
        const name = p.metadata.name;
        const plugin = iamPlugin(p);
        if (plugin) {
            const role = roleByArn.get(plugin.roleArn);
            if (role && role !== controllerRole) roleOf.set(name, role);
            else
                unmappedProfiles.push({
                    kind: "not-mapped",
                    severity: "medium",
                    subject: `Profile ${name}`,
                    message: `its plugin names ${plugin.roleArn}, which is not a role trusting the cluster's OIDC provider (${live.oidcProviderArn}); the Profile is left out of the config. Fix the plugin's role (or its trust) and run the adoption again.`,
                });
            continue;
        }
        const trusting = live.roles.filter((r) => r !== controllerRole && namespacesOf(readings.get(r.name)!).includes(name));
        if (trusting.length > 0) {
            roleOf.set(name, trusting[0]);
            if (trusting.length > 1) notes.push(`Profile ${name} has no IAM plugin and ${trusting.length} roles trust its namespace (${trusting.map((r) => r.name).join(", ")}): it takes ${trusting[0].name} (first by name).`);
        } else {
            unmappedProfiles.push({
                kind: "not-mapped",
                severity: "info",
                subject: `Profile ${name}`,
                message: "has no AwsIamForServiceAccount plugin and no role trusts its namespace: it is left out of the config, since adopting it would give its pods a role (this package gives every profile one) in place of the node's credentials.",
            });
        }
    }

    // Roles shared by several Profiles: one keeps it, the others are split off.
    const sharers = new Map<string, string[]>();
    for (const [profile, role] of [...roleOf.entries()].sort(([a], [b]) => a.localeCompare(b))) sharers.set(role.name, [...(sharers.get(role.name) ?? []), profile]);
    const keeperOf = new Map<string, string>();
    for (const [roleName, names] of sharers) {
        keeperOf.set(roleName, names.find((n) => profileRoleName(n, live.clusterName) === roleName) ?? names[0]);
    }

    const adoptedRoles = [...keeperOf.keys()].map((n) => live.roles.find((r) => r.name === n)!);
    const stackRoles = [...adoptedRoles, ...(controllerRole ? [controllerRole] : [])];
    const rolePath = commonPath(stackRoles);
    // The profiles' common tags: the controller's role gets the stack's tags too, and its own are not kept.
    const stackTags = commonTags(adoptedRoles);

    // New roles for split-off Profiles must not collide with an existing role.
    const existing = new Set(live.allRoleNames.map((n) => n.toLowerCase()));
    const collisions = [...roleOf.entries()]
        .filter(([profile, role]) => keeperOf.get(role.name) !== profile && existing.has(profileRoleName(profile, live.clusterName).toLowerCase()))
        .map(([profile, role]) => `Profile ${profile} must leave the shared role ${role.name} for a role of its own, named ${profileRoleName(profile, live.clusterName)}, but a role of that name already exists`);
    if (!controllerRole && existing.has(profileControllerRoleName(live.clusterName).toLowerCase())) {
        collisions.push(`no role trusts ${controllerSubject}, so the controller would get a new role named ${profileControllerRoleName(live.clusterName)}, but a role of that name already exists`);
    }
    if (collisions.length) {
        throw new AdoptError(`cannot adopt: ${collisions.length} generated role name${collisions.length === 1 ? "" : "s"} collide with existing roles:\n  - ${collisions.join("\n  - ")}\nRename or delete those roles (they trust no Profile of this cluster), then run the adoption again.`);
    }

    const adopted: AdoptedProfile[] = [];
    for (const p of profiles) {
        const name = p.metadata.name;
        const role = roleOf.get(name);
        if (!role) continue;
        const reading = readings.get(role.name)!;
        const keeps = keeperOf.get(role.name) === name;
        const owner = p.spec.owner;
        if (!owner || (owner.kind !== "User" && owner.kind !== "Group")) {
            throw new AdoptError(`cannot adopt Profile ${name}: its spec.owner is ${owner ? `a ${owner.kind}` : "missing"}, but a profile's owner must be a User or Group (kubeflow-irsa:profiles[].ownerKind); fix the Profile or leave it out of the file`);
        }
        const serviceAccounts = serviceAccountsIn(reading, name);
        const plugin = iamPlugin(p);
        // The controller rewrites a non-annotate-only role's trust to default-editor alone: with more accounts the
        // package must own the trust (annotate-only).
        const annotateOnly = plugin ? plugin.annotateOnly || serviceAccounts.length > 1 : true;
        if (plugin && !plugin.annotateOnly && annotateOnly) {
            notes.push(`Profile ${name}: annotateOnly becomes true (its role trusts ${serviceAccounts.join(", ")}; the controller would rewrite that trust to default-editor alone).`);
        }
        if (!plugin) notes.push(`Profile ${name}: gets the AwsIamForServiceAccount plugin (annotate-only) pointing at ${keeps ? role.name : profileRoleName(name, live.clusterName)}; the controller then annotates default-editor.`);

        const s3 = readS3Grants(mergedStatements(role));
        const customerPolicies = role.attachedPolicies.map((a) => a.arn);
        const entry: Record<string, unknown> = {
            name,
            owner: owner.name,
            ...(owner.kind === "Group" ? { ownerKind: "Group" } : {}),
            ...(serviceAccounts.length > 1 ? { serviceAccounts } : {}),
            ...(s3.s3Buckets.length ? { s3Buckets: s3.s3Buckets } : {}),
            ...(customerPolicies.length ? { policyArns: [...customerPolicies].sort() } : {}),
            ...(s3.remaining.length ? { inlinePolicy: { Version: "2012-10-17", Statement: s3.remaining } } : {}),
            ...(annotateOnly ? {} : { annotateOnly: false }),
            ...(keeps && role.name !== profileRoleName(name, live.clusterName) ? { roleName: role.name } : {}),
            ...(role.path !== rolePath ? { rolePath: role.path } : {}),
            ...(role.maxSessionDuration !== DEFAULT_MAX_SESSION ? { maxSessionDuration: role.maxSessionDuration } : {}),
            ...(role.permissionsBoundaryArn ? { permissionsBoundaryArn: role.permissionsBoundaryArn } : {}),
        };
        const ownTags = Object.fromEntries(Object.entries(withoutReservedTags(role.tags)).filter(([k, v]) => stackTags[k] !== v).sort(([a], [b]) => a.localeCompare(b)));
        if (Object.keys(ownTags).length) entry.tags = ownTags;
        if (p.spec.resourceQuotaSpec && Object.keys(p.spec.resourceQuotaSpec).length) entry.resourceQuota = p.spec.resourceQuotaSpec;
        adopted.push({ profile: name, adoptedRole: keeps ? role : undefined, sourceRole: role, entry });

        if (!keeps) continue;
        const label = `role ${role.name}`;
        for (const policy of customerPolicies.filter((a) => broadManagedPolicy(a) !== undefined)) kept.push(`${label} keeps ${policy}: replace it with s3Buckets once its buckets are known`);
        for (const s of s3.remaining.filter((st) => st.Effect === "Allow" && asList(st.Resource).includes("*") && asList(st.Action).some((a) => a.includes("*")))) {
            kept.push(`${label} keeps a statement allowing ${asList(s.Action).join(", ")} on every resource (inlinePolicy)`);
        }
        for (const n of s3.narrowed) {
            findings.push({ kind: "s3-narrowed", severity: "info", subject: label, message: `S3 access to ${n.grant} becomes list, read, write and delete of its objects; it no longer allows ${n.lost.join(", ")}.` });
        }
        if (s3.gainsBucketLocation.length) notes.push(`${label}: s3:GetBucketLocation (bucket metadata) is added on ${s3.gainsBucketLocation.join(", ")}, as every s3Buckets grant has it.`);

        const wanted = serviceAccounts.map((sa) => serviceAccountSubject(name, sa));
        const tightenings: string[] = [];
        if (reading.anySubject) tightenings.push("it trusted every service account of the cluster (no sub condition)");
        if (reading.anyAudience) tightenings.push("it had no aud condition (tokens for any audience)");
        if (reading.undecided) tightenings.push(`its conditions could not be evaluated (${reading.undecided})`);
        const dropped = reading.subjects.filter((s) => !wanted.includes(s));
        if (dropped.length) tightenings.push(`it no longer trusts ${describeSubjects(dropped)}`);
        if (reading.patterns.length) tightenings.push(`the patterns ${reading.patterns.join(", ")} are replaced by exact service accounts`);
        if (reading.otherStatements.length) tightenings.push(`${reading.otherStatements.length} statement${reading.otherStatements.length === 1 ? "" : "s"} trusting other principals (${reading.otherStatements.map((s) => JSON.stringify(s.Principal ?? s.NotPrincipal)).join(", ")}) ${reading.otherStatements.length === 1 ? "is" : "are"} removed`);
        const added = wanted.filter((s) => !reading.subjects.includes(s));
        if (tightenings.length) {
            findings.push({
                kind: "trust-tightened",
                severity: reading.anySubject ? "high" : "medium",
                subject: label,
                message: `trust becomes aud = sts.amazonaws.com and sub = ${describeSubjects(wanted)}: ${tightenings.join("; ")}.${added.length ? ` It now names ${describeSubjects(added)} (the plugin annotates default-editor with this role).` : ""}`,
            });
        }
    }

    for (const [roleName, names] of sharers) {
        if (names.length < 2) continue;
        const keeper = keeperOf.get(roleName)!;
        const others = names.filter((n) => n !== keeper);
        const why = profileRoleName(keeper, live.clusterName) === roleName ? "its generated role name is the role's name" : "first by name";
        findings.push({
            kind: "shared-role-split",
            severity: "medium",
            subject: `role ${roleName}`,
            message:
                `was shared by the Profiles ${names.join(", ")}: it stays with ${keeper} (${why}); ${others.map((o) => `${o} gets ${profileRoleName(o, live.clusterName)}`).join(", ")}, with the same rights. ` +
                `After the up, restart the pods of ${others.join(", ")}: until then they hold credentials of ${roleName}, whose trust no longer names them.`,
        });
    }

    let profileController: Record<string, unknown> = {};
    if (controllerRole) {
        const granted = [...controllerRole.inlinePolicies.map((p) => `inline policy ${p.name}`), ...controllerRole.attachedPolicies.map((a) => `attached ${a.arn}`)];
        const managedCount = adopted.filter((a) => a.entry.annotateOnly === false).length;
        findings.push({
            kind: "controller-scoped",
            severity: controllerRole.inlinePolicies.some((p) => writesIamOnWildcard(p.document)) || controllerRole.attachedPolicies.some((a) => a.document && writesIamOnWildcard(a.document)) ? "high" : "medium",
            subject: `role ${controllerRole.name}`,
            message:
                `the profile controller's rights (${granted.join(", ") || "none"}) are replaced by one inline policy: iam:GetRole and iam:UpdateAssumeRolePolicy on exactly the ${managedCount} profile role${managedCount === 1 ? "" : "s"} that are not annotate-only` +
                `${managedCount === 0 ? " (so none)" : ""}. Attached policies are detached, not deleted.`,
        });
        profileController = {
            namespace: options.controllerNamespace,
            serviceAccount: options.controllerServiceAccount,
            ...(controllerRole.name !== profileControllerRoleName(live.clusterName) ? { roleName: controllerRole.name } : {}),
            ...(controllerRole.path !== rolePath ? { rolePath: controllerRole.path } : {}),
            ...(controllerRole.permissionsBoundaryArn ? { permissionsBoundaryArn: controllerRole.permissionsBoundaryArn } : {}),
        };
        if (controllerCandidates.length > 1) notes.push(`${controllerCandidates.length} roles trust ${controllerSubject}; the controller keeps ${controllerRole.name} (first by name).`);
    } else {
        notes.push(`No role trusts ${controllerSubject}: the first up creates ${profileControllerRoleName(live.clusterName)} for the profile controller and annotates its service account.`);
        profileController = { namespace: options.controllerNamespace, serviceAccount: options.controllerServiceAccount };
    }

    for (const role of stackRoles.filter((r) => Object.keys(r.tags).some((k) => k.startsWith("alpha.eksctl.io/") || k.startsWith("aws:cloudformation:")))) {
        kept.push(
            `role ${role.name} belongs to a CloudFormation stack (eksctl made it): \`eksctl delete iamserviceaccount\` or deleting that stack deletes the role from under this one. ` +
                "Set DeletionPolicy: Retain on it in that stack before removing the stack, or leave the stack alone.",
        );
    }

    const used = new Set([...roleOf.values(), ...(controllerRole ? [controllerRole] : [])].map((r) => r.name));
    for (const role of live.roles) {
        if (used.has(role.name)) continue;
        const reading = readings.get(role.name)!;
        const namespaces = namespacesOf(reading);
        const reason = reading.anySubject
            ? "no Profile names it, and it trusts every service account of the cluster (aud only): review it, this is the widest trust a role can have here"
            : `it trusts ${describeSubjects([...reading.subjects, ...reading.patterns])}${namespaces.some((ns) => profileNames.has(ns)) ? ", but its Profile takes another role" : ", outside every Profile's namespace (an add-on's IRSA, most likely)"}; it stays as it is, outside the stack`;
        findings.push({ kind: "not-mapped", severity: reading.anySubject ? "high" : "info", subject: `role ${role.name}`, message: reason });
    }
    findings.push(...unmappedProfiles);

    const config: Record<string, unknown> = {
        clusterName: live.clusterName,
        oidcProviderArn: live.oidcProviderArn,
        ...(rolePath !== "/" ? { rolePath } : {}),
        ...(Object.keys(stackTags).length ? { tags: stackTags } : {}),
        profileController,
        profiles: adopted.map((a) => a.entry),
    };
    const order: Record<FindingKind, number> = { "trust-tightened": 0, "shared-role-split": 1, "s3-narrowed": 2, "controller-scoped": 3, "not-mapped": 4 };
    findings.sort((a, b) => order[a.kind] - order[b.kind] || a.subject.localeCompare(b.subject));
    return { config, profiles: adopted, controllerRole, findings, notes, kept };
}

/** Whether a policy lets its holder write IAM on a wildcard (the upstream controller policy rewrites every role's trust). */
const writesIamOnWildcard = (doc: PolicyDocument) => refusedRisks(doc).length > 0;
