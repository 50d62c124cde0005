"""A checkpoint that is not a SAM-format state_dict fails with one line that names what was found (exit 1, no
traceback); a training wrapper around a valid one is unwrapped."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from medsam_export import sam_models
from medsam_export.cli import main

MODELS = Path(__file__).resolve().parents[1]


def export_error(capsys, checkpoint: Path, tmp_path: Path, *extra: str) -> str:
    code = main(["--checkpoint", str(checkpoint), "--tiny", "--out", str(tmp_path / "out"), *extra])
    err = capsys.readouterr().err
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists(), "nothing is exported from a bad checkpoint"
    return lines[0]


def test_missing_file(capsys, tmp_path):
    line = export_error(capsys, tmp_path / "medsam_vit_b.pth", tmp_path)
    assert line == f"error: checkpoint not found: {tmp_path / 'medsam_vit_b.pth'}"


def test_truncated_file(capsys, tmp_path):
    good = tmp_path / "good.pth"
    torch.save(sam_models.build_random_sam(tiny=True, seed=1).state_dict(), good)
    bad = tmp_path / "truncated.pth"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    line = export_error(capsys, bad, tmp_path)
    assert line.startswith(f"error: checkpoint {bad} ({bad.stat().st_size} bytes) could not be read by torch.load")
    assert "truncated or corrupt" in line


def test_not_a_checkpoint_at_all(capsys, tmp_path):
    bad = tmp_path / "notes.pth"
    bad.write_text("this is not a checkpoint\n")
    line = export_error(capsys, bad, tmp_path)
    assert "could not be read by torch.load" in line


def test_hugging_face_layout(capsys, tmp_path):
    hf = tmp_path / "pytorch_model.pth"
    torch.save(
        {
            "vision_encoder.patch_embed.projection.weight": torch.zeros(2),
            "vision_encoder.layers.0.attn.qkv.weight": torch.zeros(2),
            "prompt_encoder.shared_embedding.positional_embedding": torch.zeros(2),
            "mask_decoder.iou_token.weight": torch.zeros(2),
            "shared_image_embedding.positional_embedding": torch.zeros(2),
        },
        hf,
    )
    line = export_error(capsys, hf, tmp_path)
    assert line.startswith(f"error: checkpoint {hf} is not a SAM-format state_dict: found key prefixes ")
    assert "vision_encoder. (2)" in line and "shared_image_embedding. (1)" in line
    assert "expected image_encoder., prompt_encoder., mask_decoder." in line
    assert "Hugging Face transformers" in line


def test_wrapper_without_a_sam_state_dict(capsys, tmp_path):
    wrapped = tmp_path / "wrapped.pth"
    torch.save({"model": {"backbone.conv1.weight": torch.zeros(1)}, "epoch": 3}, wrapped)
    line = export_error(capsys, wrapped, tmp_path)
    assert f'checkpoint {wrapped}["model"] is not a SAM-format state_dict' in line
    assert "found key prefixes backbone. (1)" in line


def test_not_a_dict(capsys, tmp_path):
    bad = tmp_path / "tensor.pth"
    torch.save(torch.zeros(3), bad)
    line = export_error(capsys, bad, tmp_path)
    assert line.startswith(f"error: checkpoint {bad} holds a Tensor, not a SAM state_dict")


def test_wrong_architecture_names_the_mismatch(capsys, tmp_path):
    """A SAM-format checkpoint of another size (here full ViT-B keys given to the tiny config)."""
    sd = sam_models.build_random_sam(tiny=True, seed=1).state_dict()
    sd["image_encoder.pos_embed"] = torch.zeros(1, 64, 64, 1280)  # as in SAM ViT-H
    sd.pop("mask_decoder.iou_token.weight")
    ckpt = tmp_path / "vit_h_like.pth"
    torch.save(sd, ckpt)
    line = export_error(capsys, ckpt, tmp_path)
    assert f"error: checkpoint {ckpt} does not match tiny SAM: 1 missing keys (e.g. mask_decoder.iou_token.weight)" in line
    assert "1 shape mismatches (e.g. image_encoder.pos_embed: checkpoint [1, 64, 64, 1280] vs model [1, 64, 64, 16])" in line
    assert "looks like SAM ViT-H" in line


def test_training_wrapper_is_unwrapped(capsys, tmp_path):
    """{"model": state_dict, "optimizer": ..., "epoch": ...} as MedSAM's training script saves it."""
    sd = sam_models.build_random_sam(tiny=True, seed=3).state_dict()
    ckpt = tmp_path / "medsam_model_best.pth"
    torch.save({"model": sd, "optimizer": {"state": {}}, "epoch": 7}, ckpt)
    out = tmp_path / "m"
    assert main(["--checkpoint", str(ckpt), "--tiny", "--variants", "fp32", "--out", str(out)]) == 0
    assert 'unwrapped ["model"]' in capsys.readouterr().out
    entry = json.loads((tmp_path / "manifest.json").read_text())["models"][0]
    assert entry["weights"]["source"] == "medsam_model_best.pth"
    assert len(entry["weights"]["sha256"]) == 64
    assert entry["variants"]["fp32"]["parity"]["maxAbsDiffLogits"] <= 1e-3


def test_cli_prints_one_line_and_exits_non_zero(tmp_path):
    """The real command line (as npm runs it): one line on stderr, exit 1, no traceback."""
    missing = tmp_path / "nowhere.pth"
    proc = subprocess.run(
        [sys.executable, str(MODELS / "export.py"), "--checkpoint", str(missing), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: checkpoint not found: {missing}"]
