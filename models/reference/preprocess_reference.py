#!/usr/bin/env python3
"""Preprocessing goldens for the TypeScript engine (extension-medsam/src/engine/preprocess).

Every expected value here comes from the official Python steps, written as the official scripts write them:
- intensity: utils/pre_CT_MR.py (CT window; MR and other grey: 0.5..99.5 percentiles of the voxels > 0, zeros kept)
  and utils/pre_grey_rgb.py (RGB: min-max only when max > 255), with numpy's np.uint8 truncation;
- MedSAM: MedSAM_Inference.py: skimage.transform.resize(img_3c, (1024, 1024), order=3, preserve_range=True,
  anti_aliasing=True).astype(np.uint8), then (x - min) / clip(max - min, 1e-8);
- LiteMedSAM: CVPR24_LiteMedSAM_infer.py: resize_longest_side (cv2.INTER_AREA, int(side * scale + 0.5)), the same
  min-max, zero padding at the bottom and right.
Nothing here calls the TypeScript under test. The one outside tool is jpeg-js (through node), used only to decode the
Kvasir JPEGs the way the TypeScript test decodes them, so that both pipelines start from the same pixels.

Usage: bash scripts/py.sh models/reference/preprocess_reference.py [--out tests/fixtures/preprocess]
Needs ../shared/data (the CT DICOM and the Kvasir JPEGs) and, for the JPEG cases, node with jpeg-js installed.
See tests/fixtures/preprocess/README.md for the fixture format.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pydicom
import scipy
import skimage
from skimage import io, transform

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("MEDSAM_SHARED_DATA", ROOT.parent / "shared" / "data"))

CT_WINDOWS = {"soft-tissue": (400, 40), "lung": (1500, -160), "brain": (80, 40)}
SAMPLE_FRACTION = 0.02
SAMPLE_MULTIPLIER = 2654435761  # prime: k * M mod N visits distinct positions for k < N


# ----------------------------------------------------------------------------------------------- official steps

def modality_values(stored: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """pydicom's apply_modality_lut: stored * RescaleSlope + RescaleIntercept, in float64."""
    return stored.astype(np.float64) * slope + intercept


def ct_window(values: np.ndarray, width: float, level: float, range_: str = "window") -> np.ndarray:
    """pre_CT_MR.py for CT. The official script rescales by min/max of the clipped VOLUME, which are the window
    bounds for any real CT volume; 'window' uses those bounds, 'slice-min-max' the min/max of this clipped slice."""
    lower_bound = level - width / 2
    upper_bound = level + width / 2
    image_data_pre = np.clip(values, lower_bound, upper_bound)
    if range_ == "window":
        lo, hi = lower_bound, upper_bound
    else:
        lo, hi = np.min(image_data_pre), np.max(image_data_pre)
    image_data_pre = (image_data_pre - lo) / (hi - lo) * 255.0
    return np.uint8(image_data_pre)


def percentile_clip(values: np.ndarray, lower: float = 0.5, upper: float = 99.5, of: str = "all") -> np.ndarray:
    """pre_CT_MR.py for MR and other grey images; of='all' ranks every pixel of the slice, 'nonzero' is the
    official 3-D rule (values > 0 ranked, zeros kept at 0)."""
    ranked = values[values > 0] if of == "nonzero" else values
    lower_bound, upper_bound = np.percentile(ranked, lower), np.percentile(ranked, upper)
    image_data_pre = np.clip(values, lower_bound, upper_bound)
    image_data_pre = (image_data_pre - np.min(image_data_pre)) / (np.max(image_data_pre) - np.min(image_data_pre)) * 255.0
    if of == "nonzero":
        image_data_pre[values == 0] = 0
    return np.uint8(image_data_pre)


def min_max(values: np.ndarray) -> np.ndarray:
    """pre_grey_rgb.py's rescale of images beyond 0..255."""
    return np.uint8((values - values.min()) / (np.max(values) - np.min(values)) * 255.0)


def unchanged_if_8bit(values: np.ndarray) -> np.ndarray:
    """pre_grey_rgb.py: images already within 0..255 are used as they are (also checked for negatives here)."""
    if values.min() < 0 or values.max() > 255.0:
        return min_max(values)
    return values.astype(np.uint8)


PERCENTILE_MODALITIES = {"MR", "CR", "DX", "RG", "IO", "PX", "MG", "XA", "RF", "US", "IVUS", "OPT", "IVOCT", "PT", "NM"}


def resolve_auto(options: dict, modality: str, samples: int) -> dict:
    """The engine's 'auto' choice (a project rule, not an official step): RGB -> unchanged-if-8bit, CT -> soft-tissue
    window, the grey modalities the paper clipped by percentiles -> percentile over all pixels, else min-max."""
    if options["kind"] != "auto":
        return options
    if samples == 3:
        return {"kind": "unchanged-if-8bit"}
    if modality == "CT":
        return {"kind": "ct-window", "window": "soft-tissue"}
    if modality in PERCENTILE_MODALITIES:
        return {"kind": "percentile", "percentileOf": "all"}
    return {"kind": "min-max"}


def intensity(values: np.ndarray, options: dict) -> np.ndarray:
    kind = options["kind"]
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "ct-window":
            w = options["window"]
            width, level = CT_WINDOWS[w] if isinstance(w, str) else (w["width"], w["level"])
            return ct_window(values, width, level, options.get("range", "window"))
        if kind == "percentile":
            return percentile_clip(values, options.get("lowerPercentile", 0.5), options.get("upperPercentile", 99.5),
                                   options.get("percentileOf", "all"))
        if kind == "min-max":
            return min_max(values)
        if kind == "unchanged-if-8bit":
            return unchanged_if_8bit(values)
    raise ValueError(f"unknown intensity kind {kind}")


def medsam_1024(img: np.ndarray) -> np.ndarray:
    """MedSAM_Inference.py: grey -> 3 channels, resize to 1024 x 1024, uint8."""
    img_3c = np.repeat(img[:, :, None], 3, axis=-1) if img.ndim == 2 else img
    return transform.resize(img_3c, (1024, 1024), order=3, preserve_range=True, anti_aliasing=True).astype(np.uint8)


def resize_longest_side(image: np.ndarray, target_length: int = 256) -> np.ndarray:
    """CVPR24_LiteMedSAM_infer.py."""
    oldh, oldw = image.shape[0], image.shape[1]
    scale = target_length * 1.0 / max(oldh, oldw)
    newh, neww = oldh * scale, oldw * scale
    neww, newh = int(neww + 0.5), int(newh + 0.5)
    return cv2.resize(image, (neww, newh), interpolation=cv2.INTER_AREA)


def litemedsam_256(img: np.ndarray) -> np.ndarray:
    img_3c = np.repeat(img[:, :, None], 3, axis=-1) if img.ndim == 2 else img
    return resize_longest_side(img_3c, 256)


def normalisation_table(u8: np.ndarray) -> list[float]:
    """The float32 encoder-input value of every uint8 level min..max, computed as the official scripts do:
    (img - img.min()) / np.clip(img.max() - img.min(), a_min=1e-8, a_max=None), then torch's .float()."""
    levels = np.arange(int(u8.min()), int(u8.max()) + 1, dtype=np.uint8)
    table = (levels - u8.min()) / np.clip(u8.max() - u8.min(), a_min=1e-8, a_max=None)
    return [float(v) for v in table.astype(np.float32)]


# ----------------------------------------------------------------------------------------------- inputs

def synthetic(rows: int, cols: int, samples: int, lo: int, hi: int, background: int) -> np.ndarray:
    """Integer test pattern (the TypeScript test computes the same from the same formula): a gradient, flat
    rectangles (the spline's +-1 speckle), a bright bar and an ellipse (overshoot at sharp edges), a background band
    and a patch of hashed noise. Returns int64 H x W x samples."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.int64)
    out = np.empty((rows, cols, samples), np.int64)
    span = hi - lo
    for c in range(samples):
        v = lo + (span * (x + 2 * y)) // (cols + 2 * rows) + c * 7
        v = np.minimum(v, hi)
        noise = (y >= rows // 2) & (y < 5 * rows // 8) & (x >= 5 * cols // 8) & (x < 7 * cols // 8)
        v = np.where(noise, lo + ((x * 7919 + y * 104729 + c * 31) ^ (x * y)) % (span + 1), v)
        v = np.where(x < cols // 12, background, v)
        ellipse = (y - 3 * rows // 4) ** 2 * cols * cols + (x - 3 * cols // 4) ** 2 * rows * rows < (rows * cols // 6) ** 2
        v = np.where(ellipse, lo + span // 5, v)
        v = np.where(y < rows // 8, hi - c, v)
        rect = (y >= rows // 4) & (y < rows // 2) & (x >= cols // 4) & (x < cols // 2)
        v = np.where(rect, lo + span * (3 + c) // 10, v)
        out[:, :, c] = v
    return out


DTYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "uint16": np.uint16, "float32": np.float32}


def synthetic_case(case_id: str, rows: int, cols: int, samples: int, dtype: str, lo: int, hi: int, background: int,
                   planar: bool, slope: float, intercept: float, modality: str, options: dict, profiles: list[str],
                   divisor: int = 1, full: bool = False) -> dict:
    values = synthetic(rows, cols, samples, lo, hi, background)
    stored = (values.astype(np.float64) / divisor).astype(DTYPES[dtype]) if divisor != 1 else values.astype(DTYPES[dtype])
    assert np.array_equal(stored.astype(np.float64) * divisor, values.astype(np.float64)), "synthetic values must be exact"
    return dict(id=case_id, stored=stored if samples == 3 else stored[:, :, 0], planar=planar, slope=slope,
                intercept=intercept, modality=modality, options=options, profiles=profiles, full=full,
                input=dict(source="synthetic", generator=dict(rows=rows, columns=cols, samplesPerPixel=samples, lo=lo,
                                                             hi=hi, background=background, divisor=divisor)),
                dtype=dtype)


def dicom_case(case_id: str, input_name: str, path: Path, options: dict, profiles: list[str], full: bool) -> dict:
    ds = pydicom.dcmread(path)
    stored = ds.pixel_array
    return dict(id=case_id, stored=stored, planar=False, slope=float(ds.get("RescaleSlope", 1)),
                intercept=float(ds.get("RescaleIntercept", 0)), modality=str(ds.Modality), options=options,
                profiles=profiles, full=full, input=dict(source="dicom", file=f"{input_name}.input.bin.gz",
                                               dicom=str(path.relative_to(SHARED_DATA)),
                                               transferSyntax=str(ds.file_meta.TransferSyntaxUID)),
                dtype=str(stored.dtype))


def jpeg_js_decode(path: Path) -> np.ndarray:
    """Decodes a JPEG with the npm package jpeg-js, as the TypeScript test does."""
    script = ("const fs=require('fs');const jpeg=require('jpeg-js');"
              "const d=jpeg.decode(fs.readFileSync(process.argv[1]),{useTArray:true,formatAsRGBA:false});"
              "process.stdout.write(JSON.stringify([d.height,d.width])+'\\n');process.stdout.write(Buffer.from(d.data));")
    res = subprocess.run(["node", "-e", script, str(path)], cwd=ROOT, capture_output=True, check=True)
    header, _, data = res.stdout.partition(b"\n")
    h, w = json.loads(header)
    return np.frombuffer(data, np.uint8).reshape(h, w, 3)


# ----------------------------------------------------------------------------------------------- fixtures

def sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def write_gz(out: Path, name: str, data: bytes) -> str:
    with gzip.GzipFile(out / name, "wb", compresslevel=9, mtime=0) as f:
        f.write(data)
    return name


def planar_delta(u8: np.ndarray) -> bytes:
    """Encoding 'planar-delta' of an H x W (x C) uint8 image: planes in channel order; plane 0 row by row as the
    first value then differences to the left neighbour, planes 1.. as differences to plane 0, all modulo 256. Smooth
    images compress about twice as well this way."""
    planes = (u8[None] if u8.ndim == 2 else np.moveaxis(u8, -1, 0)).astype(np.int16)
    enc = planes.copy()
    enc[0, :, 1:] = planes[0, :, 1:] - planes[0, :, :-1]
    for c in range(1, planes.shape[0]):
        enc[c] = planes[c] - planes[0]
    return np.mod(enc, 256).astype(np.uint8).tobytes()


def sample_positions(n: int, fraction: float) -> np.ndarray:
    m = int(n * fraction)
    return (np.arange(m, dtype=np.uint64) * np.uint64(SAMPLE_MULTIPLIER)) % np.uint64(n)


def expected_entry(out: Path, name: str, u8: np.ndarray, full: bool, fraction: float = SAMPLE_FRACTION,
                   table: bool = True) -> dict:
    """What the test compares: always the sha256 of the whole H x W (x C) uint8 array (numpy's layout) and its
    min/max; then either the whole array ('planar-delta', gzip) or the values at a fixed pseudo-random sample of
    positions (k * 2654435761 mod N for k < fraction * N, in the flattened numpy layout)."""
    entry = dict(shape=list(u8.shape), sha256=sha256(u8), min=int(u8.min()), max=int(u8.max()))
    if table:
        entry["table"] = normalisation_table(u8)
    if full:
        entry["file"] = write_gz(out, name + ".u8.gz", planar_delta(u8))
        entry["encoding"] = "planar-delta"
    else:
        flat = u8.reshape(-1)
        entry["sample"] = dict(fraction=fraction, multiplier=SAMPLE_MULTIPLIER,
                               file=write_gz(out, name + ".sample.u8.gz", flat[sample_positions(flat.size, fraction)].tobytes()))
    return entry


def run_case(out: Path, case: dict) -> dict:
    stored = case["stored"]
    if case["planar"]:
        stored_layout = np.moveaxis(stored, -1, 0)  # 3 x H x W, as PlanarConfiguration 1 stores it
    else:
        stored_layout = stored
    values = modality_values(stored, case["slope"], case["intercept"])
    u8 = intensity(values, resolve_auto(case["options"], case["modality"], 3 if stored.ndim == 3 else 1))
    entry = dict(id=case["id"], input=dict(case["input"]), intensity=case["options"])
    entry["input"].update(rows=int(stored.shape[0]), columns=int(stored.shape[1]),
                          samplesPerPixel=3 if stored.ndim == 3 else 1, planar=case["planar"], dtype=case["dtype"],
                          rescaleSlope=case["slope"], rescaleIntercept=case["intercept"], modality=case["modality"])
    little_endian = stored_layout.astype(stored_layout.dtype.newbyteorder("<"))
    entry["input"]["storedSha256"] = sha256(little_endian)
    if case["input"]["source"] == "dicom" and not (out / case["input"]["file"]).exists():
        write_gz(out, case["input"]["file"], little_endian.tobytes())
    kvasir = case["input"]["source"] == "jpeg"
    # The intensity image is checked through its sha256 and a 1% sample (2% for the JPEGs: nothing more of them).
    expected = dict(intensity=expected_entry(out, f"{case['id']}.intensity", u8, False, SAMPLE_FRACTION if kvasir else 0.01,
                                             table=False))
    if "medsam-1024-stretch" in case["profiles"]:
        expected["medsam-1024-stretch"] = expected_entry(out, f"{case['id']}.medsam", medsam_1024(u8), case["full"],
                                                         SAMPLE_FRACTION if kvasir else 0.01)
    if "litemedsam-256-longest-pad" in case["profiles"]:
        lite = litemedsam_256(u8)
        e = expected_entry(out, f"{case['id']}.lite", lite, not kvasir)
        e["scale"] = 256 * 1.0 / max(u8.shape[0], u8.shape[1])
        expected["litemedsam-256-longest-pad"] = e
    entry["expected"] = expected
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "preprocess")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    both = ["medsam-1024-stretch", "litemedsam-256-longest-pad"]
    medsam = ["medsam-1024-stretch"]

    liver = sorted((SHARED_DATA / "ct-liver-3slice" / "ct-3slice").glob("*.dcm"))
    abdomen = sorted((SHARED_DATA / "ct-abdomen-20slice" / "ct_dicom").glob("*.dcm"))
    for old in out.glob("*.gz"):
        old.unlink()
    cases = [
        dicom_case("ct-liver-01-soft-tissue", "ct-liver-01", liver[0], {"kind": "auto"}, both, True),
        dicom_case("ct-liver-01-lung", "ct-liver-01", liver[0], {"kind": "ct-window", "window": "lung"}, medsam, False),
        dicom_case("ct-liver-01-custom-slice-min-max", "ct-liver-01", liver[0],
                   {"kind": "ct-window", "window": {"width": 350, "level": 50}, "range": "slice-min-max"}, medsam, False),
        dicom_case("ct-abdomen-10-soft-tissue", "ct-abdomen-10", abdomen[10],
                   {"kind": "ct-window", "window": "soft-tissue"}, both, True),
        dicom_case("ct-abdomen-10-brain", "ct-abdomen-10", abdomen[10], {"kind": "ct-window", "window": "brain"}, medsam,
                   False),
        synthetic_case("syn-u8-37x53", 37, 53, 1, "uint8", 0, 255, 0, False, 1.0, 0.0, "OT",
                       {"kind": "unchanged-if-8bit"}, both, full=True),
        synthetic_case("syn-i16-1500x700-mr", 1500, 700, 1, "int16", -500, 3000, 0, False, 1.0, 0.0, "MR",
                       {"kind": "auto"}, both),
        synthetic_case("syn-u16-300x2000-nonzero", 300, 2000, 1, "uint16", 50, 4000, 0, False, 1.0, 0.0, "MR",
                       {"kind": "percentile", "percentileOf": "nonzero"}, both),
        synthetic_case("syn-i8-64x40-slope", 64, 40, 1, "int8", -100, 120, -100, False, 0.5, 3.0, "OT",
                       {"kind": "min-max"}, both),
        synthetic_case("syn-rgb-617x528", 617, 528, 3, "uint8", 0, 255, 0, False, 1.0, 0.0, "XC",
                       {"kind": "auto"}, both, full=True),
        synthetic_case("syn-rgb-planar-u16-200x333", 200, 333, 3, "uint16", 0, 1000, 0, True, 1.0, 0.0, "XC",
                       {"kind": "auto"}, both),
        synthetic_case("syn-f32-129x257-pt", 129, 257, 1, "float32", 0, 40000, 0, False, 1.0, 0.0, "PT",
                       {"kind": "auto"}, both, divisor=4),
        synthetic_case("syn-u16-2500x3000-mg", 2500, 3000, 1, "uint16", 100, 4095, 0, False, 1.0, 0.0, "MG",
                       {"kind": "auto"}, both, full=True),
        synthetic_case("syn-u16-1024x1024-identity", 1024, 1024, 1, "uint16", 0, 1023, 0, False, 1.0, 0.0, "DX",
                       {"kind": "auto"}, medsam),
    ]
    entries = [run_case(out, c) for c in cases]

    # Kvasir-SEG endoscopy JPEGs: read-only, nothing reconstructable is committed (hashes and 2% samples only).
    for path in sorted((SHARED_DATA / "endoscopy-polyp-5" / "images").glob("*.jpg")):
        pil = io.imread(path)  # MedSAM_Inference.py reads images with skimage.io (Pillow's decoder)
        js = jpeg_js_decode(path)
        diff = np.abs(pil.astype(np.int16) - js)
        case = dict(id=f"kvasir-{path.stem[:12]}", stored=js, planar=False, slope=1.0, intercept=0.0, modality="ES",
                    options={"kind": "auto"}, profiles=both, dtype="uint8", full=False,
                    input=dict(source="jpeg", jpeg=str(path.relative_to(SHARED_DATA)), decoder="jpeg-js 0.4.4",
                               decodedSha256=sha256(js), pillowDecodedSha256=sha256(pil),
                               pillowVsJpegJs=dict(maxAbsDiff=int(diff.max()), fractionDiffering=float((diff > 0).mean()))))
        entry = run_case(out, case)
        # The official pipeline on Pillow's pixels, for the report: how far the decoders' difference carries.
        pil_medsam = medsam_1024(pil).reshape(-1)
        js_medsam = medsam_1024(js).reshape(-1)
        d = np.abs(pil_medsam.astype(np.int16) - js_medsam)
        entry["input"]["pillowVsJpegJs"]["medsam"] = dict(maxAbsDiff=int(d.max()), fractionDiffering=float((d > 0).mean()))
        entries.append(entry)

    manifest = dict(
        formatVersion=1,
        generatedBy="models/reference/preprocess_reference.py",
        versions=dict(numpy=np.__version__, scipy=scipy.__version__, skimage=skimage.__version__,
                      opencv=cv2.__version__, pydicom=pydicom.__version__),
        cases=entries,
    )
    (out / "cases.json").write_text(json.dumps(manifest, separators=(",", ":")) + "\n")
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {len(entries)} cases to {out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
