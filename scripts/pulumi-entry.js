// The program `pulumi up` / `pulumi preview` run (package.json "main", with `typescript: false` in Pulumi.yaml):
// brings dist/ up to date with the TypeScript sources (a few milliseconds when nothing changed), then runs the
// compiled index.js. Running plain JavaScript instead of ts-node makes the program about as fast as a bare-SDK
// one (BENCHMARKS.md); type-checking is `npm run typecheck`, which CI runs.
require("./build").ensureBuilt();
module.exports = require("../dist/index.js");
