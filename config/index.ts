/**
 * The stack config, parsed once at the edge: `parseStackConfig` validates the namespace's raw values into a typed
 * `ParsedStackConfig` or throws one StackConfigError listing every problem; `namespaceValues` picks this package's
 * keys out of the engine's flat config. Everything else takes the parsed config, never the raw one.
 */
import { CONFIG_NAMESPACE, ResolvedController, ResolvedProfile, StackConfig, stackConfigSchema } from "./schema";
import { DEFAULT_STACK_FILE, issueProblems, problemLines, StackConfigError } from "./errors";
import { crossEntryChecks, resolveController, resolveProfiles, stackAccount } from "./rules";
import { documentChecks, StackTarget } from "./documents";
import { uniquenessProblems } from "./uniqueness";
import { partitionOf } from "../iam/arns";
import { issuerRegion } from "../iam/identity";

export interface ParsedStackConfig extends StackConfig {
    /** Profiles with stack-wide defaults applied and role names decided. */
    resolvedProfiles: ResolvedProfile[];
    /** The profile controller's role, with the stack-wide defaults applied. */
    resolvedController: ResolvedController;
    /** What the config allows but a reviewer should see (e.g. the account's roles quota nearly used). */
    warnings: string[];
}

/**
 * Validates the namespace's raw values (`{ clusterName: ..., profiles: [...] }`, already JSON-decoded) and returns
 * the typed config, or throws a StackConfigError listing every problem.
 */
export function parseStackConfig(raw: Record<string, unknown>, file: string = DEFAULT_STACK_FILE, engine: EngineTarget = {}): ParsedStackConfig {
    // reportInput: issues carry the value, so a wrong type ("must be a string") is told apart from a missing key.
    const parsed = stackConfigSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
        throw new StackConfigError(problemLines(parsed.error.issues.flatMap(issueProblems), raw), file);
    }
    const cfg = parsed.data;
    const resolvedProfiles = resolveProfiles(cfg);
    const { problems, warnings } = crossEntryChecks(cfg, resolvedProfiles);
    const target = stackTarget(cfg, engine);
    const resolvedController = resolveController(cfg);
    problems.unshift(...uniquenessProblems(cfg, resolvedProfiles, resolvedController, target.accountId, engine.stack));
    problems.push(...documentChecks(cfg, target));
    if (problems.length > 0) {
        throw new StackConfigError(problemLines(problems, raw), file);
    }
    return { ...cfg, resolvedProfiles, resolvedController, warnings };
}

/** What the engine's own config says of the deploy target: `aws:region` and `aws:allowedAccountIds`. */
export interface EngineTarget {
    /** The stack's name: it names the pipeline's deploy role when `pipeline.environment` does not. */
    stack?: string;
    region?: string;
    allowedAccountIds?: string[];
}

/**
 * The engine target of a flat Pulumi config map (`aws:region` -> value); `env` is where the aws provider finds its
 * region when the stack does not set one (the program's environment; the offline preview has none).
 */
export function engineTarget(allConfig: Record<string, string>, stack?: string, env: Record<string, string | undefined> = {}): EngineTarget {
    let allowed: unknown;
    try {
        allowed = JSON.parse(allConfig["aws:allowedAccountIds"] ?? "[]");
    } catch {
        allowed = [];
    }
    return {
        stack,
        region: allConfig["aws:region"] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
        allowedAccountIds: Array.isArray(allowed) ? allowed.filter((a): a is string => typeof a === "string") : [],
    };
}

function stackTarget(cfg: StackConfig, engine: EngineTarget): StackTarget {
    const allowed = engine.allowedAccountIds ?? [];
    // Else the region the cluster's issuer names, as the offline preview reads it.
    const region = engine.region ?? issuerRegion(cfg.oidcIssuerUrl ?? cfg.oidcProviderArn ?? "");
    return {
        partition: region === undefined ? undefined : partitionOf(region),
        accountId: stackAccount(cfg) ?? (allowed.length === 1 ? allowed[0] : undefined),
    };
}

/**
 * Picks this package's keys out of a flat Pulumi config map (`kubeflow-irsa:clusterName` -> value). Pulumi stores
 * structured values as JSON text; they are decoded here. Other namespaces (`aws:`, `kubernetes:`) are ignored.
 */
export function namespaceValues(allConfig: Record<string, string>): Record<string, unknown> {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const out: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(allConfig)) {
        if (!key.startsWith(prefix)) {
            continue;
        }
        const name = key.slice(prefix.length);
        out[name] = decodeConfigValue(name, text);
    }
    return out;
}

function decodeConfigValue(name: string, text: string): unknown {
    if (/^\s*[[{]/.test(text) || text === "true" || text === "false") {
        try {
            return JSON.parse(text);
        } catch (err) {
            throw new StackConfigError([`${CONFIG_NAMESPACE}:${name}: is not valid JSON/YAML structure (${(err as Error).message})`]);
        }
    }
    return text;
}
