/**
 * A loopback HTTP proxy in front of moto for fault drills. It speaks the AWS Query protocol far enough to read the
 * action and a few parameters of each IAM/STS request, and can, per action and deterministically by seed:
 * throttle (IAM's `Throttling` error, nothing forwarded), fail with a 5xx (nothing forwarded), drop the response
 * after forwarding (the call took effect, the client sees a broken connection), and delay the request.
 *
 * It has two listeners sharing one log and one lock: `endpoint`, where faults apply (the code under test), and
 * `cleanEndpoint`, never faulted (a concurrent writer, the test's own checks). Requests reach moto one at a time,
 * so the log is the order in which moto applied them: the ground truth the drills analyse.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { prng } from "./random";

export interface FaultRule {
    /** Actions this rule applies to (`*` for all), e.g. `UpdateAssumeRolePolicy`. */
    actions: string[] | "*";
    /** Probability of a Throttling error instead of forwarding. */
    throttle?: number;
    /** Probability of a 500 ServiceFailure instead of forwarding. */
    serverError?: number;
    /** Probability of forwarding, then dropping the response. */
    dropResponse?: number;
    /** Added latency before forwarding, uniform in [min, max] ms. */
    delayMs?: [number, number];
}

export interface OneShotFault {
    action: string;
    /** Only requests with this RoleName (if set). */
    roleName?: string;
    /** Which matching request, counted from 1 since the fault was armed. */
    nth: number;
    fault: "drop" | "throttle" | "serverError";
}

export interface ProxyEvent {
    seq: number;
    /** `faulted` (the code under test) or `clean`. */
    listener: "faulted" | "clean";
    action: string;
    roleName?: string;
    /** UpdateAssumeRolePolicy / CreateRole document, decoded. */
    document?: unknown;
    /** ms (performance.now) when the request was forwarded to moto (undefined when not forwarded). */
    forwardedAt?: number;
    /** ms when moto's response was handed to the client (undefined when dropped or not forwarded). */
    deliveredAt?: number;
    /** HTTP status moto answered with (undefined when not forwarded). */
    status?: number;
    fault?: "throttle" | "serverError" | "drop";
}


const errorXml = (code: string, message: string, type: string) =>
    `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;

export class FaultProxy {
    readonly log: ProxyEvent[] = [];
    endpoint = "";
    cleanEndpoint = "";
    private rules: FaultRule[] = [];
    private oneShots: Array<OneShotFault & { seen: number }> = [];
    private random: () => number = prng(1);
    private queue: Promise<unknown> = Promise.resolve();
    private readonly servers: http.Server[] = [];

    constructor(private readonly upstream: string) {}

    async start(): Promise<this> {
        const listen = (listener: ProxyEvent["listener"]) =>
            new Promise<string>((resolve) => {
                const server = http.createServer((req, res) => void this.handle(listener, req, res));
                server.keepAliveTimeout = 1_000;
                this.servers.push(server);
                server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
            });
        this.endpoint = await listen("faulted");
        this.cleanEndpoint = await listen("clean");
        return this;
    }

    async stop(): Promise<void> {
        for (const server of this.servers) {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        }
    }

    /** Replaces the fault rules and reseeds the decisions. */
    faults(rules: FaultRule[], seed = 1): void {
        this.rules = rules;
        this.random = prng(seed);
    }

    /** Arms a fault for one future request. */
    once(fault: OneShotFault): void {
        this.oneShots.push({ ...fault, seen: 0 });
    }

    clear(): void {
        this.rules = [];
        this.oneShots = [];
    }

    private decide(action: string, roleName?: string): { fault?: ProxyEvent["fault"]; delay: number } {
        for (const shot of this.oneShots) {
            if (shot.action === action && (!shot.roleName || shot.roleName === roleName) && ++shot.seen === shot.nth) {
                this.oneShots = this.oneShots.filter((s) => s !== shot);
                return { fault: shot.fault, delay: 0 };
            }
        }
        let delay = 0;
        for (const rule of this.rules) {
            if (rule.actions !== "*" && !rule.actions.includes(action)) continue;
            if (rule.delayMs) delay += rule.delayMs[0] + this.random() * (rule.delayMs[1] - rule.delayMs[0]);
            const roll = this.random();
            let edge = 0;
            for (const [fault, p] of [["throttle", rule.throttle], ["serverError", rule.serverError], ["drop", rule.dropResponse]] as const) {
                edge += p ?? 0;
                if (roll < edge) return { fault, delay };
            }
        }
        return { delay };
    }

    private async handle(listener: ProxyEvent["listener"], req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks);
        const params = new URLSearchParams(body.toString("utf8"));
        const action = params.get("Action") ?? (req.url?.startsWith("/moto-api") ? "moto-api" : "unknown");
        const roleName = params.get("RoleName") ?? undefined;
        const docText = params.get("PolicyDocument") ?? params.get("AssumeRolePolicyDocument");
        const event: ProxyEvent = { seq: -1, listener, action, roleName, ...(docText && action !== "PutRolePolicy" ? { document: JSON.parse(docText) } : {}) };
        const { fault, delay } = listener === "faulted" ? this.decide(action, roleName) : { fault: undefined, delay: 0 };
        if (delay) await new Promise((r) => setTimeout(r, delay));
        if (fault === "throttle" || fault === "serverError") {
            event.seq = this.log.push(event) - 1;
            event.fault = fault;
            const [status, xml] = fault === "throttle" ? [400, errorXml("Throttling", "Rate exceeded", "Sender")] : [500, errorXml("ServiceFailure", "Injected failure", "Receiver")];
            res.writeHead(status, { "content-type": "text/xml" }).end(xml);
            return;
        }
        // One request at a time reaches moto: the log order is the order moto applied them in.
        const answered = (this.queue = this.queue.then(() => this.forward(req, body, event), () => this.forward(req, body, event)));
        const upstream = (await answered) as { status: number; headers: Record<string, string>; body: Buffer };
        if (fault === "drop") {
            event.fault = "drop";
            req.socket.destroy();
            return;
        }
        event.deliveredAt = performance.now();
        res.writeHead(upstream.status, upstream.headers).end(upstream.body);
    }

    private async forward(req: http.IncomingMessage, body: Buffer, event: ProxyEvent) {
        event.seq = this.log.push(event) - 1;
        event.forwardedAt = performance.now();
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !["host", "connection", "content-length", "transfer-encoding"].includes(k)).map(([k, v]) => [k, String(v)]));
        const response = await fetch(`${this.upstream}${req.url}`, { method: req.method, headers, body: req.method === "GET" || req.method === "HEAD" ? undefined : body });
        event.status = response.status;
        const out: Record<string, string> = {};
        response.headers.forEach((v, k) => {
            if (!["content-length", "transfer-encoding", "connection", "content-encoding"].includes(k)) out[k] = v;
        });
        return { status: response.status, headers: out, body: Buffer.from(await response.arrayBuffer()) };
    }
}
