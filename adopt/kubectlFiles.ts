/**
 * What the adoption reads from the cluster, through files kubectl wrote (it never talks to the cluster itself): the
 * Profiles (`kubectl get profiles -o json`, a `List` or `ProfileList` of `kubeflow.org` Profiles) and, optionally,
 * the service accounts (`kubectl get serviceaccounts -A -o json`). Validated once here into typed objects; anything
 * else is refused with what was expected and how to produce it.
 */
import { z } from "zod";
import { AdoptError } from "./errors";

const plugin = z.object({ kind: z.string(), spec: z.record(z.string(), z.unknown()).optional() }).passthrough();

const profile = z
    .object({
        apiVersion: z.string().regex(/^kubeflow\.org\/v1(beta1)?$/, { error: "is not kubeflow.org/v1 (or v1beta1)" }),
        kind: z.literal("Profile", { error: "is not Profile" }),
        metadata: z.object({ name: z.string().min(1, { error: "is empty" }) }).passthrough(),
        spec: z
            .object({
                owner: z.object({ kind: z.string(), name: z.string() }).passthrough().optional(),
                plugins: z.array(plugin).optional(),
                resourceQuotaSpec: z.record(z.string(), z.unknown()).optional(),
            })
            .passthrough()
            .default({}),
    })
    .passthrough();

const profileList = z.object({
    kind: z.enum(["List", "ProfileList"], { error: "is not List or ProfileList" }),
    items: z.array(profile, { error: "is not a list of Profiles" }),
});

export type LiveProfile = z.infer<typeof profile>;

/** The role ARN a Profile's `AwsIamForServiceAccount` plugin names, if any, and whether it is annotate-only. */
export function iamPlugin(p: LiveProfile): { roleArn: string; annotateOnly: boolean } | undefined {
    const found = p.spec.plugins?.find((pl) => pl.kind === "AwsIamForServiceAccount");
    const roleArn = found?.spec?.awsIamRole;
    return typeof roleArn === "string" && roleArn !== "" ? { roleArn, annotateOnly: found?.spec?.annotateOnly === true } : undefined;
}

function parseList<T>(schema: z.ZodType<T>, text: string, file: string, what: string, command: string): T {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (err) {
        throw new AdoptError(`${file} is not JSON (${(err as Error).message}): write it with ${command} > ${file}`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue.path.length ? issue.path.map(String).join(".") : "the document";
        throw new AdoptError(`${file} is not a ${what} list: ${where} ${issue.message}. Write it with ${command} > ${file}`);
    }
    return parsed.data;
}

const serviceAccountList = z.object({
    kind: z.enum(["List", "ServiceAccountList"], { error: "is not List or ServiceAccountList" }),
    items: z.array(
        z.object({ apiVersion: z.literal("v1", { error: "is not v1" }), kind: z.literal("ServiceAccount", { error: "is not ServiceAccount" }), metadata: z.object({ name: z.string(), namespace: z.string() }).passthrough() }).passthrough(),
    ),
});

/** A service account's labels and annotations, by `<namespace>/<name>`. */
export type LiveServiceAccounts = Map<string, { labels: Record<string, string>; annotations: Record<string, string> }>;

/** Parses a service-accounts file: every service account that exists, with its labels and annotations. */
export function parseServiceAccountsFile(text: string, file: string): LiveServiceAccounts {
    const list = parseList(serviceAccountList, text, file, "ServiceAccount", "kubectl get serviceaccounts --all-namespaces -o json");
    const strings = (value: unknown) => (value && typeof value === "object" ? (value as Record<string, string>) : {});
    return new Map(list.items.map((sa) => [`${sa.metadata.namespace}/${sa.metadata.name}`, { labels: strings(sa.metadata.labels), annotations: strings(sa.metadata.annotations) }]));
}

/** Parses the text of a Profiles file; throws an AdoptError naming the file, the first bad path and the fix. */
export function parseProfilesFile(text: string, file: string): LiveProfile[] {
    const data = parseList(profileList, text, file, "Profile", "kubectl get profiles -o json");
    const parsed = { data };
    const names = new Set<string>();
    for (const p of parsed.data.items) {
        if (names.has(p.metadata.name)) throw new AdoptError(`${file} lists Profile ${p.metadata.name} twice: write it afresh with kubectl get profiles -o json`);
        names.add(p.metadata.name);
    }
    return [...parsed.data.items].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}
