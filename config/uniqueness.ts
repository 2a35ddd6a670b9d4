/**
 * One uniqueness check over everything the program declares, each name in the space where AWS, Kubernetes or the
 * engine requires it to be unique: IAM role names per account (profiles, the controller, both roles of every pair,
 * the pipeline's roles; IAM ignores case), Pulumi resources (profiles and pairs by name, a profile's service accounts
 * and Pod Identity associations), Kubernetes service accounts per namespace, and EKS Pod Identity associations per
 * cluster (namespace, service account). A duplicate is refused with both entries named. Tag keys per role are
 * limits.ts roleTagsProblem's (the package's own keys included).
 */
import { keyPath, Problem } from "./errors";
import { ResolvedController, ResolvedProfile, StackConfig } from "./schema";
import { pipelineDeployRoleName, pipelinePreviewRoleName } from "../components/names";
import { subjectParts, usesPodIdentity } from "../iam/identity";

/** A name one entry takes in a space. */
interface Claim {
    space: string;
    /** The name as compared in its space (case-folded where the space ignores case). */
    key: string;
    shown: string;
    path: PropertyKey[];
    /** The entry in words, for the other entry's message. */
    entry: string;
}

const spaces: Record<string, string> = {
    role: "IAM role names are unique per account, whatever their case or path: set a distinct roleName (or eksRoleName, assetRoleName)",
    assetRole: "IAM role names are unique per account, whatever their case: give one pair another assetRoleName",
    profile: "profile names are the namespaces they make, and the program's resource names: rename one",
    pair: "pair names are the program's resource names: rename one",
    serviceAccount: "a service account is one object of its namespace: list it once",
    podIdentity: "EKS allows one Pod Identity association per namespace and service account of a cluster (a second is refused with 409): bind it through one entry",
};

/** Every claim the config makes, in config order; `stack` names the deploy role when no pipeline.environment does. */
function claimsOf(cfg: StackConfig, resolved: ResolvedProfile[], controller: ResolvedController, stackAccount: string | undefined, stack: string | undefined): Claim[] {
    const claims: Claim[] = [];
    const add = (space: string, key: string, shown: string, path: PropertyKey[], entry?: string) => claims.push({ space, key, shown, path, entry: entry ?? keyPath(path, cfg) });
    const role = (account: string, name: string, path: PropertyKey[], entry?: string) => add(account === "stack" ? "role" : "assetRole", `${account}\u0000${name.toLowerCase()}`, name, path, entry);

    cfg.profiles.forEach((p, i) => add("profile", p.name, p.name, ["profiles", i, "name"]));
    resolved.forEach((p, i) => role("stack", p.roleName, ["profiles", i, cfg.profiles[i].roleName ? "roleName" : "name"]));
    role("stack", controller.roleName, ["profileController", "roleName"], "the profile controller's role");
    if (cfg.pipeline) {
        role("stack", pipelinePreviewRoleName(cfg.clusterName), ["pipeline"], "the pipeline's preview role");
        const environment = cfg.pipeline.environment ?? stack;
        if (environment) role("stack", pipelineDeployRoleName(cfg.clusterName, environment), ["pipeline"], "the pipeline's deploy role");
    }
    cfg.rolePairs.forEach((pair, i) => {
        add("pair", pair.name, pair.name, ["rolePairs", i, "name"]);
        role("stack", pair.eksRoleName, ["rolePairs", i, "eksRoleName"]);
        // The asset role lives in the asset account: with the stack's roles when that is the stack's account too.
        role(pair.assetAccountId === stackAccount ? "stack" : pair.assetAccountId, pair.assetRoleName, ["rolePairs", i, "assetRoleName"]);
    });

    add("serviceAccount", `${cfg.profileController.namespace}\u0000${cfg.profileController.serviceAccount}`, `${cfg.profileController.namespace}:${cfg.profileController.serviceAccount}`, ["profileController", "serviceAccount"], "the profile controller's service account");
    resolved.forEach((p, i) =>
        p.serviceAccounts.forEach((sa, j) => {
            add("serviceAccount", `${p.name}\u0000${sa}`, `${p.name}:${sa}`, ["profiles", i, "serviceAccounts", j]);
            if (usesPodIdentity(p.identity)) add("podIdentity", `${p.name}\u0000${sa}`, `${p.name}:${sa}`, ["profiles", i, "serviceAccounts", j]);
        }),
    );
    cfg.rolePairs.forEach((pair, i) => {
        if (!usesPodIdentity(pair.identity ?? cfg.identity)) return;
        pair.subjects.forEach((subject, j) => {
            const parts = subjectParts(subject);
            if (parts) add("podIdentity", `${parts.namespace}\u0000${parts.serviceAccount}`, `${parts.namespace}:${parts.serviceAccount}`, ["rolePairs", i, "subjects", j]);
        });
    });
    return claims;
}

/** The duplicates among everything the config declares, each naming the entry that took the name first. */
export function uniquenessProblems(cfg: StackConfig, resolved: ResolvedProfile[], controller: ResolvedController, stackAccount: string | undefined, stack?: string): Problem[] {
    const first = new Map<string, Claim>();
    const problems: Problem[] = [];
    for (const claim of claimsOf(cfg, resolved, controller, stackAccount, stack)) {
        const id = `${claim.space}\u0001${claim.key}`;
        const earlier = first.get(id);
        if (!earlier) {
            first.set(id, claim);
            continue;
        }
        const what = claim.entry === keyPath(claim.path, cfg) ? "" : ` to ${claim.entry}`;
        problems.push({ path: claim.path, message: `gives "${claim.shown}"${what}, as ${earlier.entry} does ("${earlier.shown}"): ${spaces[claim.space]}` });
    }
    return problems;
}
