/**
 * What the first `pulumi up` after the import changes on each imported resource: the properties where the
 * program's inputs (from the plan) differ from what the adoption read. Derived from the plan, so it covers what
 * the findings do not (descriptions, tags, policy names) and cannot drift from what the program really declares.
 */
import { isDeepStrictEqual } from "util";
import { policiesEqual, PolicyDocument } from "../iam/document";
import { LiveRole } from "./decide";
import { LiveProfile, LiveServiceAccounts } from "./kubectlFiles";

const parse = (value: unknown): PolicyDocument => (typeof value === "string" ? JSON.parse(value) : value) as PolicyDocument;

/** Properties of a role the first up changes; `path` would replace it (the adoption never lets that happen). */
export function roleChanges(live: LiveRole, planned: Record<string, unknown>): string[] {
    const changed: string[] = [];
    if ((planned.path ?? "/") !== live.path) changed.push("path (replaces the role)");
    if ((planned.description ?? "") !== (live.description ?? "")) changed.push("description");
    if (!policiesEqual(live.trust, parse(planned.assumeRolePolicy))) changed.push("trust policy");
    const plannedInline = ((planned.inlinePolicies ?? []) as Array<{ name?: string; policy?: unknown }>).filter((p) => p.name !== undefined);
    const sameInline =
        plannedInline.length === live.inlinePolicies.length &&
        plannedInline.every((p) => {
            const current = live.inlinePolicies.find((l) => l.name === p.name);
            return current !== undefined && policiesEqual(current.document, parse(p.policy));
        });
    if (!sameInline) {
        const names = (list: Array<{ name?: string }>) => list.map((p) => p.name).sort().join(", ") || "none";
        changed.push(`inline policies (${names(live.inlinePolicies)} → ${names(plannedInline)})`);
    }
    const plannedArns = [...((planned.managedPolicyArns ?? []) as string[])].sort();
    const liveArns = live.attachedPolicies.map((a) => a.arn).sort();
    if (!isDeepStrictEqual(plannedArns, liveArns)) changed.push(`attached policies (${liveArns.length - plannedArns.filter((a) => liveArns.includes(a)).length} detached, ${plannedArns.filter((a) => !liveArns.includes(a)).length} attached)`);
    if (((planned.maxSessionDuration as number | undefined) ?? 3600) !== live.maxSessionDuration) changed.push("max session duration");
    if ((planned.permissionsBoundary ?? undefined) !== live.permissionsBoundaryArn) changed.push("permissions boundary");
    const plannedTags = (planned.tags ?? {}) as Record<string, string>;
    const liveTags = Object.fromEntries(Object.entries(live.tags).filter(([k]) => !k.startsWith("aws:")));
    const added = Object.keys(plannedTags).filter((k) => liveTags[k] !== plannedTags[k]);
    const removed = Object.keys(liveTags).filter((k) => !(k in plannedTags));
    if (added.length || removed.length) changed.push(`tags (${[...added.map((k) => `+${k}`), ...removed.map((k) => `-${k}`)].sort().join(", ")})`);
    return changed;
}

/** Fields of a Profile the first up changes (server-side apply: fields the program does not set stay). */
export function profileChanges(live: LiveProfile, planned: Record<string, unknown>): string[] {
    const spec = (planned.spec ?? {}) as Record<string, unknown>;
    const metadata = (planned.metadata ?? {}) as { annotations?: Record<string, string> };
    const changed: string[] = [];
    const owner = spec.owner as { kind: string; name: string };
    if (live.spec.owner?.kind !== owner.kind || live.spec.owner?.name !== owner.name) changed.push("spec.owner");
    const plugins = (spec.plugins ?? []) as unknown[];
    const normalize = (list: unknown[] | undefined) => (list ?? []).map((p) => {
        const plugin = p as { kind: string; spec?: Record<string, unknown> };
        return { kind: plugin.kind, spec: { annotateOnly: false, ...(plugin.spec ?? {}) } };
    });
    if (!isDeepStrictEqual(normalize(live.spec.plugins), normalize(plugins))) changed.push("spec.plugins");
    if (!isDeepStrictEqual(live.spec.resourceQuotaSpec ?? {}, spec.resourceQuotaSpec ?? {})) changed.push("spec.resourceQuotaSpec");
    const liveAnnotations = ((live.metadata as { annotations?: Record<string, string> }).annotations ?? {});
    const newAnnotations = Object.keys(metadata.annotations ?? {}).filter((k) => liveAnnotations[k] !== metadata.annotations![k]);
    if (newAnnotations.length) changed.push(`metadata.annotations (+${newAnnotations.sort().join(", +")})`);
    return changed;
}

/** Labels and annotations the first up sets on an existing service account. */
export function serviceAccountChanges(live: NonNullable<ReturnType<LiveServiceAccounts["get"]>>, planned: Record<string, unknown>): string[] {
    const metadata = (planned.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const differing = (want: Record<string, string> | undefined, have: Record<string, string>) => Object.keys(want ?? {}).filter((k) => have[k] !== want![k]).sort();
    const labels = differing(metadata.labels, live.labels);
    const annotations = differing(metadata.annotations, live.annotations);
    return [...(labels.length ? [`metadata.labels (${labels.join(", ")})`] : []), ...(annotations.length ? [`metadata.annotations (${annotations.join(", ")})`] : [])];
}
