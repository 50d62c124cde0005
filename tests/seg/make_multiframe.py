"""Multi-frame test images made from the real 3-slice CT of tests/data by real DICOM tools (used by
tests/seg/multiframe.test.ts, run in the project's venv):

  enhanced-ct.dcm  highdicom's LegacyConvertedEnhancedCTImage of the 3 slices: one instance, 3 frames, the position,
                   orientation, pixel spacing and rescale of each frame in its functional groups.
  us-cine.dcm      an RGB Ultrasound Multi-frame Image (a cine: no frame of reference, no patient geometry) whose 3
                   frames are the 3 slices in the soft-tissue window (40/400 HU), written with pydicom.

    python make_multiframe.py CT_DIR OUT_DIR
"""
import sys
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

US_MULTIFRAME = '1.2.840.10008.5.1.4.1.1.3.1'


def enhanced_ct(slices, out: Path) -> None:
    series_uid = generate_uid()
    image = hd.legacy.LegacyConvertedEnhancedCTImage(
        legacy_datasets=slices,
        series_instance_uid=series_uid,
        series_number=901,
        sop_instance_uid=generate_uid(),
        instance_number=1,
    )
    image.save_as(out)


def us_cine(slices, out: Path) -> None:
    frames = []
    for ds in slices:
        hu = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        grey = np.clip((hu - (40 - 200)) / 400 * 255, 0, 255).astype(np.uint8)
        frames.append(np.stack([grey, grey, grey], axis=-1))
    pixels = np.stack(frames)
    src = slices[0]
    ds = Dataset()
    for keyword in ('PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyInstanceUID', 'StudyDate', 'StudyTime',
                    'ReferringPhysicianName', 'StudyID', 'AccessionNumber'):
        if keyword in src:
            setattr(ds, keyword, getattr(src, keyword))
    ds.SOPClassUID = US_MULTIFRAME
    ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = 'US'
    ds.SeriesNumber = 902
    ds.InstanceNumber = 1
    ds.ImageType = ['DERIVED', 'SECONDARY']
    ds.PatientOrientation = ''
    ds.NumberOfFrames = pixels.shape[0]
    ds.FrameIncrementPointer = pydicom.tag.Tag('FrameTime')
    ds.FrameTime = 33.3
    ds.Rows, ds.Columns = pixels.shape[1], pixels.shape[2]
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = 'RGB'
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = US_MULTIFRAME
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.save_as(out, enforce_file_format=True)


def main() -> int:
    ct_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    slices = [pydicom.dcmread(p) for p in sorted(ct_dir.glob('*.dcm'))]
    enhanced_ct(slices, out_dir / 'enhanced-ct.dcm')
    us_cine(slices, out_dir / 'us-cine.dcm')
    print('multi-frame files written')
    return 0


if __name__ == '__main__':
    sys.exit(main())
