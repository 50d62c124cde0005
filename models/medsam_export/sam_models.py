"""Builds SAM-architecture models with the official segment_anything package.

Full size is sam_model_registry['vit_b'] (MedSAM's architecture). The tiny configuration keeps everything that shapes
the I/O contract and the code paths the exporter must get right (1024 input, 16 px patches, windowed attention with
padding 64 -> 70, a global-attention block, decomposed relative positions, 256x256 low-res logits) and shrinks only
widths and depths, so that its files stay a few hundred kB.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import torch
from segment_anything import sam_model_registry
from segment_anything.modeling import (
    ImageEncoderViT,
    MaskDecoder,
    PromptEncoder,
    Sam,
    TwoWayTransformer,
)

INPUT_SIZE = 1024
PATCH_SIZE = 16


@dataclass(frozen=True)
class TinyConfig:
    encoder_dim: int = 16
    encoder_depth: int = 2
    encoder_heads: int = 2
    global_attn_indexes: tuple[int, ...] = (1,)
    window_size: int = 14
    prompt_dim: int = 32  # channels of the image embedding and of the decoder's transformer
    decoder_mlp_dim: int = 64
    decoder_heads: int = 2
    iou_hidden_dim: int = 32


TINY = TinyConfig()


def build_full_sam() -> Sam:
    """SAM ViT-B exactly as the official registry builds it (MedSAM fine-tunes this architecture)."""
    return sam_model_registry["vit_b"](checkpoint=None).eval()


def build_tiny_sam(cfg: TinyConfig = TINY) -> Sam:
    grid = INPUT_SIZE // PATCH_SIZE
    sam = Sam(
        image_encoder=ImageEncoderViT(
            img_size=INPUT_SIZE,
            patch_size=PATCH_SIZE,
            embed_dim=cfg.encoder_dim,
            depth=cfg.encoder_depth,
            num_heads=cfg.encoder_heads,
            mlp_ratio=4,
            norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
            qkv_bias=True,
            use_rel_pos=True,
            global_attn_indexes=cfg.global_attn_indexes,
            window_size=cfg.window_size,
            out_chans=cfg.prompt_dim,
        ),
        prompt_encoder=PromptEncoder(
            embed_dim=cfg.prompt_dim,
            image_embedding_size=(grid, grid),
            input_image_size=(INPUT_SIZE, INPUT_SIZE),
            mask_in_chans=16,
        ),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(
                depth=2,
                embedding_dim=cfg.prompt_dim,
                mlp_dim=cfg.decoder_mlp_dim,
                num_heads=cfg.decoder_heads,
            ),
            transformer_dim=cfg.prompt_dim,
            iou_head_depth=3,
            iou_head_hidden_dim=cfg.iou_hidden_dim,
        ),
    )
    return sam.eval()


def build_sam(tiny: bool) -> Sam:
    return build_tiny_sam() if tiny else build_full_sam()


def build_random_sam(tiny: bool, seed: int) -> Sam:
    """Same architecture, seeded random weights.

    The default initialisation leaves some tensors constant (absolute and relative position embeddings start at zero,
    LayerNorms at 1/0); they are perturbed too, so that parity covers every weight the real checkpoint sets.
    """
    torch.manual_seed(seed)
    sam = build_sam(tiny)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in sam.named_parameters():
            if name.endswith("pos_embed") or ".rel_pos_" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.02)
            elif _is_norm_param(sam, name):
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + torch.randn(p.shape, generator=gen) * 0.1)
    return sam.eval()


def _is_norm_param(sam: Sam, name: str) -> bool:
    module_name = name.rsplit(".", 1)[0]
    module = sam.get_submodule(module_name)
    return isinstance(module, torch.nn.LayerNorm) or type(module).__name__ == "LayerNorm2d"


def embedding_shape(sam: Sam) -> list[int]:
    grid = INPUT_SIZE // PATCH_SIZE
    return [1, sam.prompt_encoder.embed_dim, grid, grid]
