#!/usr/bin/env bash
# Runs Python from the project's model-tooling environment (made on first use by setup-python.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(bash "$root/scripts/setup-python.sh")"
cd "$root"
exec "$venv/bin/python" "$@"
