"""ONNX Runtime vs PyTorch on the same input: the figures recorded in the manifest and printed by the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnxruntime as ort
import torch

# (image [1,3,S,S], boxes [B,4]) -> (embedding, logits [B,1,256,256], iou [B,1]), all computed by PyTorch.
Reference = Callable[[torch.Tensor, torch.Tensor], tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass
class Outputs:
    embedding: np.ndarray
    logits: np.ndarray
    iou: np.ndarray


def sam_reference(sam) -> Reference:
    """MedSAM_Inference.py's path on the official modules, one box at a time (so that the exported batched decoder is
    checked against unbatched PyTorch)."""

    @torch.no_grad()
    def run(image: torch.Tensor, boxes: torch.Tensor):
        emb = sam.image_encoder(image)
        logits, ious = [], []
        for box in boxes:
            sparse, dense = sam.prompt_encoder(points=None, boxes=box[None, None, :], masks=None)
            low, iou = sam.mask_decoder(
                image_embeddings=emb,
                image_pe=sam.prompt_encoder.get_dense_pe(),
                sparse_prompt_embeddings=sparse,
                dense_prompt_embeddings=dense,
                multimask_output=False,
            )
            logits.append(low)
            ious.append(iou)
        return emb.numpy(), torch.cat(logits).numpy(), torch.cat(ious).numpy()

    return run


def modules_reference(encoder: torch.nn.Module, decoder: torch.nn.Module) -> Reference:
    @torch.no_grad()
    def run(image: torch.Tensor, boxes: torch.Tensor):
        emb = encoder(image)
        logits, iou = decoder(emb, boxes)
        return emb.numpy(), logits.numpy(), iou.numpy()

    return run


def session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def run_onnx(encoder: Path, decoder: Path, image: np.ndarray, boxes: np.ndarray) -> Outputs:
    """The engine's path: the decoder gets the ONNX encoder's embedding and all boxes in one batch."""
    emb = session(encoder).run(["image_embeddings"], {"image": image})[0]
    logits, iou = session(decoder).run(
        ["low_res_logits", "iou_predictions"], {"image_embeddings": emb, "boxes": boxes}
    )
    return Outputs(emb, logits, iou)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


def figures(ref: Outputs, got: Outputs) -> dict[str, float]:
    """maskIoU is the worst box's IoU of logits > 0."""
    ious = [mask_iou(r > 0, g > 0) for r, g in zip(ref.logits, got.logits)]
    return {
        "maxAbsDiffEmbedding": float(np.abs(ref.embedding - got.embedding).max()),
        "maxAbsDiffLogits": float(np.abs(ref.logits - got.logits).max()),
        "maskIoU": float(min(ious)),
    }


def measure(reference: Reference, encoder: Path, decoder: Path, image: torch.Tensor, boxes: torch.Tensor,
            ref_out: Outputs | None = None) -> tuple[dict[str, float], Outputs]:
    if ref_out is None:
        ref_out = Outputs(*reference(image, boxes))
    got = run_onnx(encoder, decoder, image.numpy(), boxes.numpy())
    return figures(ref_out, got), ref_out
