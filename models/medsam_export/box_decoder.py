"""SAM's mask decoder for one box per prompt, with the image-side attention computed around the few prompt tokens.

Why: in SAM's two-way transformer every cross attention between the 7 prompt tokens (IoU token, 4 mask tokens, 2 box
corners) and the 64 x 64 image projects all 4096 image positions through a 256 -> 128 linear layer (q, k or v) or
back (out). Those ten 4096 x 256 x 128 products are 77 % of the decoder's multiply-adds. Because attention is linear
in the projected image features, each head can instead project the tokens into image space (tokens x W, 7 x 256 per
head) and multiply the image by that:
  token -> image:  softmax((Q_h Wk_h) (X + PE)^T + Q_h bk_h) (X Wv_h^T + bv_h) = (P_h X) Wv_h^T + bv_h  (rows of P sum to 1)
  image -> token:  softmax((X + PE) (Wq_h^T K_h^T) + bq_h K_h^T) (V_h Wo_h^T)
which is the same function with 8 heads x 7 tokens = 56 columns instead of 128 (the image-side products fall from
1.34 G to 0.59 G multiply-adds per box) and no per-head transposes of the image. The image and its positional
encoding are not repeated per box (broadcast instead). Only mask token 0 is computed past the transformer, as
MedSAM uses it (multimask_output=False).

Everything else is the official code's own modules (self attention, MLPs, norms, upscaling, hypernetwork, IoU head),
and the parameters keep their state_dict names, so the weight-free templates and the converter are unchanged. The
parity with the official mask_decoder in PyTorch is tested (models/tests/test_parity.py, test_convert.py and the
LiteMedSAM real-weights tests); only the order of floating-point sums differs.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _heads(linear: nn.Linear, num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A 256 -> 128 projection's weight as [heads, per-head dim, 256] and bias as [heads, per-head dim]."""
    out_dim, in_dim = linear.weight.shape
    d = out_dim // num_heads
    return linear.weight.reshape(num_heads, d, in_dim), linear.bias.reshape(num_heads, d)


def token_to_image(attn: nn.Module, tokens: torch.Tensor, image_keys: torch.Tensor, image_values: torch.Tensor) -> torch.Tensor:
    """SAM's Attention(q=tokens [B,T,C], k=image_keys [1|B,N,C], v=image_values [1|B,N,C]) -> [B,T,C]."""
    heads = attn.num_heads
    b, t, _ = tokens.shape
    c = image_keys.shape[-1]
    scale = 1.0 / math.sqrt(attn.internal_dim // heads)
    q = attn.q_proj(tokens).reshape(b, t, heads, -1)
    wk, bk = _heads(attn.k_proj, heads)
    wv, bv = _heads(attn.v_proj, heads)
    q_in_image_space = torch.einsum("bthd,hdc->bhtc", q, wk) * scale  # [B,H,T,C]
    key_bias = torch.einsum("bthd,hd->bht", q, bk) * scale
    scores = torch.matmul(q_in_image_space.reshape(b, heads * t, c), image_keys.transpose(1, 2))  # [B,H*T,N]
    n = scores.shape[-1]
    probs = torch.softmax(scores.reshape(b, heads, t, n) + key_bias.unsqueeze(-1), dim=-1)
    attended = torch.matmul(probs.reshape(b, heads * t, n), image_values).reshape(b, heads, t, c)
    out = torch.einsum("bhtc,hdc->bthd", attended, wv) + bv
    return attn.out_proj(out.reshape(b, t, -1))


def image_to_token(attn: nn.Module, image_queries: torch.Tensor, tokens: torch.Tensor, token_values: torch.Tensor) -> torch.Tensor:
    """SAM's Attention(q=image_queries [B,N,C], k=tokens [B,T,C], v=token_values [B,T,C]) -> [B,N,C]."""
    heads = attn.num_heads
    b, t, _ = tokens.shape
    c = image_queries.shape[-1]
    scale = 1.0 / math.sqrt(attn.internal_dim // heads)
    k = attn.k_proj(tokens).reshape(b, t, heads, -1)
    wq, bq = _heads(attn.q_proj, heads)
    k_in_image_space = torch.einsum("bthd,hdc->bhtc", k, wq) * scale  # [B,H,T,C]
    query_bias = torch.einsum("bthd,hd->bht", k, bq) * scale
    scores = torch.matmul(image_queries, k_in_image_space.reshape(b, heads * t, c).transpose(1, 2))  # [B,N,H*T]
    n = scores.shape[1]
    probs = torch.softmax(scores.reshape(b, n, heads, t) + query_bias.reshape(b, 1, heads, t), dim=-1)
    v = attn.v_proj(token_values).reshape(b, t, heads, -1)
    wo = attn.out_proj.weight.reshape(c, heads, -1)
    values_out = torch.einsum("bthd,chd->bhtc", v, wo)  # each token's value already through out_proj, per head
    return torch.matmul(probs.reshape(b, n, heads * t), values_out.reshape(b, heads * t, c)) + attn.out_proj.bias


class BoxMaskDecoder(nn.Module):
    """The official MaskDecoder's modules (same state_dict names) with a forward for box prompts, mask token 0."""

    def __init__(self, mask_decoder: nn.Module) -> None:
        super().__init__()
        for name, child in mask_decoder.named_children():
            self.add_module(name, child)

    def forward(self, image_embeddings: torch.Tensor, image_pe: torch.Tensor, sparse: torch.Tensor,
                no_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b = sparse.shape[0]
        output_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight], dim=0)
        prompt = torch.cat((output_tokens.unsqueeze(0).expand(b, -1, -1), sparse), dim=1)
        image = image_embeddings + no_mask.reshape(1, -1, 1, 1)
        _, c, h, w = image.shape
        keys = image.flatten(2).transpose(1, 2)  # [1,N,C]: one image for every box until the first image update
        key_pe = image_pe.flatten(2).transpose(1, 2)
        queries = prompt
        transformer = self.transformer
        for layer in transformer.layers:
            if layer.skip_first_layer_pe:
                queries = layer.self_attn(q=queries, k=queries, v=queries)
            else:
                q = queries + prompt
                queries = queries + layer.self_attn(q=q, k=q, v=queries)
            queries = layer.norm1(queries)
            attended = token_to_image(layer.cross_attn_token_to_image, queries + prompt, keys + key_pe, keys)
            queries = layer.norm2(queries + attended)
            queries = layer.norm3(queries + layer.mlp(queries))
            keys = layer.norm4(keys + image_to_token(layer.cross_attn_image_to_token, keys + key_pe, queries + prompt, queries))
        attended = token_to_image(transformer.final_attn_token_to_image, queries + prompt, keys + key_pe, keys)
        queries = transformer.norm_final_attn(queries + attended)

        upscaled = self.output_upscaling(keys.transpose(1, 2).reshape(b, c, h, w))
        hyper = self.output_hypernetworks_mlps[0](queries[:, 1, :])  # mask token 0
        _, uc, uh, uw = upscaled.shape
        logits = torch.matmul(hyper.unsqueeze(1), upscaled.reshape(b, uc, uh * uw)).reshape(b, 1, uh, uw)
        iou = self.iou_prediction_head(queries[:, 0, :])[:, :1]
        return logits, iou
