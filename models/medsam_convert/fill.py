"""Checkpoint -> ONNX without torch: the checkpoint's arrays go into a weight-free template's graphs by name.

The template (models/templates/<arch>/, written once by medsam_export/template.py and committed) is the exporter's own
graph with every state_dict tensor taken out; template.json lists them. Filling writes the same graph the exporter
would write with constant folding off (onnxruntime folds those constants when it opens the session); the parity with
the torch export is tested in models/tests/test_convert.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from .state_dict import CheckpointError, check_matches, find_state_dict, sha256_file
from .torch_zip import read_state_dict

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PARTS = ("encoder", "decoder")


def read_template(arch: str, templates: Path = TEMPLATES) -> tuple[Path, dict]:
    folder = templates / arch
    try:
        info = json.loads((folder / "template.json").read_text())
    except OSError as exc:
        raise CheckpointError(f"no weight-free template for {arch!r} in {folder}: {exc.strerror}") from None
    if info.get("templateFormat") != 1 or info.get("architecture") != arch:
        raise CheckpointError(f"template {folder} is not a format-1 template of {arch!r}")
    return folder, info


def load_checkpoint(path: Path, info: dict) -> tuple[dict[str, np.ndarray], str, str]:
    """The SAM state_dict of a checkpoint, checked against the template's keys and shapes; (state_dict, sha256, note)."""
    state_dict, note = find_state_dict(read_state_dict(path), path, lambda v: isinstance(v, np.ndarray))
    check_matches(state_dict, info["stateDict"], path, info["description"])
    return state_dict, sha256_file(path), note


def fill(template: Path, info: dict, state_dict: dict[str, np.ndarray], out: Path) -> dict[str, Path]:
    """Writes <out>/encoder.fp32.onnx and decoder.fp32.onnx (each through a temporary file, so an interrupted run
    never leaves a half-written model under the final name)."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for part in PARTS:
        model = onnx.load(str(template / f"{part}.onnx"))
        for spec in info["weights"][part]:
            array = np.ascontiguousarray(state_dict[spec["name"]], dtype=np.dtype(spec["dtype"]))
            if list(array.shape) != spec["shape"]:
                raise CheckpointError(f"{spec['name']}: checkpoint shape {list(array.shape)}, graph wants {spec['shape']}")
            model.graph.initializer.append(numpy_helper.from_array(array, spec["name"]))
        onnx.checker.check_model(model)
        path = out / f"{part}.fp32.onnx"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(model.SerializeToString())
        tmp.replace(path)
        written[part] = path
    return written
