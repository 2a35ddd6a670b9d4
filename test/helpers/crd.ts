/** Validates objects against the Kubeflow Profile CRD's v1 schema, as the API server would (incl. pruning). */
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** Vendored copy of the upstream CRD (its header names the source and licence). */
export const CRD_PATH = path.resolve(__dirname, "..", "fixtures", "kubeflow-profile-crd.yaml");

type Schema = { properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean; "x-kubernetes-preserve-unknown-fields"?: boolean; [k: string]: unknown };

export function profileV1Schema(): Schema {
    const crd = parse(fs.readFileSync(CRD_PATH, "utf8"));
    const v1 = crd.spec.versions.find((v: { name: string }) => v.name === "v1");
    return v1.schema.openAPIV3Schema;
}

/** Fields the API server would silently prune (not in the structural schema): a typo there is lost, not rejected. */
export function prunedFields(value: unknown, schema: Schema, at = ""): string[] {
    if (schema["x-kubernetes-preserve-unknown-fields"] || value === null || typeof value !== "object") {
        return [];
    }
    if (Array.isArray(value)) {
        return schema.items ? value.flatMap((v, i) => prunedFields(v, schema.items!, `${at}[${i}]`)) : [];
    }
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
        const child = schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
        if (!child) {
            return schema.properties || schema.additionalProperties === false ? [`${at}.${k}`] : [];
        }
        return prunedFields(v, child, `${at}.${k}`);
    });
}

/** Returns the schema violations and pruned fields of a Profile object; empty when the API server would take it as is. */
export function profileProblems(profile: unknown): string[] {
    const schema = profileV1Schema();
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const errors = validate(profile) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    return [...errors, ...prunedFields(profile, schema).map((f) => `${f} would be pruned (not in the CRD schema)`)];
}
