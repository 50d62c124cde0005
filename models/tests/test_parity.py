"""ONNX Runtime vs PyTorch on the same inputs, for the tiny random model and, with MEDSAM_FULL_PARITY=1, the
full-size MedSAM ViT-B and LiteMedSAM random models.

The export measures every variant on the deterministic test image with three boxes decoded in one batch, against
PyTorch one box at a time; this test prints those figures, asserts fp32, and adds an independent check on a seeded
noise image with a single box (B = 1) and with the IoU predictions.
"""

import json
import os

import numpy as np
import pytest
import torch

from medsam_export import lite, parity, sam_models
from medsam_export.cli import main

FULL = os.environ.get("MEDSAM_FULL_PARITY") == "1"
_full_only = pytest.mark.skipif(not FULL, reason="full-size parity runs with MEDSAM_FULL_PARITY=1")
SIZES = [
    pytest.param("tiny", id="tiny"),
    pytest.param("full", id="full", marks=_full_only),
    pytest.param("lite", id="lite", marks=_full_only),
]
FLAGS = {"tiny": ["--tiny"], "full": [], "lite": ["--lite"]}


def build_reference_model(size: str):
    if size == "lite":
        return lite.build_random_lite_sam(0)
    return sam_models.build_random_sam(tiny=size == "tiny", seed=0)


@pytest.fixture(scope="module", params=SIZES)
def exported(request, tmp_path_factory):
    size = request.param
    out = tmp_path_factory.mktemp(size) / f"{size}-random"
    assert main(["--random-weights", "--seed", "0", "--out", str(out), *FLAGS[size]]) == 0
    entry = json.loads((out.parent / "manifest.json").read_text())["models"][0]
    return size, out, entry


def test_parity_figures(exported):
    size, _, entry = exported
    print(f"\n{size} random weights, ONNX Runtime vs PyTorch fp32 (3 boxes in one batch):")
    for precision, variant in entry["variants"].items():
        p = variant["parity"]
        print(
            f"  {size} {precision}: max|d embedding| {p['maxAbsDiffEmbedding']:.3g}, "
            f"max|d logits| {p['maxAbsDiffLogits']:.3g}, mask IoU {p['maskIoU']:.6f}"
        )
    fp32 = entry["variants"]["fp32"]["parity"]
    assert fp32["maxAbsDiffLogits"] <= 1e-3
    assert fp32["maskIoU"] >= 0.999
    assert set(entry["variants"]) == {"fp32", "fp16", "int8"}


def test_single_box_on_noise_image_with_iou(exported):
    size, out, entry = exported
    sam = build_reference_model(size)
    side = entry["inputSize"]
    gen = torch.Generator().manual_seed(123)
    image = torch.rand((1, 3, side, side), generator=gen)
    box = torch.tensor([[211.0, 97.5, 640.25, 333.0]]) * (side / 1024)
    emb, logits, iou = parity.sam_reference(sam)(image, box)
    got = parity.run_onnx(out / "encoder.fp32.onnx", out / "decoder.fp32.onnx", image.numpy(), box.numpy())
    assert got.logits.shape == (1, 1, 256, 256) and got.iou.shape == (1, 1)
    assert list(got.embedding.shape) == entry["encoder"]["outputs"]["embedding"]["shape"]
    d_logits = float(np.abs(got.logits - logits).max())
    d_iou = float(np.abs(got.iou - iou).max())
    m_iou = parity.mask_iou(got.logits > 0, logits > 0)
    print(f"\n{size} fp32, noise image, B=1: max|d logits| {d_logits:.3g}, max|d iou| {d_iou:.3g}, mask IoU {m_iou:.6f}")
    assert d_logits <= 1e-3
    assert d_iou <= 1e-3
    assert m_iou >= 0.999


def test_decoder_batch_equals_single_boxes(exported):
    """Several boxes on one embedding give, box by box, what each gives alone."""
    _, out, entry = exported
    side = entry["inputSize"]
    dec = parity.session(out / "decoder.fp32.onnx")
    emb = parity.session(out / "encoder.fp32.onnx").run(None, {"image": np.full((1, 3, side, side), 0.3, np.float32)})[0]
    boxes = np.array([[10, 20, 300, 400], [500, 100, 1000, 300], [0, 0, 1023, 1023], [700, 700, 720, 760]], np.float32)
    boxes *= side / 1024
    batch_logits, batch_iou = dec.run(None, {"image_embeddings": emb, "boxes": boxes})
    for i in range(len(boxes)):
        one_logits, one_iou = dec.run(None, {"image_embeddings": emb, "boxes": boxes[i : i + 1]})
        np.testing.assert_allclose(batch_logits[i : i + 1], one_logits, atol=1e-5)
        np.testing.assert_allclose(batch_iou[i : i + 1], one_iou, atol=1e-5)
