"""Goldens for the engine's Dice and normalised surface distance (NSD, "surface Dice at tolerance tau").

Writes tests/fixtures/metrics/ (format and regeneration in its README.md) and the engine's surfel lookup table
extension-medsam/src/engine/metrics/surfelNormals.ts. Run from the repository root:

    bash scripts/py.sh models/reference/metrics_reference.py

Two references, both printed and both stored:
  - `deepmind`: DeepMind's surface-distance algorithm (the one the MedSAM paper's evaluation uses), written here from
    its description, in float64: crop to the bounding box of A | B, pad one voxel at the high end, neighbour codes of
    the 2x2(x2) corner neighbourhoods by scipy.ndimage.correlate with the kernel [[8,4],[2,1]] (2D) or
    [[[128,64],[32,16]],[[8,4],[2,1]]] (3D), border = code not 0 and not all-ones, contour length (2D) / surfel area
    (3D, marching-cubes normals scaled by the spacing) per code, distances by scipy's exact Euclidean distance
    transform with `sampling=spacing`, NSD = (sum of A's border measure within tau of B's border + the same for B)
    / (total border measure of A and B). DeepMind's package is not on PyPI, so it is not installed; its lookup
    tables are read from MONAI, which ships them ("adapted from deepmind/surface-distance").
  - `monai`: MONAI's compute_surface_dice(..., use_subvoxels=True) (its DeepMind-compatible mode; float32 output).
Dice is 2|A & B| / (|A| + |B|) in numpy. Where both masks are empty the references give NaN (stored as null);
the engine defines Dice = NSD = 1 there (documented in its metrics module).
"""

from __future__ import annotations

import gzip
import json
import sys
import warnings
from pathlib import Path

import nibabel as nib
import nrrd
import numpy as np
import torch
from monai.metrics import compute_surface_dice
from monai.metrics.utils import _get_neighbour_code_to_normals_table, create_table_neighbour_code_to_contour_length
from scipy import ndimage

# MONAI warns about empty masks (the cases are deliberate) and deprecated arguments; the output stays readable.
warnings.filterwarnings("ignore", category=UserWarning, module="monai")
warnings.filterwarnings("ignore", category=FutureWarning, module="monai")

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "metrics"
TABLE_TS = ROOT / "extension-medsam" / "src" / "engine" / "metrics" / "surfelNormals.ts"
SHARED = ROOT.parent / "shared" / "data"

KERNEL_2D = np.array([[8, 4], [2, 1]])
KERNEL_3D = np.array([[[128, 64], [32, 16]], [[8, 4], [2, 1]]])


def normals_table() -> list[list[list[float]]]:
    """Per code, the triangle normals (length = area) of the marching-cubes surface, zero padding rows dropped."""
    t = _get_neighbour_code_to_normals_table().numpy().astype(np.float64)
    assert t.shape == (256, 4, 3)
    return [[list(map(float, n)) for n in t[c] if np.any(n != 0)] for c in range(256)]


def measure_table(spacing: tuple[float, ...]) -> np.ndarray:
    if len(spacing) == 2:
        table, _ = create_table_neighbour_code_to_contour_length(spacing)
        return np.asarray(table, dtype=np.float64)
    s0, s1, s2 = spacing
    scale = np.array([s1 * s2, s0 * s2, s0 * s1])
    table = np.zeros(256)
    for code, normals in enumerate(normals_table()):
        table[code] = sum(float(np.linalg.norm(np.array(n) * scale)) for n in normals)
    return table


def deepmind_nsd(a: np.ndarray, b: np.ndarray, spacing: tuple[float, ...], taus: list[float]) -> dict:
    nd = a.ndim
    union = a | b
    if not union.any():
        return {"nsd": [float("nan")] * len(taus), "borderA": 0.0, "borderB": 0.0}
    nz = np.nonzero(union)
    crop = tuple(slice(int(ix.min()), int(ix.max()) + 1) for ix in nz)
    kernel = KERNEL_2D if nd == 2 else KERNEL_3D
    full = 15 if nd == 2 else 255
    table = measure_table(spacing)

    def codes(m: np.ndarray) -> np.ndarray:
        padded = np.pad(m[crop].astype(np.uint8), [(0, 1)] * nd)
        return ndimage.correlate(padded, kernel, mode="constant", cval=0)

    ca, cb = codes(a), codes(b)
    border_a = (ca != 0) & (ca != full)
    border_b = (cb != 0) & (cb != full)

    def dist_to(border: np.ndarray) -> np.ndarray:
        if not border.any():
            return np.full(border.shape, np.inf)
        return ndimage.distance_transform_edt(~border, sampling=spacing)

    d_ab = dist_to(border_b)[border_a]
    d_ba = dist_to(border_a)[border_b]
    area_a = table[ca[border_a]]
    area_b = table[cb[border_b]]
    total = area_a.sum() + area_b.sum()
    nsd = [float((area_a[d_ab <= t].sum() + area_b[d_ba <= t].sum()) / total) for t in taus]
    return {"nsd": nsd, "borderA": float(area_a.sum()), "borderB": float(area_b.sum())}


def monai_nsd(a: np.ndarray, b: np.ndarray, spacing: tuple[float, ...], tau: float) -> float:
    pred = torch.from_numpy(a.astype(np.float32))[None, None]
    ref = torch.from_numpy(b.astype(np.float32))[None, None]
    v = compute_surface_dice(pred, ref, [tau], include_background=True, spacing=list(spacing), use_subvoxels=True)
    return float(v[0, 0])


def dice(a: np.ndarray, b: np.ndarray) -> float:
    s = int(a.sum()) + int(b.sum())
    return float("nan") if s == 0 else 2.0 * int((a & b).sum()) / s


# ---- masks -------------------------------------------------------------------------------------------------------

def ellipsoid(shape, centre, radii) -> np.ndarray:
    grids = np.meshgrid(*[np.arange(n, dtype=np.float64) for n in shape], indexing="ij")
    return sum(((g - c) / r) ** 2 for g, c, r in zip(grids, centre, radii)) <= 1.0


def box(shape, lo, hi) -> np.ndarray:
    m = np.zeros(shape, bool)
    m[tuple(slice(l, h) for l, h in zip(lo, hi))] = True
    return m


def blobs(shape, seed: int, sigma: float, level: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.normal(size=shape), sigma)
    return field > level * field.std()


def shift(m: np.ndarray, offsets) -> np.ndarray:
    """Shift with zero fill (no wrap-around)."""
    out = np.zeros_like(m)
    src = tuple(slice(max(0, -o), n - max(0, o)) for o, n in zip(offsets, m.shape))
    dst = tuple(slice(max(0, o), n - max(0, -o)) for o, n in zip(offsets, m.shape))
    out[dst] = m[src]
    return out


def dilate(m: np.ndarray, r: int) -> np.ndarray:
    return ndimage.binary_dilation(m, structure=ndimage.generate_binary_structure(m.ndim, 1), iterations=r)


def cases() -> list[tuple[str, np.ndarray, np.ndarray, tuple[float, ...], list[float], str]]:
    out = []
    s2 = (64, 80)
    out.append(("2d-disc-vs-shifted-disc", ellipsoid(s2, (30, 40), (15, 15)), ellipsoid(s2, (33.5, 37), (16, 17)),
                (1.0, 1.0), [0.0, 1.0, 2.0, 3.0], "synthetic"))
    out.append(("2d-box-vs-shifted-box-anisotropic", box((50, 70), (10, 12), (30, 40)), box((50, 70), (12, 10), (33, 41)),
                (0.7, 1.3), [0.5, 1.0, 2.0], "synthetic"))
    out.append(("2d-touching-the-image-border", box((40, 40), (0, 0), (40, 25)), box((40, 40), (0, 3), (38, 40)),
                (0.5, 0.5), [1.0, 2.0], "synthetic"))
    out.append(("2d-one-empty", ellipsoid(s2, (30, 40), (10, 12)), np.zeros(s2, bool), (1.0, 1.0), [2.0], "synthetic"))
    out.append(("2d-both-empty", np.zeros((16, 16), bool), np.zeros((16, 16), bool), (1.0, 1.0), [2.0], "synthetic"))
    px = np.zeros((9, 9), bool)
    px[4, 4] = True
    out.append(("2d-single-pixel-vs-diagonal-pair", px, box((9, 9), (5, 5), (6, 6)) | box((9, 9), (6, 6), (7, 7)),
                (1.0, 1.0), [0.5, 1.0, 1.5], "synthetic"))
    out.append(("2d-random-blobs", blobs((96, 96), 3, 3.0, 0.3), blobs((96, 96), 4, 3.0, 0.3), (0.8, 0.8),
                [1.0, 2.0], "synthetic"))
    s3 = (24, 40, 40)
    out.append(("3d-sphere-vs-shifted-sphere-anisotropic", ellipsoid(s3, (12, 20, 20), (5, 12, 12)),
                ellipsoid(s3, (12.5, 21, 19), (5.5, 11, 13)), (2.5, 0.7, 0.7), [1.0, 2.0, 3.0], "synthetic"))
    out.append(("3d-box-vs-shifted-box", box((20, 30, 30), (3, 5, 5), (12, 20, 22)), box((20, 30, 30), (4, 6, 4), (14, 20, 21)),
                (1.0, 1.0, 1.0), [1.0, 2.0], "synthetic"))
    out.append(("3d-random-blobs-anisotropic", blobs((20, 48, 48), 5, 2.0, 0.2), blobs((20, 48, 48), 6, 2.0, 0.2),
                (2.0, 0.8, 0.9), [1.0, 2.0, 4.0], "synthetic"))
    out.append(("3d-one-empty", np.zeros(s3, bool), ellipsoid(s3, (12, 20, 20), (5, 12, 12)), (2.5, 0.7, 0.7), [2.0],
                "synthetic"))
    out.append(("3d-both-empty", np.zeros((4, 8, 8), bool), np.zeros((4, 8, 8), bool), (2.5, 0.7, 0.7), [2.0], "synthetic"))

    # Real labels (BSD-3, dcmqi): liver, NRRD (x, y, z) -> (z, y, x); against a dilated and shifted copy of itself.
    data, hdr = nrrd.read(str(SHARED / "ct-liver-3slice" / "liver_seg.nrrd"))
    liver = np.ascontiguousarray(np.transpose(data != 0, (2, 1, 0)))
    d = np.abs(np.diag(hdr["space directions"])).astype(float)
    sp = (float(d[2]), float(d[1]), float(d[0]))
    liver_b = shift(dilate(liver, 2), (0, 3, -2))
    out.append(("3d-ct-liver-3slice-vs-dilated-shifted", liver, liver_b, sp, [1.0, 2.0, 5.0], "ct-liver-3slice"))
    out.append(("2d-ct-liver-slice-1-vs-dilated-shifted", liver[1], liver_b[1], sp[1:], [1.0, 2.0], "ct-liver-3slice"))

    # Real labels (Apache-2.0, TotalSegmentator example): liver (label 5), 20 x 512 x 512, 2 mm slices. The volume the
    # engine must handle in seconds.
    img = nib.load(str(SHARED / "ct-abdomen-20slice" / "example_seg_dicom.nii.gz"))
    lab = np.asarray(img.dataobj)
    liver20 = np.ascontiguousarray(np.transpose(lab == 5, (2, 1, 0)))
    z = img.header.get_zooms()
    sp20 = (float(z[2]), float(z[1]), float(z[0]))
    liver20_b = shift(ndimage.binary_erosion(liver20, iterations=1) | shift(liver20, (1, 0, 0)), (0, -2, 3))
    out.append(("3d-ct-abdomen-20slice-liver-vs-eroded-shifted", liver20, liver20_b, sp20, [1.0, 2.0, 3.0],
                "ct-abdomen-20slice"))
    return out


def write_gz(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
            gz.write(data)


def write_table_ts() -> None:
    rows = []
    for code, normals in enumerate(normals_table()):
        eighths = [[int(round(v * 8)) for v in n] for n in normals]
        assert all(abs(v * 8 - round(v * 8)) < 1e-12 for n in normals for v in n)
        rows.append("  " + json.dumps(eighths).replace(" ", "") + f", // {code}")
    TABLE_TS.write_text(
        "/**\n"
        " * GENERATED by models/reference/metrics_reference.py - do not edit.\n"
        " *\n"
        " * For each of the 256 codes of a 2x2x2 corner neighbourhood (bit weights [[[128, 64], [32, 16]], [[8, 4], [2, 1]]]\n"
        " * over [z][y][x] offsets -1/0), the normals of the marching-cubes triangles of that configuration, in units of\n"
        " * 1/8 voxel^2 (a normal's length is its triangle's area). This table defines DeepMind's surfel areas; it is the\n"
        " * data of deepmind/surface-distance's lookup_tables.py (Apache-2.0, Copyright 2018 Google Inc.) as shipped by\n"
        " * MONAI (Apache-2.0) in monai.metrics.utils, which the generator reads.\n"
        " */\n"
        "export const SURFEL_NORMALS_EIGHTHS: ReadonlyArray<ReadonlyArray<readonly [number, number, number]>> = [\n"
        + "\n".join(rows)
        + "\n];\n"
    )


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    write_table_ts()
    meta_cases = []
    worst = 0.0
    for name, a, b, spacing, taus, source in cases():
        assert a.shape == b.shape and a.dtype == bool and b.dtype == bool and len(spacing) == a.ndim
        fa, fb = f"{name}.a.bits.gz", f"{name}.b.bits.gz"
        write_gz(OUT / fa, np.packbits(a.ravel(), bitorder="little").tobytes())
        write_gz(OUT / fb, np.packbits(b.ravel(), bitorder="little").tobytes())
        dm = deepmind_nsd(a, b, spacing, taus)
        nsd = []
        for tau, v in zip(taus, dm["nsd"]):
            m = monai_nsd(a, b, spacing, tau)
            if not (np.isnan(v) and np.isnan(m)):
                worst = max(worst, abs(v - m))
            nsd.append({"tauMm": tau, "deepmind": None if np.isnan(v) else v, "monai": None if np.isnan(m) else m})
        dc = dice(a, b)
        meta_cases.append({
            "name": name,
            "source": source,
            "shape": list(a.shape),
            "spacingMm": list(spacing),
            "maskA": fa,
            "maskB": fb,
            "voxelsA": int(a.sum()),
            "voxelsB": int(b.sum()),
            "dice": None if np.isnan(dc) else dc,
            "borderMeasureA": dm["borderA"],
            "borderMeasureB": dm["borderB"],
            "nsd": nsd,
        })
        print(f"{name:48s} {str(a.shape):16s} dice {dc:.6f}  " + "  ".join(
            f"nsd@{n['tauMm']:g} {n['deepmind'] if n['deepmind'] is None else round(n['deepmind'], 6)}"
            f" (monai {n['monai'] if n['monai'] is None else round(n['monai'], 6)})" for n in nsd))
    (OUT / "cases.json").write_text(json.dumps({
        "generator": "models/reference/metrics_reference.py",
        "bitOrder": "numpy packbits little: voxel i is bit (i % 8) of byte i // 8, C order over `shape`",
        "cases": meta_cases,
    }, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"max |deepmind - monai| NSD over all cases: {worst:.3g}")
    print(f"wrote {len(meta_cases)} cases to {OUT.relative_to(ROOT)} ({total / 1024:.0f} KiB) and {TABLE_TS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
