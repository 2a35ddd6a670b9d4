/**
 * The risk classes over the whole service reference, with generated inputs (seeded): every permissions-management
 * action of every service but IAM, every takeover action on each of its workload types (whichever service's ARN), every
 * data action on every data-holding type. Each on a pattern naming every resource of its type must be high; on one
 * exact resource, medium (exposure, takeover) or no data finding at all. PROPERTY_SEED=<n> replays a run.
 */
import { expect } from "chai";
import fc from "fast-check";
import { accessLevels, actionResourceTypes, catalogServices, resourceTypeArn, serviceActions } from "../iam/actions";
import { DATA_RESOURCE_TYPES, dataActions, scopeRisks, WORKLOAD_TAKEOVER_ACTIONS } from "../iam/permissionRisks";
import { prng } from "../tools/random";
import { concreteArn } from "./helpers/documentCorpus";

const SEED = Number(process.env.PROPERTY_SEED ?? 20261207);

/** Every resource of a format: each variable a wildcard. */
const everyOf = (format: string) => format.replace(/\$\{Partition\}/g, "aws").replace(/\$\{[^}]*\}/g, "*");
/** One exact resource of a format (no wildcard anywhere). */
const oneOf = (format: string, seed: number) => concreteArn(format, () => prng(seed)() * 0.7 + 0.3);
const rulesOf = (action: string, resource: string) => scopeRisks({ actions: [action], resource }).map((r) => `${r.severity} ${r.rule}`);

describe("risk classes over the whole service reference (generated)", () => {
    const services = catalogServices().filter((s) => s !== "iam");
    const exposure = services.flatMap((s) => serviceActions(s).filter((a) => accessLevels(a).includes("Permissions management")));

    it(`permissions management of any service: high on every resource of its type, medium on one (${exposure.length} actions in the catalog)`, () => {
        expect(exposure.length).to.be.greaterThan(300);
        fc.assert(
            fc.property(fc.constantFrom(...exposure), fc.integer(), (action, seed) => {
                expect(rulesOf(action, "*"), `${action} on *`).to.include("high resource-exposure");
                for (const type of actionResourceTypes(action)) {
                    expect(rulesOf(action, everyOf(type.arn)), `${action} on ${everyOf(type.arn)}`).to.include("high resource-exposure");
                    const one = oneOf(type.arn, seed);
                    // A format may hold a wildcard of its own (AWS Backup's recovery points of any account): not one resource.
                    if (!/[*?]/.test(one)) expect(rulesOf(action, one), `${action} on ${one}`).to.include("medium resource-exposure");
                }
            }),
            { seed: SEED, numRuns: 300 },
        );
    });

    it("takeover follows each action's workload types, whatever service their ARNs are: high on all of a type, medium on one", () => {
        fc.assert(
            fc.property(fc.constantFrom(...WORKLOAD_TAKEOVER_ACTIONS), fc.integer(), (action, seed) => {
                expect(rulesOf(action, "*"), `${action} on *`).to.include("high workload-takeover");
                const workloads = actionResourceTypes(action).filter((t) => !["bucket", "document", "type", "security-group", "volume"].includes(t.name));
                for (const type of workloads) {
                    expect(rulesOf(action, everyOf(type.arn)), `${action} on ${everyOf(type.arn)}`).to.include("high workload-takeover");
                    expect(rulesOf(action, oneOf(type.arn, seed)), `${action} on one ${type.name}`).to.include("medium workload-takeover");
                }
            }),
            { seed: SEED, numRuns: 200 },
        );
    });

    it("data actions of every data-holding type: high on every resource of the type, none on one resource", () => {
        const data = new Set(dataActions());
        const stores = DATA_RESOURCE_TYPES.map(({ type: key }) => ({ key, format: resourceTypeArn(key.split(":")[0], key.split(":")[1])! }));
        expect(stores.every((s) => s.format !== undefined), "every data type is in the catalog").to.equal(true);
        fc.assert(
            fc.property(fc.constantFrom(...stores), fc.nat(), fc.integer(), ({ key, format }, n, seed) => {
                const service = key.split(":")[0];
                const actions = serviceActions(service).filter((a) => data.has(a) && actionResourceTypes(a).some((t) => t.arn === format));
                if (actions.length === 0) return;
                const action = actions[n % actions.length];
                expect(rulesOf(action, everyOf(format)), `${action} on ${everyOf(format)}`).to.include("high data-on-wildcard");
                expect(rulesOf(action, oneOf(format, seed)), `${action} on one`).not.to.include("high data-on-wildcard");
            }),
            { seed: SEED, numRuns: 300 },
        );
    });

    it("the data reads scanners look for are in the derived set (cloudsplaining's data-exfiltration actions)", () => {
        const data = new Set(dataActions());
        for (const a of ["s3:GetObject", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "secretsmanager:GetSecretValue", "kms:Decrypt", "dynamodb:GetItem", "dynamodb:Scan"]) expect(data.has(a), a).to.equal(true);
    });
});
