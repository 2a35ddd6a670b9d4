/**
 * `npm start -- [--stack dev] [--out <dir>] [--against <dir-or-git-ref>] [--format text|json] [--allow-findings] [--stacks-dir <dir>] [--max-bucket-writers <n>]`
 *
 * Exit codes: 0 fine; 1 config or input error; 2 a high-severity finding (unless --allow-findings); 64 bad usage.
 */
// Before anything loads @pulumi/pulumi (./preview does): TypeScript is then loaded only if a function is serialized.
require("../offline/deferTypescript").deferTypescriptLoad();
import * as path from "path";
import { StackConfigError } from "../config/errors";
import { runPreview } from "./preview";

interface CliOptions {
    stack: string;
    out?: string;
    against?: string;
    maxBucketWriters?: number;
    format: "text" | "json";
    allowFindings: boolean;
    stacksDir?: string;
}

const USAGE = "usage: npm start -- [--stack <name>] [--out <dir>] [--against <dir-or-git-ref>] [--format text|json] [--allow-findings] [--stacks-dir <dir>] [--max-bucket-writers <n>]";

function parseArgs(argv: string[]): CliOptions {
    const options: CliOptions = { stack: "dev", format: "text", allowFindings: false };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
            return v;
        };
        switch (flag) {
            case "--stack": options.stack = value(); break;
            case "--out": options.out = value(); break;
            case "--against": options.against = value(); break;
            case "--stacks-dir": options.stacksDir = path.resolve(value()); break;
            case "--format": {
                const f = value();
                if (f !== "text" && f !== "json") throw new UsageError(`--format must be text or json, not ${f}`);
                options.format = f;
                break;
            }
            case "--allow-findings": options.allowFindings = true; break;
            case "--max-bucket-writers": {
                const n = Number(value());
                if (!Number.isInteger(n) || n < 1) throw new UsageError("--max-bucket-writers must be a whole number of profiles, at least 1");
                options.maxBucketWriters = n;
                break;
            }
            case "--help": case "-h": throw new UsageError("");
            default: throw new UsageError(`unknown argument ${flag}`);
        }
    }
    return options;
}

class UsageError extends Error {}

async function main(): Promise<number> {
    let options: CliOptions;
    try {
        options = parseArgs(process.argv.slice(2));
    } catch (err) {
        process.stderr.write(`${(err as Error).message ? `${(err as Error).message}\n` : ""}${USAGE}\n`);
        return 64;
    }
    const started = Date.now();
    try {
        const result = await runPreview({ stack: options.stack, outDir: options.out, against: options.against, stacksDir: options.stacksDir, maxBucketWriters: options.maxBucketWriters, log: options.format === "json" ? () => undefined : undefined });
        const findings = result.access.findings;
        const high = findings.filter((f) => f.severity === "high");
        const failing = high.length > 0 && !options.allowFindings;
        if (options.format === "json") {
            process.stdout.write(`${JSON.stringify({ stack: options.stack, outDir: result.outDir, resources: result.plan.resources.length, roles: result.roles.length, findings, changes: result.changes, files: result.files, ok: !failing, elapsedMs: Date.now() - started }, null, 2)}\n`);
        } else {
            const rel = path.relative(process.cwd(), result.outDir) || ".";
            process.stdout.write(
                `kubeflow-irsa preview of stack ${options.stack}: ${result.plan.resources.length} resources, ${result.roles.length} roles, ` +
                    `${findings.length} findings (${high.length} high) in ${((Date.now() - started) / 1000).toFixed(1)} s; report: ${rel}/report.md\n`,
            );
            for (const f of findings) process.stdout.write(`  ${f.severity.toUpperCase()} ${f.role}: ${f.message}\n`);
            if (failing) process.stdout.write("High-severity findings: exit 2 (pass --allow-findings to accept them).\n");
        }
        return failing ? 2 : 0;
    } catch (err) {
        if (options.format === "json") {
            process.stdout.write(`${JSON.stringify({ stack: options.stack, ok: false, error: (err as Error).message }, null, 2)}\n`);
        }
        process.stderr.write(`${err instanceof StackConfigError ? "" : "error: "}${(err as Error).message}\n`);
        return 1;
    }
}

main().then((code) => process.exit(code));
