#!/usr/bin/env bash
# Makes a local Kubernetes control plane and the real pulumi-kubernetes provider plugin available for the e2e tests
# (tools/controlPlane.ts) and the benchmark. Prints `name=path` lines, one per binary.
#
#   etcd                      go.etcd.io/etcd/server/v3      ETCD_VERSION        (v3.6.4)
#   kube-apiserver            k8s.io/kubernetes              KUBERNETES_VERSION  (v1.34.4)
#   kube-controller-manager   k8s.io/kubernetes
#   kubectl                   k8s.io/kubernetes
#   pulumi-resource-kubernetes github.com/pulumi/pulumi-kubernetes/provider/v4, labelled with the version
#                             @pulumi/kubernetes in package-lock.json asks for (the engine looks it up by that)
#
# No prebuilt binary can be downloaded on every machine this project runs on, so each is built from the Go module
# proxy, once, into a per-user cache outside the clone keyed by version
# (${KUBEFLOW_IRSA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kubeflow-irsa}/<tool>-<version>/): a second clone, or CI's
# fresh clone on the same machine, builds nothing. With --no-build it only looks and exits 1 when anything is missing.
#
# Cold, on 2 cores: about 30 minutes in all (kube-apiserver ~10 min and 1.8 GiB; the provider ~16 min and 4.1 GiB).
set -euo pipefail
cd "$(dirname "$0")/.."

ETCD_VERSION="${ETCD_VERSION:-v3.6.4}"
KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.34.4}"
# The only version of the provider module the Go proxy serves: a January 2026 commit (sdk/v4 v4.24.0 era code).
PROVIDER_MODULE_VERSION="${PROVIDER_MODULE_VERSION:-v4.0.0-20260115033456-f47bc2d6f199}"
PROVIDER_LABEL="$(node -p "require('./package-lock.json').packages['node_modules/@pulumi/kubernetes'].version")"
CACHE="${KUBEFLOW_IRSA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeflow-irsa}"

ETCD_DIR="$CACHE/etcd-$ETCD_VERSION"
KUBE_DIR="$CACHE/kubernetes-$KUBERNETES_VERSION"
PROVIDER_DIR="$CACHE/pulumi-kubernetes-$PROVIDER_LABEL-${PROVIDER_MODULE_VERSION##*-}"

have() { [ -x "$1" ] && "$1" "${@:2}" >/dev/null 2>&1; }
etcd_ok() { have "$ETCD_DIR/etcd" --version; }
kube_ok() {
    have "$KUBE_DIR/kube-apiserver" --version && have "$KUBE_DIR/kube-controller-manager" --version &&
        [ "$("$KUBE_DIR/kubectl" version --client -o json 2>/dev/null | node -p 'JSON.parse(require("fs").readFileSync(0)).clientVersion.gitVersion' 2>/dev/null)" = "$KUBERNETES_VERSION" ]
}
provider_ok() { [ -x "$PROVIDER_DIR/pulumi-resource-kubernetes" ]; }

report() {
    echo "etcd=$ETCD_DIR/etcd"
    for b in kube-apiserver kube-controller-manager kubectl; do echo "$b=$KUBE_DIR/$b"; done
    echo "pulumi-resource-kubernetes=$PROVIDER_DIR/pulumi-resource-kubernetes"
}

if etcd_ok && kube_ok && provider_ok; then
    report
    exit 0
fi
if [ "${1:-}" = "--no-build" ]; then
    exit 1
fi
if ! command -v go >/dev/null 2>&1; then
    echo "install-kubernetes: no Go toolchain to build etcd, Kubernetes $KUBERNETES_VERSION and the kubernetes provider" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# Copies a module from the Go module cache into $work/$2, writable. $1 = module@version.
fetch_module() {
    local dir
    dir="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    if [ -z "$dir" ] || [ ! -d "$dir" ]; then
        echo "install-kubernetes: go mod download $1 failed" >&2
        exit 1
    fi
    cp -r "$dir" "$work/$2"
    chmod -R u+w "$work/$2"
}

# Builds into a temporary name and renames, so an interrupted build never leaves a half-written binary in the cache.
publish() { # $1 = target dir; binaries already in $1.partial
    rm -rf "$1"
    mv "$1.partial" "$1"
}

if ! etcd_ok; then
    echo "install-kubernetes: building etcd $ETCD_VERSION (about 1 minute, once)" >&2
    fetch_module "go.etcd.io/etcd/server/v3@$ETCD_VERSION" etcd
    # Its relative replaces point into the etcd repository; the requires already name the published modules.
    sed -i '/=> \.\.\//d' "$work/etcd/go.mod"
    mkdir -p "$ETCD_DIR.partial"
    (cd "$work/etcd" && GOFLAGS=-mod=mod go build -p 2 -trimpath -o "$ETCD_DIR.partial/etcd" .)
    publish "$ETCD_DIR"
fi

if ! kube_ok; then
    echo "install-kubernetes: building kube-apiserver, kube-controller-manager and kubectl $KUBERNETES_VERSION (about 12 minutes, once)" >&2
    fetch_module "k8s.io/kubernetes@$KUBERNETES_VERSION" kubernetes
    staging="v0.${KUBERNETES_VERSION#v1.}"
    # go.work lists the staging/ modules the proxy's copy lacks and breaks every go command; vendor/ holds only OWNERS.
    rm -rf "$work/kubernetes/go.work" "$work/kubernetes/go.work.sum" "$work/kubernetes/vendor"
    # The staging modules are published on their own at v0.<minor>.<patch>: require those instead of ./staging.
    sed -i -E "s#^(\s*k8s\.io/[a-z0-9-]+) v0\.0\.0\$#\1 $staging#; /=> \.\/staging\/src\//d" "$work/kubernetes/go.mod"
    major="${KUBERNETES_VERSION#v}"; major="${major%%.*}"
    minor="${KUBERNETES_VERSION#v*.}"; minor="${minor%%.*}"
    mkdir -p "$KUBE_DIR.partial"
    (cd "$work/kubernetes" && GOFLAGS=-mod=mod go build -p 2 -trimpath -tags selinux,notest,grpcnotrace \
        -ldflags "-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=$major -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION" \
        -o "$KUBE_DIR.partial/" ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kubectl)
    publish "$KUBE_DIR"
fi

if ! provider_ok; then
    echo "install-kubernetes: building pulumi-resource-kubernetes (module $PROVIDER_MODULE_VERSION, labelled $PROVIDER_LABEL; about 16 minutes, once)" >&2
    fetch_module "github.com/pulumi/pulumi-kubernetes/provider/v4@$PROVIDER_MODULE_VERSION" provider
    sed -i '/^replace github.com\/pulumi\/pulumi-kubernetes\/sdk\/v4 => \.\.\/sdk$/d' "$work/provider/go.mod"
    # The plugin embeds its schema, generated from schema.json with the version it reports.
    (cd "$work/provider/cmd/pulumi-resource-kubernetes" && GOFLAGS=-mod=mod VERSION="$PROVIDER_LABEL" go run generate.go)
    mkdir -p "$PROVIDER_DIR.partial"
    (cd "$work/provider" && GOFLAGS=-mod=mod go build -p 2 -trimpath \
        -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PROVIDER_LABEL" \
        -o "$PROVIDER_DIR.partial/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes)
    publish "$PROVIDER_DIR"
fi

report
