"""The committed goldens are what PyTorch computes now (so they can be regenerated, and they are not ONNX Runtime's
output), and the committed fp32 ONNX files reproduce them."""

import json
from pathlib import Path

import numpy as np

from medsam_export import goldens, test_image

MODELS = Path(__file__).resolve().parents[1]
FOLDER = MODELS / "test" / "goldens"


def index():
    return json.loads((FOLDER / "goldens.json").read_text())


def test_image_and_cases():
    idx = index()
    grey = goldens.read_gz(FOLDER, idx["image"])
    assert grey.dtype == np.uint8 and grey.shape == (1024, 1024)
    assert (grey.min(), grey.max()) == (15, 230)
    np.testing.assert_array_equal(grey, test_image.grey_image())
    assert [c["name"] for c in idx["cases"]] == [name for name, _ in test_image.GOLDEN_CASES]
    assert [len(c["boxes"]) for c in idx["cases"]] == [1, 2]
    for case in idx["cases"]:
        logits = goldens.read_gz(FOLDER, case["lowResLogits"])
        masks = goldens.read_gz(FOLDER, case["masks"])
        assert logits.shape == (len(case["boxes"]), 1, 256, 256)
        np.testing.assert_array_equal(masks, (logits > 0).astype(np.uint8))
        assert np.array(case["iouPredictions"]).shape == (len(case["boxes"]), 1)


def test_goldens_are_pytorch_outputs():
    """Regenerating gives the same numbers (1e-5 allows for other CPUs' float32 kernels)."""
    idx = index()
    fresh = goldens.compute(idx["model"]["seed"])
    np.testing.assert_allclose(goldens.read_gz(FOLDER, idx["embedding"]), fresh["embedding"], atol=1e-5, rtol=0)
    for stored, now in zip(idx["cases"], fresh["cases"]):
        assert stored["boxes"] == now["boxes"]
        np.testing.assert_allclose(goldens.read_gz(FOLDER, stored["lowResLogits"]), now["logits"], atol=1e-5, rtol=0)
        np.testing.assert_allclose(np.array(stored["iouPredictions"]), now["iou"], atol=1e-5, rtol=0)


def test_committed_onnx_reproduces_goldens():
    worst = goldens.check_against_onnx(FOLDER, MODELS / "manifest.json")
    print(f"\ncommitted tiny fp32 ONNX vs goldens: max|d embedding| {worst['embedding']:.3g}, max|d logits| {worst['logits']:.3g}")
    assert worst["logits"] <= 1e-3 and worst["embedding"] <= 1e-3
