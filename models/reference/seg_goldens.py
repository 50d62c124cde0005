"""Goldens for extension-medsam/src/seg (the TypeScript tests read them; they need no Python at run time):

  tests/fixtures/seg/context-groups.json  the codes of the DICOM context groups a SEG uses (CID 7150 categories,
      7151 types, 244 laterality, 7162 algorithm families, 7202 purposes of reference, 7203 derivations), from
      pydicom's copy of PS3.16 (pydicom.sr), so that codes.ts is checked against the standard, not against itself;
  tests/fixtures/seg/cielab.json  RecommendedDisplayCIELabValue of sRGB colours by highdicom's CIELabColor;
  tests/fixtures/seg/nifti-on-dicom.json  the 20-slice CT's NIfTI labels placed on its DICOM slices by nibabel's
      affine and pydicom's geometry (voxel count and centroid row/column of some labels per slice), so that the
      TypeScript NIfTI reader's orientation handling (RAS vs LPS, flipped axes) is checked independently.

    bash scripts/py.sh models/reference/seg_goldens.py tests/fixtures/seg
"""
import json
import os
import sys

import glob

import highdicom as hd
import nibabel as nib
import numpy as np
import pydicom
from pydicom.sr._cid_dict import cid_concepts, name_for_cid
from pydicom.sr._concepts_dict import concepts


def group(cid: int) -> dict:
    out = {}
    for scheme, keywords in cid_concepts[cid].items():
        for kw in keywords:
            for code, (meaning, _cids) in concepts[scheme][kw].items():
                out[f'{scheme}:{code}'] = meaning
    return {'name': name_for_cid[cid], 'codes': dict(sorted(out.items()))}


COLOURS = [
    (0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128), (221, 130, 101),
    (185, 102, 83), (128, 174, 128), (255, 96, 160), (1, 2, 3), (250, 250, 225), (0, 151, 206), (10, 200, 40),
    (241, 214, 145), (90, 60, 40), (255, 255, 0), (0, 255, 255), (17, 34, 51), (200, 0, 0),
]


def nifti_on_dicom(root: str) -> dict:
    img = nib.load(os.path.join(root, 'tests/data/ct-abdomen-20slice/example_seg_dicom.nii.gz'))
    labels = np.asarray(img.dataobj)
    ras_to_voxel = np.linalg.inv(img.affine)
    out = []
    for f in sorted(glob.glob(os.path.join(root, 'tests/data/ct-abdomen-20slice/ct_dicom/*.dcm'))):
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        ipp = np.array(ds.ImagePositionPatient, dtype=float)
        iop = np.array(ds.ImageOrientationPatient, dtype=float)
        sr, sc = (float(v) for v in ds.PixelSpacing)
        r, c = np.mgrid[0:ds.Rows, 0:ds.Columns]
        lps = ipp[None, None, :] + c[..., None] * sc * iop[None, None, :3] + r[..., None] * sr * iop[None, None, 3:]
        ras = lps * np.array([-1, -1, 1])
        vox = np.rint(np.einsum('ij,rcj->rci', ras_to_voxel[:3, :3], ras) + ras_to_voxel[:3, 3]).astype(int)
        on_slice = labels[vox[..., 0], vox[..., 1], vox[..., 2]]
        entry = {'sopInstanceUid': str(ds.SOPInstanceUID), 'labels': {}}
        for value in (1, 5, 6, 52):
            rows, cols = np.nonzero(on_slice == value)
            entry['labels'][str(value)] = [int(rows.size), float(rows.mean()) if rows.size else None, float(cols.mean()) if cols.size else None]
        out.append(entry)
    return {'source': f'nibabel {nib.__version__} affine + pydicom geometry', 'slices': out}


def main() -> None:
    out_dir = sys.argv[1]
    groups = {
        'source': f'pydicom {pydicom.__version__} pydicom.sr (PS3.16 context groups)',
        'cid': {str(c): group(c) for c in (7150, 7151, 244, 7162, 7202, 7203)},
    }
    with open(os.path.join(out_dir, 'context-groups.json'), 'w') as f:
        json.dump(groups, f, indent=1)
        f.write('\n')
    lab = [
        {'rgb': list(c), 'dicom': list(hd.color.CIELabColor.from_rgb(*c).value)}
        for c in COLOURS
    ]
    with open(os.path.join(out_dir, 'cielab.json'), 'w') as f:
        json.dump({'source': f'highdicom {hd.__version__} CIELabColor.from_rgb', 'colours': lab}, f, indent=1)
        f.write('\n')
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(out_dir, 'nifti-on-dicom.json'), 'w') as f:
        json.dump(nifti_on_dicom(root), f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
