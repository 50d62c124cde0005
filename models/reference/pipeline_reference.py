#!/usr/bin/env python3
"""End-to-end goldens: image + box -> mask through the official MedSAM_Inference.py steps, with the tiny PyTorch model.

For each case the steps are those of MedSAM_Inference.py (bowang-lab/MedSAM, main branch), run in PyTorch with the
official segment_anything modules (the tiny random model, seed 0, built exactly as `models/export.py --tiny
--random-weights --seed 0` builds it before exporting models/test/tiny-random):
  1. intensity: CT soft-tissue window (400, 40) on the modality values (utils/pre_CT_MR.py), or the RGB rule
     (pre_grey_rgb.py: unchanged when already in 0..255), both taken from preprocess_reference.py;
  2. grey -> 3 channels, skimage resize to 1024 x 1024 (order 3, preserve_range, anti_aliasing), .astype(np.uint8)
     (preprocess_reference.medsam_1024);
  3. (x - min) / clip(max - min, 1e-8), torch float32, image_encoder;
  4. box / [W, H, W, H] * 1024 -> torch float32, prompt_encoder(points=None, boxes=B x 1 x 4, masks=None),
     mask_decoder(multimask_output=False), one box at a time as the official script does;
  5. sigmoid, F.interpolate(size=(H, W), mode="bilinear", align_corners=False), > 0.5.
Only the masks are stored (plus boxes and sizes); the TypeScript test (tests/parity/pipeline.test.ts) runs its own
pipeline from the same pixels and compares masks by IoU. Nothing here calls the TypeScript under test.

Usage (from the repository root; deterministic, gzip without timestamps):
    bash scripts/py.sh models/reference/pipeline_reference.py [--out tests/fixtures/pipeline]
See tests/fixtures/pipeline/README.md for the format.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pydicom
import skimage
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from preprocess_reference import intensity, medsam_1024, modality_values, synthetic  # noqa: E402
from medsam_export import sam_models  # noqa: E402

MODEL_ID = "tiny-random"
SEED = 0
MANIFEST = ROOT / "models" / "manifest.json"
CT_DIR = Path("tests/data/ct-liver-3slice/ct-3slice")
# How close to the 0.5 threshold a probability must be to count as "near" (the logits tolerance 1e-3 of the
# tiny-model parity test, through the sigmoid's slope 1/4 at 0): these pixels may flip under fp32 noise.
NEAR_THRESHOLD = 1e-3 / 4

# Boxes [x0, y0, x1, y1] in image pixels, as MedSAM_Inference.py takes them (integers).
CT_BOXES = {
    "01": [[40, 170, 250, 330], [100, 100, 420, 400], [220, 330, 300, 410]],  # off-centre wide, large, small
    "02": [[60, 140, 230, 390], [300, 180, 460, 260]],  # tall on the left, wide on the right
    "03": [[150, 200, 350, 300]],
}
# An odd-sized RGB image larger than 1024 on both sides, so that the resize shrinks it (by different factors per axis)
# and skimage's anti-aliasing Gaussian pre-filter takes part. Pattern: preprocess_reference.synthetic (the TS test has
# the same integer formula in tests/fixtures/preprocess/load.ts).
SYNTHETIC = {
    "synthetic-rgb-1301x1093": dict(rows=1093, columns=1301, samplesPerPixel=3, lo=0, hi=255, background=12),
}
SYNTHETIC_BOXES = {"synthetic-rgb-1301x1093": [[300, 250, 760, 560]]}


def build_model() -> torch.nn.Module:
    return sam_models.build_random_sam(tiny=True, seed=SEED)


@torch.no_grad()
def official_masks(sam, img_u8: np.ndarray, boxes: list[list[int]]) -> list[tuple[np.ndarray, int, float]]:
    """MedSAM_Inference.py from the intensity-normalised uint8 image (H x W or H x W x 3) to one mask per box.
    Returns (mask uint8 H x W, pixels whose probability lies within NEAR_THRESHOLD of 0.5, max |low-res logit|)."""
    H, W = img_u8.shape[:2]
    img_1024 = medsam_1024(img_u8)
    img_1024 = (img_1024 - img_1024.min()) / np.clip(img_1024.max() - img_1024.min(), a_min=1e-8, a_max=None)
    img_1024_tensor = torch.tensor(img_1024).float().permute(2, 0, 1).unsqueeze(0)
    image_embedding = sam.image_encoder(img_1024_tensor)
    out = []
    for box in boxes:
        box_np = np.array([box])
        box_1024 = box_np / np.array([W, H, W, H]) * 1024
        box_torch = torch.as_tensor(box_1024, dtype=torch.float)
        if len(box_torch.shape) == 2:
            box_torch = box_torch[:, None, :]  # (B, 1, 4)
        sparse, dense = sam.prompt_encoder(points=None, boxes=box_torch, masks=None)
        low_res_logits, _ = sam.mask_decoder(
            image_embeddings=image_embedding,
            image_pe=sam.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=False,
        )
        low_res_pred = torch.sigmoid(low_res_logits)
        low_res_pred = F.interpolate(low_res_pred, size=(H, W), mode="bilinear", align_corners=False)
        prob = low_res_pred.squeeze().cpu().numpy()
        mask = (prob > 0.5).astype(np.uint8)
        near = int((np.abs(prob.astype(np.float64) - 0.5) < NEAR_THRESHOLD).sum())
        out.append((mask, near, float(low_res_logits.abs().max())))
    return out


def write_gz(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "pipeline")
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)

    sam = build_model()
    fp32 = next(m for m in json.loads(MANIFEST.read_text())["models"] if m["id"] == MODEL_ID)["variants"]["fp32"]

    inputs = []
    for name, boxes in CT_BOXES.items():
        path = CT_DIR / f"{name}.dcm"
        ds = pydicom.dcmread(ROOT / path)
        values = modality_values(ds.pixel_array, float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0)))
        options = {"kind": "ct-window", "window": "soft-tissue"}
        inputs.append((f"ct-{name}", {"source": "dicom", "file": str(path)}, options, intensity(values, options), boxes))
    for name, g in SYNTHETIC.items():
        values = synthetic(g["rows"], g["columns"], g["samplesPerPixel"], g["lo"], g["hi"], g["background"])
        options = {"kind": "unchanged-if-8bit"}
        inputs.append((name, {"source": "synthetic", "generator": g, "dtype": "uint8"}, options,
                       intensity(values.astype(np.uint8), options), SYNTHETIC_BOXES[name]))

    cases = []
    for case_id, source, options, img_u8, boxes in inputs:
        H, W = img_u8.shape[:2]
        masks = []
        for i, (mask, near, max_logit) in enumerate(official_masks(sam, img_u8, boxes)):
            file = f"{case_id}.box{i}.bits.gz"
            write_gz(out / file, np.packbits(mask.reshape(-1), bitorder="little").tobytes())
            masks.append({"box": boxes[i], "file": file, "positives": int(mask.sum()), "nearThreshold": near,
                          "maxAbsLowResLogit": round(max_logit, 6)})
            print(f"{case_id} box {i} {boxes[i]}: {int(mask.sum())}/{H * W} inside, {near} pixels within "
                  f"{NEAR_THRESHOLD:g} of 0.5, max|low-res logit| {max_logit:.4f}")
        cases.append({"id": case_id, "input": source, "intensity": options, "width": W, "height": H, "masks": masks})

    index = {
        "formatVersion": 1,
        "generatedBy": "models/reference/pipeline_reference.py",
        "model": {"id": MODEL_ID, "build": "medsam_export.sam_models.build_random_sam(tiny=True, seed=0)",
                  "onnxFp32": {"encoderSha256": fp32["encoder"]["sha256"], "decoderSha256": fp32["decoder"]["sha256"]}},
        "nearThreshold": NEAR_THRESHOLD,
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "skimage": skimage.__version__,
                     "pydicom": pydicom.__version__},
        "cases": cases,
    }
    (out / "cases.json").write_text(json.dumps(index, indent=1) + "\n")
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {sum(len(c['masks']) for c in cases)} masks in {len(cases)} cases to {out} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
