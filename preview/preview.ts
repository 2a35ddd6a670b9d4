/**
 * The offline preview: runs the real program under the mock runtime with a stack file's config, and writes
 * plan.json, iam/<role>.json, k8s/*.yaml, report.md and summary.md. Compare mode renders the report as a change against an
 * earlier output directory or the stack file at a git ref.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { AccessAnalysis, analyzeAccess } from "./access";
import { bySeverity, Finding } from "./findings";
import { comparePlans, PlanChanges } from "./compare";
import { RoleView, roleViews } from "./iam";
import { buildPlan, Plan, readPlan } from "./plan";
import { pipelineFindings, pipelineRolesFor } from "./pipeline";
import { allGrants, reachability, ReachFindingOptions, reachFindings, riskFindings } from "./reach";
import { clusterTargetFor } from "./cluster";
import { renderReport, renderSummary, ReportInput } from "./report";
import { runProgram } from "../offline/runtime";
import { StackConfigError } from "../config/errors";
import { DEFAULT_STANDIN_CLOUD, standInCloudFor } from "../offline/standInCloud";
import { STACKS_DIR } from "../project";
import { parseStackFileText, readStackFile, StackFileConfig, stackFilePath } from "../offline/stackFile";
import { engineTarget, namespaceValues, parseStackConfig } from "../config";
import { PROFILE_CR_TYPE, SERVICE_ACCOUNT_PATCH_TYPE, SERVICE_ACCOUNT_TYPE } from "../components/typeTokens";

export interface PreviewOptions {
    stack: string;
    /** Output directory (default `out/<stack>`). */
    outDir?: string;
    /** Earlier output directory or git ref to compare against. */
    against?: string;
    /** Progress lines go here (stderr by default). */
    log?: (line: string) => void;
    stacksDir?: string;
    /** A bucket writable by more profiles than this is a finding (info); default DEFAULT_MAX_BUCKET_WRITERS. */
    maxBucketWriters?: number;
}

export const DEFAULT_MAX_BUCKET_WRITERS = 5;

export interface PreviewResult {
    outDir: string;
    plan: Plan;
    roles: RoleView[];
    access: AccessAnalysis;
    changes?: PlanChanges;
    files: string[];
    timingsMs: Record<string, number>;
}

/** A plan with its roles and access analysis: the report without the comparison. */
type Analyzed = Omit<ReportInput, "changes">;

async function analyze(plan: Plan, options: ReachFindingOptions): Promise<Analyzed> {
    const roles = roleViews(plan.resources, plan.cloud);
    const access = analyzeAccess(roles, plan.cloud);
    const grants = await allGrants(roles);
    const findings = [...access.findings, ...reachFindings(roles, grants, options), ...riskFindings(roles, grants)].sort(bySeverity);
    return { plan, roles, access: { ...access, findings }, reach: reachability(roles, access, grants) };
}

/** The plan of a stack's config; `file` names where the config was read, for its errors. */
async function planFor(stack: string, config: StackFileConfig, file: string): Promise<Plan> {
    try {
        const run = await runProgram({ config: config.config, secretKeys: config.secretKeys, stack });
        return buildPlan(stack, run.resources, run.cloud);
    } catch (err) {
        throw err instanceof StackConfigError ? err.inFile(file) : err;
    }
}

/**
 * The baseline: an earlier output directory, or the stack file as committed at a git ref (in the repository that
 * holds the stacks directory) run through today's program, so the comparison shows what the config change does.
 */
async function baseline(stack: string, against: string, stacksDir: string): Promise<Plan> {
    if (fs.existsSync(against) && fs.statSync(against).isDirectory()) {
        return readPlan(against);
    }
    const file = `Pulumi.${stack}.yaml`;
    let text: string;
    try {
        // `<ref>:./<file>` is relative to cwd: the stacks directory, wherever it sits in its repository.
        text = execFileSync("git", ["show", `${against}:./${file}`], { cwd: stacksDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr ?? "");
        if (/does not exist in|exists on disk, but not in/.test(stderr)) {
            return { stack, cloud: DEFAULT_STANDIN_CLOUD, resources: [] }; // a new stack: everything is added
        }
        throw new Error(`--against ${against}: neither a directory nor a git ref with ${file} in ${stacksDir} (${stderr.trim() || (err as Error).message})`);
    }
    const where = `${path.relative(process.cwd(), path.join(stacksDir, file)) || file} at ${against}`;
    return planFor(stack, parseStackFileText(text, where), where);
}

function safeFileName(name: string): string {
    return name.replace(/[^A-Za-z0-9._+=,@-]/g, "_");
}

function writeOutputs(outDir: string, report: ReportInput): string[] {
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(outDir, "iam"), { recursive: true });
    fs.mkdirSync(path.join(outDir, "k8s"), { recursive: true });
    if (report.pipeline) fs.mkdirSync(path.join(outDir, "pipeline"), { recursive: true });
    const files: string[] = [];
    const write = (relative: string, text: string) => {
        fs.writeFileSync(path.join(outDir, relative), text.endsWith("\n") ? text : `${text}\n`);
        files.push(relative);
    };
    write("plan.json", JSON.stringify(report.plan, null, 2));
    for (const role of report.roles) {
        write(path.join("iam", `${safeFileName(role.name)}.json`), JSON.stringify({ roleName: role.name, arn: role.arn, kind: role.kind, declaredBy: role.declaredBy, trustPolicy: role.trust, inlinePolicies: role.inlinePolicies, managedPolicyArns: role.managedPolicyArns, ...(role.permissionsBoundary ? { permissionsBoundary: role.permissionsBoundary } : {}) }, null, 2));
    }
    for (const r of report.plan.resources) {
        const inputs = r.inputs as Record<string, any>;
        if (r.type === PROFILE_CR_TYPE) {
            write(path.join("k8s", `profile-${safeFileName(r.name)}.yaml`), stringify({ apiVersion: inputs.apiVersion, kind: inputs.kind, metadata: inputs.metadata, spec: inputs.spec }));
        } else if (r.type === SERVICE_ACCOUNT_PATCH_TYPE || r.type === SERVICE_ACCOUNT_TYPE) {
            const comment =
                r.type === SERVICE_ACCOUNT_TYPE
                    ? "# Created and owned by this package, in the profile's namespace, after the Profile is reconciled\n"
                    : "# A patch of the existing service account: kubectl apply --server-side --field-manager=kubeflow-irsa -f <this file>\n";
            write(
                path.join("k8s", `serviceaccount-${safeFileName(inputs.metadata.namespace)}-${safeFileName(inputs.metadata.name)}.yaml`),
                `${comment}${stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: inputs.metadata })}`,
            );
        }
    }
    for (const role of report.pipeline ? [report.pipeline.preview, report.pipeline.deploy] : []) {
        write(path.join("pipeline", `${safeFileName(role.roleName)}.json`), JSON.stringify(role, null, 2));
    }
    write("report.md", renderReport(report));
    write("summary.md", renderSummary(report));
    return files;
}

export async function runPreview(options: PreviewOptions): Promise<PreviewResult> {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const stacksDir = options.stacksDir ?? STACKS_DIR;
    const outDir = path.resolve(options.outDir ?? path.join("out", options.stack));
    const timingsMs: Record<string, number> = {};
    let t = Date.now();
    const lap = (phase: string) => {
        timingsMs[phase] = Date.now() - t;
        t = Date.now();
        return timingsMs[phase];
    };

    const config = readStackFile(options.stack, stacksDir);
    const file = path.relative(process.cwd(), stackFilePath(options.stack, stacksDir));
    log(`[1/4] config    ${file}: ${Object.keys(config.config).length} keys (${lap("config")} ms)`);
    const plan = await planFor(options.stack, config, file);
    // The program accepted the config, so this parse (the preview's one) cannot fail.
    const parsed = parseStackConfig(namespaceValues(config.config), file, engineTarget(config.config, options.stack));
    log(`[2/4] program   ${plan.resources.length} resources declared (${lap("program")} ms)`);
    const findingOptions = { maxBucketWriters: options.maxBucketWriters ?? DEFAULT_MAX_BUCKET_WRITERS };
    const analyzed = await analyze(plan, findingOptions);
    // What the config allows but warns of is the stack's, not a role's.
    const cloud = standInCloudFor(config.config);
    const pipeline = pipelineRolesFor(options.stack, parsed, cloud);
    const configFindings: Finding[] = [...parsed.warnings.map((message): Finding => ({ severity: "medium", role: "(stack)", message })), ...pipelineFindings(pipeline, parsed, cloud)];
    const current = { ...analyzed, access: { ...analyzed.access, findings: [...analyzed.access.findings, ...configFindings].sort(bySeverity) } };
    let changes: PlanChanges | undefined;
    if (options.against) {
        changes = comparePlans(await analyze(await baseline(options.stack, options.against, stacksDir), findingOptions), current);
    }
    log(`[3/4] analysis  ${current.roles.length} roles, ${current.access.findings.length} findings${changes ? `, compared against ${options.against}` : ""} (${lap("analysis")} ms)`);
    const report: ReportInput = { ...current, changes: changes && options.against ? { against: options.against, changes } : undefined, pipeline, cluster: clusterTargetFor(parsed, config.config["aws:region"]) };
    const files = writeOutputs(outDir, report);
    log(`[4/4] write     ${path.relative(process.cwd(), outDir) || "."}/: ${files.length} files (${lap("write")} ms)`);
    return { outDir, ...current, changes, files, timingsMs };
}
