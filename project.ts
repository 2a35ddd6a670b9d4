/**
 * The project's name and where its files are: Pulumi.yaml's `name` (also the config namespace of its keys) and the
 * folder that holds Pulumi.yaml, found upwards from here (this file runs from sources and from dist/).
 *
 * Loads nothing but `fs` and `path`: tools that only need a path (the emulator, the engine, the control plane) import
 * it without loading the SDK.
 */
import * as fs from "fs";
import * as path from "path";

/** Pulumi.yaml's `name`. */
export const PROJECT_NAME = "kubeflow-irsa";

function findProjectRoot(start: string): string {
    for (let dir = start; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${start}`);
    }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
/** Pulumi.yaml's `stackConfigDir`: where `Pulumi.<stack>.yaml` files are. */
export const STACKS_DIR = path.join(PROJECT_ROOT, "stacks");
