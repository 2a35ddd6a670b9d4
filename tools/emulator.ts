/**
 * Starts the moto AWS emulator (`python -m moto.server`; `scripts/install-moto.sh` installs it) on a free loopback
 * port for the integration tests and the benchmark, and points the AWS SDK's standard settings at it. With MOTO_ENDPOINT set, an
 * already running emulator is used instead.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { PROJECT_ROOT } from "../project";
import { killOnExit } from "./children";

/** The Python that has moto: MOTO_PYTHON, else the venv scripts/install-moto.sh makes, else python3. */
function python(): string {
    const venv = path.join(PROJECT_ROOT, ".moto", "venv", "bin", "python");
    return process.env.MOTO_PYTHON ?? (fs.existsSync(venv) ? venv : "python3");
}

export interface Emulator {
    endpoint: string;
    stop(): Promise<void>;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

async function waitUntilUp(endpoint: string, child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child && child.exitCode !== null) {
            throw new Error(`moto exited with code ${child.exitCode} before it answered`);
        }
        try {
            const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
            if (res.ok) return;
        } catch {
            // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`moto did not answer at ${endpoint} within ${timeoutMs} ms`);
}

export function motoInstalled(): boolean {
    return spawnSync(python(), ["-c", "import moto.server"], { stdio: "ignore" }).status === 0;
}

const EMULATOR_SETTINGS = ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"] as const;

/**
 * Points the SDK's standard settings at the emulator with dummy credentials for its default account; returns what
 * puts them back, so a suite that ran against the emulator leaves no region or endpoint to the ones after it.
 */
function useEmulator(endpoint: string): () => void {
    const saved = Object.fromEntries(EMULATOR_SETTINGS.map((k) => [k, process.env[k]]));
    process.env.AWS_ENDPOINT_URL = endpoint;
    process.env.AWS_REGION = "us-east-1";
    process.env.AWS_ACCESS_KEY_ID = "testing";
    process.env.AWS_SECRET_ACCESS_KEY = "testing";
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    return () => {
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    };
}

export async function startEmulator(): Promise<Emulator> {
    if (process.env.MOTO_ENDPOINT) {
        const endpoint = process.env.MOTO_ENDPOINT;
        await waitUntilUp(endpoint, undefined, 10_000);
        const restore = useEmulator(endpoint);
        return { endpoint, stop: async () => restore() };
    }
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(python(), ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    const unwatch = killOnExit(() => [child]);
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    try {
        await waitUntilUp(endpoint, child, 30_000);
    } catch (err) {
        child.kill("SIGKILL");
        unwatch();
        throw new Error(`${(err as Error).message}\n${stderr}`);
    }
    const restore = useEmulator(endpoint);
    return {
        endpoint,
        stop: () =>
            new Promise<void>((resolve) => {
                unwatch();
                child.once("exit", () => resolve());
                child.kill("SIGTERM");
            }).then(restore),
    };
}

/** Resets the emulator's state between tests. */
export async function resetEmulator(endpoint: string): Promise<void> {
    await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
}
