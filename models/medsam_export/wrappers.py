"""The two graphs that are exported, as thin modules over the official SAM parts.

MedSAM's inference (MedSAM_Inference.py) calls image_encoder on the [0,1] image directly (no pixel_mean/std, no
longest-side resize), then prompt_encoder with boxes only and mask_decoder with multimask_output=False, and keeps
the 256x256 low-res logits of mask token 0. These wrappers export exactly that and nothing more: no crop, no
upsampling, no mask selection (the engine does post-processing).
"""

from __future__ import annotations

import torch
from torch import nn

from .box_decoder import BoxMaskDecoder


class ImageEncoderGraph(nn.Module):
    """image [1,3,S,S] float in [0,1] -> image_embeddings [1,C,64,64]."""

    def __init__(self, image_encoder: nn.Module) -> None:
        super().__init__()
        self.image_encoder = image_encoder

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.image_encoder(image)


class BoxDecoderGraph(nn.Module):
    """image_embeddings [1,C,64,64] + boxes [B,4] (x0,y0,x1,y1 in model-input pixels) ->
    low_res_logits [B,1,256,256] of mask token 0, iou_predictions [B,1].

    The official prompt encoder, then the official mask decoder's modules through BoxMaskDecoder (box_decoder.py):
    the same function as mask_decoder(multimask_output=False), with the image-side attention about 2x cheaper."""

    def __init__(self, prompt_encoder: nn.Module, mask_decoder: nn.Module) -> None:
        super().__init__()
        self.prompt_encoder = prompt_encoder
        self.mask_decoder = BoxMaskDecoder(mask_decoder)

    def forward(self, image_embeddings: torch.Tensor, boxes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # One box per prompt, as MedSAM passes it: [B, 1, 4]. Without a mask prompt the dense embedding is the learned
        # no-mask vector at every position, added to the image once here rather than per box.
        sparse, _dense = self.prompt_encoder(points=None, boxes=boxes[:, None, :], masks=None)
        return self.mask_decoder(
            image_embeddings, self.prompt_encoder.get_dense_pe(), sparse, self.prompt_encoder.no_mask_embed.weight
        )
