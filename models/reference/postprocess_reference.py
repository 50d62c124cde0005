"""Goldens for the engine's box scaling and logits -> mask post-processing, made with the official steps.

Writes tests/fixtures/postprocess/ (see its README.md for the format). Run from the repository root:

    bash scripts/py.sh models/reference/postprocess_reference.py

The steps follow the official code (bowang-lab/MedSAM):
  - MedSAM (MedSAM_Inference.py, medsam_inference; gui.py and the 3D scripts do the same): sigmoid on the 256x256
    low-res logits, then F.interpolate(size=(H, W), mode="bilinear", align_corners=False), then > 0.5.
  - LiteMedSAM (LiteMedSAM branch, inference_2D.py / CVPR24_LiteMedSAM_infer.py): crop the logits to the unpadded
    region [:newh, :neww] (newh, neww = int(H * s + 0.5), int(W * s + 0.5), s = 256 / max(H, W)), then the same
    bilinear resize to (H, W), then sigmoid, then > 0.5.
  - Box scaling: MedSAM box / [W, H, W, H] * 1024 then torch.as_tensor(dtype=torch.float); LiteMedSAM
    int(box[i] * (256 / max(H, W))) per coordinate (resize_box_to_256).
Everything is deterministic (fixed seeds, float32 logits stored as they are fed to torch).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "postprocess"
LOW_RES = 256

# (height, width): square, the endoscopy sizes (617x528 and 1348x1070 are width x height), a small downscale,
# and extreme aspect ratios both ways.
SIZES = [(512, 512), (528, 617), (1070, 1348), (53, 37), (3, 1024), (1024, 3)]


def smooth_blobs(rng: np.random.Generator, n_blobs: int) -> np.ndarray:
    """Sum of anisotropic Gaussian bumps of both signs on the 256x256 grid, roughly in [-12, 12]."""
    yy, xx = np.mgrid[0:LOW_RES, 0:LOW_RES].astype(np.float64)
    field = np.full((LOW_RES, LOW_RES), -4.0)
    for _ in range(n_blobs):
        cy, cx = rng.uniform(-20, LOW_RES + 20, size=2)
        sy, sx = rng.uniform(6, 50, size=2)
        amp = rng.choice([-1.0, 1.0]) * rng.uniform(4, 14)
        field += amp * np.exp(-(((yy - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2) / 2)
    return field


def make_logits(seed: int, pad_garbage: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    field = smooth_blobs(rng, 14) + rng.normal(0.0, 0.6, size=(LOW_RES, LOW_RES))
    logits = field.astype(np.float32)
    # A few exact zeros and large magnitudes: sigmoid(0) = 0.5 is not > 0.5; saturated values must not overflow.
    logits[100, 100:110] = 0.0
    logits[5, 5] = 40.0
    logits[6, 6] = -40.0
    if pad_garbage:
        # Confidently "inside" logits where LiteMedSAM's padding lies for non-square images: a crop error shows at once.
        logits[-40:, :] = 15.0
        logits[:, -40:] = 15.0
    return logits


def medsam_mask(logits: np.ndarray, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    t = torch.from_numpy(logits)[None, None]
    prob = F.interpolate(torch.sigmoid(t), size=(h, w), mode="bilinear", align_corners=False)
    official = (prob[0, 0].numpy() > 0.5).astype(np.uint8)
    # The order written in the issue (bilinear, then sigmoid): recorded only to show where the two orders differ.
    other = (torch.sigmoid(F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False))[0, 0].numpy() > 0.5)
    return official, other.astype(np.uint8)


def lite_resized(h: int, w: int) -> tuple[int, int]:
    scale = LOW_RES * 1.0 / max(h, w)
    return int(h * scale + 0.5), int(w * scale + 0.5)


def litemedsam_mask(logits: np.ndarray, h: int, w: int) -> np.ndarray:
    newh, neww = lite_resized(h, w)
    t = torch.from_numpy(logits)[None, None][..., :newh, :neww]
    up = F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False)
    return (torch.sigmoid(up)[0, 0].numpy() > 0.5).astype(np.uint8)


def write_gz(path: Path, data: bytes) -> None:
    # mtime=0 keeps the bytes identical from run to run.
    with open(path, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
            gz.write(data)


def box_scaling_cases() -> list[dict]:
    rng = np.random.default_rng(7)
    sizes = [(512, 512), (528, 617), (1070, 1348), (53, 37), (3, 1024), (1024, 3), (256, 256), (333, 1000), (720, 1280)]
    cases = []
    for h, w in sizes:
        for k in range(4):
            x = np.sort(rng.uniform(0, w, size=2))
            y = np.sort(rng.uniform(0, h, size=2))
            if k % 2 == 0:  # integer boxes, as MedSAM_Inference.py's --box
                x = np.sort(rng.integers(0, w + 1, size=2)).astype(np.float64)
                y = np.sort(rng.integers(0, h + 1, size=2)).astype(np.float64)
            if x[1] <= x[0]:
                x = np.array([0.0, float(w)])
            if y[1] <= y[0]:
                y = np.array([0.0, float(h)])
            box = np.array([x[0], y[0], x[1], y[1]])
            box_1024 = box / np.array([w, h, w, h]) * 1024
            as_f32 = torch.as_tensor(box_1024[None, :], dtype=torch.float)[0].tolist()
            ratio = 256 / max((h, w))
            lite = [int(b * ratio) for b in box]
            cases.append({
                "width": w,
                "height": h,
                "box": box.tolist(),
                "medsam1024Float32": as_f32,
                "liteMedsam256": lite,
                "liteResized": list(lite_resized(h, w)),
            })
    return cases


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    logits_sets = {"blobs": make_logits(1, False), "padded": make_logits(2, True)}
    for name, logits in logits_sets.items():
        assert logits.dtype == np.float32 and logits.shape == (LOW_RES, LOW_RES)
        write_gz(OUT / f"logits_{name}.f32.gz", logits.astype("<f4").tobytes())

    cases = []
    for name, logits in logits_sets.items():
        for h, w in SIZES:
            for profile in ("medsam-1024-stretch", "litemedsam-256-longest-pad"):
                if profile == "medsam-1024-stretch":
                    mask, other = medsam_mask(logits, h, w)
                    order_diff = int((mask != other).sum())
                else:
                    mask = litemedsam_mask(logits, h, w)
                    order_diff = None
                tag = "medsam" if profile.startswith("medsam") else "lite"
                fname = f"mask_{tag}_{name}_{h}x{w}.bits.gz"
                write_gz(OUT / fname, np.packbits(mask.ravel(), bitorder="little").tobytes())
                case = {
                    "profile": profile,
                    "logits": f"logits_{name}.f32.gz",
                    "height": h,
                    "width": w,
                    "mask": fname,
                    "positives": int(mask.sum()),
                }
                if order_diff is not None:
                    case["pixelsDifferingInOtherOrder"] = order_diff
                cases.append(case)
                print(f"{profile:28s} {name:7s} {h:5d}x{w:<5d} positives {int(mask.sum()):8d}"
                      + (f"  bilinear-then-sigmoid differs at {order_diff} px" if order_diff is not None else ""))

    meta = {
        "generator": "models/reference/postprocess_reference.py",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "lowResSide": LOW_RES,
        "cases": cases,
    }
    (OUT / "cases.json").write_text(json.dumps(meta, indent=1) + "\n")
    (OUT / "box_scaling.json").write_text(json.dumps({
        "generator": "models/reference/postprocess_reference.py",
        "cases": box_scaling_cases(),
    }, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(cases)} mask goldens to {OUT.relative_to(ROOT)} ({total / 1024:.0f} KiB in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
