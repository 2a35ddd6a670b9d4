/** Runs index.ts under the stand-in mocks with a raw config object (keys without the namespace prefix). */
import { CONFIG_NAMESPACE } from "../../config/schema";
import { DeclaredResource, StandInMocks } from "../../offline/standInCloud";
import { ProgramRun, runProgram } from "../../offline/runtime";

export function flatConfig(raw: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`${CONFIG_NAMESPACE}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

export function runWith(raw: Record<string, unknown>, mocks?: StandInMocks): Promise<ProgramRun> {
    return runProgram({ config: flatConfig(raw), stack: "test", mocks });
}

export function byType(run: ProgramRun, type: string): DeclaredResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, name: string): DeclaredResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    }
    return found[0];
}

export { ROLE_TYPE as ROLE, PROFILE_CR_TYPE as PROFILE_CR, OIDC_PROVIDER_TYPE as OIDC_PROVIDER, ROLE_PAIR_TYPE as ROLE_PAIR } from "../../components/typeTokens";
export const SA_PATCH = "kubernetes:core/v1:ServiceAccountPatch";
