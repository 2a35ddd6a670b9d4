/** The stack config's refusals as the tests read them: the problem lines of a StackConfigError. */
import { expect } from "chai";
import { EngineTarget, parseStackConfig } from "../../config";
import { StackConfigError } from "../../config/errors";

/** The problem lines of the config, or [] when it parses; any other error fails the test. */
export function configProblems(raw: Record<string, unknown>, file?: string, engine?: EngineTarget): string[] {
    try {
        parseStackConfig(raw, file, engine);
    } catch (err) {
        expect(err).to.be.instanceOf(StackConfigError);
        return (err as StackConfigError).problems;
    }
    return [];
}

/** The problem lines of a config that must be refused: fails the test when it parses. */
export function refusalsOf(raw: Record<string, unknown>, file?: string, engine?: EngineTarget): string[] {
    const problems = configProblems(raw, file, engine);
    if (problems.length === 0) expect.fail("expected the config to be refused");
    return problems;
}
