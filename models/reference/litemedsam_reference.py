#!/usr/bin/env python3
"""LiteMedSAM with the real weights: masks of the official inference steps in PyTorch, on real images.

The reference for tests/parity/litemedsam-real.test.ts (issue 10, fidelity with the real weights). It needs the
published checkpoint and torch, so it runs at test time and nothing it writes is committed.

For every image and box, the steps of CVPR24_LiteMedSAM_infer.py (bowang-lab/MedSAM, LiteMedSAM branch,
MedSAM_infer_npz_2D + medsam_inference), in PyTorch with the real lite_medsam.pth loaded strictly into the LiteMedSAM
architecture (medsam_export.lite):
  1. intensity to uint8 [0, 255] as the engine's "auto" choice resolves it (preprocess_reference.resolve_auto and
     intensity: CT soft-tissue window (400, 40) on the modality values as utils/pre_CT_MR.py; MR 0.5..99.5
     percentiles; RGB unchanged when already 0..255 as pre_grey_rgb.py);
  2. grey -> 3 channels, resize_longest_side to 256 with cv2.INTER_AREA (preprocess_reference.litemedsam_256);
  3. (img - min) / clip(max - min, 1e-8) on the resized image, zero padding at the bottom and right to 256 x 256
     (pad_image), torch float32, image_encoder;
  4. per box, one at a time: resize_box_to_256 (int(x * 256 / max(H, W)) per coordinate), prompt_encoder(points=None,
     boxes=1 x 1 x 4, masks=None), mask_decoder(multimask_output=False) -> 256 x 256 low-res logits;
  5. crop the logits to [:newh, :neww], bilinear (align_corners=False) to (H, W), sigmoid, > 0.5
     (postprocess_reference.litemedsam_mask).
The images: the two CTs in tests/data (boxes: reference organ labels' largest connected component on the slice, plus
5 px), pydicom's MR test files (boxes chosen by hand), the Kvasir-SEG JPEGs read from ../shared/data only (decoded by
jpeg-js as the TypeScript test decodes them; boxes: each mask component's bounding box plus 5 px).

Also writes the fp16 and int8 variants of the real model, made as `npm run model:export -- --lite` makes them (see
make_variants), and a manifest naming them and the installed fp32 files (models/litemedsam, from `npm run
model:litemedsam`), for the test to run through the engine. Nothing here calls the TypeScript under test.

Output (default tests/out/litemedsam-reference/):
  index.json               key (checkpoint sha256, sha256 of this script and of the reference modules it uses, the
                           fp32 ONNX sha256s), images (input, intensity, size, boxes with mask and logits files)
  <image>.boxK.bits.gz     mask K: numpy packbits(bitorder="little") of the H x W mask, gzip
  <image>.logits.f32       the low-res logits of every box, B x 256 x 256 float32 little-endian
  manifest.json, {encoder,decoder}.{fp16,int8}.onnx   the variants (fp32 paths point to models/litemedsam)

Usage (from the repository root):
    bash scripts/py.sh models/reference/litemedsam_reference.py [--out DIR] [--no-variants]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

import cv2
import nibabel as nib
import nrrd
import numpy as np
import pydicom
import pydicom.data
import torch
import torch.nn.functional as F
from scipy import ndimage

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MODELS = ROOT / "models"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(MODELS))

from medsam_convert.state_dict import sha256_file  # noqa: E402
from postprocess_reference import lite_resized, litemedsam_mask  # noqa: E402
from preprocess_reference import intensity, jpeg_js_decode, litemedsam_256, modality_values, resolve_auto  # noqa: E402

MODEL_ID = "litemedsam"
MANIFEST = MODELS / "manifest.json"
SHARED_DATA = Path(os.environ.get("MEDSAM_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEFAULT_OUT = ROOT / "tests" / "out" / "litemedsam-reference"
# Files whose content decides the reference: the test recomputes their sha256 and reruns this script when one differs.
KEY_FILES = [HERE / "litemedsam_reference.py", HERE / "preprocess_reference.py", HERE / "postprocess_reference.py"]
BOX_PAD = 5  # px added on each side of a reference bounding box ("a little loose", as MedSAM was trained)
NEAR = 1e-3  # |bilinear logit| below this counts as near the threshold (diagnostics only)

ABDOMEN = ROOT / "tests/data/ct-abdomen-20slice"
LIVER = ROOT / "tests/data/ct-liver-3slice"
# 20-slice CT: DICOM files in name order (z -766.5 down to -804.5); TotalSegmentator v2 labels.
ABDOMEN_SLICES = [1, 5, 10, 14, 18]
ABDOMEN_LABELS = {5: "liver", 1: "spleen", 6: "stomach", 52: "aorta", 7: "pancreas"}
MIN_LABEL_PIXELS = 200
LIVER_LABELS = {"liver_seg.nrrd": "liver", "spine_seg.nrrd": "spine", "heart_seg.nrrd": "heart"}
PYDICOM_FILES = Path(pydicom.data.__file__).parent / "test_files"
# pydicom's MR test files (those shipped with the package; nothing is downloaded). Boxes [x0, y0, x1, y1] in pixels.
MR_CASES = {
    # 64 x 64, explicit VR little endian, signed 16 bit: enlarged 4x by INTER_AREA.
    "mr-small": ("MR_small.dcm", {"ring": [33, 27, 50, 45], "lower-bright": [36, 40, 56, 58],
                                  "upper-left": [2, 2, 40, 36]}),
    # The same image as JPEG 2000 lossless: the command line's OpenJPEG path with signed samples.
    "mr-small-j2k": ("MR_small_jp2klossless.dcm", {"ring": [33, 27, 50, 45], "lower-bright": [36, 40, 56, 58]}),
    # 484 x 300 abdominal MR (pydicom.examples.overlay; its overlay circles a liver lesion): non-square, so padded.
    "mr-abdomen-484x300": ("examples_overlay.dcm", {
        "lesion": [40, 130, 86, 180], "liver-mass": [100, 95, 190, 180], "right-kidney": [115, 180, 188, 258],
        "left-kidney": [285, 180, 355, 258]}),
    # 16 x 16 localizer from pydicom's DICOMDIR tests: the extreme enlargement (16x).
    "mr-localizer-16": ("dicomdirtests/98892003/MR1/15820", {"centre": [3, 3, 13, 12]}),
}
KVASIR = SHARED_DATA / "endoscopy-polyp-5"
MIN_COMPONENT_PIXELS = 100


# ----------------------------------------------------------------------------------------------- official steps

def pad_image(image: np.ndarray, target_size: int = 256) -> np.ndarray:
    """CVPR24_LiteMedSAM_infer.py pad_image (H x W x C images): zeros at the bottom and the right."""
    h, w = image.shape[0], image.shape[1]
    padh = target_size - h
    padw = target_size - w
    return np.pad(image, ((0, padh), (0, padw), (0, 0)))


def resize_box_to_256(box: np.ndarray, original_size: tuple[int, int]) -> np.ndarray:
    """CVPR24_LiteMedSAM_infer.py resize_box_to_256."""
    new_box = np.zeros_like(box)
    ratio = 256 / max(original_size)
    for i in range(len(box)):
        new_box[i] = int(box[i] * ratio)
    return new_box


@torch.no_grad()
def official_logits(sam, img_u8: np.ndarray, boxes: list[list[int]]) -> tuple[list[np.ndarray], list[float]]:
    """MedSAM_infer_npz_2D up to the decoder, one box per call: 256 x 256 low-res logits and the IoU prediction."""
    H, W = img_u8.shape[:2]
    img_256 = litemedsam_256(img_u8)
    img_256_norm = (img_256 - img_256.min()) / np.clip(img_256.max() - img_256.min(), a_min=1e-8, a_max=None)
    img_256_padded = pad_image(img_256_norm, 256)
    img_256_tensor = torch.tensor(img_256_padded).float().permute(2, 0, 1).unsqueeze(0)
    image_embedding = sam.image_encoder(img_256_tensor)
    logits, ious = [], []
    for box in boxes:
        box256 = resize_box_to_256(np.array(box), original_size=(H, W))[None, ...]  # (1, 4)
        box_torch = torch.as_tensor(box256[None, None, ...], dtype=torch.float)  # as medsam_inference does
        sparse, dense = sam.prompt_encoder(points=None, boxes=box_torch, masks=None)
        low_res_logits, iou = sam.mask_decoder(
            image_embeddings=image_embedding,
            image_pe=sam.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=False,
        )
        logits.append(low_res_logits[0, 0].numpy().astype(np.float32))
        ious.append(float(iou.reshape(-1)[0]))
    return logits, ious


def near_threshold(logits: np.ndarray, h: int, w: int) -> int:
    """Diagnostics: output pixels whose bilinear logit lies within NEAR of 0 (they may flip under float32 noise)."""
    newh, neww = lite_resized(h, w)
    t = torch.from_numpy(logits)[None, None][..., :newh, :neww]
    up = F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False)
    return int((up.abs() < NEAR).sum())


# ----------------------------------------------------------------------------------------------- inputs and boxes

def padded_box(rows: np.ndarray, cols: np.ndarray, h: int, w: int) -> list[int]:
    """Pixel-edge box of the pixels (columns c..c+1), grown by BOX_PAD and clamped to the image."""
    return [max(0, int(cols.min()) - BOX_PAD), max(0, int(rows.min()) - BOX_PAD),
            min(w, int(cols.max()) + 1 + BOX_PAD), min(h, int(rows.max()) + 1 + BOX_PAD)]


def largest_component_box(mask: np.ndarray) -> list[int] | None:
    lab, n = ndimage.label(mask)
    if n == 0:
        return None
    sizes = ndimage.sum(mask, lab, range(1, n + 1))
    rows, cols = np.nonzero(lab == int(np.argmax(sizes)) + 1)
    return padded_box(rows, cols, *mask.shape)


def labels_on_slice(volume: np.ndarray, lps_to_voxel: np.ndarray, ds) -> np.ndarray:
    """A label volume sampled at the centres of a DICOM slice's pixels (nearest voxel), by the slice's geometry."""
    ipp = np.array(ds.ImagePositionPatient, dtype=float)
    iop = np.array(ds.ImageOrientationPatient, dtype=float)
    sr, sc = (float(v) for v in ds.PixelSpacing)
    r, c = np.mgrid[0:int(ds.Rows), 0:int(ds.Columns)]
    lps = ipp + c[..., None] * sc * iop[:3] + r[..., None] * sr * iop[3:]
    vox = np.rint(np.einsum("ij,rcj->rci", lps_to_voxel[:3, :3], lps) + lps_to_voxel[:3, 3]).astype(int)
    if (vox < 0).any() or (vox >= np.array(volume.shape)).any():
        raise ValueError(f"slice {ds.SOPInstanceUID} lies outside the label volume")
    return volume[vox[..., 0], vox[..., 1], vox[..., 2]]


def dicom_u8(path: Path) -> tuple[np.ndarray, dict, str]:
    ds = pydicom.dcmread(path)
    values = modality_values(ds.pixel_array, float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0)))
    samples = int(ds.get("SamplesPerPixel", 1))
    options = resolve_auto({"kind": "auto"}, str(ds.Modality), samples)
    return intensity(values, options), options, str(ds.Modality)


def rel(path: Path) -> str:
    """Repository-relative where the file is under the repository or its parent (../shared), else absolute."""
    path = path.resolve()
    for base, prefix in ((ROOT, ""), (ROOT.parent, "../")):
        try:
            return prefix + str(path.relative_to(base))
        except ValueError:
            pass
    return str(path)


def ct_inputs() -> list[dict]:
    out = []
    files = sorted((ABDOMEN / "ct_dicom").glob("*.dcm"))
    seg = nib.load(ABDOMEN / "example_seg_dicom.nii.gz")
    labels = np.asarray(seg.dataobj)
    lps_to_voxel = np.linalg.inv(seg.affine) @ np.diag([-1.0, -1.0, 1.0, 1.0])  # NIfTI affines map voxels to RAS
    for i in ABDOMEN_SLICES:
        ds = pydicom.dcmread(files[i], stop_before_pixels=True)
        on_slice = labels_on_slice(labels, lps_to_voxel, ds)
        boxes = {}
        for value, name in ABDOMEN_LABELS.items():
            if (on_slice == value).sum() >= MIN_LABEL_PIXELS:
                boxes[name] = largest_component_box(on_slice == value)
        out.append(dict(id=f"ct-abdomen-{i:02d}", source="ct-abdomen-20slice",
                        input=dict(kind="dicom", path=rel(files[i])), boxes=boxes,
                        boxSource="TotalSegmentator label, largest component on the slice, +5 px"))
    vols = {}
    for file, name in LIVER_LABELS.items():
        data, header = nrrd.read(str(LIVER / file))  # index order x (column), y (row), z
        assert header["space"] == "left-posterior-superior", header["space"]
        affine = np.eye(4)
        affine[:3, :3] = np.array(header["space directions"], dtype=float).T
        affine[:3, 3] = np.array(header["space origin"], dtype=float)
        vols[name] = (data, np.linalg.inv(affine))
    for path in sorted((LIVER / "ct-3slice").glob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        boxes = {}
        for name, (data, lps_to_voxel) in vols.items():
            on_slice = labels_on_slice(data, lps_to_voxel, ds) > 0
            if on_slice.sum() >= MIN_LABEL_PIXELS:
                boxes[name] = largest_component_box(on_slice)
        out.append(dict(id=f"ct-liver-{path.stem}", source="ct-liver-3slice",
                        input=dict(kind="dicom", path=rel(path)), boxes=boxes,
                        boxSource="dcmqi NRRD label, largest component on the slice, +5 px"))
    return out


def mr_inputs() -> list[dict]:
    return [dict(id=case_id, source="pydicom-mr", input=dict(kind="dicom", path=rel(PYDICOM_FILES / file)), boxes=boxes,
                 boxSource="chosen by hand") for case_id, (file, boxes) in MR_CASES.items()]


def kvasir_inputs() -> list[dict]:
    out = []
    paths = sorted((KVASIR / "images").glob("*.jpg"))
    if not paths:
        raise SystemExit(f"error: no Kvasir-SEG images in {KVASIR / 'images'} (the shared test data, read in place)")
    for path in paths:
        mask = cv2.imread(str(KVASIR / "masks" / path.name), cv2.IMREAD_GRAYSCALE) > 127
        lab, n = ndimage.label(mask)
        boxes = {}
        for k in range(1, n + 1):
            rows, cols = np.nonzero(lab == k)
            if rows.size >= MIN_COMPONENT_PIXELS:
                boxes[f"polyp{len(boxes)}"] = padded_box(rows, cols, *mask.shape)
        out.append(dict(id=f"kvasir-{path.stem[:12]}", source="kvasir-seg",
                        input=dict(kind="jpeg", path=rel(path), decoder="jpeg-js 0.4.4"),
                        boxes=boxes, boxSource="mask component (> 127) bounding box, +5 px"))
    return out


def load_u8(case: dict) -> tuple[np.ndarray, dict, str]:
    path = (ROOT / case["input"]["path"]) if not os.path.isabs(case["input"]["path"]) else Path(case["input"]["path"])
    if case["input"]["kind"] == "dicom":
        return dicom_u8(path)
    rgb = jpeg_js_decode(path)
    options = resolve_auto({"kind": "auto"}, "ES", 3)
    return intensity(rgb, options), options, "ES"


# ----------------------------------------------------------------------------------------------- outputs

def write_gz(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))


def make_variants(out: Path, sam, entry: dict) -> dict:
    """fp16 and int8 made as `npm run model:export -- --lite` makes them: the PyTorch model exported with constant
    folding (weights as initializers, pre-transposed for MatMul), then medsam_export.onnx_export.to_fp16 / to_int8.
    (The installed fp32 files come from the weight-free template, exported without constant folding: their MatMul
    weights reach the MatMul through a Transpose node, so to_fp16 keeps most of them float32 and quantize_dynamic
    quantizes none of the encoder's.) Writes a manifest naming the installed fp32 files and these two variants."""
    from medsam_export import manifest as mf
    from medsam_export import onnx_export, test_image
    from medsam_export.wrappers import BoxDecoderGraph, ImageEncoderGraph

    t0 = time.perf_counter()
    size = entry["inputSize"]
    grid = sam.prompt_encoder.image_embedding_size
    enc_shapes, dec_shapes = mf.onnx_shapes(size, [1, sam.prompt_encoder.embed_dim, grid[0], grid[1]])
    image = F.interpolate(test_image.to_model_input(test_image.grey_image()), size=(size, size), mode="area")
    boxes = test_image.parity_boxes(size)
    encoder = ImageEncoderGraph(sam.image_encoder).eval()
    decoder = BoxDecoderGraph(sam.prompt_encoder, sam.mask_decoder).eval()
    folded = {"encoder": out / "export.encoder.fp32.onnx", "decoder": out / "export.decoder.fp32.onnx"}
    with torch.no_grad():
        embedding = encoder(image)
    onnx_export.export_graph(encoder, (image,), folded["encoder"], ["image"], ["image_embeddings"], enc_shapes)
    onnx_export.export_graph(decoder, (embedding, boxes[:2]), folded["decoder"], ["image_embeddings", "boxes"],
                             ["low_res_logits", "iou_predictions"], dec_shapes)
    fp32 = entry["variants"]["fp32"]
    variants: dict[str, dict] = {"fp32": {}, "fp16": {}, "int8": {}}
    for part in ("encoder", "decoder"):
        src = (MANIFEST.parent / fp32[part]["path"]).resolve()
        variants["fp32"][part] = dict(path=os.path.relpath(src, out), bytes=fp32[part]["bytes"],
                                      sha256=fp32[part]["sha256"])
        for precision, convert in (("fp16", onnx_export.to_fp16), ("int8", onnx_export.to_int8)):
            dst = out / f"{part}.{precision}.onnx"
            convert(folded[part], dst)
            variants[precision][part] = dict(path=dst.name, bytes=dst.stat().st_size, sha256=sha256_file(dst))
        folded[part].unlink()
    for leftover in out.glob("*-opt.onnx"):  # quantize_dynamic's pre-processing copy, if any
        leftover.unlink()
    test_entry = {k: v for k, v in entry.items() if k != "variants"}
    test_entry["variants"] = variants
    manifest = {k: v for k, v in json.loads(MANIFEST.read_text()).items() if k != "models"}
    manifest["models"] = [test_entry]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"variants fp16, int8 exported and converted in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(f"{p} {v['encoder']['bytes'] / 2**20:.1f} + {v['decoder']['bytes'] / 2**20:.1f} MiB"
                      for p, v in variants.items()), flush=True)
    return variants


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--no-variants", action="store_true", help="skip the fp16/int8 files")
    args = ap.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.json").unlink(missing_ok=True)  # written last: its presence means a complete run
    for pattern in ("*.bits.gz", "*.logits.f32", "*.onnx", "manifest.json"):  # this script's own outputs only
        for old in out.glob(pattern):
            old.unlink()
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    t_start = time.perf_counter()

    from medsam_convert import litemedsam as lm
    from medsam_export import lite
    from medsam_export.checkpoint import load_sam_checkpoint

    entry = next(m for m in json.loads(MANIFEST.read_text())["models"] if m["id"] == MODEL_ID)
    checkpoint = lm.fetch_checkpoint(lm.cache_root())
    sam = lite.build_lite_sam()
    checkpoint_sha, _note = load_sam_checkpoint(checkpoint, sam, "LiteMedSAM (TinyViT)")
    if checkpoint_sha != entry["weights"]["sha256"]:
        raise SystemExit(f"error: {checkpoint} has sha256 {checkpoint_sha}, "
                         f"the manifest's weights are {entry['weights']['sha256']}")

    cases = ct_inputs() + mr_inputs() + kvasir_inputs()
    images = []
    for case in cases:
        img_u8, options, modality = load_u8(case)
        H, W = img_u8.shape[:2]
        names = list(case["boxes"])
        boxes = [case["boxes"][n] for n in names]
        t0 = time.perf_counter()
        logits, ious = official_logits(sam, img_u8, boxes)
        ms = (time.perf_counter() - t0) * 1000
        (out / f"{case['id']}.logits.f32").write_bytes(np.stack(logits).astype("<f4").tobytes())
        entries = []
        for k, (name, box, lg, iou) in enumerate(zip(names, boxes, logits, ious)):
            mask = litemedsam_mask(lg, H, W)
            file = f"{case['id']}.box{k}.bits.gz"
            write_gz(out / file, np.packbits(mask.reshape(-1), bitorder="little").tobytes())
            entries.append(dict(name=name, box=box, mask=file, positives=int(mask.sum()),
                                nearThreshold=near_threshold(lg, H, W), iouPrediction=round(iou, 6),
                                maxAbsLogit=round(float(np.abs(lg).max()), 4)))
        images.append(dict(id=case["id"], source=case["source"], input=case["input"], modality=modality,
                           intensity=options, width=W, height=H, resized=list(lite_resized(H, W)),
                           boxSource=case["boxSource"], logits=f"{case['id']}.logits.f32", boxes=entries))
        print(f"{case['id']}: {W}x{H}, {len(boxes)} boxes ({', '.join(names)}), {ms:.0f} ms", flush=True)

    variants = None if args.no_variants else make_variants(out, sam, entry)
    fp32 = entry["variants"]["fp32"]
    index = {
        "formatVersion": 1,
        "generatedBy": "models/reference/litemedsam_reference.py",
        "key": {
            "checkpointSha256": checkpoint_sha,
            "files": {rel(p): sha256_file(p) for p in KEY_FILES},
            "onnxFp32": {"encoderSha256": fp32["encoder"]["sha256"], "decoderSha256": fp32["decoder"]["sha256"]},
            "variants": variants is not None,
        },
        "model": {"id": MODEL_ID, "checkpoint": str(checkpoint), "build": "medsam_export.lite.build_lite_sam()"},
        "nearThreshold": NEAR,
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "opencv": cv2.__version__,
                     "pydicom": pydicom.__version__},
        "variants": variants,
        "seconds": round(time.perf_counter() - t_start, 1),
        "images": images,
    }
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    print(f"wrote {sum(len(i['boxes']) for i in images)} masks of {len(images)} images to {out} "
          f"in {index['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
