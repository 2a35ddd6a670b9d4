/**
 * Every result of the role-pair provider through the encoding the dynamic-provider host applies to it
 * (`google.protobuf.Struct.fromJavaScript` on the result plus `__provider`): a value it cannot encode (undefined)
 * fails here in `npm run test:unit`, not first in a user's `pulumi refresh`.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
    CreateRoleCommand,
    GetRoleCommand,
    GetRolePolicyCommand,
    IAMClient,
    ListAttachedRolePoliciesCommand,
    PutRolePolicyCommand,
    UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { RolePairInputs, RolePairOutputs } from "../components/rolePair/inputs";
import { RolePairProvider } from "../components/rolePair/provider";
import { PAIR_INPUTS, awsError, getRoleReply, trustWith, useMockedAws } from "./helpers/iamMocks";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(value: object): { toJavaScript(): object } } };

/** As the host does with each result: add the serialized provider, then encode; returns the decoded value. */
function throughHost(result: object | undefined): object {
    return Struct.fromJavaScript({ ...(result ?? {}), __provider: "exports.handler = () => ({})" }).toJavaScript();
}

// The fewest inputs a pair can have: no externalId, no asset policy, no max session, no deploy role.
const { assetPolicy: _assetPolicy, ...withoutAssetPolicy } = PAIR_INPUTS;
const bare: RolePairInputs = { ...withoutAssetPolicy, name: "bare", owner: "kubeflow-irsa/unit/bare", assetPolicyArns: ["arn:aws:iam::123456789012:policy/read"] };

describe("RolePairProvider results through the host's protobuf Struct encoding", () => {
    let iam: ReturnType<typeof mockClient>;
    before(() => {
        iam = mockClient(IAMClient);
        useMockedAws();
    });
    beforeEach(() => {
        iam.reset();
        // IAM's default max session (3600) and no inline asset policy: read() has nothing to report for them.
        const defaultSession = { MaxSessionDuration: 3600 };
        iam.on(GetRoleCommand, { RoleName: "eks-role" }).resolves(getRoleReply(trustWith(bare.subjects), "eks-role", defaultSession));
        iam.on(GetRoleCommand, { RoleName: "asset-role" }).resolves(getRoleReply({ Version: "2012-10-17", Statement: [{ Sid: "TrustedRole", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/eks-role" }, Action: "sts:AssumeRole" }] }, "asset-role", defaultSession));
        iam.on(GetRolePolicyCommand).rejects(awsError("NoSuchEntityException", "no such policy", 404));
        iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: bare.assetPolicyArns[0], PolicyName: "read" }] });
        iam.on(CreateRoleCommand).resolves({ Role: {} as never });
        iam.on(PutRolePolicyCommand).resolves({});
        iam.on(UpdateAssumeRolePolicyCommand).resolves({});
    });
    after(() => iam.restore());

    it("check, diff, create, read and update results all encode, with nothing lost", async () => {
        const provider = new RolePairProvider();
        const { owner: _owner, ...withoutOwner } = bare;
        const checked = await provider.check(bare, withoutOwner as RolePairInputs);
        expect(throughHost(checked.inputs)).to.include({ owner: "bare" });

        throughHost(await provider.diff("id", { ...bare } as RolePairOutputs, { ...bare, subjects: ["system:serviceaccount:ns:b"] }));

        const created = await provider.create(bare);
        expect(throughHost(created.outs)).to.deep.include({ eksRoleArn: "arn:aws:iam::123456789012:role/eks-role", ownedSubjects: bare.subjects });

        const read = await provider.read(created.id, created.outs!);
        const props = throughHost(read.props) as RolePairOutputs;
        const inputs = throughHost(read.inputs) as RolePairInputs;
        // Absent stays absent: no key for the max session, the asset policy or the external id.
        for (const key of ["maxSessionDuration", "assetPolicy", "externalId", "assetDeployRoleArn"]) {
            expect(props).to.not.have.property(key);
            expect(inputs).to.not.have.property(key);
        }
        expect(inputs.subjects).to.deep.equal(bare.subjects);
        expect((await provider.diff(created.id, props, bare)).changes).to.equal(false);

        const updated = await provider.update(created.id, created.outs!, { ...bare, tags: { team: "data" } });
        expect(throughHost(updated.outs)).to.deep.include({ tags: { team: "data" } });
    });

    it("read of a role that is gone encodes (the engine then drops the resource)", async () => {
        iam.on(GetRoleCommand, { RoleName: "eks-role" }).rejects(awsError("NoSuchEntityException", "gone", 404));
        const read = await new RolePairProvider().read("id", { ...bare } as RolePairOutputs);
        expect(read.id).to.equal(undefined);
        throughHost(read.props);
    });

    it("the encoding really rejects undefined (so the checks above can fail)", () => {
        expect(() => throughHost({ maxSessionDuration: undefined })).to.throw(/Unexpected struct type/);
    });
});
