#!/usr/bin/env bash
# Makes a Pulumi CLI available for the real-engine tests (test/e2e/) and the benchmark, and prints its path.
# With --no-build it only looks (steps 1 and 2) and exits 1 when there is none.
#
# 1. A `pulumi` already on PATH at the pinned major.minor or newer (a normal Pulumi install) is used as is.
# 2. Else a CLI built earlier at the pinned version into the per-user cache outside the clone
#    (${KUBEFLOW_IRSA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kubeflow-irsa}/pulumi-<version>/) is reused: a second clone,
#    or CI's fresh clone on the same machine, builds nothing.
# 3. Else the CLI is built from source via the Go module proxy (no prebuilt binary can be downloaded on every
#    machine this project runs on). `go install ...@version` refuses the pkg module because its go.mod has a
#    relative `replace github.com/pulumi/pulumi/sdk/v3 => ../sdk`, so the module is downloaded, copied somewhere
#    writable, the replace dropped, and built there. Cold caches on 2 cores: about 5 minutes and 2.3 GB of memory.
#
# The Node.js language host is not needed: tests drive the engine through the Automation API with inline programs,
# which serve the language runtime from inside the Node process.
set -euo pipefail
cd "$(dirname "$0")/.."

PINNED="${PULUMI_CLI_VERSION:-v3.274.1}"
MIN_MINOR=270 # the @pulumi/pulumi SDK in package.json is 3.270+: an older engine may lack what it sends
CACHE="${KUBEFLOW_IRSA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeflow-irsa}"
TARGET_DIR="$CACHE/pulumi-$PINNED"

compatible() { # $1 = version string like v3.274.1 or 3.274.1
    local v="${1#v}" major minor
    major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
    [[ "$major" == 3 && "$minor" =~ ^[0-9]+$ && "$minor" -ge "$MIN_MINOR" ]]
}

if command -v pulumi >/dev/null 2>&1; then
    onpath="$(command -v pulumi)"
    if compatible "$(pulumi version 2>/dev/null || true)"; then
        echo "$onpath"
        exit 0
    fi
fi

if [ -x "$TARGET_DIR/pulumi" ] && [ "$("$TARGET_DIR/pulumi" version 2>/dev/null || true)" = "$PINNED" ]; then
    echo "$TARGET_DIR/pulumi"
    exit 0
fi

if [ "${1:-}" = "--no-build" ]; then
    exit 1
fi

if ! command -v go >/dev/null 2>&1; then
    echo "install-pulumi: no compatible pulumi on PATH and no Go toolchain to build $PINNED; install Pulumi (3.$MIN_MINOR+)" >&2
    exit 1
fi

echo "install-pulumi: building the Pulumi CLI $PINNED from the Go module proxy (several minutes, once)" >&2
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
module_dir="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi/pkg/v3@$PINNED" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "$module_dir" ] || [ ! -d "$module_dir" ]; then
    echo "install-pulumi: go mod download of github.com/pulumi/pulumi/pkg/v3@$PINNED failed" >&2
    exit 1
fi
cp -r "$module_dir" "$work/pkg"
chmod -R u+w "$work/pkg"
sed -i '/^replace github.com\/pulumi\/pulumi\/sdk\/v3 => \.\.\/sdk$/d' "$work/pkg/go.mod"
mkdir -p "$TARGET_DIR"
(cd "$work/pkg" && GOFLAGS=-mod=mod go build -p 2 \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PINNED" \
    -o "$TARGET_DIR/pulumi" ./cmd/pulumi)
built="$("$TARGET_DIR/pulumi" version)"
if [ "$built" != "$PINNED" ]; then
    echo "install-pulumi: built CLI reports '$built', expected $PINNED" >&2
    exit 1
fi
echo "$TARGET_DIR/pulumi"
