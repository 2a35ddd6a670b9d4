// Loaded by the RolePair provider shim (components/rolePair/shim.ts) in Pulumi's dynamic-provider host: brings
// dist/ up to date with the sources, then exports the project's RolePairProvider instance.
const path = require("path");

try {
    require("./build").ensureBuilt();
    const { RolePairProvider } = require(path.join(__dirname, "..", "dist", "components", "rolePair", "provider.js"));
    module.exports = new RolePairProvider();
} catch (err) {
    throw new Error(`kubeflow-irsa RolePair: cannot load the provider code from ${path.resolve(__dirname, "..")} (run npm ci there): ${err.message}`);
}
