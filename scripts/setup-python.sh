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
    if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
      # Debian's python3 ships venv/ensurepip separately.
      if [ "$(id -u)" = 0 ]; then
        apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2
      else
        echo "python3 cannot create a venv here; install it as root with: sudo apt-get install -y python3-venv" >&2
        exit 1
      fi
    fi
    echo "creating the Python environment in $venv (the first run downloads torch: a few minutes)" >&2
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
  fi
  echo "installing models/requirements.txt into $venv" >&2
  "$venv/bin/python" -m pip install -q -r "$req" >&2
  echo "$want" > "$venv/.requirements-sha256"
fi
echo "$venv"
