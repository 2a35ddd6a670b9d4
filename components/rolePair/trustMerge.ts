/**
 * Pure read-modify-write of a trust policy shared with other writers: merge our statement's `sub` entries without
 * touching anyone else's, and check the size quota before writing. Used by the role-pair provider (check, update)
 * and its documents. Nothing here imports Pulumi.
 */
import { findStatement, PolicyDocument, policiesEqual, policyLength, PolicyStatement, sortedUnique, statements } from "../../iam/document";
import { SubjectMatch } from "../../iam/identity";
import { webIdentityTrustStatement } from "../trustDocuments";
import { statementSubjects } from "../../iam/trustRules";
import { MAX_TRUST_POLICY_QUOTA } from "../../config/limits";

export interface OwnedStatementSpec {
    /** Sid of the statement this writer owns. */
    sid: string;
    providerArn: string;
    issuerHostPath: string;
    subjectMatch: SubjectMatch;
    /** The subjects this writer wants present now. */
    subjects: readonly string[];
    /** The subjects this writer added before (from its last recorded state): only these may be removed. */
    previouslyOwned: readonly string[];
    /** Own the whole `sub` list: drop entries others added. */
    exclusive: boolean;
}

export interface MergeResult {
    document: PolicyDocument;
    /** Subjects in our statement after the merge. */
    subjects: string[];
    /** Entries others added that were kept (empty when exclusive). */
    foreignSubjects: string[];
    /** Whether the merged document differs from the current one (false: no write needed). */
    changed: boolean;
}

/**
 * Merges our statement into the current trust policy. Other statements and our statement's other condition keys
 * stay as they are; `sub` entries someone else added stay unless `exclusive`; only entries we added before and
 * no longer want are removed. The result always has both `aud` and `sub` conditions.
 */
export function mergeOwnedStatement(current: PolicyDocument | undefined, spec: OwnedStatementSpec): MergeResult {
    const existing = findStatement(current, spec.sid);
    const present = statementSubjects(existing, spec.issuerHostPath);
    const previously = new Set(spec.previouslyOwned);
    const wanted = new Set(spec.subjects);
    const foreignSubjects = spec.exclusive ? [] : present.filter((s) => !previously.has(s) && !wanted.has(s));
    const subjects = sortedUnique([...spec.subjects, ...foreignSubjects]);

    const fresh = webIdentityTrustStatement({ providerArn: spec.providerArn, issuerHostPath: spec.issuerHostPath, subjects, subjectMatch: spec.subjectMatch, sid: spec.sid });
    const statement = existing ? withOurConditions(existing, fresh) : fresh;
    const others = current ? statements(current).filter((s) => s.Sid !== spec.sid) : [];
    const ourIndex = current ? statements(current).findIndex((s) => s.Sid === spec.sid) : -1;
    const merged = [...others];
    merged.splice(ourIndex < 0 ? merged.length : ourIndex, 0, statement);
    const document: PolicyDocument = { Version: "2012-10-17", Statement: merged };
    return { document, subjects, foreignSubjects, changed: !current || !policiesEqual(current, document) };
}

/**
 * Our statement with the principal, action, aud and sub of `fresh`, and every other condition key kept. Any
 * `<issuer>:aud`/`<issuer>:sub` key in our statement is ours to rewrite, also one of a previous issuer (the pair
 * moved to another cluster's provider in the same account): keeping it would demand a token from both issuers.
 */
function withOurConditions(existing: PolicyStatement, fresh: PolicyStatement): PolicyStatement {
    const condition: Record<string, Record<string, string | string[]>> = {};
    for (const [operator, keys] of Object.entries(existing.Condition ?? {})) {
        const kept = Object.fromEntries(Object.entries(keys).filter(([k]) => !k.endsWith(":aud") && !k.endsWith(":sub")));
        if (Object.keys(kept).length > 0) {
            condition[operator] = kept;
        }
    }
    for (const [operator, keys] of Object.entries(fresh.Condition ?? {})) {
        condition[operator] = { ...(condition[operator] ?? {}), ...keys };
    }
    return { ...existing, Effect: "Allow", Principal: fresh.Principal, Action: fresh.Action, Condition: condition };
}

export interface QuotaVerdict {
    ok: boolean;
    length: number;
    max: number;
    /** How many of the given subjects fit under the quota (with the rest of the document as given). */
    fitting: number;
    message?: string;
}

/**
 * Checks a trust policy against the quota before it is written. When it does not fit, says how many subjects do
 * and what to do about it.
 */
export function checkTrustQuota(document: PolicyDocument, spec: Pick<OwnedStatementSpec, "sid" | "issuerHostPath">, max: number, roleName: string): QuotaVerdict {
    const length = policyLength(document);
    if (length <= max) {
        return { ok: true, length, max, fitting: statementSubjects(findStatement(document, spec.sid), spec.issuerHostPath).length };
    }
    const subjects = statementSubjects(findStatement(document, spec.sid), spec.issuerHostPath);
    // Each subject adds its quoted text plus a comma: remove subjects from the end until the document fits.
    let excess = length - max;
    let fitting = subjects.length;
    while (fitting > 0 && excess > 0) {
        fitting -= 1;
        excess -= JSON.stringify(subjects[fitting]).length + 1;
    }
    const message =
        `the trust policy of role ${roleName} would be ${length} characters, over the ${max}-character quota: ` +
        `${fitting} of its ${subjects.length} sub entries fit. Raise the IAM quota "Role trust policy length" ` +
        `(up to ${MAX_TRUST_POLICY_QUOTA}) and set trustPolicyMaxLength to match, use subjectMatch: StringLike with a pattern ` +
        `such as system:serviceaccount:<namespace>:run-*, or shard the subjects across several role pairs`;
    return { ok: false, length, max, fitting, message };
}
