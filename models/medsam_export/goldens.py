"""Golden inputs and PyTorch outputs of the tiny random model, for the TypeScript parity tests (no Python at their
run time). The format is described in models/test/goldens/README.md; regenerate with models/make_goldens.py."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import torch

from . import parity, sam_models, test_image
from .checkpoint import sha256_file

GOLDEN_MODEL_ID = "tiny-random"
GOLDEN_SEED = 0


def _write_gz(path: Path, array: np.ndarray) -> dict:
    data = np.ascontiguousarray(array)
    if data.dtype == np.float32:
        data = data.astype("<f4")
    # mtime=0: the same arrays give the same bytes, so regenerating changes nothing in git.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(data.tobytes())
    return {"file": path.name, "dtype": str(array.dtype), "shape": list(array.shape)}


def read_gz(folder: Path, spec: dict) -> np.ndarray:
    dtype = {"float32": "<f4", "uint8": "u1"}[spec["dtype"]]
    with gzip.open(folder / spec["file"], "rb") as f:
        return np.frombuffer(f.read(), dtype=dtype).reshape(spec["shape"])


def compute(seed: int = GOLDEN_SEED) -> dict:
    """PyTorch outputs of the tiny model on the golden image, case by case, with MedSAM_Inference.py's calls."""
    sam = sam_models.build_random_sam(tiny=True, seed=seed)
    grey = test_image.grey_image()
    image = test_image.to_model_input(grey)
    reference = parity.sam_reference(sam)
    cases = []
    embedding = None
    for name, boxes in test_image.GOLDEN_CASES:
        emb, logits, iou = reference(image, torch.tensor(boxes, dtype=torch.float32))
        embedding = emb
        cases.append({"name": name, "boxes": boxes, "logits": logits, "iou": iou})
    return {"grey": grey, "embedding": embedding, "cases": cases}


def write(folder: Path, manifest_path: Path, seed: int = GOLDEN_SEED) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    result = compute(seed)
    manifest = json.loads(manifest_path.read_text())
    entry = next(m for m in manifest["models"] if m["id"] == GOLDEN_MODEL_ID)
    fp32 = entry["variants"]["fp32"]
    index = {
        "description": "PyTorch (official segment_anything modules) outputs of the tiny random test model; "
        "see README.md in this folder",
        "generatedBy": "bash scripts/py.sh models/make_goldens.py",
        "torch": torch.__version__,
        "model": {
            "id": GOLDEN_MODEL_ID,
            "seed": seed,
            "encoderSha256": fp32["encoder"]["sha256"],
            "decoderSha256": fp32["decoder"]["sha256"],
        },
        "image": {
            **_write_gz(folder / "image.u8.gz", result["grey"]),
            "layout": "row-major grey, shape [height, width]",
            "toModelInput": "repeat to 3 channels; per image (x - min) / max(max - min, 1e-8) in float64, then "
            "float32; tensor [1, 3, 1024, 1024]",
        },
        "embedding": _write_gz(folder / f"{GOLDEN_MODEL_ID}.embedding.f32.gz", result["embedding"]),
        "cases": [],
    }
    for case in result["cases"]:
        stem = f"{GOLDEN_MODEL_ID}.{case['name']}"
        index["cases"].append(
            {
                "name": case["name"],
                "boxes": case["boxes"],
                "lowResLogits": _write_gz(folder / f"{stem}.logits.f32.gz", case["logits"]),
                "masks": _write_gz(folder / f"{stem}.masks.u8.gz", (case["logits"] > 0).astype(np.uint8)),
                "iouPredictions": case["iou"].astype(float).tolist(),
            }
        )
    (folder / "goldens.json").write_text(json.dumps(index, indent=2) + "\n")
    return index


def check_against_onnx(folder: Path, manifest_path: Path) -> dict[str, float]:
    """The committed fp32 ONNX files on the golden inputs vs the goldens (a guard that goldens and model agree)."""
    index = json.loads((folder / "goldens.json").read_text())
    manifest = json.loads(manifest_path.read_text())
    entry = next(m for m in manifest["models"] if m["id"] == index["model"]["id"])
    fp32 = entry["variants"]["fp32"]
    base = manifest_path.parent
    for part in ("encoder", "decoder"):
        if sha256_file(base / fp32[part]["path"]) != index["model"][f"{part}Sha256"]:
            raise ValueError(f"{fp32[part]['path']} is not the model the goldens were made for")
    image = test_image.to_model_input(read_gz(folder, index["image"])).numpy()
    emb = parity.session(base / fp32["encoder"]["path"]).run(None, {"image": image})[0]
    dec = parity.session(base / fp32["decoder"]["path"])
    worst = {"embedding": float(np.abs(emb - read_gz(folder, index["embedding"])).max()), "logits": 0.0}
    for case in index["cases"]:
        logits = dec.run(None, {"image_embeddings": emb, "boxes": np.array(case["boxes"], np.float32)})[0]
        worst["logits"] = max(worst["logits"], float(np.abs(logits - read_gz(folder, case["lowResLogits"])).max()))
    return worst
