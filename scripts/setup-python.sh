#!/usr/bin/env bash
# Creates (or updates) the Python environment for the model tooling and the reference scripts, and prints its path.
# It lives outside the clone so that CI runs and fresh clones on the same machine reuse it (torch is large);
# when models/requirements.txt changes, pip brings the same venv up to date instead of starting again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
req="$root/models/requirements.txt"
venv="${MEDSAM_VENV:-$HOME/.cache/medsam-for-ohif/venv}"
want="$(sha256sum "$req" | cut -d' ' -f1)"
have="$(cat "$venv/.requirements-sha256" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  if [ ! -x "$venv/bin/python" ]; then
    echo "creating the Python environment in $venv (the first run downloads torch: a few minutes)" >&2
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
  fi
  echo "installing models/requirements.txt into $venv" >&2
  "$venv/bin/python" -m pip install -q -r "$req" >&2
  echo "$want" > "$venv/.requirements-sha256"
fi
echo "$venv"
