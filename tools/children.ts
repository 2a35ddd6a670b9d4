/**
 * The servers the tests and the benchmark start (moto, the control plane) die with the process that started them:
 * on a normal exit, and on SIGINT, SIGTERM or SIGHUP, which end a Node process without its `exit` event (a test run
 * interrupted, a benchmark killed). Each signal is raised again once the children are killed, so the process ends as
 * it would have.
 */
import { ChildProcess } from "child_process";

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Kills `children()` (SIGKILL) when this process ends; the returned function stops watching (after a clean stop). */
export function killOnExit(children: () => ChildProcess[]): () => void {
    const killAll = () => children().forEach((p) => p.exitCode === null && p.signalCode === null && p.kill("SIGKILL"));
    const onSignal = (signal: NodeJS.Signals) => {
        killAll();
        unwatch();
        process.kill(process.pid, signal);
    };
    const unwatch = () => {
        process.removeListener("exit", killAll);
        for (const s of SIGNALS) process.removeListener(s, onSignal);
    };
    process.once("exit", killAll);
    for (const s of SIGNALS) process.once(s, onSignal);
    return unwatch;
}
