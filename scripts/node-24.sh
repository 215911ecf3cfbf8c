#!/usr/bin/env bash
# Prints the path of a Node 24 binary, the runtime of the model service's image, so that CI can
# run the tests on it as well as on the machine's node (docs/testing.md#node-versions):
#   NODE_24 if set; the machine's node if it is 24; else the npm registry's `node@24` package,
#   installed once into the cache folder (as verify/inputs.ts finds it) and reused.
set -euo pipefail

if [ -n "${NODE_24:-}" ]; then echo "$NODE_24"; exit 0; fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" = "24" ]; then command -v node; exit 0; fi

cache="${TOFML_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/technical-observability-for-ml}/node-24"
binary="$cache/node_modules/.bin/node"
if [ ! -x "$binary" ]; then
  echo "node 24: installing the npm package node@24 into $cache" >&2
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$cache" node@24 >&2
fi
echo "$binary"
