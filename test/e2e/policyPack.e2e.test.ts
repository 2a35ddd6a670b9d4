/**
 * @e2e: the policy pack `kubeflow-irsa-guard` (policy/) run by the real Pulumi engine on `preview`, as
 * `pulumi preview --policy-pack policy` runs it: the CLI starts the pack through tools/policy-analyzer (it has no Node.js
 * language host here), the pack's analyzer server answers the engine over gRPC, and a mandatory violation fails the
 * preview. Three kinds of program: a foreign one (plain @pulumi/aws, the AWS Kubeflow docs' steps, nothing of this
 * package), role pairs (the RolePair dynamic provider for real), and the whole program with the shipped stacks and a
 * tampered trust (the real kubernetes plugin against the local API server).
 *
 * Stand-in, labelled: the aws plugin (test/e2e/fixtures/aws-plugin, echoes inputs); nothing of AWS is tested here, the
 * pack judges the inputs the engine hands it. The cluster of the shipped stacks is the local control plane (their
 * `cluster` key is replaced), which the plugin needs to preview Profiles; what is under test is the pack's verdict.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent, PolicyEvent, PulumiFn } from "@pulumi/pulumi/automation";
import { PolicyDocument } from "../../iam/document";
import { RolePair, RolePairArgs } from "../../components/rolePair";
import { arnAccount } from "../../iam/arns";
import { configuredIssuers } from "../../offline/runtime";
import { PROJECT_ROOT } from "../../project";
import { readStackFile } from "../../offline/stackFile";
const { bundle } = require("../../scripts/bundle-policy-pack") as { bundle(outDir: string): { files: number; dependencies: Record<string, string> } };
import { AWS_STANDIN_PLUGIN_DIR, configMap, engineStack, EngineStack, POLICY_PACK_ANALYZER, previewStack, wholeProgramStack } from "../../tools/engine";
import { controlPlaneOrSkip } from "../helpers/controlPlane";
import { CRD_PATH } from "../helpers/crd";
import { ACCOUNT, UPSTREAM_CONTROLLER_POLICY, webIdentityTrust } from "../helpers/handMade";
import { cliOrSkip } from "../helpers/toolsOrSkip";

const quiet = { color: "never" as const };
const HOST_PATH = "oidc.eks.us-west-2.amazonaws.com/id/5C3A0B8E2D1F4A6B9C7E8D0F1A2B3C4D";
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}`;

interface PreviewVerdict {
    /** Whether the preview failed (a mandatory violation, or an error). */
    failed: boolean;
    error: string;
    /** Every policy event: `<level> <policy> <resource name>: <message>`. */
    events: PolicyEvent[];
}

/** A preview with the pack, the engine's policy events collected as a reviewer would read them. */
async function previewWithPack(engine: EngineStack, policyPackConfigs: string[] = [], pack = POLICY_PACK_ANALYZER): Promise<PreviewVerdict> {
    const events: PolicyEvent[] = [];
    const onEvent = (e: EngineEvent) => {
        if (e.policyEvent) events.push(e.policyEvent);
    };
    try {
        await previewStack(engine.stack, { ...quiet, onEvent, policyPacks: [pack], policyPackConfigs });
        return { failed: false, error: "", events };
    } catch (err) {
        return { failed: true, error: String((err as Error).message ?? err), events };
    }
}

const resourceOf = (e: PolicyEvent) => e.resourceUrn?.split("::").pop();
/** `<policy> <resource>` of each event at a level, sorted. */
const violations = (events: PolicyEvent[], level: string) =>
    events.filter((e) => e.enforcementLevel === level && !/during preview/.test(e.message)).map((e) => `${e.policyName} ${resourceOf(e) ?? "(stack)"}`).sort();

/** The AWS Kubeflow docs' IRSA steps ("Create an IAM trust policy…", "Create the IAM role…") as a plain @pulumi/aws program would declare them. */
function docsProgram(options: { withSub: boolean }): PulumiFn {
    return async () => {
        const aws = await import("@pulumi/aws");
        const trust = webIdentityTrust(PROVIDER_ARN, HOST_PATH, options.withSub ? ["system:serviceaccount:team-a:default-editor"] : undefined);
        const role = new aws.iam.Role("team-a-role", { name: "team-a-kf-prod-role", assumeRolePolicy: trust });
        if (!options.withSub) {
            // The docs' example permissions and the upstream profile controller policy (kubeflow/manifests awsconfigs).
            new aws.iam.RolePolicyAttachment("team-a-s3", { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" });
            new aws.iam.Policy("profile-controller", { policy: JSON.stringify(UPSTREAM_CONTROLLER_POLICY) });
        }
        return { roleName: role.name };
    };
}

describe("the policy pack through the real engine @e2e", function () {
    this.timeout(300_000);
    let cli: string;

    before(function () {
        cli = cliOrSkip(this);
    });

    describe("a foreign program: plain @pulumi/aws, nothing of this package", () => {
        let engine: EngineStack | undefined;
        afterEach(async () => {
            await engine?.dispose();
            engine = undefined;
        });

        it("stops the AWS docs' aud-only trust and the upstream controller policy, naming each resource, policy and fix", async () => {
            engine = await engineStack(cli, docsProgram({ withSub: false }), "foreign", {}, [AWS_STANDIN_PLUGIN_DIR]);
            await engine.stack.setAllConfig(configMap({ "aws:region": "us-west-2" }));
            const verdict = await previewWithPack(engine);
            expect(verdict.failed, verdict.error).to.equal(true);
            expect(violations(verdict.events, "mandatory")).to.deep.equal(["eks-web-identity-trust team-a-role", "no-iam-write-on-wildcard profile-controller"]);
            // AmazonS3FullAccess: data on every bucket, and permissions management of every bucket (s3:PutBucketPolicy).
            expect(violations(verdict.events, "advisory")).to.deep.equal(["broad-managed-policy team-a-s3", "data-on-wildcard team-a-s3", "privilege-escalation profile-controller", "resource-exposure team-a-s3"]);
            const trust = verdict.events.find((e) => e.policyName === "eks-web-identity-trust")!;
            expect(trust.message).to.include(`aws:iam/role:Role "team-a-role" (IAM name team-a-kf-prod-role): trust policy, statement #0: trust has no effective sub condition: any service account of ${HOST_PATH} can assume it`);
            expect(trust.message).to.include(`Fix: add "StringEquals": {"${HOST_PATH}:sub": "system:serviceaccount:<namespace>:<service account>"}`);
            const write = verdict.events.find((e) => e.policyName === "no-iam-write-on-wildcard")!;
            expect(write.message).to.include("policy, statement VisualEditor0: allows IAM writes (iam:UpdateAssumeRolePolicy) on *, a wildcard");
        });

        it("lets the same role through once its trust names the service account", async () => {
            engine = await engineStack(cli, docsProgram({ withSub: true }), "foreign-fixed", {}, [AWS_STANDIN_PLUGIN_DIR]);
            await engine.stack.setAllConfig(configMap({ "aws:region": "us-west-2" }));
            const verdict = await previewWithPack(engine);
            expect(verdict.failed, verdict.error).to.equal(false);
            expect(verdict.events.map((e) => `${e.policyName}: ${e.message}`)).to.deep.equal([]);
        });

        it("makes an advisory policy mandatory through the pack's config, as an organisation would", async () => {
            engine = await engineStack(cli, docsProgram({ withSub: false }), "foreign-strict", {}, [AWS_STANDIN_PLUGIN_DIR]);
            await engine.stack.setAllConfig(configMap({ "aws:region": "us-west-2" }));
            const config = path.join(engine.dir, "policy-config.json");
            fs.writeFileSync(config, JSON.stringify({ "broad-managed-policy": "mandatory", "eks-web-identity-trust": "advisory", "no-iam-write-on-wildcard": "advisory" }));
            const verdict = await previewWithPack(engine, [config]);
            expect(verdict.failed, verdict.error).to.equal(true);
            expect(violations(verdict.events, "mandatory")).to.deep.equal(["broad-managed-policy team-a-s3"]);
            expect(violations(verdict.events, "advisory")).to.deep.equal(["data-on-wildcard team-a-s3", "eks-web-identity-trust team-a-role", "no-iam-write-on-wildcard profile-controller", "privilege-escalation profile-controller", "resource-exposure team-a-s3"]);
        });
    });

    it("runs the bundle `pulumi policy publish` takes (scripts/bundle-policy-pack.js) with the same verdicts, from its own directory", async () => {
        const engine = await engineStack(cli, docsProgram({ withSub: false }), "foreign-bundle", {}, [AWS_STANDIN_PLUGIN_DIR]);
        try {
            await engine.stack.setAllConfig(configMap({ "aws:region": "us-west-2" }));
            // Outside the project, so that nothing resolves from the project's own files.
            const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), "kfirsa-policy-pack-"));
            const { dependencies } = bundle(bundleDir);
            // STAND-IN for `npm install` in the bundle (no registry in the tests): the project's node_modules, which hold
            // every dependency the bundle names at the version it names (checked here).
            const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8"));
            for (const [name, version] of Object.entries(dependencies)) expect(lock.packages[`node_modules/${name}`].version, name).to.equal(version);
            fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(bundleDir, "node_modules"));
            const verdict = await previewWithPack(engine, [], path.join(bundleDir, "analyzer"));
            expect(verdict.failed).to.equal(true);
            expect(violations(verdict.events, "mandatory")).to.deep.equal(["eks-web-identity-trust team-a-role", "no-iam-write-on-wildcard profile-controller"]);
            fs.rmSync(bundleDir, { recursive: true, force: true });
        } finally {
            await engine.dispose();
        }
    });

    describe("role pairs: the RolePair dynamic provider in the engine's provider host", () => {
        let engine: EngineStack | undefined;
        afterEach(async () => {
            await engine?.dispose();
            engine = undefined;
        });

        /** A pair declared with the class directly (no config schema in front of it), with some of its args overridden. */
        const pairProgram = (overrides: Partial<RolePairArgs>): PulumiFn => async () => {
            const pair = new RolePair("pipeline-data", {
                assetAccountId: ACCOUNT,
                assetRoleName: "pipeline-data-asset",
                eksRoleName: "pipeline-data-eks",
                oidcProviderArn: PROVIDER_ARN,
                subjects: ["system:serviceaccount:team-b:default-editor"],
                assetPolicy: { Version: "2012-10-17", Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::pipeline-data/*" }] },
                ...overrides,
            });
            return { eksRoleArn: pair.eksRoleArn };
        };

        it("passes the pair the config would write", async () => {
            engine = await engineStack(cli, pairProgram({}), "pair-clean");
            const verdict = await previewWithPack(engine);
            expect(verdict.failed, verdict.error).to.equal(false);
            expect(verdict.events.map((e) => `${e.policyName}: ${e.message}`)).to.deep.equal([]);
        });

        it("stops a pair whose asset policy was tampered with an IAM write on a wildcard, naming the pair, the policy and the statement", async () => {
            const tampered: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::pipeline-data/*" }, { Sid: "Tampered", Effect: "Allow", Action: ["iam:PassRole", "iam:AttachRolePolicy"], Resource: `arn:aws:iam::${ACCOUNT}:role/*` }] };
            engine = await engineStack(cli, pairProgram({ assetPolicy: tampered }), "pair-tampered");
            const verdict = await previewWithPack(engine);
            expect(verdict.failed).to.equal(true);
            expect(violations(verdict.events, "mandatory")).to.deep.equal(["no-iam-write-on-wildcard pipeline-data"]);
            expect(violations(verdict.events, "advisory")).to.deep.equal(["privilege-escalation pipeline-data"]);
            const write = verdict.events.find((e) => e.policyName === "no-iam-write-on-wildcard")!;
            expect(write.message).to.include(`pulumi-nodejs:dynamic/kubeflow-irsa:RolePair "pipeline-data": asset role pipeline-data-asset's asset-policy, statement Tampered: allows IAM writes (iam:PassRole, iam:AttachRolePolicy) on arn:aws:iam::${ACCOUNT}:role/*, a wildcard`);
        });

        it("stops a pair whose subjects were tampered to every namespace, beside the provider's own check", async () => {
            engine = await engineStack(cli, pairProgram({ subjects: ["system:serviceaccount:*:default-editor"], subjectMatch: "StringLike" }), "pair-wildcard");
            const verdict = await previewWithPack(engine);
            expect(verdict.failed).to.equal(true);
            expect(violations(verdict.events, "mandatory")).to.deep.equal(["eks-web-identity-trust pipeline-data"]);
            expect(verdict.events[0].message).to.include(`RolePair "pipeline-data": EKS role pipeline-data-eks's trust policy, statement KubeflowIrsaRolePair: sub pattern system:serviceaccount:*:default-editor matches beyond one namespace. Fix: name one namespace exactly`);
            // Defence in depth: the provider's check refuses the same subjects (in a pulumi up the step never runs).
            expect(verdict.error).to.include("must name one namespace exactly");
        });
    });

    describe("the whole program (compiled index.ts, real kubernetes plugin, local API server)", () => {
        let engine: EngineStack | undefined;
        let kubeconfig: { kubeconfig: string; context: string };
        let kubernetesPlugin: string;

        before(async function () {
            const cluster = await controlPlaneOrSkip(this);
            cluster.installCrd(CRD_PATH);
            kubeconfig = { kubeconfig: cluster.kubeconfigPath, context: "local" };
            kubernetesPlugin = cluster.binaries["pulumi-resource-kubernetes"];
        });
        afterEach(async () => {
            await engine?.dispose();
            engine = undefined;
        });

        /** A shipped stack's config, its cluster replaced by the local control plane. */
        const shipped = (stack: string) => ({ ...readStackFile(stack).config, "kubeflow-irsa:cluster": JSON.stringify(kubeconfig) });
        /** What the aws stand-in answers for that stack: the account and issuer its config names, as the offline preview does. */
        const standIn = (config: Record<string, string>) => {
            const providerArn = config["kubeflow-irsa:oidcProviderArn"];
            return { STANDIN_ACCOUNT_ID: providerArn ? arnAccount(providerArn) : ACCOUNT, STANDIN_REGION: config["aws:region"], STANDIN_ISSUER_URL: Object.values(configuredIssuers(config))[0] };
        };

        for (const stack of ["dev", "prod"]) {
            it(`finds no violation in the shipped stack ${stack}`, async () => {
                const config = shipped(stack);
                engine = await wholeProgramStack(cli, `shipped-${stack}`, { kubernetesPlugin, env: standIn(config) });
                await engine.stack.setAllConfig(configMap(config));
                const verdict = await previewWithPack(engine);
                expect(verdict.failed, verdict.error).to.equal(false);
                expect(violations(verdict.events, "mandatory")).to.deep.equal([]);
                expect(violations(verdict.events, "advisory")).to.deep.equal([]);
                // What the pack could not judge before the values exist: roles whose trust names a provider the stack creates.
                const deferred = verdict.events.filter((e) => /during preview/.test(e.message)).map((e) => `${e.policyName} ${resourceOf(e)}`);
                if (stack === "prod") expect(deferred).to.deep.equal([]);
                if (stack === "dev") {
                    // dev creates its OIDC provider: every trust naming it is unknown until `up`, which judges each
                    // role before it is created. The pair's asset policy, known already, is judged now.
                    expect(deferred.filter((d) => d.endsWith(" customer-read"))).to.deep.equal(["eks-web-identity-trust customer-read", "eks-pod-identity-trust customer-read", "valid-policy-document customer-read"]);
                    expect(deferred).to.include.members(["eks-web-identity-trust team-vision-role", "profile-role-trusts-its-namespace kubeflow-irsa-shipped-dev"]);
                }
            });
        }

        it("stops the whole program when a transformation loosens team-a's trust to every namespace, naming the role and the Profile", async () => {
            // A later edit (a transformation here; a hand-edited state or another program elsewhere) rewrites the sub
            // condition the config schema would have refused.
            const loosen = (args: pulumi.ResourceTransformationArgs): pulumi.ResourceTransformationResult | undefined => {
                if (args.type !== "aws:iam/role:Role" || args.name !== "team-a-role") return undefined;
                const assumeRolePolicy = pulumi.output(args.props.assumeRolePolicy).apply((text: string) => {
                    const trust = JSON.parse(text) as PolicyDocument;
                    for (const statement of trust.Statement) {
                        const exact = statement.Condition?.StringEquals ?? {};
                        for (const key of Object.keys(exact).filter((k) => k.endsWith(":sub"))) {
                            delete exact[key];
                            statement.Condition!.StringLike = { [key]: "system:serviceaccount:*:default-editor" };
                        }
                    }
                    return JSON.stringify(trust);
                });
                return { props: { ...args.props, assumeRolePolicy }, opts: args.opts };
            };
            const config = {
                "aws:region": "us-west-2",
                "kubeflow-irsa:clusterName": "kf-e2e",
                "kubeflow-irsa:oidcProviderArn": PROVIDER_ARN,
                "kubeflow-irsa:cluster": JSON.stringify(kubeconfig),
                "kubeflow-irsa:profiles": JSON.stringify([{ name: "team-a", owner: "a@example.com" }, { name: "team-b", owner: "b@example.com" }]),
            };
            engine = await wholeProgramStack(cli, "tampered", { kubernetesPlugin, env: standIn(config), beforeDeclaring: () => pulumi.runtime.registerStackTransformation(loosen) });
            await engine.stack.setAllConfig(configMap(config));
            const verdict = await previewWithPack(engine);
            expect(verdict.failed).to.equal(true);
            expect(violations(verdict.events, "mandatory")).to.deep.equal(["eks-web-identity-trust team-a-role", "profile-role-trusts-its-namespace team-a"]);
            const trust = verdict.events.find((e) => e.policyName === "eks-web-identity-trust")!;
            expect(trust.message).to.include("sub pattern system:serviceaccount:*:default-editor matches beyond one namespace");
            const profile = verdict.events.find((e) => e.policyName === "profile-role-trusts-its-namespace")!;
            expect(profile.resourceUrn).to.match(/kubernetes:kubeflow.org\/v1:Profile::team-a$/);
            expect(profile.message).to.include('also admits team-b:default-editor, a service account of Profile "team-b"');
        });
    });
});
