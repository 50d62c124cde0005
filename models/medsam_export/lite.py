"""LiteMedSAM (bowang-lab/MedSAM, LiteMedSAM branch): TinyViT image encoder on a 256 x 256 input, and SAM's prompt
encoder (input 256) and mask decoder, with the same decoder contract as MedSAM.

LiteMedSAM's TinyViT is MobileSAM's (tiny_vit_sam.py) with one change: the patch embedding is two 1x1 convolutions
with stride 1 instead of two 3x3 convolutions with stride 2, so the stages run at 256, 128, 64 and 64 pixels and the
neck still sees 64 x 64 tokens. MobileSAM's class (PyPI mobilesam-mirror, module mobile_sam) is built here with
img_size=1024, which gives exactly those stage resolutions (its own patch embedding divides by 4), and its patch
embedding is swapped for the 1x1 one made of the package's own Conv2d_BN blocks. MobileSAM's TinyViT also has a
classification-head LayerNorm (norm_head) that forward() never uses and LiteMedSAM removed; it is dropped, so the
state_dict keys are exactly lite_medsam.pth's (image_encoder.*, prompt_encoder.*, mask_decoder.*).
"""

from __future__ import annotations

import warnings

import torch
from segment_anything.modeling import MaskDecoder, PromptEncoder, Sam, TwoWayTransformer
from torch import nn

INPUT_SIZE = 256
EMBED_GRID = 64

# LiteMedSAM's TinyViT hyper-parameters (CVPR24_LiteMedSAM_infer.py).
TINYVIT = dict(
    in_chans=3,
    num_classes=0,
    embed_dims=[64, 128, 160, 320],
    depths=[2, 2, 6, 2],
    num_heads=[2, 4, 5, 10],
    window_sizes=[7, 7, 14, 7],
    mlp_ratio=4.0,
    drop_rate=0.0,
    drop_path_rate=0.0,
    use_checkpoint=False,
    mbconv_expand_ratio=4.0,
    local_conv_size=3,
    layer_lr_decay=0.8,
)


def _mobile_sam_tinyvit():
    with warnings.catch_warnings():
        # importing mobile_sam re-registers timm's TinyViT names and warns about it
        warnings.simplefilter("ignore")
        from mobile_sam.modeling.tiny_vit_sam import Conv2d_BN, TinyViT
    return TinyViT, Conv2d_BN


def build_tinyvit_encoder() -> nn.Module:
    TinyViT, Conv2d_BN = _mobile_sam_tinyvit()
    # img_size=1024: MobileSAM divides it by 4 for the first stage, giving LiteMedSAM's 256-pixel first stage.
    encoder = TinyViT(img_size=4 * INPUT_SIZE, **TINYVIT)
    width = TINYVIT["embed_dims"][0]
    encoder.patch_embed.seq = nn.Sequential(
        Conv2d_BN(3, width // 2, 1, 1, 0),
        nn.GELU(),
        Conv2d_BN(width // 2, width, 1, 1, 0),
    )
    encoder.patch_embed.patches_resolution = (INPUT_SIZE, INPUT_SIZE)
    del encoder.norm_head
    return encoder


def build_lite_sam() -> Sam:
    sam = Sam(
        image_encoder=build_tinyvit_encoder(),
        prompt_encoder=PromptEncoder(
            embed_dim=256,
            image_embedding_size=(EMBED_GRID, EMBED_GRID),
            input_image_size=(INPUT_SIZE, INPUT_SIZE),
            mask_in_chans=16,
        ),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=2, embedding_dim=256, mlp_dim=2048, num_heads=8),
            transformer_dim=256,
            iou_head_depth=3,
            iou_head_hidden_dim=256,
        ),
    )
    # eval() also makes TinyViT's attention cache its bias table (Attention.ab); call it again after loading weights.
    return sam.eval()


def build_random_lite_sam(seed: int) -> Sam:
    """Seeded random weights; tensors the default initialisation leaves constant (BatchNorm and LayerNorm affine
    parameters and running statistics, attention biases) are perturbed so that parity covers them."""
    torch.manual_seed(seed)
    sam = build_lite_sam()
    gen = torch.Generator().manual_seed(seed + 1)

    def noise(t: torch.Tensor, scale: float) -> torch.Tensor:
        return torch.randn(t.shape, generator=gen) * scale

    with torch.no_grad():
        for module in sam.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.copy_(1.0 + noise(module.weight, 0.1))
                module.bias.copy_(noise(module.bias, 0.1))
                module.running_mean.copy_(noise(module.running_mean, 0.1))
                module.running_var.copy_(1.0 + noise(module.running_var, 0.1).abs())
            elif isinstance(module, nn.LayerNorm) or type(module).__name__ == "LayerNorm2d":
                module.weight.copy_(1.0 + noise(module.weight, 0.1))
                module.bias.copy_(noise(module.bias, 0.1))
        for name, p in sam.named_parameters():
            if name.endswith("attention_biases"):
                p.copy_(noise(p, 0.5))
    return sam.eval()
