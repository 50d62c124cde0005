"""Independent check of a DICOM SEG written by extension-medsam/src/seg (used by the jest tests when the venv exists):
highdicom reads the file (segread) and gives back, for every source instance and segment, the mask; it must equal the
masks the writer was given, voxel for voxel. Segment descriptions are compared too.

    bash scripts/py.sh models/reference/seg_check.py EXPECTED.json

EXPECTED.json: {"seg": path, "masks": path of raw uint8 [segments][sources][rows][columns],
                "sources": [SOPInstanceUID in mask order], "rows": R, "columns": C,
                "sourceFrames": [frame number per source] (optional: the slices are frames of one multi-frame
                                 instance, named by their ReferencedFrameNumber),
                "segments": [{"number": n, "label": s, "category": [value, scheme], "type": [value, scheme],
                              "algorithmType": s, "rgb": [r, g, b]}],
                "segmentationType": "BINARY" | "LABELMAP"}
Prints one JSON line with the figures, then 'highdicom round trip exact'; exit status 1 on any difference.
"""
import json
import sys

import highdicom as hd
import numpy as np


def main() -> int:
    spec = json.load(open(sys.argv[1]))
    seg = hd.seg.segread(spec['seg'])
    rows, cols = spec['rows'], spec['columns']
    uids = spec['sources']
    numbers = [s['number'] for s in spec['segments']]
    expected = np.fromfile(spec['masks'], dtype=np.uint8).reshape(len(numbers), len(uids), rows, cols)
    problems = []

    if seg.SegmentationType != spec['segmentationType']:
        problems.append(f'SegmentationType {seg.SegmentationType} != {spec["segmentationType"]}')
    referenced = {uid for _, _, uid in seg.get_source_image_uids()}
    missing = [u for u in uids if u not in referenced]
    if missing:
        problems.append(f'{len(missing)} source instances not referenced: {missing[:3]}')

    for s in spec['segments']:
        d = seg.get_segment_description(s['number'])
        if d.segment_label != s['label']:
            problems.append(f'segment {s["number"]}: label {d.segment_label!r} != {s["label"]!r}')
        for name, got in (('category', d.segmented_property_category), ('type', d.segmented_property_type)):
            want = s[name]
            if (got.value, got.scheme_designator) != (want[0], want[1]):
                problems.append(f'segment {s["number"]}: {name} {got.value}/{got.scheme_designator} != {want}')
        if d.algorithm_type.value != s['algorithmType']:
            problems.append(f'segment {s["number"]}: algorithm type {d.algorithm_type.value} != {s["algorithmType"]}')
        lab = d.get('RecommendedDisplayCIELabValue')
        rgb = hd.color.CIELabColor.from_dicom_value(lab).to_rgb() if lab is not None else None
        if rgb is None or max(abs(a - b) for a, b in zip(rgb, s['rgb'])) > 1:
            problems.append(f'segment {s["number"]}: colour {rgb} != {s["rgb"]}')

    # (instances or frames, rows, columns, segments); frames absent from the SEG are empty by definition.
    if spec.get('sourceFrames'):
        if len(set(uids)) != 1:
            problems.append('sourceFrames given for slices of several instances')
        pixels = seg.get_pixels_by_source_frame(
            source_sop_instance_uid=uids[0],
            source_frame_numbers=spec['sourceFrames'],
            segment_numbers=numbers,
            assert_missing_frames_are_empty=True,
            combine_segments=False,
        )
    else:
        pixels = seg.get_pixels_by_source_instance(
            source_sop_instance_uids=uids,
            segment_numbers=numbers,
            assert_missing_frames_are_empty=True,
            combine_segments=False,
        )
    got = np.moveaxis(np.asarray(pixels), 3, 0).astype(np.uint8)
    if got.shape != expected.shape:
        problems.append(f'shape {got.shape} != {expected.shape}')
    else:
        diff = int(np.count_nonzero(got != expected))
        if diff:
            problems.append(f'{diff} voxels differ')

    figures = {
        'sopClass': seg.SOPClassUID,
        'segmentationType': seg.SegmentationType,
        'frames': int(seg.NumberOfFrames),
        'segments': len(numbers),
        'voxelsPerSegment': [int(expected[i].sum()) for i in range(len(numbers))],
        'problems': problems,
    }
    print(json.dumps(figures))
    if problems:
        return 1
    print('highdicom round trip exact')
    return 0


if __name__ == '__main__':
    sys.exit(main())
