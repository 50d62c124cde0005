#!/usr/bin/env bash
# Runs Python from the project's model-tooling environment (made on first use by setup-python.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(bash "$root/scripts/setup-python.sh")"
cd "$root"
# models/ holds the tooling packages (medsam_export, medsam_convert), importable with -m from anywhere.
export PYTHONPATH="$root/models${PYTHONPATH:+:$PYTHONPATH}"
exec "$venv/bin/python" "$@"
