"""LiteMedSAM's model as built here has lite_medsam.pth's layout: TinyViT (64/128/160/320, depths 2/2/6/2) on a
256 x 256 input giving a [1, 256, 64, 64] embedding, and SAM's prompt encoder (input 256) and mask decoder."""

import torch

from medsam_export import lite


def test_layout_and_shapes():
    sam = lite.build_lite_sam()
    sd = sam.state_dict()
    assert {k.split(".", 1)[0] for k in sd} == {"image_encoder", "prompt_encoder", "mask_decoder"}
    assert not any("norm_head" in k or k.startswith("image_encoder.head") for k in sd)
    # LiteMedSAM's 1x1 patch embedding (MobileSAM's is 3x3, stride 2)
    assert sd["image_encoder.patch_embed.seq.0.c.weight"].shape == (32, 3, 1, 1)
    assert sd["image_encoder.patch_embed.seq.2.c.weight"].shape == (64, 32, 1, 1)
    assert [len(layer.blocks) for layer in sam.image_encoder.layers] == [2, 2, 6, 2]
    assert [layer.input_resolution for layer in sam.image_encoder.layers] == [(256, 256), (128, 128), (64, 64), (64, 64)]
    assert sam.prompt_encoder.input_image_size == (256, 256)
    assert sum(p.numel() for p in sam.parameters()) == 9_791_300


def test_embedding_shape():
    sam = lite.build_random_lite_sam(0)
    with torch.no_grad():
        emb = sam.image_encoder(torch.rand(1, 3, 256, 256))
    assert emb.shape == (1, 256, 64, 64)
