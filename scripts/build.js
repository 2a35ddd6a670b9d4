#!/usr/bin/env node
// Transpiles the package's TypeScript to dist/ without type-checking (`npm run typecheck` and CI do that). Only
// files whose source is newer than their output are transpiled, so a call when nothing changed costs a few
// milliseconds: the Pulumi entry (scripts/pulumi-entry.js) and the RolePair provider shim call it on every run,
// so `pulumi up` always runs the current sources as plain JavaScript, without ts-node and the source-map hooks
// that make Pulumi's per-resource stack capture expensive (BENCHMARKS.md).
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "dist");
const SOURCES = ["index.ts", "project.ts", "engineLogs.ts", "adopt", "cluster", "components", "config", "iam", "offline", "policy", "preview", "bench", "tools"];

function* tsFiles(entry) {
    const full = path.join(ROOT, entry);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) {
        for (const name of fs.readdirSync(full)) yield* tsFiles(path.join(entry, name));
    } else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) {
        yield entry;
    }
}

const mtime = (file) => {
    try {
        return fs.statSync(file).mtimeMs;
    } catch {
        return -1;
    }
};

/** Transpiles every stale file; returns how many were written. */
function ensureBuilt({ force = false } = {}) {
    let ts; // loaded only when something is stale
    let count = 0;
    for (const file of SOURCES.flatMap((s) => [...tsFiles(s)])) {
        const source = path.join(ROOT, file);
        const target = path.join(OUT, file.replace(/\.ts$/, ".js"));
        if (!force && mtime(target) >= mtime(source)) continue;
        ts ??= require("typescript");
        const { outputText } = ts.transpileModule(fs.readFileSync(source, "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
            fileName: file,
        });
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // Write then rename: the program and the provider host may build at the same time.
        const temp = `${target}.${process.pid}.tmp`;
        fs.writeFileSync(temp, outputText);
        fs.renameSync(temp, target);
        count += 1;
    }
    return count;
}

module.exports = { ensureBuilt, ROOT, OUT };

if (require.main === module) {
    const count = ensureBuilt({ force: process.argv.includes("--force") });
    if (process.argv.includes("--verbose")) console.error(`built ${count} files into dist/`);
}
