"""Test models with MedSAM's I/O contract whose answer is known exactly, for the viewer and end-to-end tests.

Both share one encoder: the image as the encoder sees it ([1,3,1024,1024] in [0,1]) -> channel mean -> 4x4 mean
pooling -> [1,1,256,256] -> space-to-depth by 4 -> [1,16,64,64] -> zero channels appended -> [1,256,64,64].
Embedding channel c < 16 at (r, q) holds pooled pixel (4r + c // 4, 4q + c % 4) (torch.pixel_unshuffle order).

Low-res grid: logit (i, j) of the 256x256 output covers model-input pixels x in [4j, 4j+4), y in [4i, 4i+4); its
centre is (4j + 2, 4i + 2). A cell is INSIDE a box (x0, y0, x1, y1) when its centre lies in the closed box:
    x0 <= 4j + 2 <= x1  and  y0 <= 4i + 2 <= y1.
Coordinates are continuous (model-input pixel k spans [k, k+1)). MedSAM's post-processing (sigmoid, bilinear to
H x W with align_corners=False, > 0.5) then puts each mask edge half-way between the last inside and the first
outside cell centre, i.e. within 2 model-input pixels of the box edge: W/512 image pixels horizontally and H/512
vertically (at most 1 pixel for images up to 512 x 512), before rounding to whole pixels. A box that contains no
cell centre gives an empty mask; x1 < x0 or y1 < y0 gives an empty mask too (boxes are not reordered).

- box-oracle: +10 in INSIDE cells, -10 elsewhere; iou_predictions 1.
- bright-in-box: +10 where the pooled image is > 0.5 AND the cell is INSIDE, -10 elsewhere; iou_predictions 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

INPUT_SIZE = 1024
LOW_RES = 256
EMBED_CHANNELS = 256
POOL = INPUT_SIZE // LOW_RES  # 4
S2D = 4  # 256x256 -> 16 x 64x64
LOGIT = 10.0
KINDS = ("box-oracle", "bright-in-box")


class PooledImageEncoder(nn.Module):
    def forward(self, image: torch.Tensor) -> torch.Tensor:
        grey = image.mean(dim=1, keepdim=True)
        pooled = F.avg_pool2d(grey, kernel_size=POOL, stride=POOL)
        packed = F.pixel_unshuffle(pooled, S2D)
        # A Pad rather than a zeros tensor: the exporter would fold zeros into a 4 MB constant.
        return F.pad(packed, (0, 0, 0, 0, 0, EMBED_CHANNELS - packed.shape[1]))


def inside_box(boxes: torch.Tensor) -> torch.Tensor:
    """[B,4] boxes in model-input pixels -> bool [B,1,256,256] of cells whose centre lies in the closed box."""
    centres = torch.arange(LOW_RES, dtype=torch.float32) * POOL + POOL / 2
    x0, y0, x1, y1 = (boxes[:, k : k + 1] for k in range(4))
    in_x = (centres[None, :] >= x0) & (centres[None, :] <= x1)
    in_y = (centres[None, :] >= y0) & (centres[None, :] <= y1)
    return (in_y[:, :, None] & in_x[:, None, :])[:, None]


def _signed(mask: torch.Tensor) -> torch.Tensor:
    return torch.where(mask, torch.tensor(LOGIT), torch.tensor(-LOGIT))


class BoxOracleDecoder(nn.Module):
    def forward(self, image_embeddings: torch.Tensor, boxes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = _signed(inside_box(boxes))
        # Ties the (unused) embedding into the graph so that both models keep the same two inputs.
        logits = logits + 0.0 * image_embeddings[:, :1, :1, :1]
        return logits, torch.ones((boxes.shape[0], 1), dtype=torch.float32)


class BrightInBoxDecoder(nn.Module):
    def forward(self, image_embeddings: torch.Tensor, boxes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = F.pixel_shuffle(image_embeddings[:, : S2D * S2D], S2D)  # [1,1,256,256]
        logits = _signed(inside_box(boxes) & (pooled > 0.5))
        return logits, torch.ones((boxes.shape[0], 1), dtype=torch.float32)


def build_synthetic(kind: str) -> tuple[nn.Module, nn.Module]:
    if kind == "box-oracle":
        return PooledImageEncoder().eval(), BoxOracleDecoder().eval()
    if kind == "bright-in-box":
        return PooledImageEncoder().eval(), BrightInBoxDecoder().eval()
    raise ValueError(f"unknown synthetic model {kind!r}; expected one of {', '.join(KINDS)}")
