/**
 * plan.json: every declared resource with its inputs, in a stable order with sorted keys and policy documents
 * expanded from JSON text, so `git diff` of two plans shows real changes only.
 */
import * as fs from "fs";
import * as path from "path";
import { DeclaredResource, DEFAULT_STANDIN_CLOUD, StandInCloud } from "../offline/standInCloud";

export interface Plan {
    stack: string;
    /** The account, region and partition of the stand-in ARNs (the stack's where its config tells them). */
    cloud: StandInCloud;
    resources: DeclaredResource[];
}

function looksLikePolicy(text: string): boolean {
    return text.startsWith("{") && text.includes('"Statement"');
}

/** Sorted keys everywhere; JSON policy text expanded to objects. Arrays keep their order (it can matter). */
export function stableValue(value: unknown): unknown {
    if (typeof value === "string" && looksLikePolicy(value)) {
        try {
            return stableValue(JSON.parse(value));
        } catch {
            return value;
        }
    }
    if (Array.isArray(value)) {
        return value.map(stableValue);
    }
    if (value && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
                .map((k) => [k, stableValue((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

export function buildPlan(stack: string, resources: DeclaredResource[], cloud: StandInCloud = DEFAULT_STANDIN_CLOUD): Plan {
    const sorted = [...resources]
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name))
        .map((r) => ({
            type: r.type,
            name: r.name,
            ...(r.parent ? { parent: r.parent } : {}),
            ...(r.provider ? { provider: r.provider } : {}),
            custom: r.custom,
            inputs: stableValue(r.inputs) as Record<string, unknown>,
        }));
    return { stack, cloud, resources: sorted };
}

export function readPlan(dir: string): Plan {
    const file = path.join(dir, "plan.json");
    if (!fs.existsSync(file)) {
        throw new Error(`no plan.json in ${dir}: pass an earlier output directory (out/<stack>) or a git ref`);
    }
    // Plans written before they recorded the stand-in cloud used the defaults.
    const plan = JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
    return { ...plan, cloud: plan.cloud ?? DEFAULT_STANDIN_CLOUD };
}
