"""npm run model:convert -- --checkpoint medsam_vit_b.pth [--arch medsam-vit-b] --out models/medsam-vit-b

A site's own checkpoint -> fp32 ONNX and a manifest entry, without torch (about 35 MB of Python packages instead of
the model tooling's torch): the committed weight-free template of the architecture is filled with the checkpoint's
arrays. The graphs are the exporter's own (models/tests/test_convert.py proves the filled LiteMedSAM equal to the torch
export; the same template code makes medsam-vit-b). For fp16/int8 variants and PyTorch parity figures use
`npm run model:export`, which needs torch.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from medsam_export import manifest as mf

from .fill import fill, load_checkpoint, read_template
from .state_dict import CheckpointError

NAMES = {"medsam-vit-b": "MedSAM ViT-B", "litemedsam": "LiteMedSAM"}


def _resolve(path: Path | None) -> Path | None:
    """npm runs scripts from the repository root; a relative path means relative to where npm was invoked."""
    if path is None:
        return None
    return (Path(os.environ.get("INIT_CWD") or os.getcwd()) / path.expanduser()).resolve()


def convert(checkpoint: Path, arch: str, out: Path, manifest: Path, model_id: str, name: str, licence: str) -> dict:
    t0 = time.perf_counter()
    mf.read_manifest(manifest)  # a manifest that cannot be updated fails now
    template, info = read_template(arch)
    state_dict, sha, note = load_checkpoint(checkpoint, info)
    if note:
        print(f"checkpoint: {note}")
    files = fill(template, info, state_dict, out)
    manifest_dir = manifest.resolve().parent
    entry = mf.make_entry(
        model_id=model_id,
        display_name=name,
        test_model=False,
        profile=info["profile"],
        input_size=info["inputSize"],
        embedding_shape=info["embeddingShape"],
        variants={"fp32": {p: mf.model_file(f, manifest_dir) for p, f in files.items()}},
        weights_source=checkpoint.name,
        weights_sha256=sha,
        licence=licence,
    )
    problems = mf.validate({"manifestVersion": 1, "models": [entry]}, manifest_dir)
    if problems:
        raise AssertionError(f"the conversion made an entry that breaks the manifest contract: {problems}")
    mf.upsert(manifest, entry)
    sizes = ", ".join(f"{p} {f.stat().st_size / 1e6:.1f} MB" for p, f in files.items())
    print(f"{model_id}: {sizes}; checkpoint sha256 {sha}; manifest {manifest} updated "
          f"({time.perf_counter() - t0:.1f} s, no torch)")
    return entry


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="model:convert", description=__doc__.split("\n\n")[1].replace("\n", " "))
    p.add_argument("--checkpoint", type=Path, required=True, help="SAM-format checkpoint, e.g. medsam_vit_b.pth")
    p.add_argument("--arch", choices=sorted(NAMES), default="medsam-vit-b")
    p.add_argument("--out", type=Path, required=True, help="folder for encoder.fp32.onnx and decoder.fp32.onnx")
    p.add_argument("--manifest", type=Path, default=None, help="manifest to update (default: <out>/../manifest.json)")
    p.add_argument("--id", dest="model_id", default=None, help="manifest id (default: the --out folder's name)")
    p.add_argument("--name", default=None, help="display name (default: MedSAM ViT-B or LiteMedSAM)")
    p.add_argument("--licence", default="Apache-2.0 (MedSAM weights, as stated in github.com/bowang-lab/MedSAM; "
                   "check the terms of the checkpoint you converted)")
    args = p.parse_args(argv)
    out = _resolve(args.out)
    manifest = _resolve(args.manifest) or out.parent / "manifest.json"
    try:
        convert(_resolve(args.checkpoint), args.arch, out, manifest, args.model_id or out.name,
                args.name or NAMES[args.arch], args.licence)
    except (CheckpointError, mf.ManifestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
