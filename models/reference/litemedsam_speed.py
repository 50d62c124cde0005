#!/usr/bin/env python3
"""LiteMedSAM speed, the official way: the steps of CVPR24_LiteMedSAM_infer.py timed in PyTorch on the CPU, the
FLOPs of the installed ONNX graphs, and this machine's GEMM rate. Started by tests/bench/speed.ts (issue 13), which
reads the one JSON object this script prints on its last stdout line (prefixed SPEED_RESULT).

The official steps are those of litemedsam_reference.py (official_logits and its helpers, the real lite_medsam.pth
loaded strictly into medsam_export.lite.build_lite_sam()), split into stages and timed one by one:
  dicom      pydicom.dcmread + pixel_array (JPEG 2000 through pydicom's plugins) of the slice
  preprocess intensity (CT soft-tissue window as the engine's "auto"), litemedsam_256 (cv2.INTER_AREA), min-max
             normalisation, pad_image, torch tensor [1, 3, 256, 256]
  encoder    sam.image_encoder on the engine's own preprocessed input (--input, float32 [1, 3, 256, 256]) when given,
             so both sides run the encoder on the same numbers; else on the official preprocessing's output
  decoder    per box, one box per call: resize_box_to_256, prompt_encoder, mask_decoder(multimask_output=False)
  post       litemedsam_mask: crop, bilinear to (H, W), sigmoid, > 0.5
FLOPs: per MatMul / Gemm / Conv / ConvTranspose node of models/litemedsam/{encoder,decoder}.fp32.onnx, from the shapes
the graph has when run by onnxruntime (Python) with every such node's inputs and outputs exposed (decoder: one box);
one multiply-add counts 2 FLOPs. Cross-check: torch.utils.flop_counter on the PyTorch model (same convention).
GEMM rate: torch.matmul of two N x N float32 matrices (best of several) with the same thread count. Also writes
matmul.onnx (N x N times N x N) into --out-dir for the TypeScript side to measure onnxruntime-node / WASM rates.

Usage: bash scripts/py.sh models/reference/litemedsam_speed.py --dicom FILE --boxes '[[x0,y0,x1,y1],...]'
       [--input FILE.f32] [--threads 2] [--encoder-runs 3] [--dicom-runs 3] [--gemm-n 1024] [--out-dir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MODELS = ROOT / "models"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(MODELS))

PREFIX = "SPEED_RESULT "


def ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


# ----------------------------------------------------------------------------------------------- FLOPs of the ONNX graphs

def onnx_flops(path: Path, fixed_inputs: dict[str, list[int]], feeds: dict[str, np.ndarray]) -> dict:
    """Sum of MatMul / Gemm / Conv / ConvTranspose FLOPs, from the shapes onnxruntime computes running the graph."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    g = model.graph
    kinds = {"MatMul", "Gemm", "Conv", "ConvTranspose"}
    nodes = [n for n in g.node if n.op_type in kinds]
    have = {o.name for o in g.output}
    initializers = {i.name: list(i.dims) for i in g.initializer}
    wanted = []
    for n in nodes:
        for name in [*n.input[:2], n.output[0]]:
            if name and name not in have and name not in initializers and name not in feeds:
                have.add(name)
                wanted.append(name)
    for name in wanted:
        g.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    outs = dict(zip(names, sess.run(names, feeds)))
    shape = lambda name: list(initializers[name]) if name in initializers else list(
        feeds[name].shape if name in feeds else outs[name].shape)
    by_kind: dict[str, float] = {k: 0.0 for k in kinds}
    for n in nodes:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        a, b, y = shape(n.input[0]), shape(n.input[1]), shape(n.output[0])
        if n.op_type == "MatMul":
            k = a[-1]
            flops = 2.0 * float(np.prod(y)) * k
        elif n.op_type == "Gemm":
            k = a[0] if attrs.get("transA", 0) else a[1]
            flops = 2.0 * float(np.prod(y)) * k
        elif n.op_type == "Conv":  # weight [Cout, Cin/groups, kh, kw]; each output takes Cin/groups * kh * kw MACs
            flops = 2.0 * float(np.prod(y)) * float(np.prod(b[1:]))
        else:  # ConvTranspose, weight [Cin, Cout/groups, kh, kw]: each input element scatters Cout/groups*kh*kw MACs
            flops = 2.0 * float(np.prod(a)) * float(np.prod(b[1:]))
        by_kind[n.op_type] += flops
    return {"gflops": sum(by_kind.values()) / 1e9, "byKind": {k: v / 1e9 for k, v in by_kind.items() if v},
            "nodes": len(nodes), "fixedInputs": fixed_inputs}


def torch_flops(fn) -> float | None:
    """PyTorch's own FLOP count of fn (its module tracker needs autograd on); None where it cannot count."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    try:
        with torch.enable_grad(), FlopCounterMode(display=False) as counter:
            fn()
        return counter.get_total_flops() / 1e9
    except Exception as e:  # a cross-check only
        print(f"torch flop counter: {e}", file=sys.stderr)
        return None


# ----------------------------------------------------------------------------------------------- GEMM rate

def gemm_rate(n: int, seconds: float = 2.0) -> dict:
    import torch

    a = torch.rand(n, n, dtype=torch.float32)
    b = torch.rand(n, n, dtype=torch.float32)
    torch.matmul(a, b)
    best = float("inf")
    runs = 0
    t_end = time.perf_counter() + seconds
    while runs < 3 or time.perf_counter() < t_end:
        t0 = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - t0)
        runs += 1
    return {"n": n, "runs": runs, "bestMs": best * 1000, "gflopsPerS": 2.0 * n ** 3 / best / 1e9}


def write_matmul_onnx(path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, ["n", "n"])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, ["n", "n"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "n"])
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["y"])], "matmul", [a, b], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


# ----------------------------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dicom", type=Path, required=True)
    ap.add_argument("--boxes", required=True, help="JSON list of [x0, y0, x1, y1] pixel boxes")
    ap.add_argument("--input", type=Path, help="engine's encoder input, float32 little-endian [1, 3, 256, 256]")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--encoder-runs", type=int, default=3)
    ap.add_argument("--dicom-runs", type=int, default=3)
    ap.add_argument("--gemm-n", type=int, default=1024)
    ap.add_argument("--out-dir", type=Path, default=Path(tempfile.gettempdir()))
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    import pydicom

    from litemedsam_reference import MODEL_ID, MANIFEST, pad_image, resize_box_to_256
    from postprocess_reference import litemedsam_mask
    from preprocess_reference import intensity, litemedsam_256, modality_values, resolve_auto
    from medsam_convert import litemedsam as lm
    from medsam_export import lite
    from medsam_export.checkpoint import load_sam_checkpoint

    boxes = json.loads(args.boxes)
    entry = next(m for m in json.loads(MANIFEST.read_text())["models"] if m["id"] == MODEL_ID)
    sam = lite.build_lite_sam()
    checkpoint_sha, _ = load_sam_checkpoint(lm.fetch_checkpoint(lm.cache_root()), sam, "LiteMedSAM (TinyViT)")
    sam.eval()

    # 1. DICOM decode
    dicom_ms = []
    for _ in range(args.dicom_runs):
        t0 = time.perf_counter()
        ds = pydicom.dcmread(args.dicom)
        pixels = ds.pixel_array
        dicom_ms.append(ms_since(t0))

    # 2. preprocessing, as MedSAM_infer_npz_2D does it after reading the image
    pre_ms = []
    for _ in range(max(3, args.dicom_runs)):
        t0 = time.perf_counter()
        values = modality_values(pixels, float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0)))
        img_u8 = intensity(values, resolve_auto({"kind": "auto"}, str(ds.Modality), int(ds.get("SamplesPerPixel", 1))))
        img_256 = litemedsam_256(img_u8)
        img_256_norm = (img_256 - img_256.min()) / np.clip(img_256.max() - img_256.min(), a_min=1e-8, a_max=None)
        img_256_padded = pad_image(img_256_norm, 256)
        official_input = torch.tensor(img_256_padded).float().permute(2, 0, 1).unsqueeze(0)
        pre_ms.append(ms_since(t0))
    H, W = img_u8.shape[:2]

    if args.input:
        x = torch.from_numpy(np.fromfile(args.input, dtype="<f4").reshape(1, 3, 256, 256).copy())
        input_source = "engine"
        input_max_abs_diff = float((x - official_input).abs().max())
    else:
        x = official_input
        input_source = "official"
        input_max_abs_diff = 0.0

    # 3. encoder
    enc_ms = []
    with torch.no_grad():
        for _ in range(args.encoder_runs):
            t0 = time.perf_counter()
            embedding = sam.image_encoder(x)
            enc_ms.append(ms_since(t0))

        # 4. decoder, one box per call (medsam_inference), and 5. post-processing of its logits
        dec_ms, post_ms = [], []
        for box in boxes:
            t0 = time.perf_counter()
            box256 = resize_box_to_256(np.array(box), original_size=(H, W))[None, ...]
            box_torch = torch.as_tensor(box256[None, None, ...], dtype=torch.float)
            sparse, dense = sam.prompt_encoder(points=None, boxes=box_torch, masks=None)
            low_res_logits, _iou = sam.mask_decoder(
                image_embeddings=embedding, image_pe=sam.prompt_encoder.get_dense_pe(),
                sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense, multimask_output=False)
            logits = low_res_logits[0, 0].numpy().astype(np.float32)
            dec_ms.append(ms_since(t0))
            t0 = time.perf_counter()
            litemedsam_mask(logits, H, W)
            post_ms.append(ms_since(t0))

        # FLOPs: the ONNX graphs, and PyTorch's count as a cross-check
        box_t = torch.tensor([[[[0.0, 0.0, 100.0, 100.0]]]])

        def run_decoder():
            s, d = sam.prompt_encoder(points=None, boxes=box_t, masks=None)
            sam.mask_decoder(image_embeddings=embedding, image_pe=sam.prompt_encoder.get_dense_pe(),
                             sparse_prompt_embeddings=s, dense_prompt_embeddings=d, multimask_output=False)

        torch_enc = torch_flops(lambda: sam.image_encoder(x))
        torch_dec = torch_flops(run_decoder)

    fp32 = entry["variants"]["fp32"]
    enc_path = (MANIFEST.parent / fp32["encoder"]["path"]).resolve()
    dec_path = (MANIFEST.parent / fp32["decoder"]["path"]).resolve()
    emb = embedding.numpy().astype(np.float32)
    flops_enc = onnx_flops(enc_path, {"image": [1, 3, 256, 256]}, {"image": x.numpy().astype(np.float32)})
    flops_dec = onnx_flops(dec_path, {"image_embeddings": list(emb.shape), "boxes": [1, 4]},
                           {"image_embeddings": emb, "boxes": np.array([[10.0, 20.0, 120.0, 140.0]], np.float32)})

    gemm = gemm_rate(args.gemm_n)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    matmul_path = args.out_dir / "matmul.onnx"
    write_matmul_onnx(matmul_path)

    result = {
        "threads": args.threads,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "pydicom": pydicom.__version__,
        "checkpointSha256": checkpoint_sha,
        "image": {"width": W, "height": H, "transferSyntax": str(ds.file_meta.TransferSyntaxUID)},
        "encoderInput": input_source,
        "encoderInputMaxAbsDiffVsOfficial": input_max_abs_diff,
        "ms": {"dicom": dicom_ms, "preprocess": pre_ms, "encoder": enc_ms, "decoder": dec_ms, "postprocess": post_ms},
        "flops": {
            "encoder": flops_enc, "decoder": flops_dec,
            "torchCheckGflops": {"encoder": torch_enc, "decoder": torch_dec},
            "files": {"encoder": str(enc_path.relative_to(ROOT)), "decoder": str(dec_path.relative_to(ROOT))},
        },
        "gemm": {"torch": gemm},
        "matmulOnnx": str(matmul_path),
    }
    print(PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
