/**
 * Whether a role that deploys a stack can write a role the stack does not own: every write the service reference
 * lists on IAM's `role` resource type, asked of the evaluator for roles that do not carry the stack's ownership tag
 * (another stack's, or none), for a role outside the stack's path, and for claiming: setting the ownership tag on an
 * untagged role the stack does not create. Also whether a permissions boundary bounds anything at all.
 *
 * Pure: part of the IAM core (iam/), which imports nothing else of the project and nothing of Pulumi.
 */
import { PolicyDocument } from "./document";
import { accessLevels, actionResourceTypes, serviceActions } from "./actions";
import { evaluateIdentity, IdentityRequest } from "./evaluate";

export interface OwnershipTarget {
    partition: string;
    accountId: string;
    /** The ownership tag: key and the stack's value. */
    tagKey: string;
    owner: string;
    /** The stack's role path (`/kubeflow/`, or `/`). */
    rolePath: string;
    /** Exact ARNs of the roles the stack creates or manages: a probe never takes one of their names. */
    ownRoleArns: string[];
    /** The boundary every role under the path must carry (none when the stack sets none). */
    boundaries: string[];
}

export interface OwnershipBreach {
    action: string;
    resource: string;
    /** The request in words: whose role it is, and what the request carries. */
    request: string;
    severity: "high" | "medium";
}

let roleWrites: string[] | undefined;

/** Every IAM action that changes a role or what it may do (Write, Permissions management or Tagging on `role`). */
export function roleWriteActions(): string[] {
    roleWrites ??= serviceActions("iam")
        .filter((a) => actionResourceTypes(a).some((t) => t.name === "role") && accessLevels(a).some((l) => l === "Write" || l === "Permissions management" || l === "Tagging"))
        .sort();
    return roleWrites;
}

/** The first probe name no role of the stack has. */
function probeName(base: string, own: readonly string[]): string {
    for (let n = 0; ; n++) {
        const name = n === 0 ? base : `${base}-${n}`;
        if (!own.some((arn) => arn.endsWith(`/${name}`))) return name;
    }
}

/**
 * The writes the policies allow on roles the stack does not own. Probes: a role under the path tagged for another
 * stack, one under the path with no tag, one at the account's root path (an admin role), each with the stack's boundary
 * when it has one (the probe is not let off by a boundary condition); and a claim: TagRole setting the ownership tag
 * on an untagged role the stack does not create. High for a write; a claim is medium under a path of the stack's own
 * and high under `/`, where every untagged role of the account could be claimed.
 */
export function unownedRoleWrites(docs: PolicyDocument[], t: OwnershipTarget): OwnershipBreach[] {
    const role = (path: string, name: string) => `arn:${t.partition}:iam::${t.accountId}:role${path}${name}`;
    const name = probeName("not-this-stacks-role", t.ownRoleArns);
    const boundary: Record<string, string> = t.boundaries.length ? { "iam:PermissionsBoundary": t.boundaries[0] } : {};
    const probes: Array<{ resource: string; context: Record<string, string>; request: string }> = [
        { resource: role(t.rolePath, name), context: { [`aws:ResourceTag/${t.tagKey}`]: `${t.owner}-other`, [`aws:RequestTag/${t.tagKey}`]: `${t.owner}-other`, ...boundary }, request: `a role under ${t.rolePath} tagged ${t.tagKey}=${t.owner}-other (another stack's)` },
        { resource: role(t.rolePath, name), context: { ...boundary }, request: `a role under ${t.rolePath} without the ${t.tagKey} tag` },
        { resource: role("/", probeName("admin", t.ownRoleArns)), context: { ...boundary }, request: "a role at the account's root path (an administrator's role)" },
    ];
    const breaches: OwnershipBreach[] = [];
    const allowed = (request: IdentityRequest) => evaluateIdentity(docs, request) === "Allowed";
    for (const probe of probes) {
        // The rest of the root-path probe's findings repeat the path probe's when the stack's path is the root.
        if (probe.request.startsWith("a role at the account's root path") && t.rolePath === "/") continue;
        for (const action of roleWriteActions()) {
            if (allowed({ action, resource: probe.resource, context: probe.context })) breaches.push({ action, resource: probe.resource, request: probe.request, severity: "high" });
        }
    }
    const claim = role(t.rolePath, name);
    const claimContext = { [`aws:RequestTag/${t.tagKey}`]: t.owner, "aws:TagKeys": t.tagKey, ...boundary };
    if (!breaches.some((b) => b.action === "iam:TagRole" && b.resource === claim) && allowed({ action: "iam:TagRole", resource: claim, context: claimContext })) {
        breaches.push({ action: "iam:TagRole", resource: claim, request: `setting ${t.tagKey}=${t.owner} on an untagged role under ${t.rolePath} the stack does not create (claiming it)`, severity: t.rolePath === "/" ? "high" : "medium" });
    }
    return breaches;
}

/**
 * Whether a boundary bounds nothing that matters: it allows an IAM write on any role of the account or every action
 * on `*` (AdministratorAccess, PowerUserAccess's IAM-less `*` aside). A role under such a boundary can do whatever
 * its own policies say, so requiring it keeps nothing out.
 */
export function unboundedBoundary(doc: PolicyDocument, partition: string, accountId: string): string | undefined {
    const probes: IdentityRequest[] = [
        { action: "iam:PutRolePolicy", resource: `arn:${partition}:iam::${accountId}:role/admin`, context: {} },
        { action: "iam:CreateUser", resource: `arn:${partition}:iam::${accountId}:user/probe`, context: {} },
        { action: "iam:AttachRolePolicy", resource: `arn:${partition}:iam::${accountId}:role/admin`, context: {} },
    ];
    const granted = probes.filter((p) => evaluateIdentity([doc], p) === "Allowed").map((p) => p.action);
    return granted.length ? `it allows ${granted.join(", ")} on any role or user of the account` : undefined;
}

