/**
 * Property test of the config edge: generated stack configs, valid and invalid mixed, go through parseStackConfig and,
 * when accepted, the real program under the mocks. Either the config is refused and every problem names its key (and
 * its profile or pair by name), or what the program declares would deploy: every document it writes passes the
 * package's validator (iam/validate.ts, cross-checked against Parliament), every web-identity trust has `aud` and
 * `sub`, no inline policy allows an IAM write on a wildcard, tags and quotas are within what IAM and Kubernetes take,
 * no Profile takes a reserved namespace, and every Profile validates against the vendored CRD.
 *
 * Seeded and repeatable: PROPERTY_SEED=<n> replays a run; fast-check prints the seed and the shrunk config on failure.
 */
import { expect } from "chai";
import fc from "fast-check";
import { parseStackConfig } from "../config";
import { StackConfigError } from "../config/errors";
import { DEFAULT_RESERVED_NAMESPACES } from "../config/limits";
import { asList, PolicyDocument } from "../iam/document";
import { ProgramRun } from "../offline/runtime";
import { documentProblems } from "../iam/validate";
import { profileProblems } from "./helpers/crd";
import { byType, PROFILE_CR, ROLE, runWith } from "./helpers/program";

const SEED = Number(process.env.PROPERTY_SEED ?? 20261202);
const RUNS = 400;

/** Mostly a valid value, sometimes a bad one: configs must often pass, or the deploy half is never reached. */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 15 }, { arbitrary: bad, weight: 1 });

const ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/5C3A0B8E2D1F4A6B9C7E8D0F1A2B3C4D";
const NAMES = fc.constantFrom("team-a", "team-b", "geo-lab", "vision", "nlp", "forecast");
const RESERVED = fc.constantFrom("kube-system", "default", "kubeflow", "istio-system", "kube-extra", "auth", "kube-public");
/** Actions with exact resources of their own types: a statement of them is one IAM would apply (iam/validate.ts). */
const FITTING = fc.constantFrom<[string, string]>(
    ["s3:GetObject", "arn:aws:s3:::bucket/*"], ["s3:ListBucket", "arn:aws:s3:::bucket"], ["dynamodb:Query", "arn:aws:dynamodb:us-west-2:111122223333:table/t"],
    ["iam:GetRole", "arn:aws:iam::111122223333:role/exact"], ["sts:AssumeRole", "arn:aws:iam::111122223333:role/exact"],
);
const RISKY_ACTIONS = fc.constantFrom("iam:PassRole", "iam:AttachRolePolicy", "iam:*", "*", "s3:*");
const WILDCARD = fc.constantFrom("*", "arn:aws:iam::111122223333:role/*", "arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/team-?");
const GRANTS = mostly(fc.constantFrom("data-c", "data-a/team", "data-a/team/", "data-b/x/y"), fc.constantFrom("data-a//team", "data-a/x//y", "/data-a/team", "data-a/team/*", "data-a/../b", "s3://data-a/x", "data-a/./x"));
const QUANTITY = mostly(fc.constantFrom<string | number>("8", "16Gi", "500m", 4, "0"), fc.constantFrom<string | number>("-5", -1, "-1Gi"));
const QUOTA_KEY = mostly(fc.constantFrom("cpu", "memory", "requests.nvidia.com/gpu", "limits.memory"), fc.constantFrom("gpus", "bad/key/x"));

const tagKey = mostly(fc.constantFrom("env", "team", "owner", "cost-center", "project"), fc.constantFrom("aws:owner", "bad*key", "Env", "", "k".repeat(129)));
const tags = mostly(
    fc.dictionary(tagKey, mostly(fc.constantFrom("dev", "ok value", "a/b"), fc.constantFrom("x".repeat(300), "bad#value")), { maxKeys: 4 }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom("a", "b", "c", "-", "1") }), fc.constant("v"), { minKeys: 45, maxKeys: 55 }),
);

const inlinePolicy = fc.record({
    Version: fc.constant("2012-10-17"),
    Statement: fc.array(
        fc
            .record({
                Effect: fc.constantFrom("Allow", "Deny"),
                grants: fc.array(FITTING, { minLength: 1, maxLength: 3 }),
                risky: fc.option(fc.record({ action: RISKY_ACTIONS, resource: WILDCARD }), { freq: 16 }),
            })
            .map(({ Effect, grants, risky }) => ({
                Effect,
                Action: [...new Set([...grants.map(([a]) => a), ...(risky ? [risky.action] : [])])],
                Resource: [...new Set([...grants.map(([, r]) => r), ...(risky ? [risky.resource] : [])])],
            })),
        { minLength: 1, maxLength: 3 },
    ),
});

const profile = fc.record(
    {
        name: mostly(NAMES, RESERVED),
        owner: fc.constant("owner@example.com"),
        serviceAccounts: fc.subarray(["default-editor", "batch"], { minLength: 1 }),
        s3Buckets: fc.array(GRANTS, { maxLength: 3 }),
        inlinePolicy,
        tags,
        resourceQuota: fc.record({ hard: fc.dictionary(QUOTA_KEY, QUANTITY, { maxKeys: 3 }) }),
    },
    { requiredKeys: ["name", "owner"] },
);

const stackConfig = fc.record(
    {
        clusterName: fc.constant("kf-dev"),
        oidcIssuerUrl: fc.constant(ISSUER),
        tags: fc.dictionary(mostly(fc.constantFrom("environment", "cost-center"), fc.constant("aws:created")), fc.constant("dev"), { maxKeys: 2 }),
        reservedNamespaces: fc.subarray(["istio-system", "auth", "geo-lab"]),
        profiles: fc.uniqueArray(profile, { minLength: 1, maxLength: 3, selector: (p) => p.name }),
    },
    { requiredKeys: ["clusterName", "profiles"] },
);

function refusalProblems(raw: Record<string, any>, err: unknown): string[] {
    expect(err, String(err)).to.be.instanceOf(StackConfigError);
    const problems = (err as StackConfigError).problems;
    const out: string[] = [];
    expect(problems.length).to.be.greaterThan(0);
    for (const line of problems) {
        if (!/^kubeflow-irsa:[A-Za-z]/.test(line)) out.push(`names no key: ${line}`);
        const entry = /^kubeflow-irsa:profiles\[(\d+)\]( \(([^)]*)\))?/.exec(line);
        if (entry && entry[3] !== raw.profiles[Number(entry[1])]?.name) out.push(`does not name its profile: ${line}`);
    }
    return out;
}

const IAM_WRITE = /^(\*|iam:\*|iam:PassRole|iam:AttachRolePolicy)$/;

/** What would fail or be unsafe at deploy, judged from the declared resources alone (the test's own rules). */
function deployProblems(run: ProgramRun, reserved: readonly string[]): string[] {
    const out: string[] = [];
    for (const role of byType(run, ROLE)) {
        const inputs = role.inputs as Record<string, any>;
        const trust = JSON.parse(inputs.assumeRolePolicy) as PolicyDocument;
        // Every document the package writes passes its own validator (and so what IAM validates at CreateRole).
        for (const p of documentProblems(trust, { kind: "trust", partition: "aws" })) out.push(`${role.name}: trust: ${p.message}`);
        for (const doc of ((inputs.inlinePolicies ?? []) as Array<{ name?: string; policy?: string }>).filter((d) => d.policy)) {
            for (const p of documentProblems(JSON.parse(doc.policy!), { kind: "identity", partition: "aws" })) out.push(`${role.name}: ${doc.name}: ${p.message}`);
        }
        for (const s of trust.Statement.filter((st) => asList(st.Action).includes("sts:AssumeRoleWithWebIdentity"))) {
            const keys = Object.values(s.Condition ?? {}).flatMap((k) => Object.keys(k));
            if (!keys.some((k) => k.endsWith(":aud")) || !keys.some((k) => k.endsWith(":sub"))) out.push(`${role.name}: web-identity trust without aud and sub`);
        }
        for (const p of (inputs.inlinePolicies ?? []) as Array<{ name?: string; policy?: string }>) {
            if (!p.policy) continue;
            if (p.name === "s3-access") {
                const arns = (JSON.parse(p.policy) as PolicyDocument).Statement.flatMap((st) => asList(st.Resource));
                for (const arn of arns.map((a) => a.replace(/^arn:aws:s3:::/, ""))) {
                    if (/\/\/|(^|\/)\.\.?(\/|$)|^\/|\*[^/]*\*|[^/]\*$/.test(arn)) out.push(`${role.name}: S3 grant ${arn} does not cover what it seems to`);
                }
            }
            for (const s of (JSON.parse(p.policy) as PolicyDocument).Statement.filter((st) => st.Effect === "Allow")) {
                if (asList(s.Action).some((a) => IAM_WRITE.test(a)) && asList(s.Resource).some((r) => /[*?]/.test(r))) out.push(`${role.name}: IAM write on a wildcard`);
            }
        }
        const keys = Object.keys(inputs.tags ?? {});
        if (keys.length > 50) out.push(`${role.name}: ${keys.length} tags`);
        if (new Set(keys.map((k) => k.toLowerCase())).size !== keys.length) out.push(`${role.name}: tag keys equal but for case`);
        for (const [k, v] of Object.entries(inputs.tags ?? {})) {
            if (k.length < 1 || k.length > 128 || /^aws:/i.test(k) || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(k)) out.push(`${role.name}: tag key ${JSON.stringify(k)}`);
            if (String(v).length > 256 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(String(v))) out.push(`${role.name}: tag value of ${k}`);
        }
    }
    for (const cr of byType(run, PROFILE_CR)) {
        const inputs = cr.inputs as Record<string, any>;
        const name: string = inputs.metadata.name;
        if (/^kube-/.test(name) || ["default", "kubeflow", ...reserved].includes(name)) out.push(`Profile ${name}: reserved namespace`);
        out.push(...profileProblems({ apiVersion: inputs.apiVersion, kind: inputs.kind, metadata: inputs.metadata, spec: inputs.spec }).map((p) => `Profile ${name}: ${p}`));
        for (const [resource, q] of Object.entries(inputs.spec.resourceQuotaSpec?.hard ?? {})) {
            if (String(q).startsWith("-")) out.push(`Profile ${name}: negative quota ${resource}`);
            if (resource === "gpus" || resource.split("/").length > 2) out.push(`Profile ${name}: quota on ${resource}, not a quota resource`);
        }
    }
    return out;
}

describe("stack config edge (property test, seeded)", () => {
    it(`refuses with named keys, or declares only what deploys (${RUNS} configs, seed ${SEED})`, async () => {
        let refused = 0;
        let accepted = 0;
        await fc.assert(
            fc.asyncProperty(stackConfig, async (raw) => {
                let parsed = true;
                try {
                    parseStackConfig(raw);
                } catch (err) {
                    parsed = false;
                    refused++;
                    expect(refusalProblems(raw, err)).to.deep.equal([]);
                }
                if (!parsed) return;
                accepted++;
                const run = await runWith(raw);
                expect(deployProblems(run, raw.reservedNamespaces ?? DEFAULT_RESERVED_NAMESPACES)).to.deep.equal([]);
            }),
            { seed: SEED, numRuns: RUNS, verbose: true },
        );
        // Both branches must be exercised, or the property proves little.
        expect(refused, "refused").to.be.greaterThan(RUNS / 10);
        expect(accepted, "accepted").to.be.greaterThan(RUNS / 10);
    });
});
