/**
 * The benchmark's harness: one measurement per fresh Node process (so peak RSS and module caches belong to that run
 * alone), medians, Markdown tables, the machine line, and what a section is.
 */
import { execFileSync, spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../project";
import { NODE_FLAGS } from "./knobs";

/** A section of BENCHMARKS.md: what it measures, how it reads, and the targets it checks. */
export interface Section<T> {
    /** `BENCH_ONLY=<key>` measures this section alone. */
    key: string;
    /** Its heading, `## <n>. ...`, exactly as in BENCHMARKS.md. */
    title: string;
    measure(): Promise<T>;
    /** The lines under the heading: what is measured, the numbers, and what they mean. */
    render(data: T): string[];
    /** Rows of the Targets table: target, measured, met / NOT met / skipped. */
    targets?(data: T): string[][];
}

const WORKER = path.join(__dirname, "worker.js");

export interface Sample {
    ms: number;
    maxRssMb: number;
    resources: number;
    wallMs: number;
    /** The preview's phases (config, program, analysis, write), ms. */
    phases?: Record<string, number>;
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One measurement in a fresh Node process (this one's release, or `node`); wallMs includes Node's own start-up. */
export function measure(args: string[], node = process.execPath): Promise<Sample> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(node, [...NODE_FLAGS, WORKER, ...args], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.on("exit", (code) => {
            const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
            if (code !== 0) return reject(new Error(`worker ${args.join(" ")} exited ${code}`));
            resolve({ ...JSON.parse(out.trim().split("\n").pop()!), wallMs });
        });
    });
}

export const fmt = (n: number, digits = 0) => n.toFixed(digits);
export const table = (header: string[], rows: Array<Array<string | number>>) =>
    [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

export const summary = (s: Sample[]) => ({ ms: median(s.map((x) => x.ms)), rss: median(s.map((x) => x.maxRssMb)), resources: s[0].resources });

export function commit(): string {
    try {
        return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: PROJECT_ROOT, encoding: "utf8" }).trim();
    } catch {
        return "uncommitted"; // not a git checkout
    }
}

export function machine(): string {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    return `${os.cpus().length} x ${cpu}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, commit ${commit()}`;
}

export const met = (ok: boolean) => (ok ? "met" : "NOT met");

