"""The deterministic grey test image used for parity figures and the goldens (no data set involved).

1024 x 1024 uint8, values 15..230 (so the min-max scaling is not the identity), asymmetric in x and y (so that a
flip or a transpose changes every output): a horizontal ramp with a vertical ripple, a bright ellipse up-right of
centre, a dark disc lower-left and a bright bar near the top-left.
"""

from __future__ import annotations

import numpy as np
import torch

SIZE = 1024

# Boxes in 1024 space (x0, y0, x1, y1), as cases: a single off-centre non-square box, then a batch of two.
GOLDEN_CASES: list[tuple[str, list[list[float]]]] = [
    ("offcentre-nonsquare", [[430.5, 255.25, 805.0, 505.75]]),
    ("batch-of-two", [[150.0, 600.0, 360.0, 810.0], [40.0, 40.0, 990.0, 980.0]]),
]


def grey_image() -> np.ndarray:
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    img = 40.0 + 60.0 * x / (SIZE - 1) + 20.0 * np.sin(y / 37.0)
    img[((x - 620) / 170) ** 2 + ((y - 380) / 110) ** 2 <= 1.0] = 220.0
    img[(x - 250) ** 2 + (y - 700) ** 2 <= 90**2] = 15.0
    img[(y >= 90) & (y < 130) & (x >= 60) & (x < 400)] = 230.0
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def to_model_input(grey: np.ndarray) -> torch.Tensor:
    """MedSAM's steps 1 and 3 for an image that is already 1024 x 1024: repeat to 3 channels, then
    (x - min) / max(max - min, 1e-8), as float32 [1, 3, H, W]."""
    g = grey.astype(np.float64)
    lo, hi = g.min(), g.max()
    norm = (g - lo) / max(hi - lo, 1e-8)
    return torch.from_numpy(np.repeat(norm[None, None], 3, axis=1).astype(np.float32))


def parity_boxes(input_size: int) -> torch.Tensor:
    """All golden boxes as one batch, scaled from 1024 space to the model's input size."""
    boxes = [b for _, case in GOLDEN_CASES for b in case]
    return torch.tensor(boxes, dtype=torch.float32) * (input_size / SIZE)
