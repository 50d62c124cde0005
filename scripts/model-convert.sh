#!/usr/bin/env bash
# `npm run model:convert -- --checkpoint FILE --out DIR`: a checkpoint -> ONNX without torch (models/medsam_convert/cli.py).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(bash "$root/scripts/setup-python.sh" convert)"
export PYTHONPATH="$root/models${PYTHONPATH:+:$PYTHONPATH}"
exec "$venv/bin/python" -m medsam_convert.cli "$@"
