/**
 * Every policy document and managed policy ARN the config names, validated as IAM validates them (iam/validate.ts),
 * in the stack's partition and account: the grammar is checked by the schema on each document alone; what needs the
 * deploy target (partition, the stack's account, a pair's asset account) is checked here.
 */
import { PolicyDocument, statements, asList } from "../iam/document";
import { managedPolicyArnProblem, partitionProblem, PolicyArnContext } from "../iam/validate";
import { Problem } from "./errors";
import { StackConfig } from "./schema";

/** Where the stack deploys, as far as the config and the engine's `aws:` keys tell before anything runs. */
export interface StackTarget {
    /** From the stack's region (`aws:region`, else the cluster's issuer or the environment); undefined when none is known. */
    partition?: string;
    /** `pipeline.accountId`, an adopted OIDC provider's account, or the only one of `aws:allowedAccountIds`. */
    accountId?: string;
}

function resourcePartitionProblems(doc: PolicyDocument | undefined, partition: string | undefined, path: PropertyKey[]): Problem[] {
    if (!doc || partition === undefined) return [];
    return statements(doc).flatMap((s, n) =>
        [...asList(s.Resource), ...asList(s.NotResource)].flatMap((r) => {
            const problem = partitionProblem(r, partition);
            return problem ? [{ path: [...path, "Statement", n], message: problem }] : [];
        }),
    );
}

function policyArnProblems(arns: readonly string[], context: PolicyArnContext, path: PropertyKey[]): Problem[] {
    return arns.flatMap((arn, n) => {
        const problem = managedPolicyArnProblem(arn, context);
        return problem ? [{ path: [...path, n], message: problem }] : [];
    });
}

function boundaryProblem(arn: string | undefined, context: PolicyArnContext, path: PropertyKey[]): Problem[] {
    const problem = arn === undefined ? undefined : managedPolicyArnProblem(arn, context);
    return problem ? [{ path, message: problem }] : [];
}

/** The problems of the config's documents and policy ARNs in the stack's partition and accounts. */
export function documentChecks(cfg: StackConfig, target: StackTarget): Problem[] {
    const stack: PolicyArnContext = target;
    return [
        ...boundaryProblem(cfg.permissionsBoundaryArn, stack, ["permissionsBoundaryArn"]),
        ...boundaryProblem(cfg.profileController.permissionsBoundaryArn, stack, ["profileController", "permissionsBoundaryArn"]),
        ...cfg.profiles.flatMap((p, i) => [
            ...policyArnProblems(p.policyArns, stack, ["profiles", i, "policyArns"]),
            ...boundaryProblem(p.permissionsBoundaryArn, stack, ["profiles", i, "permissionsBoundaryArn"]),
            ...resourcePartitionProblems(p.inlinePolicy as PolicyDocument | undefined, target.partition, ["profiles", i, "inlinePolicy"]),
        ]),
        ...cfg.rolePairs.flatMap((pair, i) => [
            // The asset role is made in the asset account: its customer-managed policies must be that account's.
            ...policyArnProblems(pair.assetPolicyArns, { partition: target.partition, accountId: pair.assetAccountId }, ["rolePairs", i, "assetPolicyArns"]),
            ...resourcePartitionProblems(pair.assetPolicy as PolicyDocument | undefined, target.partition, ["rolePairs", i, "assetPolicy"]),
        ]),
    ];
}
