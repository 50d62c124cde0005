"""npm run model:export -- (--checkpoint PATH | --random-weights [--seed N] | --synthetic KIND) --out DIR [...]

Exports the encoder and decoder graphs (fp32, then fp16 and int8 from it), measures each variant against PyTorch
fp32 on the deterministic test image and boxes, and upserts the model's entry in the manifest.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from . import manifest as mf
from . import onnx_export, parity, test_image
from .checkpoint import CheckpointError

MB = 1024 * 1024


@dataclass
class Bundle:
    """What gets exported: two graphs, the PyTorch reference they must match, and the contract's numbers."""

    encoder: torch.nn.Module
    decoder: torch.nn.Module
    reference: parity.Reference
    input_size: int
    embedding_shape: list[int]
    profile: str
    default_name: str
    weights_source: str
    weights_sha256: str | None
    licence: str
    test_model: bool


MEDSAM_LICENCE = (
    "Apache-2.0 (MedSAM weights, as stated in the MedSAM repository github.com/bowang-lab/MedSAM; "
    "check the terms of the checkpoint you exported)"
)
RANDOM_LICENCE = "random weights, no licence restrictions"
SYNTHETIC_LICENCE = "synthetic test model without learned weights, no licence restrictions"


def _parse_variants(text: str) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in names if v not in mf.PRECISIONS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"unknown variant(s) {bad or text!r}; choose from {','.join(mf.PRECISIONS)}")
    if "fp32" not in names:
        names.insert(0, "fp32")  # the other variants are made from the fp32 graph
    return [p for p in mf.PRECISIONS if p in names]


def build_parser() -> argparse.ArgumentParser:
    from .synthetic import KINDS

    p = argparse.ArgumentParser(prog="model:export", description=" ".join(__doc__.split("\n\n")[1].split()))
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", type=Path, help="SAM-format MedSAM checkpoint, e.g. medsam_vit_b.pth")
    src.add_argument("--random-weights", action="store_true", help="same architecture, seeded random weights")
    src.add_argument("--synthetic", choices=KINDS, help="a test model whose answer is known exactly")
    p.add_argument("--seed", type=int, default=0, help="seed for --random-weights (default 0)")
    p.add_argument("--tiny", action="store_true", help="small configuration (same I/O contract) for fast tests")
    p.add_argument("--lite", action="store_true", help="LiteMedSAM (TinyViT encoder, 256 input)")
    p.add_argument("--out", type=Path, required=True, help="folder for the .onnx files")
    p.add_argument("--variants", type=_parse_variants, default=None,
                   help="comma-separated subset of fp32,fp16,int8 (default: all three; fp32 for --synthetic)")
    p.add_argument("--manifest", type=Path, default=None, help="manifest to update (default: <out>/../manifest.json)")
    p.add_argument("--id", dest="model_id", default=None, help="manifest id (default: the --out folder's name)")
    p.add_argument("--name", default=None, help="display name")
    p.add_argument("--licence", default=None, help="licence text for the manifest (default depends on the source)")
    return p


def _sam_bundle(args: argparse.Namespace) -> Bundle:
    from . import sam_models
    from .checkpoint import load_sam_checkpoint
    from .wrappers import BoxDecoderGraph, ImageEncoderGraph

    if args.lite:
        from . import lite

        arch, family, profile, size = "LiteMedSAM (TinyViT)", "LiteMedSAM", "litemedsam-256-longest-pad", lite.INPUT_SIZE
        build_random = lite.build_random_lite_sam
        build = lite.build_lite_sam
    else:
        arch = "tiny SAM" if args.tiny else "SAM ViT-B"
        family = "Tiny SAM" if args.tiny else "MedSAM ViT-B"
        profile, size = "medsam-1024-stretch", sam_models.INPUT_SIZE
        build_random = lambda seed: sam_models.build_random_sam(args.tiny, seed)  # noqa: E731
        build = lambda: sam_models.build_sam(args.tiny)  # noqa: E731
    if args.checkpoint is not None:
        sam = build()
        sha, note = load_sam_checkpoint(args.checkpoint, sam, arch)
        if note:
            print(f"checkpoint: {note}")
        source, licence, test, name = args.checkpoint.name, MEDSAM_LICENCE, args.tiny, family
    else:
        sam = build_random(args.seed)
        sha, source, licence, test = None, f"random (seed {args.seed})", RANDOM_LICENCE, True
        name = f"{family}, random weights (seed {args.seed})"
    grid = sam.prompt_encoder.image_embedding_size
    return Bundle(
        encoder=ImageEncoderGraph(sam.image_encoder).eval(),
        decoder=BoxDecoderGraph(sam.prompt_encoder, sam.mask_decoder).eval(),
        reference=parity.sam_reference(sam),
        input_size=size,
        embedding_shape=[1, sam.prompt_encoder.embed_dim, grid[0], grid[1]],
        profile=profile,
        default_name=name,
        weights_source=source,
        weights_sha256=sha,
        licence=licence,
        test_model=test,
    )


def _synthetic_bundle(kind: str) -> Bundle:
    from . import synthetic

    enc, dec = synthetic.build_synthetic(kind)
    return Bundle(
        encoder=enc,
        decoder=dec,
        reference=parity.modules_reference(enc, dec),
        input_size=synthetic.INPUT_SIZE,
        embedding_shape=[1, synthetic.EMBED_CHANNELS, 64, 64],
        profile="medsam-1024-stretch",
        default_name={"box-oracle": "Box oracle", "bright-in-box": "Bright in box"}[kind],
        weights_source=f"synthetic {kind} (no learned weights)",
        weights_sha256=None,
        licence=SYNTHETIC_LICENCE,
        test_model=True,
    )


def export(args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    if args.synthetic and (args.tiny or args.lite):
        raise SystemExit("error: --synthetic models have their own fixed size; drop --tiny/--lite")
    if args.lite and args.tiny:
        raise SystemExit("error: --lite exports LiteMedSAM itself; it has no --tiny configuration")
    bundle = _synthetic_bundle(args.synthetic) if args.synthetic else _sam_bundle(args)
    variants = args.variants or (["fp32"] if args.synthetic else list(mf.PRECISIONS))
    out: Path = args.out
    manifest_path: Path = args.manifest or (out.parent / "manifest.json")
    model_id = args.model_id or out.resolve().name
    mf.read_manifest(manifest_path)  # a manifest that cannot be updated fails now, not after a long export

    image = test_image.to_model_input(test_image.grey_image())
    if bundle.input_size != test_image.SIZE:
        image = torch.nn.functional.interpolate(image, size=(bundle.input_size,) * 2, mode="area")
    boxes = test_image.parity_boxes(bundle.input_size)
    enc_shapes, dec_shapes = mf.onnx_shapes(bundle.input_size, bundle.embedding_shape)

    with torch.no_grad():
        embedding = bundle.encoder(image)
    files = {p: (out / f"encoder.{p}.onnx", out / f"decoder.{p}.onnx") for p in variants}
    enc32, dec32 = files["fp32"]
    onnx_export.export_graph(bundle.encoder, (image,), enc32, ["image"], ["image_embeddings"], enc_shapes)
    # Traced with two boxes so that nothing specialises on a batch of one; the box count stays dynamic.
    onnx_export.export_graph(bundle.decoder, (embedding, boxes[:2]), dec32, ["image_embeddings", "boxes"],
                             ["low_res_logits", "iou_predictions"], dec_shapes)
    for p in variants:
        if p == "fp16":
            for src, dst in zip(files["fp32"], files["fp16"]):
                onnx_export.to_fp16(src, dst)
        elif p == "int8":
            for src, dst in zip(files["fp32"], files["int8"]):
                onnx_export.to_int8(src, dst)
    export_s = time.perf_counter() - t0

    manifest_dir = manifest_path.resolve().parent
    entry_variants: dict[str, dict] = {}
    ref_out = None
    print(f"{model_id}: exported in {export_s:.1f} s; parity vs PyTorch fp32 on {len(boxes)} boxes (one batch):")
    for p in variants:
        enc_path, dec_path = files[p]
        figs, ref_out = parity.measure(bundle.reference, enc_path, dec_path, image, boxes, ref_out)
        entry_variants[p] = {
            "encoder": mf.model_file(enc_path, manifest_dir),
            "decoder": mf.model_file(dec_path, manifest_dir),
            "parity": figs,
        }
        print(
            f"  {p:5s} encoder {enc_path.stat().st_size / MB:8.2f} MiB  decoder {dec_path.stat().st_size / MB:6.2f} MiB"
            f"  max|d embedding| {figs['maxAbsDiffEmbedding']:.3g}  max|d logits| {figs['maxAbsDiffLogits']:.3g}"
            f"  mask IoU {figs['maskIoU']:.6f}"
        )
    entry = mf.make_entry(
        model_id=model_id,
        display_name=args.name or bundle.default_name,
        test_model=bundle.test_model,
        profile=bundle.profile,
        input_size=bundle.input_size,
        embedding_shape=bundle.embedding_shape,
        variants=entry_variants,
        weights_source=bundle.weights_source,
        weights_sha256=bundle.weights_sha256,
        licence=args.licence or bundle.licence,
    )
    problems = mf.validate({"manifestVersion": 1, "models": [entry]}, manifest_dir)
    if problems:
        raise AssertionError(f"the export made an entry that breaks the manifest contract: {problems}")
    mf.upsert(manifest_path, entry)
    print(f"manifest {manifest_path}: entry {model_id!r} written; total {time.perf_counter() - t0:.1f} s")
    return entry


def _resolve(path: Path | None) -> Path | None:
    """npm runs scripts from the repository root; a relative path means relative to where npm was invoked."""
    if path is None:
        return None
    base = Path(os.environ.get("INIT_CWD") or os.getcwd())
    return (base / path.expanduser()).resolve()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.checkpoint, args.out, args.manifest = (_resolve(p) for p in (args.checkpoint, args.out, args.manifest))
    torch.set_grad_enabled(False)
    try:
        export(args)
    except (CheckpointError, mf.ManifestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
