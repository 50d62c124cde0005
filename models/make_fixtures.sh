#!/usr/bin/env bash
# Regenerates the committed test models (models/test/*), their entries in models/manifest.json and the goldens.
# Deterministic: on the pinned environment (models/requirements.txt) it rewrites the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
export INIT_CWD="$PWD"  # export.py resolves relative paths against INIT_CWD (set by npm to the caller's folder)
export_model() { bash scripts/py.sh models/export.py --manifest models/manifest.json "$@"; }
export_model --random-weights --tiny --seed 0 --out models/test/tiny-random
export_model --synthetic box-oracle --out models/test/box-oracle
export_model --synthetic bright-in-box --out models/test/bright-in-box
bash scripts/py.sh models/make_goldens.py
