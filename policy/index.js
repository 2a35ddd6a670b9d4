// The pack's entry (package.json "main"), as scripts/pulumi-entry.js is the program's: brings dist/ up to date with the
// TypeScript sources, then runs the compiled pack, so the analyzer never type-checks the package at every preview.
require("../scripts/build").ensureBuilt();
require("../dist/policy/pack.js");
