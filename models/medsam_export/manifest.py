"""Manifest entries (extension-medsam/src/engine/manifest.ts is the contract) and the upsert into manifest.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

from medsam_convert.state_dict import sha256_file

PRECISIONS = ("fp32", "fp16", "int8")
PROFILES = ("medsam-1024-stretch", "litemedsam-256-longest-pad")
LOW_RES = 256
BOXES_DIM = "boxes"  # the dynamic dimension: how many boxes are decoded on one embedding


def tensor(name: str, shape: list[int | str]) -> dict:
    return {"name": name, "shape": shape, "dtype": "float32"}


def io_specs(input_size: int, embedding_shape: list[int]) -> tuple[dict, dict]:
    encoder = {
        "inputs": {"image": tensor("image", [1, 3, input_size, input_size])},
        "outputs": {"embedding": tensor("image_embeddings", embedding_shape)},
    }
    decoder = {
        "inputs": {
            "embedding": tensor("image_embeddings", embedding_shape),
            "boxes": tensor("boxes", [BOXES_DIM, 4]),
        },
        "outputs": {
            "lowResLogits": tensor("low_res_logits", [BOXES_DIM, 1, LOW_RES, LOW_RES]),
            "iou": tensor("iou_predictions", [BOXES_DIM, 1]),
        },
    }
    return encoder, decoder


def onnx_shapes(input_size: int, embedding_shape: list[int]) -> tuple[dict, dict]:
    """{tensor name: shape} for each graph, taken from the same specs the manifest records."""
    encoder, decoder = io_specs(input_size, embedding_shape)
    enc = {s["name"]: s["shape"] for part in encoder.values() for s in part.values()}
    dec = {s["name"]: s["shape"] for part in decoder.values() for s in part.values()}
    return enc, dec


def model_file(path: Path, manifest_dir: Path) -> dict:
    rel = Path(os.path.relpath(path.resolve(), manifest_dir.resolve())).as_posix()
    return {"path": rel, "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def make_entry(
    *,
    model_id: str,
    display_name: str,
    test_model: bool,
    profile: str,
    input_size: int,
    embedding_shape: list[int],
    variants: dict[str, dict],
    weights_source: str,
    weights_sha256: str | None,
    licence: str,
) -> dict:
    assert profile in PROFILES, profile
    encoder, decoder = io_specs(input_size, embedding_shape)
    return {
        "id": model_id,
        "displayName": display_name,
        "testModel": test_model,
        "profile": profile,
        "inputSize": input_size,
        "encoder": encoder,
        "decoder": decoder,
        "variants": {p: variants[p] for p in PRECISIONS if p in variants},
        "weights": {"source": weights_source, "sha256": weights_sha256},
        "licence": licence,
    }


class ManifestError(Exception):
    """An existing manifest that cannot be updated; str() is the one line shown to the user."""


def read_manifest(path: Path) -> dict:
    if not path.exists():
        return {"manifestVersion": 1, "models": []}
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"manifest {path} cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("manifestVersion") != 1 or not isinstance(data.get("models"), list):
        raise ManifestError(f"manifest {path} is not a version-1 manifest ({{manifestVersion: 1, models: [...]}})")
    return data


def upsert(path: Path, entry: dict) -> None:
    """Replaces the entry with the same id in place, or appends it."""
    data = read_manifest(path)
    models = data["models"]
    for i, existing in enumerate(models):
        if existing.get("id") == entry["id"]:
            models[i] = entry
            break
    else:
        models.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


# --- validation against extension-medsam/src/engine/manifest.ts -------------------------------------------------

_ENTRY_KEYS = {"id", "displayName", "testModel", "profile", "inputSize", "encoder", "decoder", "variants", "weights",
               "licence"}
# provenance: where published weights came from (package, version, file, sha256, licence; homepage, converter);
# variantNotes: {precision: why it is not offered}, for precisions measured and left out.
_OPTIONAL_KEYS = {"provenance", "variantNotes"}
_PROVENANCE_KEYS = {"package", "version", "file", "sha256", "licence"}


def _check_tensor(spec: object, where: str, errors: list[str]) -> None:
    if not isinstance(spec, dict) or set(spec) != {"name", "shape", "dtype"}:
        errors.append(f"{where}: expected {{name, shape, dtype}}, got {spec!r}")
        return
    if not isinstance(spec["name"], str) or not spec["name"]:
        errors.append(f"{where}.name: expected a non-empty string")
    if not isinstance(spec["shape"], list) or not all(
        (isinstance(d, int) and not isinstance(d, bool) and d > 0) or (isinstance(d, str) and d) for d in spec["shape"]
    ):
        errors.append(f"{where}.shape: expected positive ints or dimension names, got {spec['shape']!r}")
    if spec["dtype"] not in ("float32", "float16"):
        errors.append(f"{where}.dtype: {spec['dtype']!r} is not float32/float16")


def _check_file(f: object, where: str, base: Path | None, errors: list[str]) -> None:
    if not isinstance(f, dict) or set(f) != {"path", "bytes", "sha256"}:
        errors.append(f"{where}: expected {{path, bytes, sha256}}, got {f!r}")
        return
    if not isinstance(f["path"], str) or f["path"].startswith("/") or "\\" in f["path"]:
        errors.append(f"{where}.path: expected a relative POSIX path, got {f['path']!r}")
        return
    if not isinstance(f["sha256"], str) or len(f["sha256"]) != 64:
        errors.append(f"{where}.sha256: expected 64 hex digits")
    if base is not None:
        path = base / f["path"]
        if not path.is_file():
            errors.append(f"{where}: {f['path']} does not exist")
        elif path.stat().st_size != f["bytes"]:
            errors.append(f"{where}: {f['path']} has {path.stat().st_size} bytes, manifest says {f['bytes']}")
        elif sha256_file(path) != f["sha256"]:
            errors.append(f"{where}: {f['path']} sha256 differs from the manifest")


def validate(data: object, base: Path | None = None) -> list[str]:
    """Problems with a manifest, as messages; [] when it satisfies the TypeScript types (and, given base, when
    every file exists with the recorded size and sha256)."""
    errors: list[str] = []
    if not isinstance(data, dict) or set(data) != {"manifestVersion", "models"} or data.get("manifestVersion") != 1:
        return ["top level: expected {manifestVersion: 1, models: [...]}"]
    ids = [m.get("id") for m in data["models"] if isinstance(m, dict)]
    if len(ids) != len(set(ids)):
        errors.append("models: ids are not unique")
    for i, m in enumerate(data["models"]):
        where = f"models[{i}]"
        if not isinstance(m, dict) or not _ENTRY_KEYS <= set(m) <= _ENTRY_KEYS | _OPTIONAL_KEYS:
            errors.append(f"{where}: keys {sorted(m) if isinstance(m, dict) else m!r} != {sorted(_ENTRY_KEYS)}"
                          f" (optional: {sorted(_OPTIONAL_KEYS)})")
            continue
        where = f"models[{m['id']}]"
        for key in ("id", "displayName", "licence"):
            if not isinstance(m[key], str) or not m[key]:
                errors.append(f"{where}.{key}: expected a non-empty string")
        if not isinstance(m["testModel"], bool):
            errors.append(f"{where}.testModel: expected a boolean")
        if m["profile"] not in PROFILES:
            errors.append(f"{where}.profile: {m['profile']!r} is not one of {PROFILES}")
        if not isinstance(m["inputSize"], int) or m["inputSize"] <= 0:
            errors.append(f"{where}.inputSize: expected a positive integer")
        enc, dec = m["encoder"], m["decoder"]
        if not (isinstance(enc, dict) and set(enc) == {"inputs", "outputs"} and set(enc["inputs"]) == {"image"}
                and set(enc["outputs"]) == {"embedding"}):
            errors.append(f"{where}.encoder: expected inputs.image and outputs.embedding")
        else:
            _check_tensor(enc["inputs"]["image"], f"{where}.encoder.inputs.image", errors)
            _check_tensor(enc["outputs"]["embedding"], f"{where}.encoder.outputs.embedding", errors)
        if not (isinstance(dec, dict) and set(dec) == {"inputs", "outputs"}
                and set(dec["inputs"]) == {"embedding", "boxes"} and set(dec["outputs"]) == {"lowResLogits", "iou"}):
            errors.append(f"{where}.decoder: expected inputs.embedding/boxes and outputs.lowResLogits/iou")
        else:
            for part, names in (("inputs", ("embedding", "boxes")), ("outputs", ("lowResLogits", "iou"))):
                for n in names:
                    _check_tensor(dec[part][n], f"{where}.decoder.{part}.{n}", errors)
        variants = m["variants"]
        if not isinstance(variants, dict) or not variants or not set(variants) <= set(PRECISIONS):
            errors.append(f"{where}.variants: expected a non-empty subset of {PRECISIONS}")
        else:
            for p, v in variants.items():
                if not isinstance(v, dict) or not {"encoder", "decoder"} <= set(v) <= {"encoder", "decoder", "parity"}:
                    errors.append(f"{where}.variants.{p}: expected encoder, decoder and optional parity")
                    continue
                _check_file(v["encoder"], f"{where}.variants.{p}.encoder", base, errors)
                _check_file(v["decoder"], f"{where}.variants.{p}.decoder", base, errors)
                par = v.get("parity")
                if par is not None and (
                    not isinstance(par, dict)
                    or set(par) != {"maxAbsDiffEmbedding", "maxAbsDiffLogits", "maskIoU"}
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in par.values())
                ):
                    errors.append(f"{where}.variants.{p}.parity: expected three numbers")
        w = m["weights"]
        if not (isinstance(w, dict) and set(w) == {"source", "sha256"} and isinstance(w["source"], str)
                and (w["sha256"] is None or (isinstance(w["sha256"], str) and len(w["sha256"]) == 64))):
            errors.append(f"{where}.weights: expected {{source: string, sha256: 64 hex digits or null}}")
        prov = m.get("provenance")
        if prov is not None and not (isinstance(prov, dict) and _PROVENANCE_KEYS <= set(prov)
                                     and all(isinstance(v, str) and v for v in prov.values())):
            errors.append(f"{where}.provenance: expected strings {sorted(_PROVENANCE_KEYS)} (and optional others)")
        notes = m.get("variantNotes")
        if notes is not None and not (isinstance(notes, dict) and set(notes) <= set(PRECISIONS)
                                      and all(isinstance(v, str) and v for v in notes.values())):
            errors.append(f"{where}.variantNotes: expected {{precision: reason}}")
    return errors
