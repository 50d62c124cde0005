"""Loads a SAM-format checkpoint (image_encoder.*, prompt_encoder.*, mask_decoder.*) and says in one line what is
wrong when it is not one."""

from __future__ import annotations

from pathlib import Path

import torch
from medsam_convert.state_dict import (  # noqa: F401  (re-exported for the exporter and the tests)
    CheckpointError,
    check_matches,
    find_state_dict,
    sha256_file,
)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # torch's weights_only refusal puts the cause on a line of its own.
    for line in lines:
        if "Unsupported global" in line or "Unsupported operand" in line:
            return line[:300]
    first = lines[0] if lines else type(exc).__name__
    return first.split(". ")[0][:300]  # torch appends generic advice after the first sentence


def read_checkpoint(path: Path) -> object:
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {path}")
    if path.is_dir():
        raise CheckpointError(f"checkpoint {path} is a directory, expected a .pth file")
    size = path.stat().st_size
    try:
        # weights_only: a checkpoint is data, never code to run.
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises RuntimeError, EOFError, UnpicklingError, ... for unreadable files
        reason = _first_line(exc)
        if "Weights only load failed" in str(exc):
            raise CheckpointError(
                f"checkpoint {path} holds Python objects besides tensors, which are not loaded ({reason}); "
                "save just the model's state_dict"
            ) from None
        raise CheckpointError(
            f"checkpoint {path} ({size} bytes) could not be read by torch.load, the file is truncated or corrupt: "
            f"{type(exc).__name__}: {reason}"
        ) from None


def load_sam_checkpoint(path: Path, model: torch.nn.Module, arch: str) -> tuple[str, str]:
    """Loads path into model (strict). Returns (sha256 of the file, note on unwrapping)."""
    state_dict, note = find_state_dict(read_checkpoint(path), path, lambda v: isinstance(v, torch.Tensor))
    check_matches(state_dict, model.state_dict(), path, arch)
    model.load_state_dict(state_dict, strict=True)
    model.eval()
    return sha256_file(path), note
