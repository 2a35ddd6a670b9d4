/**
 * Defers loading TypeScript until something uses it. @pulumi/pulumi requires it when it loads, for its closure
 * serializer (serializing functions: dynamic providers), which is 0.2 s of the offline preview; a stack without
 * role pairs never serializes a function. Only `require("typescript")` from inside @pulumi/pulumi is deferred: it
 * gets a stand-in that loads the real module on first use. Must run before @pulumi/pulumi is first loaded.
 */
import * as path from "path";

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;

let installed = false;

export function deferTypescriptLoad(): void {
    if (installed) return;
    installed = true;
    // Module._load: the hook CommonJS loaders (proxyquire, mock-require) use; its signature has not changed since Node 0.x.
    const moduleClass = require("module") as { _load: Load };
    const load = moduleClass._load;
    const sdkDir = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
    moduleClass._load = function (request, parent, isMain) {
        if (request !== "typescript" || !parent?.filename?.includes(sdkDir)) return load.call(this, request, parent, isMain);
        let real: object | undefined;
        const typescript = () => (real ??= load.call(this, request, parent, isMain) as object);
        return new Proxy(
            {},
            {
                get: (_, key) => Reflect.get(typescript(), key),
                has: (_, key) => Reflect.has(typescript(), key),
                ownKeys: () => Reflect.ownKeys(typescript()),
                getOwnPropertyDescriptor: (_, key) => {
                    const d = Reflect.getOwnPropertyDescriptor(typescript(), key);
                    return d && { ...d, configurable: true };
                },
            },
        );
    };
}
