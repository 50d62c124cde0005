"""Writes models/test/goldens/ from PyTorch (tiny random model, seed 0), then checks the committed fp32 ONNX files
against them.

    bash scripts/py.sh models/make_goldens.py
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from medsam_export import goldens  # noqa: E402


def main() -> int:
    folder, manifest = HERE / "test" / "goldens", HERE / "manifest.json"
    index = goldens.write(folder, manifest)
    total = sum(p.stat().st_size for p in folder.iterdir())
    print(f"goldens written to {folder} ({len(index['cases'])} cases, {total / 1024:.0f} KiB)")
    worst = goldens.check_against_onnx(folder, manifest)
    print(f"committed fp32 ONNX vs goldens: max|d embedding| {worst['embedding']:.3g}, max|d logits| {worst['logits']:.3g}")
    return 0 if worst["logits"] <= 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
