"""torch -> ONNX (fp32), then the fp16 and int8 variants.

Choices, for onnxruntime 1.31 (Python/Node) and onnxruntime-web 1.30 alike:
- the TorchScript-based exporter (dynamo=False) at opset 17: it traces the official SAM code as it is, handles the
  dynamic box count, and writes plain ONNX ops (IR version 8) in one protobuf file (no external data; the full fp32
  encoder is about 360 MB, well below the 2 GB protobuf limit);
- fp16 with keep_io_types, so inputs and outputs stay float32 and the manifest's tensor specs hold for every variant.
  onnxruntime's copy of onnxconverter-common's converter (onnxruntime.transformers.float16) is used because
  onnxconverter-common 1.16 leaves a Cast in SAM's relative-position code typed float32 while retyping its output
  to float16, which onnxruntime refuses to load. The prompt encoder's Fourier features stay in float32: box corners
  go through sin/cos of values up to tens of radians, where float16 would move them visibly, and float16 rounds
  box coordinates above 512 to half pixels;
- int8 by onnxruntime's dynamic quantisation of MatMul/Gemm weights (uint8 weights and activations: no u8s8 saturation
  on CPUs without VNNI). Convolutions stay float32 (ConvInteger support differs between backends).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import onnx
import torch

OPSET = 17


def _set_dims(value_infos, shapes: dict[str, list[int | str]]) -> None:
    for vi in value_infos:
        if vi.name not in shapes:
            continue
        dims = vi.type.tensor_type.shape.dim
        want = shapes[vi.name]
        del dims[:]
        for d in want:
            dim = dims.add()
            if isinstance(d, str):
                dim.dim_param = d
            else:
                dim.dim_value = d


def export_graph(
    module: torch.nn.Module,
    args: tuple[torch.Tensor, ...],
    path: Path,
    input_names: list[str],
    output_names: list[str],
    shapes: dict[str, list[int | str]],
    fold_constants: bool = True,
) -> None:
    """Exports module and records the contract's shapes on the graph inputs/outputs (the tracer names dynamic output
    dims after internal nodes, e.g. 'Addimage_embeddings_dim_0'; consumers read clean shapes instead).

    fold_constants=False keeps every parameter as an initializer named by its state_dict key, untouched (no
    Conv+BatchNorm fusion, no pre-transposed weights): what a weight-free template needs (medsam_export/template.py).
    onnxruntime folds the same constants when it opens the session."""
    dynamic_axes = {
        name: {i: d for i, d in enumerate(shape) if isinstance(d, str)}
        for name, shape in shapes.items()
        if any(isinstance(d, str) for d in shape)
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # TracerWarnings about Python ints in SAM's shape code: those values are fixed by the input size.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes or None,
            opset_version=OPSET,
            do_constant_folding=fold_constants,
            # A template's modules keep the modes they were given (template.py sets one flag on purpose).
            training=torch.onnx.TrainingMode.EVAL if fold_constants else torch.onnx.TrainingMode.PRESERVE,
            dynamo=False,
        )
    model = onnx.load(str(path))
    _set_dims(model.graph.input, shapes)
    _set_dims(model.graph.output, shapes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def _fp32_island_nodes(model: onnx.ModelProto) -> list[str]:
    """Nodes kept in float32:
    - everything outside the image encoder and the mask decoder: the box path from the input through the prompt
      encoder, and the dense positional encoding (box coordinates above 512 would round to half pixels in float16);
    - nodes that depend on constants only (the relative-position index arithmetic): onnxruntime folds them when the
      session starts, and has no float16 CPU kernel for some of them, so in float16 it warns and cannot fold."""
    graph = model.graph
    constant = {i.name for i in graph.initializer}
    keep = []
    for node in graph.node:
        if all(i in constant or i == "" for i in node.input):
            constant.update(node.output)
            if node.op_type != "Constant":
                keep.append(node.name)
        elif not node.name.startswith(("/image_encoder/", "/mask_decoder/")):
            keep.append(node.name)
    return keep


def _drop_duplicate_nodes(model: onnx.ModelProto) -> None:
    """The converter inserts one identical Cast per consumer of a blocked tensor; ONNX needs unique node names."""
    seen: set[bytes] = set()
    keep = []
    for node in model.graph.node:
        key = node.SerializeToString(deterministic=True)
        if key in seen:
            continue
        seen.add(key)
        keep.append(node)
    del model.graph.node[:]
    model.graph.node.extend(keep)


def _topological_sort(graph: onnx.GraphProto) -> None:
    """The converter appends its Casts at the end; ONNX wants producers before consumers."""
    available = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    pending = list(graph.node)
    ordered = []
    while pending:
        ready = [n for n in pending if all(i in available for i in n.input)]
        if not ready:
            raise ValueError(f"graph has a cycle or a missing input near node {pending[0].name}")
        ready_ids = {id(n) for n in ready}
        for n in ready:
            ordered.append(n)
            available.update(n.output)
        pending = [n for n in pending if id(n) not in ready_ids]
    del graph.node[:]
    graph.node.extend(ordered)


def to_fp16(src: Path, dst: Path) -> None:
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = onnx.load(str(src))
    logging.getLogger("onnxruntime.transformers.float16").setLevel(logging.ERROR)
    converted = convert_float_to_float16(
        model, keep_io_types=True, node_block_list=_fp32_island_nodes(model)
    )
    _drop_duplicate_nodes(converted)
    _topological_sort(converted.graph)
    onnx.checker.check_model(converted)
    onnx.save(converted, str(dst))


def to_int8(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(
            str(src),
            str(dst),
            weight_type=QuantType.QUInt8,
            op_types_to_quantize=["MatMul", "Gemm"],
        )
