/**
 * Section 7: the Node releases users have, side by side: the entry at N = 1,000 and 3,000 and the offline preview at
 * N = 1,000, the same workers under each release (installed by scripts/install-node.sh).
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../project";
import { fmt, measure, median, Sample, Section, summary, table } from "./harness";
import { NODE_RELEASES, RUNS } from "./knobs";

interface NodeReleaseRow {
    release: string;
    entry1000: { ms: number; rss: number };
    entry3000: { ms: number; rss: number };
    preview1000: { wallMs: number; rss: number };
}

/** The same workers on each release; runs alternate between releases so drift on the machine hits all alike. */
async function nodeReleaseBench(): Promise<NodeReleaseRow[]> {
    const nodes = NODE_RELEASES.map((release) => {
        const bin = execFileSync("bash", [path.join(PROJECT_ROOT, "scripts", "install-node.sh"), release], { encoding: "utf8" }).trim();
        return { release, node: path.join(bin, "node") };
    });
    const samples = new Map(nodes.map((n) => [n.release, { e1: [] as Sample[], e3: [] as Sample[], p: [] as Sample[] }]));
    for (let run = 0; run < RUNS; run++) {
        for (const { release, node } of nodes) {
            const s = samples.get(release)!;
            s.e1.push(await measure(["program", "entry", "1000"], node));
            s.e3.push(await measure(["program", "entry", "3000"], node));
            s.p.push(await measure(["preview", "1000"], node));
        }
    }
    return nodes.map(({ release }) => {
        const s = samples.get(release)!;
        const row = { release, entry1000: summary(s.e1), entry3000: summary(s.e3), preview1000: { wallMs: median(s.p.map((x) => x.wallMs)), rss: median(s.p.map((x) => x.maxRssMb)) } };
        process.stderr.write(`Node ${release}: entry N=1000 ${fmt(row.entry1000.ms)} ms, N=3000 ${fmt(row.entry3000.ms)} ms, preview ${fmt(row.preview1000.wallMs)} ms\n`);
        return row;
    });
}

export const nodeReleases: Section<NodeReleaseRow[]> = {
    key: "node-releases",
    title: "## 7. Node releases side by side",
    measure: nodeReleaseBench,
    render(rows) {
        const cell = (f: (r: NodeReleaseRow) => string) => rows.map(f);
        return [
            `The same workers under each release (installed by \`scripts/install-node.sh\`), ${RUNS} runs each, alternating releases; medians.`,
            "",
            table(
                ["measurement", ...rows.map((r) => `Node ${r.release}`)],
                [
                    ["entry, N = 1,000: ms", ...cell((r) => fmt(r.entry1000.ms))],
                    ["entry, N = 1,000: peak RSS MB", ...cell((r) => fmt(r.entry1000.rss))],
                    ["entry, N = 3,000: ms", ...cell((r) => fmt(r.entry3000.ms))],
                    ["entry, N = 3,000: peak RSS MB", ...cell((r) => fmt(r.entry3000.rss))],
                    ["offline preview, N = 1,000: wall ms", ...cell((r) => fmt(r.preview1000.wallMs))],
                    ["offline preview, N = 1,000: peak RSS MB", ...cell((r) => fmt(r.preview1000.rss))],
                ],
            ),
            "",
        ];
    },
};
