/**
 * ARNs: their parts, and the ARN of a role known before it exists.
 *
 * Pure: part of the IAM core (iam/), which imports nothing else of the project and nothing of Pulumi.
 */

/** The account id field of an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
export function arnAccount(arn: string): string {
    return arn.split(":")[4];
}

/** `arn:<partition>:iam::<account>:role<path><name>`; a role's ARN is known before it exists. */
export function roleArn(partition: string, accountId: string, path: string, name: string): string {
    return `arn:${partition}:iam::${accountId}:role${path}${name}`;
}
