#!/usr/bin/env bash
# Builds the OpenTelemetry Collector that `npm run bench:peer` runs beside vigil's collector: core
# v0.165 with only the otlp receiver and the contrib kafka exporter (main.go, go.mod here), from
# the Go module proxy, once, into ~/.cache/vigil/bin/otelcol-vigil-peer. It builds again only when
# go.mod, go.sum or main.go change (their hash is kept beside the binary). About 6 minutes on 2
# busy cores the first time. Without Go it says so and exits 3, so the benchmark can run vigil alone.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN_DIR="${VIGIL_CACHE_DIR:-$HOME/.cache/vigil}/bin"
BIN="$BIN_DIR/otelcol-vigil-peer"
mkdir -p "$BIN_DIR"
exec 9>"$BIN_DIR/.otelcol-vigil-peer.lock"
flock 9
KEY="$(cat "$HERE/go.mod" "$HERE/go.sum" "$HERE/main.go" | sha256sum | cut -d' ' -f1)"
if [ -x "$BIN" ] && [ "$(cat "$BIN.key" 2>/dev/null)" = "$KEY" ]; then
  echo "otelcol-vigil-peer already built: $BIN"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "go not found: not building the OpenTelemetry Collector for bench:peer" >&2
  exit 3
fi
cd "$HERE"
# -mod=mod: go.sum pins every module; the build may add nothing, but needs no vendor directory.
GOFLAGS=-mod=mod go build -trimpath -o "$BIN.tmp" .
mv "$BIN.tmp" "$BIN"
echo "$KEY" > "$BIN.key"
echo "otelcol-vigil-peer built: $BIN"
