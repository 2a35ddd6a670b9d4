/**
 * The bulk-import file (`pulumi import --file`) for what the adoption takes over, built from the resources the
 * program itself declares for the generated config (run under the mock runtime), never from names written by
 * hand: each entry's type, logical name and parent are the declared ones, so its URN is the program's. Component
 * parents are created empty by the import (`component: true`), and the stack's Kubernetes provider is declared
 * with the very inputs the program gives it, so the imported Profiles are bound to it.
 */
import { DeclaredResource } from "../offline/standInCloud";

export interface ImportSpec {
    type: string;
    /** Unique within the file; the `parent` / `provider` fields refer to it. */
    name: string;
    /** The Pulumi logical name (the first argument of the resource's constructor). */
    logicalName: string;
    id?: string;
    parent?: string;
    provider?: string;
    component?: boolean;
    version?: string;
    inputs?: Record<string, unknown>;
}

export interface ImportFile {
    resources: ImportSpec[];
}

/** What to take over: the declared resource (by type and logical name) and its physical id. */
export interface ImportTarget {
    type: string;
    name: string;
    id: string;
}

const KUBERNETES_PROVIDER_TYPE = "pulumi:providers:kubernetes";

/** The engine's URN rule: a child's type is qualified by its parent's (the stack is never part of it). */
export function engineUrn(stack: string, project: string, qualifiedParentType: string | undefined, type: string, name: string): string {
    const qualified = qualifiedParentType ? `${qualifiedParentType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** The component a declared resource names as its parent (the mocks record parents by name); not the stack. */
function parentComponent(declared: readonly DeclaredResource[], r: DeclaredResource): DeclaredResource | undefined {
    return r.parent === undefined ? undefined : declared.find((d) => !d.custom && d.name === r.parent && d.type !== "pulumi:pulumi:Stack");
}

/** URN of every declared resource, by `type::name`. */
export function declaredUrns(resources: readonly DeclaredResource[], stack: string, project: string): Map<string, string> {
    const qualifiedType = (r: DeclaredResource): string => {
        const parent = parentComponent(resources, r);
        return parent ? `${qualifiedType(parent)}$${r.type}` : r.type;
    };
    return new Map(
        resources
            .filter((r) => r.type !== "pulumi:pulumi:Stack")
            .map((r) => {
                const parent = parentComponent(resources, r);
                return [`${r.type}::${r.name}`, engineUrn(stack, project, parent && qualifiedType(parent), r.type, r.name)] as const;
            }),
    );
}

/** Versions of the provider packages the program is built with: the import uses the same plugins. */
export function providerVersions(): Record<string, string> {
    const version = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version;
    return { aws: version("@pulumi/aws"), kubernetes: version("@pulumi/kubernetes") };
}

/**
 * Builds the import file for the targets. Throws when a target is not declared by the program (a bug in the
 * adoption, never a user error): an entry that matches no URN would import something the program then deletes.
 */
export function buildImportFile(declared: readonly DeclaredResource[], targets: readonly ImportTarget[], versions: Record<string, string>): ImportFile {
    const find = (type: string, name: string) => declared.find((r) => r.type === type && r.name === name);
    // The whole type: a component and a custom resource may share a name (the Profile component and its CR).
    const fileName = (r: DeclaredResource) => `${r.type.replace(/[^A-Za-z0-9]+/g, "_")}-${r.name}`;
    const packageOf = (type: string) => (type.startsWith("pulumi:providers:") ? type.slice("pulumi:providers:".length) : type.split(":")[0]);
    const out: ImportSpec[] = [];
    const added = new Set<string>();
    const add = (r: DeclaredResource, spec: Omit<ImportSpec, "type" | "name" | "logicalName">) => {
        const key = `${r.type}::${r.name}`;
        if (added.has(key)) return;
        added.add(key);
        out.push({ type: r.type, name: fileName(r), logicalName: r.name, ...spec });
    };
    // A resource's parent component, added to the file (with its own parent) on the way.
    const parentOf = (r: DeclaredResource): DeclaredResource | undefined => {
        const parent = parentComponent(declared, r);
        if (parent) {
            const grandparent = parentOf(parent);
            add(parent, { component: true, ...(grandparent ? { parent: fileName(grandparent) } : {}) });
        }
        return parent;
    };
    for (const target of targets) {
        const r = find(target.type, target.name);
        if (!r) throw new Error(`the program declares no ${target.type} named ${target.name}: the adoption and the program disagree`);
        const parent = parentOf(r);
        let provider: string | undefined;
        if (r.provider) {
            const p = find(KUBERNETES_PROVIDER_TYPE, r.provider);
            if (!p) throw new Error(`the program declares no provider ${r.provider} for ${target.type} ${target.name}`);
            add(p, { version: versions[packageOf(p.type)], inputs: p.inputs });
            provider = fileName(p);
        }
        add(r, { id: target.id, ...(parent ? { parent: fileName(parent) } : {}), ...(provider ? { provider } : {}), version: versions[packageOf(r.type)] });
    }
    return { resources: out };
}
