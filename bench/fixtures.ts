/** Generated stack configs for the benchmark: N profiles, each with 2 service accounts, 1 bucket, 1 managed policy. */
export function generatedProfiles(n: number): Array<Record<string, unknown>> {
    return Array.from({ length: n }, (_, i) => {
        const name = `team-${String(i).padStart(5, "0")}`;
        return {
            name,
            owner: `${name}@example.com`,
            serviceAccounts: ["default-editor", "batch-runner"],
            s3Buckets: [`acme-ml-artifacts/${name}`],
            policyArns: ["arn:aws:iam::aws:policy/AmazonSageMakerReadOnly"],
        };
    });
}

/** Up to 3,000 profiles in one account: the benchmark's accounts have IAM's roles quota raised to its maximum. */
export const BENCH_ROLES_QUOTA = 5000;

export const BENCH_ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/BENCH0000000000000000000000000000";

/** The raw (namespace-less) stack config for N generated profiles. */
export function generatedStackConfig(n: number): Record<string, unknown> {
    return { clusterName: "kf-bench", oidcIssuerUrl: BENCH_ISSUER, rolePath: "/kubeflow/", tags: { environment: "bench" }, iamRolesQuota: BENCH_ROLES_QUOTA, profiles: generatedProfiles(n) };
}
