/**
 * `npm run adopt -- --cluster <name> --profiles <file> [--stack <env>] [--out <dir>]`: takes over what the manual
 * procedure built. Reads AWS (read-only) and a Profiles file, decides the stack config, runs the real program on it
 * under the mock runtime, and writes the stack file, a bulk-import file whose entries are the program's URNs, and a
 * report. Every file is built and checked before the first one is written; nothing is written on any error.
 */
import * as fs from "fs";
import * as path from "path";
import { Document, Scalar, visit } from "yaml";
import { CONFIG_NAMESPACE } from "../config/schema";
import { StackConfigError } from "../config/errors";
import { arnAccount } from "../iam/arns";
import { profileRoleName } from "../components/names";
import { StandInMocks } from "../offline/standInCloud";
import { runProgram } from "../offline/runtime";
import { parseStackFileText, stackFilePath } from "../offline/stackFile";
import { PROJECT_ROOT, STACKS_DIR } from "../project";
import { profileChanges, roleChanges, serviceAccountChanges } from "./changes";
import { Adoption, decideAdoption } from "./decide";
import { AdoptError } from "./errors";
import { buildImportFile, ImportFile, ImportTarget, providerVersions } from "./importFile";
import { PROFILE_CR_TYPE, ROLE_TYPE, SERVICE_ACCOUNT_TYPE } from "../components/typeTokens";
import { parseProfilesFile, parseServiceAccountsFile } from "./kubectlFiles";
import { readLiveState } from "./read";
import { AdoptReport, buildReport, reportMarkdown, ResourceChanges } from "./report";

export interface AdoptOptions {
    cluster: string;
    profilesFile: string;
    stack: string;
    region: string;
    /** `kubectl get serviceaccounts -A -o json` output: existing service accounts are imported, not created. */
    serviceAccountsFile?: string;
    /** Where the import file and the report go (default `out/adopt-<stack>`). */
    outDir?: string;
    /** Where the stack file goes (default `stacks/`). */
    stacksDir?: string;
    /** Overwrite an existing stack file. */
    force?: boolean;
    controllerNamespace?: string;
    controllerServiceAccount?: string;
    /**
     * The stack reaches the cluster through this kubeconfig (the program's `cluster.kubeconfig` mode) instead of one
     * generated from EKS: for a cluster reached through a proxy or a kubeconfig of the team's own. A path as Pulumi
     * reads it, from the project directory.
     */
    kubeconfig?: string;
    /** The context within `kubeconfig` (default: its current context). */
    context?: string;
}

export interface AdoptResult {
    adoption: Adoption;
    importFile: ImportFile;
    report: AdoptReport;
    files: { stackFile: string; importFile: string; reportMarkdown: string; reportJson: string };
}

/** The stack file's text: `aws:region` and the package's keys, with a header that says where it came from. */
function stackFileText(options: AdoptOptions, adoption: Adoption): string {
    const config: Record<string, unknown> = { "aws:region": options.region };
    for (const [key, value] of Object.entries(adoption.config)) config[`${CONFIG_NAMESPACE}:${key}`] = value;
    if (options.kubeconfig !== undefined) config[`${CONFIG_NAMESPACE}:cluster`] = { kubeconfig: options.kubeconfig, ...(options.context !== undefined ? { context: options.context } : {}) };
    return (
        `# Written by npm run adopt from cluster ${options.cluster} (${options.region}) and ${path.basename(options.profilesFile)}.\n` +
        "# Before importing, read the adoption report beside the import file: it lists every change the first up makes.\n" +
        yamlText({ config })
    );
}

/** YAML with every string that starts like a number or a date quoted, so no reader takes "2012-10-17" for a date. */
function yamlText(value: unknown): string {
    const doc = new Document(value);
    visit(doc, {
        Scalar(_, node) {
            if (typeof node.value === "string" && /^[-+.]?\d/.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
        },
    });
    return doc.toString({ lineWidth: 0 });
}

/** Writes every file through a temporary name first, so an interrupted run leaves no half-written file. */
function writeAll(files: Array<[string, string]>): void {
    for (const [file] of files) fs.mkdirSync(path.dirname(file), { recursive: true });
    const temps = files.map(([file, text]) => {
        const temp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(temp, text);
        return [temp, file] as const;
    });
    for (const [temp, file] of temps) fs.renameSync(temp, file);
}

export async function adopt(options: AdoptOptions): Promise<AdoptResult> {
    const stackFile = stackFilePath(options.stack, options.stacksDir ?? STACKS_DIR);
    if (fs.existsSync(stackFile) && !options.force) {
        throw new AdoptError(`${stackFile} exists: the adoption writes a whole stack file and never merges into one. Choose another --stack, or pass --force to replace it`);
    }
    if (!fs.existsSync(options.profilesFile)) throw new AdoptError(`--profiles ${options.profilesFile}: no such file (write it with kubectl get profiles -o json > ${options.profilesFile})`);
    const profiles = parseProfilesFile(fs.readFileSync(options.profilesFile, "utf8"), options.profilesFile);
    if (options.serviceAccountsFile !== undefined && !fs.existsSync(options.serviceAccountsFile)) {
        throw new AdoptError(`--service-accounts ${options.serviceAccountsFile}: no such file (write it with kubectl get serviceaccounts --all-namespaces -o json > ${options.serviceAccountsFile})`);
    }
    if (options.context !== undefined && options.kubeconfig === undefined) {
        throw new AdoptError("--context needs --kubeconfig: a context is only read from an explicit kubeconfig (without one the stack generates the cluster's own from EKS)");
    }
    if (options.kubeconfig !== undefined && !fs.existsSync(path.resolve(PROJECT_ROOT, options.kubeconfig))) {
        throw new AdoptError(`--kubeconfig ${options.kubeconfig}: no such file (from the project directory ${PROJECT_ROOT}, where Pulumi reads it)`);
    }
    const serviceAccounts = options.serviceAccountsFile === undefined ? undefined : parseServiceAccountsFile(fs.readFileSync(options.serviceAccountsFile, "utf8"), options.serviceAccountsFile);

    const live = await readLiveState(options.cluster, options.region);
    const adoption = decideAdoption(live.state, profiles, {
        controllerNamespace: options.controllerNamespace ?? "kubeflow",
        controllerServiceAccount: options.controllerServiceAccount ?? "profiles-controller-service-account",
    });
    const stackText = stackFileText(options, adoption);

    // The program itself decides what the import file names, run on the stack file's text as the preview reads it.
    const flat = parseStackFileText(stackText, `the stack file written for ${options.stack}`);
    const mocks = new StandInMocks({ [options.cluster]: live.cluster }, { accountId: arnAccount(live.cluster.arn), region: live.cluster.arn.split(":")[3], partition: live.cluster.arn.split(":")[1] });
    const run = await runProgram({ config: flat.config, stack: options.stack, mocks }).catch((err) => {
        if (err instanceof StackConfigError) {
            const names = adoption.profiles.map((p, i) => `profiles[${i}] is ${p.profile} (role ${p.sourceRole.name})`).join("; ");
            throw new AdoptError(`the config read back from AWS is not accepted, so nothing was written:\n${err.message}\nWhere: ${names}. Fix the role in AWS (or leave its Profile out of the file) and run the adoption again.`);
        }
        throw err;
    });
    const declared = run.resources;

    const targets: ImportTarget[] = [];
    for (const p of adoption.profiles) {
        if (p.adoptedRole) targets.push({ type: ROLE_TYPE, name: `${p.profile}-role`, id: p.adoptedRole.name });
        targets.push({ type: PROFILE_CR_TYPE, name: p.profile, id: p.profile });
    }
    if (adoption.controllerRole) targets.push({ type: ROLE_TYPE, name: "profile-controller-role", id: adoption.controllerRole.name });
    // Service accounts the program creates (not the controller's, which it patches): import the ones that exist.
    const createdAccounts = declared.filter((r) => r.type === SERVICE_ACCOUNT_TYPE && adoption.profiles.some((p) => r.name.startsWith(`${p.profile}.`)));
    for (const r of createdAccounts) {
        const { namespace, name } = r.inputs.metadata as { namespace: string; name: string };
        if (serviceAccounts?.has(`${namespace}/${name}`)) targets.push({ type: SERVICE_ACCOUNT_TYPE, name: r.name, id: `${namespace}/${name}` });
        else if (serviceAccounts) adoption.notes.push(`Service account ${namespace}/${name}: does not exist yet; the first up creates it.`);
        else adoption.notes.push(`Service account ${namespace}/${name}: the first up creates it; if it exists already that create fails. Run the adoption with --service-accounts (kubectl get serviceaccounts --all-namespaces -o json) to import it instead.`);
    }
    const importFile = buildImportFile(declared, targets, providerVersions());

    const inputsOf = (type: string, name: string) => declared.find((r) => r.type === type && r.name === name)!.inputs;
    const changes: ResourceChanges[] = [];
    for (const p of adoption.profiles) {
        if (p.adoptedRole) changes.push({ resource: `role ${p.adoptedRole.name}`, properties: roleChanges(p.adoptedRole, inputsOf(ROLE_TYPE, `${p.profile}-role`)) });
        changes.push({ resource: `Profile ${p.profile}`, properties: profileChanges(profiles.find((lp) => lp.metadata.name === p.profile)!, inputsOf(PROFILE_CR_TYPE, p.profile)) });
    }
    if (adoption.controllerRole) changes.push({ resource: `role ${adoption.controllerRole.name}`, properties: roleChanges(adoption.controllerRole, inputsOf(ROLE_TYPE, "profile-controller-role")) });
    for (const t of targets.filter((t) => t.type === SERVICE_ACCOUNT_TYPE)) {
        changes.push({ resource: `ServiceAccount ${t.id}`, properties: serviceAccountChanges(serviceAccounts!.get(t.id)!, inputsOf(SERVICE_ACCOUNT_TYPE, t.name)) });
    }
    const newRoles = adoption.profiles.filter((p) => !p.adoptedRole).map((p) => profileRoleName(p.profile, options.cluster));
    const report = buildReport(adoption, options.cluster, options.stack, changes, newRoles);

    const outDir = options.outDir ?? path.join(PROJECT_ROOT, "out", `adopt-${options.stack}`);
    const files = {
        stackFile,
        importFile: path.join(outDir, "import.json"),
        reportMarkdown: path.join(outDir, "adopt-report.md"),
        reportJson: path.join(outDir, "adopt-report.json"),
    };
    writeAll([
        [files.stackFile, stackText],
        [files.importFile, JSON.stringify(importFile, null, 2) + "\n"],
        [files.reportMarkdown, reportMarkdown(report, { stackFile: path.relative(process.cwd(), files.stackFile), importFile: path.relative(process.cwd(), files.importFile) })],
        [files.reportJson, JSON.stringify(report, null, 2) + "\n"],
    ]);
    return { adoption, importFile, report, files };
}

const USAGE = `usage: npm run adopt -- --cluster <name> --profiles <file> [--service-accounts <file>] [--stack <env>] [--out <dir>] [--stacks-dir <dir>] [--region <region>] [--kubeconfig <file> [--context <name>]] [--force]
  --cluster   the EKS cluster whose hand-made IRSA setup to take over
  --profiles  the output of kubectl get profiles -o json (no cluster access needed)
  --service-accounts  the output of kubectl get serviceaccounts --all-namespaces -o json: listed accounts that exist are imported
  --stack     the stack to write (stacks/Pulumi.<stack>.yaml; default: the cluster's name)
  --out       where the import file and the report go (default out/adopt-<stack>)
  --stacks-dir  where the stack file goes (default stacks/)
  --region    the cluster's region (default AWS_REGION)
  --controller-namespace, --controller-service-account   the profile controller's (default kubeflow, profiles-controller-service-account)
  --kubeconfig  reach the cluster through this kubeconfig (cluster.kubeconfig) instead of one generated from EKS
  --context   the context within --kubeconfig (default: its current context)
  --force     replace an existing stack file`;

function parseArgs(argv: string[]): AdoptOptions {
    const values: Record<string, string> = {};
    let force = false;
    const known = ["cluster", "profiles", "service-accounts", "stacks-dir", "stack", "out", "region", "controller-namespace", "controller-service-account", "kubeconfig", "context"];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--force") force = true;
        else if (arg === "--help" || arg === "-h") {
            console.log(USAGE);
            process.exit(0);
        } else if (arg.startsWith("--") && known.includes(arg.slice(2)) && argv[i + 1] !== undefined) values[arg.slice(2)] = argv[++i];
        else throw new AdoptError(`unknown or incomplete argument ${arg}\n${USAGE}`);
    }
    const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!values.cluster || !values.profiles) throw new AdoptError(`--cluster and --profiles are required\n${USAGE}`);
    if (!region) throw new AdoptError("no region: pass --region or set AWS_REGION");
    return {
        cluster: values.cluster,
        profilesFile: values.profiles,
        serviceAccountsFile: values["service-accounts"],
        stack: values.stack ?? values.cluster,
        region,
        outDir: values.out,
        stacksDir: values["stacks-dir"],
        force,
        controllerNamespace: values["controller-namespace"],
        controllerServiceAccount: values["controller-service-account"],
        kubeconfig: values.kubeconfig,
        context: values.context,
    };
}

if (require.main === module) {
    (async () => {
        const options = parseArgs(process.argv.slice(2));
        const result = await adopt(options);
        const r = result.report;
        console.log(`Adopted ${r.profiles.length} profiles of ${r.cluster}: ${r.importedRoles.length} roles imported under their names, ${r.newRoles.length} new, ${r.findings.length} findings.`);
        for (const file of Object.values(result.files)) console.log(`  wrote ${path.relative(process.cwd(), file)}`);
        console.log(`Next: read ${path.relative(process.cwd(), result.files.reportMarkdown)}, then pulumi import --file ${path.relative(process.cwd(), result.files.importFile)} --generate-code=false`);
    })().catch((err) => {
        if (err instanceof AdoptError) {
            console.error(`adopt: ${err.message}`);
            process.exit(2);
        }
        // AWS errors: the call failed, nothing was written; the SDK's name and message say why (credentials, access).
        const e = err as Error & { $metadata?: unknown };
        console.error(e?.$metadata ? `adopt: an AWS read failed, nothing was written: ${e.name}: ${e.message || "(no message)"}` : err);
        process.exit(1);
    });
}
