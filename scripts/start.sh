#!/usr/bin/env bash
# `npm start`: installs the npm packages when node_modules is missing, then hands over to scripts/start.mjs
# (viewer, build, Orthanc, samples, server). Settings: see the top of scripts/start.mjs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [[ ! -d node_modules/.bin ]] || [[ ! -x node_modules/.bin/webpack ]]; then
  echo "[medsam] installing npm packages (npm ci)"
  # onnxruntime-node's install step downloads GPU binaries from a host outside the npm registry; the CPU build
  # it ships is all the project uses.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi

exec node scripts/start.mjs "$@"
