"""Weight-free ONNX templates: the encoder and decoder graphs with every learned tensor taken out, so that a checkpoint
can become ONNX without torch (medsam_convert/fill.py puts the checkpoint's arrays back in by name).

    npm run model:template -- --arch litemedsam      (writes models/templates/litemedsam/)

How it is made, and why it can be trusted:
- the graphs are the same wrappers the exporter uses (wrappers.py), traced with constant folding off, so each
  parameter stays an initializer named by its state_dict key with its values untouched (no Conv+BatchNorm fusion, no
  pre-transposed weights; onnxruntime folds those when it opens the session);
- TinyViT's attention caches its bias table (Attention.ab, a buffer computed from the weights) in eval mode; the
  template makes those modules read attention_biases[:, attention_bias_idxs] as they do in training mode, which is
  the same gather, so no weight-derived tensor is baked in;
- every initializer whose name is a state_dict key is checked equal to that tensor, then removed; the graphs traced
  from two different random seeds must then be byte-identical, which proves nothing left depends on the weights.
The exactness of the whole path is tested against the torch export (models/tests/test_convert.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import manifest as mf
from . import onnx_export, test_image
from .wrappers import BoxDecoderGraph, ImageEncoderGraph

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE_FORMAT = 1


def _architectures() -> dict[str, dict]:
    from . import lite, sam_models

    return {
        "litemedsam": dict(
            build=lite.build_random_lite_sam,
            input_size=lite.INPUT_SIZE,
            profile="litemedsam-256-longest-pad",
            description="LiteMedSAM (TinyViT encoder, 256 input; bowang-lab/MedSAM LiteMedSAM branch)",
        ),
        "medsam-vit-b": dict(
            build=lambda seed: sam_models.build_random_sam(False, seed),
            input_size=sam_models.INPUT_SIZE,
            profile="medsam-1024-stretch",
            description="MedSAM (SAM ViT-B, 1024 input)",
        ),
    }


def _uncache_attention_biases(sam: torch.nn.Module) -> None:
    for module in sam.modules():
        if hasattr(module, "attention_biases") and hasattr(module, "attention_bias_idxs"):
            module.training = True  # this module only: its children (norm, qkv, proj) have no train-time behaviour


def _strip(model: onnx.ModelProto, state_dict: dict[str, np.ndarray]) -> list[dict]:
    """Removes the initializers that are state_dict tensors (after checking their values); returns their specs."""
    graph = model.graph
    kept, specs = [], []
    for init in graph.initializer:
        if init.name not in state_dict:
            kept.append(init)
            continue
        array = numpy_helper.to_array(init)
        expected = state_dict[init.name]
        if array.shape != expected.shape or not np.array_equal(array, expected.astype(array.dtype)):
            raise AssertionError(f"initializer {init.name} is not the state_dict tensor of the same name")
        specs.append({"name": init.name, "shape": list(array.shape), "dtype": str(array.dtype)})
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return specs


def _trace(arch: dict, seed: int, out: Path) -> tuple[dict[str, bytes], dict[str, list[dict]], dict]:
    sam = arch["build"](seed)
    _uncache_attention_biases(sam)
    state_dict = {k: v.detach().numpy() for k, v in sam.state_dict().items()}
    encoder = ImageEncoderGraph(sam.image_encoder)
    decoder = BoxDecoderGraph(sam.prompt_encoder, sam.mask_decoder)
    size = arch["input_size"]
    grid = sam.prompt_encoder.image_embedding_size
    embedding_shape = [1, sam.prompt_encoder.embed_dim, grid[0], grid[1]]
    enc_shapes, dec_shapes = mf.onnx_shapes(size, embedding_shape)
    image = torch.nn.functional.interpolate(
        test_image.to_model_input(test_image.grey_image()), size=(size, size), mode="area"
    )
    with torch.no_grad():
        embedding = encoder(image)
    boxes = test_image.parity_boxes(size)[:2]
    out.mkdir(parents=True, exist_ok=True)
    files, specs = {}, {}
    for part, module, args, names_in, names_out, shapes in (
        ("encoder", encoder, (image,), ["image"], ["image_embeddings"], enc_shapes),
        ("decoder", decoder, (embedding, boxes), ["image_embeddings", "boxes"],
         ["low_res_logits", "iou_predictions"], dec_shapes),
    ):
        path = out / f"{part}.onnx"
        onnx_export.export_graph(module, args, path, names_in, names_out, shapes, fold_constants=False)
        model = onnx.load(str(path))
        specs[part] = _strip(model, state_dict)
        files[part] = model.SerializeToString(deterministic=True)
    meta = {
        "inputSize": size,
        "embeddingShape": embedding_shape,
        "stateDict": {k: list(v.shape) for k, v in state_dict.items()},
    }
    return files, specs, meta


def write_template(name: str, out: Path) -> Path:
    arch = _architectures()[name]
    torch.set_grad_enabled(False)
    files, specs, meta = _trace(arch, 0, out / ".seed0")
    files_b, _, _ = _trace(arch, 1, out / ".seed1")
    for part in files:
        if files[part] != files_b[part]:
            raise AssertionError(f"{name} {part}: the weight-free graph differs between seeds; a weight-derived "
                                 "tensor is still baked in")
    for tmp in (out / ".seed0", out / ".seed1"):
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    for part, data in files.items():
        (out / f"{part}.onnx").write_bytes(data)
    info = {
        "templateFormat": TEMPLATE_FORMAT,
        "architecture": name,
        "description": arch["description"],
        "profile": arch["profile"],
        **meta,
        "made": f"npm run model:template -- --arch {name} (torch {torch.__version__}, onnx {onnx.__version__}, "
                f"opset {onnx_export.OPSET}, constant folding off)",
        "weights": specs,
    }
    (out / "template.json").write_text(json.dumps(info, indent=1) + "\n")
    sizes = ", ".join(f"{p} {len(d) / 1e6:.2f} MB" for p, d in files.items())
    print(f"template {name}: {out} ({sizes}; {sum(len(s) for s in specs.values())} weight tensors taken out; "
          "seed 0 and seed 1 graphs identical)")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="model:template", description="Writes a weight-free ONNX template.")
    p.add_argument("--arch", choices=sorted(_architectures()), required=True)
    p.add_argument("--out", type=Path, default=None, help="default models/templates/<arch>")
    args = p.parse_args(argv)
    write_template(args.arch, args.out or TEMPLATES / args.arch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
