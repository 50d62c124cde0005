"""The test models' answers, through ONNX Runtime, checked against their documented rules and against MedSAM's
post-processing (sigmoid, bilinear to H x W with align_corners=False, > 0.5)."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from medsam_export import parity
from medsam_export.cli import main


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    for kind in ("box-oracle", "bright-in-box"):
        assert main(["--synthetic", kind, "--out", str(root / kind)]) == 0
    entries = {m["id"]: m for m in json.loads((root / "manifest.json").read_text())["models"]}
    return root, entries


def run(root, kind, image: np.ndarray, boxes) -> tuple[np.ndarray, np.ndarray]:
    out = parity.run_onnx(
        root / kind / "encoder.fp32.onnx", root / kind / "decoder.fp32.onnx", image, np.asarray(boxes, np.float32)
    )
    return out.embedding, out.logits


def medsam_postprocess(logits: np.ndarray, height: int, width: int) -> np.ndarray:
    prob = torch.sigmoid(torch.from_numpy(logits))
    return (F.interpolate(prob, size=(height, width), mode="bilinear", align_corners=False) > 0.5).numpy()


def test_manifest_entries(models):
    _, entries = models
    for kind in ("box-oracle", "bright-in-box"):
        e = entries[kind]
        assert e["testModel"] is True
        assert e["profile"] == "medsam-1024-stretch" and e["inputSize"] == 1024
        assert e["encoder"]["outputs"]["embedding"]["shape"] == [1, 256, 64, 64]
        assert e["decoder"]["outputs"]["lowResLogits"]["shape"] == ["boxes", 1, 256, 256]
        assert e["weights"] == {"source": f"synthetic {kind} (no learned weights)", "sha256": None}


def test_box_oracle_low_res_rule(models):
    root, _ = models
    image = np.zeros((1, 3, 1024, 1024), np.float32)
    _, logits = run(root, "box-oracle", image, [[6, 2, 14, 30], [1000, 900, 1023.9, 1020]])
    assert set(np.unique(logits)) == {-10.0, 10.0}
    inside = logits[0, 0] > 0
    rows, cols = np.nonzero(inside)
    # cell (i, j) is inside when its centre (4j + 2, 4i + 2) lies in the closed box
    assert sorted(set(cols)) == [1, 2, 3] and sorted(set(rows)) == list(range(8))
    assert inside.sum() == 3 * 8
    rows, cols = np.nonzero(logits[1, 0] > 0)
    assert sorted(set(cols)) == list(range(250, 256)) and sorted(set(rows)) == list(range(225, 255))


@pytest.mark.parametrize("height,width,box", [(384, 512, (100, 50, 300, 200)), (512, 256, (17, 301, 140, 480))])
def test_box_oracle_mask_is_the_box_after_medsam_postprocessing(models, height, width, box):
    """Non-square images and off-centre boxes: any flip, transpose or scale error moves an edge by far more than 1 px.

    Box coordinates are continuous (pixel k spans [k, k+1)); the mask's edges are pixel edges, within 2 model-input
    pixels (2 * side / 1024 image pixels) of the box edge plus half a pixel of rounding to the pixel grid."""
    root, _ = models
    x0, y0, x1, y1 = box
    model_box = [x0 / width * 1024, y0 / height * 1024, x1 / width * 1024, y1 / height * 1024]
    _, logits = run(root, "box-oracle", np.zeros((1, 3, 1024, 1024), np.float32), [model_box])
    mask = medsam_postprocess(logits, height, width)[0, 0]
    rows, cols = np.nonzero(mask)
    assert mask.sum() == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1), "a solid rectangle"
    tol_x, tol_y = 2 * width / 1024 + 0.5, 2 * height / 1024 + 0.5
    assert abs(cols.min() - x0) <= tol_x and abs(cols.max() + 1 - x1) <= tol_x
    assert abs(rows.min() - y0) <= tol_y and abs(rows.max() + 1 - y1) <= tol_y


def test_bright_in_box(models):
    root, _ = models
    grey = np.zeros((1024, 1024), np.float32)
    grey[200:400, 300:700] = 0.9  # a bright bar, partly outside the box below
    grey[600:650, 100:150] = 0.8  # bright, but outside the box
    grey[250:260, 350:360] = 0.4  # inside the box but not bright
    image = np.repeat(grey[None, None], 3, axis=1)
    box = [250.0, 180.0, 500.0, 420.0]
    emb, logits = run(root, "bright-in-box", image, [box])

    pooled = grey.reshape(256, 4, 256, 4).mean(axis=(1, 3))
    # embedding channel c at (r, q) holds pooled (4r + c // 4, 4q + c % 4); channels 16.. are zero
    for c in (0, 5, 15):
        np.testing.assert_allclose(emb[0, c], pooled[c // 4 :: 4, c % 4 :: 4], atol=1e-6)
    assert not emb[0, 16:].any()

    centres = np.arange(256) * 4 + 2
    inside = ((centres[:, None] >= box[1]) & (centres[:, None] <= box[3])) & (
        (centres[None, :] >= box[0]) & (centres[None, :] <= box[2])
    )
    expected = np.where(inside & (pooled > 0.5), 10.0, -10.0)
    np.testing.assert_array_equal(logits[0, 0], expected)
    assert logits[0, 0, 75, 100] > 0  # bright, inside
    assert logits[0, 0, 156, 31] < 0  # bright, outside the box
    assert logits[0, 0, 63, 88] < 0  # inside, not bright
    assert logits[0, 0, 75, 130] < 0  # bright bar beyond the box's right edge
