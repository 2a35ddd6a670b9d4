/**
 * Section 4: role pairs through the real Pulumi engine (Automation API, inline program, local file backend) against
 * moto: wall time per operation, AWS calls per pair (counted by the fault drills' loopback proxy, no faults injected),
 * and the state each pair costs.
 */
import { fmt, met, Section, table } from "./harness";
import { ENGINE_PAIRS } from "./knobs";
import { EngineBench, engineBench } from "./rolePairs";
import { motoInstalled } from "../tools/emulator";

export const engineRolePairs: Section<EngineBench | string> = {
    key: "engine",
    title: `## 4. Real Pulumi engine, ${ENGINE_PAIRS} role pairs`,
    measure: async () => (motoInstalled() || process.env.MOTO_ENDPOINT ? engineBench(ENGINE_PAIRS) : "skipped: moto is not installed (bash scripts/install-moto.sh)"),
    render(engine) {
        if (typeof engine === "string") return [engine, ""];
        return [
            table(["operation", "wall ms", "AWS calls"], engine.operations.map((o) => [o.operation, fmt(o.ms), o.awsCalls])),
            "",
            `AWS calls per pair in \`up\`: ${Object.entries(engine.upCallsPerPair).map(([a, c]) => `${a} ${fmt(c, 1)}`).join(", ")}. ` +
                `State: ${fmt(engine.stateBytesPerPair)} bytes per pair, checkpoint ${fmt(engine.checkpointBytes / 1024)} KB in all.`,
            "",
            "Each pair's state holds its inputs and outputs only: the provider itself is a small shim (components/rolePair/shim.ts)",
            "that loads the project's RolePairProvider at run time, so no serialized provider is stored per pair.",
            "",
        ];
    },
    targets(engine) {
        const ok = typeof engine === "string" ? undefined : engine;
        return [["state per role pair at most 10 KB (real engine)", ok ? `${fmt(ok.stateBytesPerPair)} bytes` : "skipped", ok ? met(ok.stateBytesPerPair <= 10_240) : "skipped"]];
    },
};
