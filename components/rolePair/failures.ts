/** How a role pair's failures read: each names the pair, and for AWS errors the operation and the role. */
import { errorName } from "./aws";

/** Wraps an AWS error so the message names the pair, the operation and the role. */
export function failure(pair: string, operation: string, roleName: string, err: unknown): Error {
    const message = (err as Error)?.message ?? String(err);
    return new Error(`role pair ${pair}: ${operation} on role ${roleName} failed: ${errorName(err)}: ${message}`);
}

export function quotaError(pair: string, message: string): Error {
    return new Error(`role pair ${pair}: ${message}`);
}
