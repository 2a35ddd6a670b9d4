/**
 * Stack files read as the Pulumi CLI reads them (Go's yaml.v3): `<<` merge keys resolved into the entry that names
 * them, `secure:` values opaque, and a YAML syntax error naming the file.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackFileText, readStackFile } from "../offline/stackFile";
import { namespaceValues, parseStackConfig } from "../config";

const STACK = `config:
  kubeflow-irsa:clusterName: kf-dev
  kubeflow-irsa:oidcIssuerUrl: https://oidc.eks.us-west-2.amazonaws.com/id/ABC123
  kubeflow-irsa:profiles:
    - &defaults
      name: team-a
      owner: a@example.com
      s3Buckets: [acme-ml/team-a]
      maxSessionDuration: 7200
    - <<: *defaults
      name: team-b
      s3Buckets: [acme-ml/team-b]
`;

describe("stack files as the Pulumi CLI reads them", () => {
    it("resolves YAML merge keys, the entry's own keys winning", () => {
        const cfg = parseStackConfig(namespaceValues(parseStackFileText(STACK, "Pulumi.dev.yaml").config));
        expect(cfg.profiles.map((p) => [p.name, p.owner, p.s3Buckets, p.maxSessionDuration])).to.deep.equal([
            ["team-a", "a@example.com", ["acme-ml/team-a"], 7200],
            ["team-b", "a@example.com", ["acme-ml/team-b"], 7200],
        ]);
    });

    it("names the stack file in a YAML syntax error", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), "config:\n  kubeflow-irsa:profiles: [\n    - name: x\n");
            expect(() => readStackFile("bad", dir)).to.throw(/Pulumi\.bad\.yaml: not valid YAML: /);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("top-level numbers as the engine hands them", () => {
    it("reads managedPoliciesPerRole and iamRolesQuota from the text the engine passes, quoted or not in the file", () => {
        for (const text of ["20", "\"20\""]) {
            const file = `config:\n  kubeflow-irsa:clusterName: kf-dev\n  kubeflow-irsa:oidcIssuerUrl: https://oidc.eks.us-west-2.amazonaws.com/id/ABC123\n  kubeflow-irsa:managedPoliciesPerRole: ${text}\n  kubeflow-irsa:iamRolesQuota: 3000\n  kubeflow-irsa:profiles: []\n`;
            const flat = parseStackFileText(file, "Pulumi.dev.yaml").config;
            // What the engine hands a program: every top-level scalar as text.
            expect(flat["kubeflow-irsa:managedPoliciesPerRole"]).to.equal("20");
            const cfg = parseStackConfig(namespaceValues(flat));
            expect([cfg.managedPoliciesPerRole, cfg.iamRolesQuota]).to.deep.equal([20, 3000]);
        }
        expect(() => parseStackConfig(namespaceValues({ "kubeflow-irsa:clusterName": "kf-dev", "kubeflow-irsa:profiles": "[]", "kubeflow-irsa:managedPoliciesPerRole": "twenty" }))).to.throw(/kubeflow-irsa:managedPoliciesPerRole: "twenty" must be a number/);
    });
});
