/**
 * Every policy document the package writes for the shipped stacks (the offline preview's `iam/*.json` and
 * `pipeline/*.json` of dev and prod), in a fixed order: what test/shippedDocuments.test.ts validates, ours and
 * Parliament's. Run as a script, it prints them for scripts/parliament-verdicts.py.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyDocument } from "../../iam/document";
import { PolicyKind } from "../../iam/validate";
import { runPreview } from "../../preview/preview";

export interface ShippedDocument {
    source: string;
    kind: PolicyKind;
    document: PolicyDocument;
}

export async function shippedDocuments(): Promise<ShippedDocument[]> {
    const out: ShippedDocument[] = [];
    for (const stack of ["dev", "prod"]) {
        const result = await runPreview({ stack, outDir: fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-shipped-")), log: () => undefined });
        for (const file of [...result.files].filter((f) => /^(iam|pipeline)\//.test(f.split(path.sep).join("/"))).sort()) {
            const json = JSON.parse(fs.readFileSync(path.join(result.outDir, file), "utf8"));
            const source = `${stack}/${file.split(path.sep).join("/")}`;
            out.push({ source: `${source} trustPolicy`, kind: "trust", document: json.trustPolicy });
            for (const [name, document] of Object.entries<PolicyDocument>(json.inlinePolicies ?? {})) out.push({ source: `${source} inlinePolicies.${name}`, kind: "identity", document });
            if (json.permissionPolicy) out.push({ source: `${source} permissionPolicy`, kind: "identity", document: json.permissionPolicy });
        }
    }
    return out;
}

if (require.main === module) {
    shippedDocuments().then((docs) => process.stdout.write(`${JSON.stringify(docs, null, 1)}\n`));
}
