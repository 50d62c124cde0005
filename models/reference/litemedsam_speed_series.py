#!/usr/bin/env python3
"""LiteMedSAM over a whole series and a 3D propagation, the official way, timed in PyTorch on the CPU. Started by
tests/bench/speed.ts (issue 13) next to `medsam segment` on the same slices and boxes; prints one JSON object on its
last stdout line (prefixed SPEED_SERIES_RESULT).

The steps are those of CVPR24_LiteMedSAM_infer.py as litemedsam_reference.py reproduces them (the real lite_medsam.pth
loaded strictly into medsam_export.lite.build_lite_sam()):
  series      per slice with boxes: pydicom read + pixel_array, preprocessing (intensity, litemedsam_256, min-max,
              pad), image_encoder; per box, one box per call: resize_box_to_256, prompt_encoder,
              mask_decoder(multimask_output=False), litemedsam_mask (crop, bilinear, sigmoid > 0.5)
  propagate   the same per-slice steps along our propagation rule (engine/volume/plan.ts, as `medsam segment
              --markers` with one key slice runs it), so that both sides do the same slices: from the start slice's
              box, each next slice (up, then down) is encoded and segmented with the previous mask's bounding box
              (pixel edges, max + 1) padded by 3 px of the 256 input scaled to the slice (6 px on 512) and clamped to
              the image, until the mask is empty or [zMin, zMax] ends; every slice is encoded. (The official
              MedSAM_infer_npz_3D differs: it starts at the middle of the 3D box's z range with the 3D box, keeps
              going past an empty mask with the start box, and stops at the box's z limits.)

Input (--series FILE): {"slices": [{"dicom": path, "boxes": [[x0, y0, x1, y1], ...]}],
                        "propagate": [{"label": n, "dicoms": [path per slice, series order], "start": z,
                                       "box": [x0, y0, x1, y1], "zMin": z0, "zMax": z1}]}
Usage: bash scripts/py.sh models/reference/litemedsam_speed_series.py --series FILE [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MODELS = HERE.parents[1] / "models"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(MODELS))

PREFIX = "SPEED_SERIES_RESULT "
PROPAGATE_PAD_256 = 3


class Official:
    """The official per-slice steps with a stage clock."""

    def __init__(self, sam) -> None:
        self.sam = sam
        self.ms = {"dicom": 0.0, "preprocess": 0.0, "encoder": 0.0, "decoder": 0.0, "postprocess": 0.0}
        self.slices = 0
        self.boxes = 0

    def _tick(self, stage: str, t0: float) -> float:
        now = time.perf_counter()
        self.ms[stage] += (now - t0) * 1000
        return now

    def encode(self, path: str):
        import pydicom
        import torch

        from litemedsam_reference import pad_image
        from preprocess_reference import intensity, litemedsam_256, modality_values, resolve_auto

        t = time.perf_counter()
        ds = pydicom.dcmread(path)
        pixels = ds.pixel_array
        t = self._tick("dicom", t)
        values = modality_values(pixels, float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0)))
        img_u8 = intensity(values, resolve_auto({"kind": "auto"}, str(ds.Modality), int(ds.get("SamplesPerPixel", 1))))
        img_256 = litemedsam_256(img_u8)
        norm = (img_256 - img_256.min()) / np.clip(img_256.max() - img_256.min(), a_min=1e-8, a_max=None)
        x = torch.tensor(pad_image(norm, 256)).float().permute(2, 0, 1).unsqueeze(0)
        t = self._tick("preprocess", t)
        with torch.no_grad():
            embedding = self.sam.image_encoder(x)
        self._tick("encoder", t)
        self.slices += 1
        return embedding, img_u8.shape[:2]

    def segment(self, embedding, size: tuple[int, int], box) -> np.ndarray:
        import torch

        from litemedsam_reference import resize_box_to_256
        from postprocess_reference import litemedsam_mask

        h, w = size
        t = time.perf_counter()
        with torch.no_grad():
            box256 = resize_box_to_256(np.array(box), original_size=(h, w))[None, ...]
            box_torch = torch.as_tensor(box256[None, None, ...], dtype=torch.float)
            sparse, dense = self.sam.prompt_encoder(points=None, boxes=box_torch, masks=None)
            low_res_logits, _iou = self.sam.mask_decoder(
                image_embeddings=embedding, image_pe=self.sam.prompt_encoder.get_dense_pe(),
                sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense, multimask_output=False)
            logits = low_res_logits[0, 0].numpy().astype(np.float32)
        t = self._tick("decoder", t)
        mask = litemedsam_mask(logits, h, w)
        self._tick("postprocess", t)
        self.boxes += 1
        return mask

    def report(self, wall_ms: float) -> dict:
        return {"slices": self.slices, "boxes": self.boxes, "ms": dict(self.ms), "wallMs": wall_ms}


def padded_bbox(mask: np.ndarray) -> list[float] | None:
    """The mask's bounding box in pixel edges (max + 1), padded and clamped to the image, as the engine pads it."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    h, w = mask.shape
    pad = PROPAGATE_PAD_256 * max(h, w) / 256
    return [max(0.0, xs.min() - pad), max(0.0, ys.min() - pad), min(float(w), xs.max() + 1 + pad), min(float(h), ys.max() + 1 + pad)]


def propagate(official: Official, job: dict) -> int:
    embedding, size = official.encode(job["dicoms"][job["start"]])
    start_mask = official.segment(embedding, size, job["box"])
    done = 1
    for step in (1, -1):
        mask = start_mask
        z = job["start"] + step
        while job["zMin"] <= z <= job["zMax"]:
            box = padded_bbox(mask)
            if box is None:
                break
            embedding, size = official.encode(job["dicoms"][z])
            mask = official.segment(embedding, size, box)
            done += 1
            z += step
    return done


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    from medsam_convert import litemedsam as lm
    from medsam_export import lite
    from medsam_export.checkpoint import load_sam_checkpoint

    work = json.loads(args.series.read_text())
    t_load = time.perf_counter()
    sam = lite.build_lite_sam()
    load_sam_checkpoint(lm.fetch_checkpoint(lm.cache_root()), sam, "LiteMedSAM (TinyViT)")
    sam.eval()
    load_ms = (time.perf_counter() - t_load) * 1000

    series = Official(sam)
    t0 = time.perf_counter()
    for item in work["slices"]:
        embedding, size = series.encode(item["dicom"])
        for box in item["boxes"]:
            series.segment(embedding, size, box)
    series_report = series.report((time.perf_counter() - t0) * 1000)

    propagation = Official(sam)
    t0 = time.perf_counter()
    per_target = [{"label": job["label"], "slices": propagate(propagation, job)} for job in work.get("propagate", [])]
    propagation_report = propagation.report((time.perf_counter() - t0) * 1000)
    propagation_report["targets"] = per_target

    print(PREFIX + json.dumps({"threads": args.threads, "torch": torch.__version__, "loadMs": load_ms,
                               "series": series_report, "propagate": propagation_report}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
