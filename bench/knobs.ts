/**
 * Every knob of `npm run bench`, in one place: the environment variables it reads and their defaults.
 *
 *   BENCH_ONLY                  one section's key (see run.ts): measure it alone and put it in place in BENCHMARKS.md
 *   BENCH_RUNS                  runs per measurement (5)
 *   BENCH_SIZES                 profiles for program evaluation (10,100,1000,3000)
 *   BENCH_TS_NODE_RUNS          runs of the ts-node entry, which type-checks on every run (2)
 *   BENCH_ENGINE_PAIRS          role pairs through the real engine (50)
 *   BENCH_NODE_RELEASES         Node releases compared side by side (22.23.5,26.12.1)
 *   BENCH_KUBERNETES_SIZES      profiles for the Kubernetes objects through the real plugin (200,1000)
 *   BENCH_POLICY_SIZES          profiles for the policy pack's rules in process (1000,3000)
 *   BENCH_POLICY_PREVIEW_SIZES  profiles for pulumi preview without and with the pack (200,1000)
 *   BENCH_PREVIEW_SIZES         profiles for pulumi preview with and without per-step checkpoints (200,250,1000,3000)
 *   BENCH_UP_SIZES              profiles for pulumi up with and without per-step checkpoints (200,1000,3000)
 *   BENCH_UP_MODES              which of them: skipped, every step (both)
 *   BENCH_PROGRAM_ENGINE_SIZES  profiles for the program under the engine against the mock runtime (1000)
 *   BENCH_CPU_PROFILE_DIR       where section 12 also writes the V8 profile of the measured preview (.cpuprofile; unset: not written)
 */
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(",").filter(Boolean);

export const ONLY = process.env.BENCH_ONLY;
export const RUNS = Number(process.env.BENCH_RUNS ?? 5);
export const SIZES = list("BENCH_SIZES", "10,100,1000,3000").map(Number);
export const TS_NODE_RUNS = Number(process.env.BENCH_TS_NODE_RUNS ?? 2);
export const ENGINE_PAIRS = Number(process.env.BENCH_ENGINE_PAIRS ?? 50);
/** The seeds and subject updates of the trust-write drill. */
export const DRILL_SEEDS = [11, 23, 37];
export const DRILL_UPDATES = 20;
/** The maintenance LTS and the Active LTS (scripts/install-node.sh installs each). */
export const NODE_RELEASES = list("BENCH_NODE_RELEASES", "22.23.5,26.12.1");
export const KUBERNETES_SIZES = list("BENCH_KUBERNETES_SIZES", "200,1000").map(Number);
export const POLICY_RULE_SIZES = list("BENCH_POLICY_SIZES", "1000,3000").map(Number);
export const POLICY_PREVIEW_SIZES = list("BENCH_POLICY_PREVIEW_SIZES", "200,1000").map(Number);
export const PREVIEW_SIZES = list("BENCH_PREVIEW_SIZES", "200,250,1000,3000").map(Number);
export const UP_SIZES = list("BENCH_UP_SIZES", "200,1000,3000").map(Number);
export const UP_MODES = list("BENCH_UP_MODES", "skipped,every step").filter((m): m is "skipped" | "every step" => m === "skipped" || m === "every step");
export const PROGRAM_ENGINE_SIZES = list("BENCH_PROGRAM_ENGINE_SIZES", "1000").map(Number);
export const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
/**
 * The V8 flag `npm start` runs the preview with (package.json): a larger young generation means fewer scavenges
 * while thousands of resources are declared. Every program measured gets it.
 */
export const NODE_FLAGS = ["--max-semi-space-size=64"];
