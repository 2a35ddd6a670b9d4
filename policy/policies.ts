/**
 * The pack's policies: names, descriptions, default enforcement levels, and the glue from the analyzer's resource
 * arguments to the pure rules (rules.ts). Values unknown during preview: a rule that needs one is skipped by the SDK
 * with an advisory note ("can't run policy … during preview") and runs at `pulumi up`, when the value is known; the
 * stack-wide rule checks every Profile it can and notes the rest the same way.
 */
import { EnforcementLevel, PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { ADVISORY_RISK_RULES, AdvisoryRiskRule, broadManagedPolicyViolations, policyDocumentViolations, eksPodIdentityViolations, eksWebIdentityViolations, iamWriteOnWildcardViolations, profileRoleFinder, profileRoleViolations, riskViolations, StackProfile, StackRole } from "./rules";
import { PROFILE_CR_TYPE, ROLE_PAIR_TYPE, ROLE_TYPE } from "../components/typeTokens";
import { Target } from "./resources";

export const PACK_NAME = "kubeflow-irsa-guard";

// Not in the SDK's typings, but what its own server catches to skip a rule during preview: rethrown, it does the same.
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: new (...args: never[]) => Error };

/** The value, or undefined when it is unknown during preview (that error kept in `unknown`; any other is thrown). */
function known<T>(read: () => T, unknown?: { error?: Error }): T | undefined {
    try {
        return read();
    } catch (err) {
        if (!(err instanceof UnknownValueError)) throw err;
        if (unknown) unknown.error ??= err;
        return undefined;
    }
}

const target = (r: ResourceValidationArgs | PolicyResource): Target => ({ type: r.type, name: r.name, urn: r.urn, props: r.props });

function perResource(name: string, enforcementLevel: EnforcementLevel, description: string, rule: (args: ResourceValidationArgs) => string[]): ResourceValidationPolicy {
    return { name, enforcementLevel, description, validateResource: (args, report: ReportViolation) => rule(args).forEach((message) => report(message)) };
}

const RISK_DESCRIPTIONS: Record<AdvisoryRiskRule, string> = {
    "privilege-escalation": "An identity policy allows IAM permissions-management actions, iam:PassRole or another escalation method on IAM identities other than its own role (the offline preview's high finding).",
    "resource-exposure": "An identity policy allows permissions management of another service (s3:PutBucketPolicy, kms:CreateGrant, lambda:AddPermission and every other action the service reference files so) on a wildcard resource.",
    "workload-takeover": "An identity policy lets the role run its own code in every matching workload (Lambda, SSM, ECS exec, EC2 instances and the like, by the action's resource types) and act as that workload's role.",
    "assume-any-role": "An identity policy allows sts:AssumeRole on a role ARN with a wildcard account.",
    "data-on-wildcard": "An identity policy allows data actions (the service reference's Read and Write actions on S3 objects, DynamoDB tables, KMS keys, secrets, parameters, queues, streams, logs and other stores) on every resource of a kind.",
};

const riskPolicy = (rule: AdvisoryRiskRule) =>
    perResource(rule, "advisory", RISK_DESCRIPTIONS[rule], (args) => {
        const name = args.type === ROLE_TYPE ? known(() => args.props.name as string | undefined) : undefined;
        return riskViolations(target(args), rule, name === undefined ? undefined : { name, path: known(() => args.props.path as string | undefined) });
    });

/**
 * Each Profile's role trusts its namespace and no other Profile's: the stack-wide rule. At preview a Profile's spec is
 * often unknown as a whole (it holds a new role's ARN): its role is then the one role the spec depends on. A Profile
 * that cannot be judged yet (its name, or its role's trust, unknown) is judged at `pulumi up`; the SDK's note says so.
 */
export function validateProfileRoles(args: StackValidationArgs, report: ReportViolation): void {
    const roles: StackRole[] = args.resources
        .filter((r) => r.type === ROLE_TYPE || r.type === ROLE_PAIR_TYPE)
        .map((r) => {
            const [name, arn] = r.type === ROLE_TYPE ? ["name", "arn"] : ["eksRoleName", "eksRoleArn"];
            return { target: target(r), name: known(() => r.props[name]), path: known(() => r.props.path), arn: known(() => r.props[arn]) };
        });
    const undecided: { error?: Error } = {};
    const profiles: StackProfile[] = args.resources
        .filter((r) => r.type === PROFILE_CR_TYPE)
        .flatMap((r) => {
            const namespace = known(() => r.props.metadata.name as string, undecided);
            const plugins = known(() => (r.props.spec.plugins ?? []) as Array<{ kind: string; spec?: { awsIamRole?: string } }>);
            const plugin = plugins?.find((p) => p.kind === "AwsIamForServiceAccount");
            // Without the plugin the Profile names no role (a spec unknown as a whole may still have it).
            if (namespace === undefined || (plugins !== undefined && plugin === undefined)) return [];
            const specDependsOn = (r.propertyDependencies.spec ?? []).map((d) => d.urn);
            return [{ target: target(r), namespace, awsIamRole: plugin && known(() => plugin.spec?.awsIamRole), specDependsOn }];
        });
    const roleOf = profileRoleFinder(roles);
    const namespaces = new Set(profiles.map((p) => p.namespace));
    for (const profile of profiles) {
        const role = roleOf(profile);
        if (!role) continue;
        known(() => profileRoleViolations(profile, role, namespaces), undecided)?.forEach((message) => report(message, profile.target.urn));
    }
    // Rethrown, the SDK notes (advisory) that the policy could not run during preview: for the Profiles left undecided.
    if (undecided.error) throw undecided.error;
}

export const POLICIES: Array<ResourceValidationPolicy | StackValidationPolicy> = [
    perResource(
        "eks-web-identity-trust",
        "mandatory",
        "A role trusting an EKS cluster's OIDC provider allows sts:AssumeRoleWithWebIdentity only with aud = sts.amazonaws.com and a sub naming one namespace (no wildcard in it).",
        (args) => eksWebIdentityViolations(target(args)),
    ),
    perResource(
        "eks-pod-identity-trust",
        "mandatory",
        "A role trusting pods.eks.amazonaws.com is restricted by the namespace and service-account session tags, and by the cluster or account.",
        (args) => eksPodIdentityViolations(target(args)),
    ),
    perResource(
        "no-iam-write-on-wildcard",
        "mandatory",
        "No IAM write on a wildcard resource: in roles' inline policies, aws:iam Policy, RolePolicy, UserPolicy and GroupPolicy resources, and role pairs' policies.",
        (args) => iamWriteOnWildcardViolations(target(args)),
    ),
    perResource(
        "valid-policy-document",
        "mandatory",
        "Every policy document is one IAM takes and whose every part can match: Version, unique Sids, known condition operators (with IfExists and ForAllValues/ForAnyValue), actions and resource ARN shapes from the AWS service reference; every AWS-managed policy attached exists at that path.",
        (args) => policyDocumentViolations(target(args)),
    ),
    {
        name: "profile-role-trusts-its-namespace",
        enforcementLevel: "mandatory",
        description: "The role a kubeflow.org/v1 Profile's AwsIamForServiceAccount plugin names, where the stack declares it, trusts that Profile's default-editor and no other Profile's namespace.",
        validateStack: validateProfileRoles,
    },
    ...ADVISORY_RISK_RULES.map(riskPolicy),
    perResource(
        "broad-managed-policy",
        "advisory",
        "A role attaches AdministratorAccess, PowerUserAccess, IAMFullAccess or AmazonS3FullAccess.",
        (args) => broadManagedPolicyViolations(target(args)),
    ),
];
