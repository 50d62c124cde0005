"""Finds the SAM state_dict in a loaded checkpoint and checks it against a model's keys and shapes, with one-line
errors. Torch-free: used by the torch exporter (medsam_export) and by the numpy-only converter alike."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

SAM_PREFIXES = ("image_encoder.", "prompt_encoder.", "mask_decoder.")
# Training scripts (MedSAM's train_one_gpu.py among them) save {"model": state_dict, "optimizer": ..., "epoch": ...}.
WRAPPER_KEYS = ("model", "state_dict", "model_state_dict")
_ENCODER_WIDTH = {768: "ViT-B", 1024: "ViT-L", 1280: "ViT-H"}


class CheckpointError(Exception):
    """A checkpoint that cannot be exported; str() is the one line shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _prefix_summary(keys: list[str]) -> str:
    counts = Counter(k.split(".", 1)[0] + ("." if "." in k else "") for k in keys)
    shown = [f"{p} ({n})" for p, n in counts.most_common(8)]
    more = f" and {len(counts) - 8} more" if len(counts) > 8 else ""
    return ", ".join(shown) + more if shown else "none (empty dict)"


def _has_sam_keys(d: Mapping) -> bool:
    keys = [k for k in d if isinstance(k, str)]
    return all(any(k.startswith(p) for k in keys) for p in SAM_PREFIXES)


def _strip_module(d: Mapping) -> Mapping:
    """nn.DataParallel saves every key as module.<key>."""
    keys = [k for k in d if isinstance(k, str)]
    if keys and all(k.startswith("module.") for k in keys):
        return {k[len("module.") :]: v for k, v in d.items()}
    return d


def find_state_dict(obj: object, path: Path, is_tensor: Callable[[object], bool]) -> tuple[dict, str]:
    """The SAM state_dict inside obj, and how it was found ("" or e.g. 'unwrapped ["model"]')."""
    if not isinstance(obj, Mapping):
        raise CheckpointError(
            f"checkpoint {path} holds a {type(obj).__name__}, not a SAM state_dict "
            f"(expected a dict with keys {', '.join(p + '*' for p in SAM_PREFIXES)})"
        )
    trail: list[str] = []
    current: Mapping = _strip_module(obj)
    while not _has_sam_keys(current):
        inner = next((k for k in WRAPPER_KEYS if isinstance(current.get(k), Mapping)), None)
        if inner is None:
            break
        trail.append(inner)
        current = _strip_module(current[inner])
    keys = [k for k in current if isinstance(k, str)]
    where = "".join(f'["{t}"]' for t in trail)
    if not _has_sam_keys(current):
        hint = ""
        if any(k.startswith("vision_encoder.") for k in keys):
            hint = (
                "; this is the Hugging Face transformers SamModel layout, not the original SAM/MedSAM one: "
                "export from the MedSAM authors' medsam_vit_b.pth"
            )
        raise CheckpointError(
            f"checkpoint {path}{where} is not a SAM-format state_dict: found key prefixes {_prefix_summary(keys)}; "
            f"expected {', '.join(SAM_PREFIXES)}{hint}"
        )
    not_tensors = [k for k, v in current.items() if not is_tensor(v)]
    if not_tensors:
        raise CheckpointError(
            f"checkpoint {path}{where} has {len(not_tensors)} entries that are not tensors (e.g. {not_tensors[0]!r})"
        )
    note = f"unwrapped {where}" if trail else ""
    return dict(current), note


def _shape(value: object) -> tuple[int, ...]:
    """A tensor's or array's shape, or a shape given as a list (templates record shapes, not tensors)."""
    return tuple(int(d) for d in (value.shape if hasattr(value, "shape") else value))


def check_matches(state_dict: Mapping, expected: Mapping, path: Path, arch: str) -> None:
    """expected: {key: anything with .shape} of the model to fill; raises naming missing, unexpected and misshapen keys."""
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    mismatched = [k for k in expected if k in state_dict and _shape(state_dict[k]) != _shape(expected[k])]
    if not (missing or unexpected or mismatched):
        return
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing keys (e.g. {missing[0]})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected keys (e.g. {unexpected[0]})")
    if mismatched:
        k = mismatched[0]
        parts.append(
            f"{len(mismatched)} shape mismatches (e.g. {k}: checkpoint {list(state_dict[k].shape)} "
            f"vs model {list(_shape(expected[k]))})"
        )
    hint = ""
    pos = state_dict.get("image_encoder.pos_embed")
    if pos is not None and pos.ndim == 4 and int(pos.shape[-1]) in _ENCODER_WIDTH:
        found = _ENCODER_WIDTH[int(pos.shape[-1])]
        if found not in arch:
            hint = f"; the image encoder looks like SAM {found}"
    elif any(k.startswith("image_encoder.layers.") for k in state_dict):
        hint = "; the image encoder looks like TinyViT (LiteMedSAM)"
    raise CheckpointError(f"checkpoint {path} does not match {arch}: {'; '.join(parts)}{hint}")
