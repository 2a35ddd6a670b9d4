#!/usr/bin/env node
// Writes the policy pack as a self-contained directory (default out/policy-pack/) for `pulumi policy publish`, which
// packs only the pack's own directory: policy/ alone loads the package's compiled sources and node_modules from its
// parent. The bundle holds the compiled files the pack requires (found by following its requires from
// dist/policy/pack.js), PulumiPolicy.yaml, the executable analyzer, and a package.json whose dependencies are exactly
// the packages those files require, at the versions package-lock.json pins.
//
//   node scripts/bundle-policy-pack.js [out-dir]   then   cd out/policy-pack && npm install && pulumi policy publish <org>
const fs = require("fs");
const path = require("path");
const { ensureBuilt, ROOT, OUT } = require("./build");

const BUILTINS = new Set(require("module").builtinModules);
const REQUIRE = /require(?:\.resolve)?\(\s*"([^"]+)"/g;

/** The compiled files the entry requires, transitively, and the packages they name. */
function closure(entry) {
    const files = new Set();
    const packages = new Set();
    const visit = (file) => {
        if (files.has(file)) return;
        files.add(file);
        for (const [, spec] of fs.readFileSync(file, "utf8").matchAll(REQUIRE)) {
            if (spec.startsWith(".")) {
                const target = path.resolve(path.dirname(file), spec);
                const found = [target, `${target}.js`, path.join(target, "index.js")].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
                if (!found) throw new Error(`${path.relative(ROOT, file)} requires ${spec}, which is not built`);
                visit(found);
            } else if (!BUILTINS.has(spec.replace(/^node:/, ""))) {
                packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
            }
        }
    };
    visit(entry);
    return { files: [...files].sort(), packages: [...packages].sort() };
}

function bundle(outDir) {
    ensureBuilt();
    const { files, packages } = closure(path.join(OUT, "policy", "pack.js"));
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
    // run-policy-pack, which starts the pack, is @pulumi/pulumi's.
    const dependencies = Object.fromEntries([...new Set([...packages, "@pulumi/pulumi"])].sort().map((name) => {
        const locked = lock.packages[`node_modules/${name}`];
        if (!locked) throw new Error(`the pack requires ${name}, which package-lock.json does not hold`);
        return [name, locked.version];
    }));
    fs.rmSync(outDir, { recursive: true, force: true });
    for (const file of files) {
        const target = path.join(outDir, "dist", path.relative(OUT, file));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(file, target);
    }
    const own = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8"));
    fs.writeFileSync(path.join(outDir, "package.json"), `${JSON.stringify({ ...own, main: "index.js", dependencies }, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, "index.js"), 'require("./dist/policy/pack.js");\n');
    fs.copyFileSync(path.join(ROOT, "policy", "PulumiPolicy.yaml"), path.join(outDir, "PulumiPolicy.yaml"));
    fs.copyFileSync(path.join(ROOT, "policy", "analyzer"), path.join(outDir, "analyzer"));
    fs.chmodSync(path.join(outDir, "analyzer"), 0o755);
    return { files: files.length, dependencies };
}

module.exports = { bundle };

if (require.main === module) {
    const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, "out", "policy-pack"));
    const { files, dependencies } = bundle(outDir);
    console.log(`policy pack bundled into ${path.relative(process.cwd(), outDir) || "."}: ${files} files; dependencies ${Object.entries(dependencies).map(([n, v]) => `${n}@${v}`).join(", ")}`);
}
