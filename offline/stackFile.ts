/**
 * Reads `stacks/Pulumi.<stack>.yaml` into the flat config map the Pulumi engine would hand the program
 * (`namespace:key` -> string, structured values as JSON text). Secure values stay opaque.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_NAME, STACKS_DIR } from "../project";

/**
 * What the program reads for a `secure:` value offline: a value that passes the config rules a secret is held to
 * (e.g. an external id's characters), so a stack with secrets previews. Its key is marked secret, so plans and
 * reports show `[secret]`, never this.
 */
export const SECURE_STAND_IN = "offline-preview-secret";

export interface StackFileConfig {
    config: Record<string, string>;
    secretKeys: string[];
}

export function stackFilePath(stack: string, dir: string = STACKS_DIR): string {
    return path.join(dir, `Pulumi.${stack}.yaml`);
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "secure" in value;
}

/** `secure:` values, at any depth, read as the stand-in; reports whether there was one. */
function opaqueSecrets(value: unknown): { value: unknown; secret: boolean } {
    if (isSecure(value)) return { value: SECURE_STAND_IN, secret: true };
    if (value && typeof value === "object") {
        const entries = Object.entries(value).map(([k, v]) => [k, opaqueSecrets(v)] as const);
        const rebuilt = entries.map(([k, v]) => [k, v.value]);
        return { value: Array.isArray(value) ? rebuilt.map(([, v]) => v) : Object.fromEntries(rebuilt), secret: entries.some(([, v]) => v.secret) };
    }
    return { value, secret: false };
}

/** Turns a stack file's `config:` map into the engine's flat form; a key holding any secure value is secret. */
export function flattenStackConfig(doc: unknown): StackFileConfig {
    const section = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [rawKey, raw] of Object.entries(section)) {
        const key = rawKey.includes(":") ? rawKey : `${PROJECT_NAME}:${rawKey}`;
        const { value, secret } = opaqueSecrets(raw);
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) secretKeys.push(key);
    }
    return { config, secretKeys };
}

/**
 * A stack file's text read as the Pulumi CLI reads it (Go's yaml.v3: `<<` merge keys resolved, the YAML 1.2 core
 * schema), into the engine's flat form; a syntax error names the file.
 */
export function parseStackFileText(text: string, file: string): StackFileConfig {
    let doc: unknown;
    try {
        doc = parse(text, { merge: true });
    } catch (err) {
        throw new Error(`${file}: not valid YAML: ${(err as Error).message}`);
    }
    return flattenStackConfig(doc);
}

export function readStackFile(stack: string, dir: string = STACKS_DIR): StackFileConfig {
    const file = stackFilePath(stack, dir);
    if (!fs.existsSync(file)) {
        const known = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5)) : [];
        throw new Error(`no stack file ${file}; stacks here: ${known.join(", ") || "none"}`);
    }
    return parseStackFileText(fs.readFileSync(file, "utf8"), path.relative(process.cwd(), file) || file);
}
