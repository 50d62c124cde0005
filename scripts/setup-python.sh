#!/usr/bin/env bash
# Creates (or updates) a Python environment and prints its path:
#   setup-python.sh           the model tooling and the reference scripts (models/requirements.txt, with torch)
#   setup-python.sh convert   the torch-free converter only (models/requirements-convert.txt, about 35 MB)
# They live outside the clone so that CI runs and fresh clones on the same machine reuse them (torch is large);
# when a requirements file changes, pip brings the same venv up to date instead of starting again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${MEDSAM_CACHE:-$HOME/.cache/medsam-for-ohif}"
if [ "${1:-}" = convert ]; then
  req="$root/models/requirements-convert.txt"
  venv="${MEDSAM_CONVERT_VENV:-$cache/venv-convert}"
  what="the converter's Python environment (numpy, onnx: about 35 MB)"
else
  req="$root/models/requirements.txt"
  venv="${MEDSAM_VENV:-$cache/venv}"
  what="the Python environment (the first run downloads torch: a few minutes)"
fi
want="$(sha256sum "$req" | cut -d' ' -f1)"
have="$(cat "$venv/.requirements-sha256" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
      # Debian's python3 ships venv/ensurepip separately.
      if [ "$(id -u)" = 0 ]; then
        apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2
      else
        echo "python3 cannot create a venv here; install it as root with: sudo apt-get install -y python3-venv" >&2
        exit 1
      fi
    fi
    echo "creating $what in $venv" >&2
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
  fi
  echo "installing ${req#"$root"/} into $venv" >&2
  "$venv/bin/python" -m pip install -q -r "$req" >&2
  echo "$want" > "$venv/.requirements-sha256"
fi
echo "$venv"
