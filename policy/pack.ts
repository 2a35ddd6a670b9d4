/**
 * The CrossGuard policy pack `kubeflow-irsa-guard`: this package's IAM and Kubeflow rules, run by the engine on every
 * resource of any program (`pulumi preview --policy-pack policy`). Constructing it starts the analyzer server, so only
 * the analyzer loads this file (through policy/index.js); tests use policies.ts and rules.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, POLICIES } from "./policies";

new PolicyPack(PACK_NAME, {
    description: "IRSA, EKS Pod Identity and Kubeflow Profile rules of kubeflow-irsa, on the same evaluator as its offline preview",
    policies: POLICIES,
});
