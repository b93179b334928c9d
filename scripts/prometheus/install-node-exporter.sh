#!/usr/bin/env bash
# Builds the Prometheus node_exporter from the Go module proxy, once, into ~/.cache/vigil/bin:
# the real exporter the Prometheus receiver's e2e test scrapes. Without Go it says so and exits 0
# (that test then skips, saying why).
set -euo pipefail
VERSION="${NODE_EXPORTER_VERSION:-v1.12.1}"
BIN_DIR="${VIGIL_CACHE_DIR:-$HOME/.cache/vigil}/bin"
BIN="$BIN_DIR/node_exporter"
mkdir -p "$BIN_DIR"
exec 9>"$BIN_DIR/.node_exporter.lock"
flock 9
# go install stamps no version into the binary: a file beside it says which one was built.
if [ -x "$BIN" ] && [ "$(cat "$BIN.version" 2>/dev/null)" = "$VERSION" ]; then
  echo "node_exporter ${VERSION} already built: $BIN"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "go not found: not building node_exporter (the Prometheus node_exporter e2e test will be skipped)" >&2
  exit 0
fi
GOFLAGS=-mod=mod GOBIN="$BIN_DIR" go install "github.com/prometheus/node_exporter@${VERSION}"
echo "$VERSION" > "$BIN.version"
echo "node_exporter ${VERSION} built: $BIN"
