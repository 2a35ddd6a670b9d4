#!/usr/bin/env node
// Transpiles the package's TypeScript to dist/ without type-checking (tsc --noEmit does that in CI): well under a
// second, so `npm start` and `npm run bench` run plain JavaScript, without ts-node and its source-map hooks that
// make Pulumi's per-resource stack capture expensive.
const fs = require("fs");
const path = require("path");
const ts = require("typescript");

const root = path.resolve(__dirname, "..");
const out = path.join(root, "dist");
const sources = ["index.ts", "components", "preview", "bench", "tools"];
const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true };

function* tsFiles(entry) {
    const full = path.join(root, entry);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) {
        for (const name of fs.readdirSync(full)) yield* tsFiles(path.join(entry, name));
    } else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) {
        yield entry;
    }
}

let count = 0;
for (const file of sources.flatMap((s) => [...tsFiles(s)])) {
    const source = fs.readFileSync(path.join(root, file), "utf8");
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: file });
    const target = path.join(out, file.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
    count += 1;
}
if (process.argv.includes("--verbose")) console.error(`built ${count} files into dist/`);
