/**
 * @integration: a role pair moving between IRSA and EKS Pod Identity. IAM and STS are real API calls served by moto
 * (two accounts, as in rolePair.integration.test.ts); the EKS Pod Identity API is mocked with aws-sdk-client-mock,
 * because moto (5.2.5) does not serve it. The move is an update of the same resource: both roles keep their ids.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
    CreatePodIdentityAssociationCommand,
    DeletePodIdentityAssociationCommand,
    DescribePodIdentityAssociationCommand,
    EKSClient,
    ListPodIdentityAssociationsCommand,
} from "@aws-sdk/client-eks";
import { CreateOpenIDConnectProviderCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { RolePairInputs, RolePairOutputs } from "../components/rolePair/inputs";
import { RolePairProvider, OWNED_STATEMENT_SID } from "../components/rolePair/provider";
import { ROLE_PAIR_OWNER_TAG } from "../components/tags";
import { decodePolicyDocument } from "../iam/document";
import { Emulator, resetEmulator } from "../tools/emulator";
import { ASSET_ACCOUNT, EKS_ACCOUNT, assetIam, checkedBy, createDeployRole, eksIam, pairInputs } from "./helpers/motoPair";
import { motoOrSkip } from "./helpers/toolsOrSkip";

const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/PODIDENTITY";
const CLUSTER = { name: "kf-dev", arn: `arn:aws:eks:us-east-1:${EKS_ACCOUNT}:cluster/kf-dev` };
const SUBJECTS = ["system:serviceaccount:domino-compute:run-0001", "system:serviceaccount:domino-compute:run-0002", "system:serviceaccount:jobs:exporter"];

describe("RolePairProvider moving between IRSA and Pod Identity @integration", function () {
    this.timeout(120_000);
    let emulator: Emulator | undefined;
    let providerArn = "";
    let eks: ReturnType<typeof mockClient>;
    /** The associations the mocked EKS holds, by id. */
    const associations = new Map<string, Record<string, any>>();
    let next = 0;
    const provider = new RolePairProvider({ principalRetryBaseDelayMs: 10 });

    const role = async (iam: IAMClient, name: string) => (await iam.send(new GetRoleCommand({ RoleName: name }))).Role!;
    const trustOf = async (iam: IAMClient, name: string): Promise<any> => decodePolicyDocument((await role(iam, name)).AssumeRolePolicyDocument!);
    const sids = (doc: any) => doc.Statement.map((s: any) => s.Sid);

    const inputs = (overrides: Partial<RolePairInputs> = {}) => pairInputs(providerArn, { subjects: SUBJECTS, cluster: CLUSTER, ...overrides });
    const checked = (raw: RolePairInputs) => checkedBy(provider, raw);

    before(async function () {
        emulator = await motoOrSkip(this);
        eks = mockClient(EKSClient);
    });

    after(async () => {
        eks?.restore();
        await emulator?.stop();
    });

    beforeEach(async () => {
        await resetEmulator(emulator!.endpoint);
        associations.clear();
        eks.reset();
        eks.on(CreatePodIdentityAssociationCommand).callsFake((input) => {
            const taken = [...associations.values()].some((a) => a.namespace === input.namespace && a.serviceAccount === input.serviceAccount);
            if (taken) throw Object.assign(new Error("association exists"), { name: "ResourceInUseException" });
            const association = { ...input, associationId: `a-${++next}`, externalId: `ext-${next}` };
            associations.set(association.associationId, association);
            return { association };
        });
        eks.on(DeletePodIdentityAssociationCommand).callsFake((input) => {
            if (!associations.delete(input.associationId)) throw Object.assign(new Error("gone"), { name: "ResourceNotFoundException" });
            return {};
        });
        eks.on(DescribePodIdentityAssociationCommand).callsFake((input) => {
            const association = associations.get(input.associationId);
            if (!association) throw Object.assign(new Error("gone"), { name: "ResourceNotFoundException" });
            return { association };
        });
        eks.on(ListPodIdentityAssociationsCommand).callsFake((input) => ({
            associations: [...associations.values()].filter((a) => a.namespace === input.namespace && a.serviceAccount === input.serviceAccount),
        }));
        providerArn = (await eksIam().send(new CreateOpenIDConnectProviderCommand({ Url: `https://${ISSUER}`, ClientIDList: ["sts.amazonaws.com"], ThumbprintList: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] }))).OpenIDConnectProviderArn!;
        await createDeployRole();
    });

    it("moves irsa -> irsa+podIdentity -> podIdentity -> irsa as updates: both roles stay, trusts and associations follow", async () => {
        const irsa = await checked(inputs({ identity: undefined, cluster: undefined }));
        const created = await provider.create(irsa);
        const eksRoleId = (await role(eksIam(), "customer-read-bucket-role-eks")).RoleId;
        const assetRoleId = (await role(assetIam(), "customer-read-bucket-role")).RoleId;
        expect(associations.size).to.equal(0);

        // Step 1: both. The IRSA statement stays; pods statements (one per namespace) and one association per subject.
        const both = await checked(inputs({ identity: "irsa+podIdentity" }));
        const diff = await provider.diff(created.id, created.outs!, both);
        expect(diff.replaces ?? []).to.deep.equal([]);
        const step1 = (await provider.update(created.id, created.outs!, both)).outs! as RolePairOutputs;
        const eksTrust1 = await trustOf(eksIam(), "customer-read-bucket-role-eks");
        expect(sids(eksTrust1)).to.deep.equal([OWNED_STATEMENT_SID, "KubeflowIrsaPodIdentity0", "KubeflowIrsaPodIdentity1"]);
        expect(eksTrust1.Statement[1].Condition.StringEquals).to.deep.equal({
            "aws:SourceAccount": EKS_ACCOUNT,
            "aws:RequestTag/eks-cluster-arn": CLUSTER.arn,
            "aws:RequestTag/kubernetes-namespace": "domino-compute",
            "aws:RequestTag/kubernetes-service-account": ["run-0001", "run-0002"],
        });
        expect([...associations.values()].map((a) => `${a.namespace}:${a.serviceAccount} ${a.roleArn} -> ${a.targetRoleArn} owner=${a.tags[ROLE_PAIR_OWNER_TAG]} tags=${a.disableSessionTags}`).sort()).to.deep.equal(
            ["domino-compute:run-0001", "domino-compute:run-0002", "jobs:exporter"].map(
                (s) => `${s} arn:aws:iam::${EKS_ACCOUNT}:role/customer-read-bucket-role-eks -> arn:aws:iam::${ASSET_ACCOUNT}:role/customer-read-bucket-role owner=kubeflow-irsa/test/customer-read tags=false`,
            ),
        );
        const assetTrust1 = await trustOf(assetIam(), "customer-read-bucket-role");
        expect(assetTrust1.Statement.map((s: any) => [s.Sid, s.Condition.StringEquals["sts:ExternalId"]])).to.deep.equal([
            ["TrustedRole", "domino-eks-1"],
            ["PodIdentityAssociations", step1.associations!.map((a) => a.externalId).sort()],
        ]);
        expect(assetTrust1.Statement[1].Action).to.deep.equal(["sts:AssumeRole", "sts:TagSession"]);
        const eksPolicy: any = decodePolicyDocument((await eksIam().send(new GetRolePolicyCommand({ RoleName: "customer-read-bucket-role-eks", PolicyName: "assume-asset-role" }))).PolicyDocument!);
        expect(eksPolicy.Statement[0].Action).to.deep.equal(["sts:AssumeRole", "sts:TagSession"]);

        // A runtime writer's entry in the IRSA statement, then step 2: Pod Identity alone. Our IRSA entries go, the
        // foreign one stays; the associations are kept as they are; the asset trust names only their ids.
        const foreign = "system:serviceaccount:domino-compute:run-9999";
        const withForeign = JSON.parse(JSON.stringify(eksTrust1));
        withForeign.Statement[0].Condition.StringEquals[`${ISSUER}:sub`].push(foreign);
        await eksIam().send(new UpdateAssumeRolePolicyCommand({ RoleName: "customer-read-bucket-role-eks", PolicyDocument: JSON.stringify(withForeign) }));
        const podOnly = await checked(inputs({ identity: "podIdentity", externalId: undefined }));
        const before2 = new Map(associations);
        const step2 = (await provider.update(created.id, step1, podOnly)).outs! as RolePairOutputs;
        const eksTrust2 = await trustOf(eksIam(), "customer-read-bucket-role-eks");
        expect(eksTrust2.Statement[0].Condition.StringEquals[`${ISSUER}:sub`]).to.deep.equal([foreign]);
        expect(step2.ownedSubjects).to.deep.equal([]);
        expect(new Map(associations)).to.deep.equal(before2);
        expect(sids(await trustOf(assetIam(), "customer-read-bucket-role"))).to.deep.equal(["PodIdentityAssociations"]);
        // Refresh reads the associations back as the subjects: no drift.
        const read = await provider.read(created.id, step2);
        expect(read.inputs!.subjects).to.deep.equal(SUBJECTS);
        expect(read.props!.associations).to.deep.equal(step2.associations);

        // Step 3: back to IRSA. Pods statements and associations go; our IRSA entries come back beside the foreign one.
        const back = await checked(inputs({ identity: undefined, cluster: undefined }));
        const step3 = (await provider.update(created.id, step2, back)).outs! as RolePairOutputs;
        const eksTrust3 = await trustOf(eksIam(), "customer-read-bucket-role-eks");
        expect(sids(eksTrust3)).to.deep.equal([OWNED_STATEMENT_SID]);
        expect(eksTrust3.Statement[0].Condition.StringEquals[`${ISSUER}:sub`]).to.deep.equal([...SUBJECTS, foreign].sort());
        expect(associations.size).to.equal(0);
        expect(step3.associations).to.equal(undefined);
        expect(sids(await trustOf(assetIam(), "customer-read-bucket-role"))).to.deep.equal(["TrustedRole"]);

        // Neither role was ever replaced.
        expect((await role(eksIam(), "customer-read-bucket-role-eks")).RoleId).to.equal(eksRoleId);
        expect((await role(assetIam(), "customer-read-bucket-role")).RoleId).to.equal(assetRoleId);
    });

    it("creates a Pod Identity pair in one go, and deletes its associations before its roles", async () => {
        const created = await provider.create(await checked(inputs({ identity: "podIdentity", externalId: undefined })));
        const outs = created.outs!;
        expect(sids(await trustOf(eksIam(), "customer-read-bucket-role-eks"))).to.deep.equal(["KubeflowIrsaPodIdentity0", "KubeflowIrsaPodIdentity1"]);
        const assetTrust = await trustOf(assetIam(), "customer-read-bucket-role");
        expect(assetTrust.Statement[0].Condition.StringEquals["sts:ExternalId"]).to.deep.equal(outs.associations!.map((a) => a.externalId).sort());
        expect(outs.associations).to.have.length(3);
        await provider.delete(created.id, outs);
        expect(associations.size).to.equal(0);
        const gone = await eksIam().send(new GetRoleCommand({ RoleName: "customer-read-bucket-role-eks" })).then(() => false, () => true);
        expect(gone).to.equal(true);
    });

    it("refuses an association someone else made for the same service account, and leaves nothing behind", async () => {
        associations.set("a-foreign", { clusterName: CLUSTER.name, namespace: "jobs", serviceAccount: "exporter", associationId: "a-foreign", externalId: "x", tags: {} });
        const err = await provider.create(await checked(inputs({ identity: "podIdentity", externalId: undefined }))).then(() => undefined, (e: Error) => e);
        expect(err?.message).to.match(/Pod Identity association for system:serviceaccount:jobs:exporter failed: .*already has a Pod Identity association \(a-foreign\) that this role pair did not make/);
        expect([...associations.keys()]).to.deep.equal(["a-foreign"]);
        const gone = await eksIam().send(new GetRoleCommand({ RoleName: "customer-read-bucket-role-eks" })).then(() => false, () => true);
        expect(gone).to.equal(true);
    });

    it("refuses patterns and a missing cluster on Pod Identity, naming the subject", async () => {
        const raw = inputs({ identity: "podIdentity", subjectMatch: "StringLike", subjects: ["system:serviceaccount:domino-compute:run-*"], cluster: undefined });
        const { failures } = await provider.check(raw, raw);
        expect((failures ?? []).map((f) => `${f.property}: ${f.reason}`)).to.include.members([
            "cluster: is required with Pod Identity: the cluster whose associations the pair makes",
            "subjectMatch: must be StringEquals with Pod Identity: an association names one concrete service account",
            'subjects[0]: "system:serviceaccount:domino-compute:run-*" is not a concrete system:serviceaccount:<namespace>:<name>: Pod Identity associates one service account each, no patterns',
        ]);
    });
});
