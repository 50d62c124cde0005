"""Exports MedSAM (or a random/tiny/synthetic model with the same contract) to ONNX and updates the manifest.

    npm run model:export -- --checkpoint medsam_vit_b.pth --out models/medsam-vit-b
    npm run model:export -- --random-weights --tiny --out models/test/tiny-random

See models/README.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from medsam_export.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
