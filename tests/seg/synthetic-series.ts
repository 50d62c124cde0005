/**
 * Small CT series written with dcmjs for the command line's fault tests: a bright square on a dark background,
 * positions and attributes chosen by the test (e.g. an empty RescaleSlope, an ACR-NEMA date, uneven spacing).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as dcmjs from 'dcmjs';

export interface SeriesOptions {
  /** Position of each slice along z (mm). */
  z: number[];
  rows?: number;
  columns?: number;
  /** Attributes set (or, as undefined, removed) on every slice. */
  attributes?: Record<string, unknown>;
  /** Bright square [r0, c0, r1, c1) in stored values 1000 (background 0). */
  square?: [number, number, number, number];
}

export const SERIES_STUDY = '1.2.826.0.1.3680043.8.498.1';
export const SERIES_SERIES = '1.2.826.0.1.3680043.8.498.2';

export function writeSeries(dir: string, o: SeriesOptions): string[] {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const rows = o.rows ?? 32;
  const columns = o.columns ?? 32;
  const [r0, c0, r1, c1] = o.square ?? [8, 8, 24, 24];
  return o.z.map((z, k) => {
    const pixels = new Int16Array(rows * columns);
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) pixels[r * columns + c] = 1000;
    const sop = `${SERIES_SERIES}.${k + 1}`;
    const ds: Record<string, unknown> = {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      SOPInstanceUID: sop,
      StudyInstanceUID: SERIES_STUDY,
      SeriesInstanceUID: SERIES_SERIES,
      FrameOfReferenceUID: '1.2.826.0.1.3680043.8.498.3',
      Modality: 'CT',
      PatientName: 'Test^Series',
      PatientID: 'SYN1',
      StudyDate: '20240102',
      StudyTime: '101500',
      AccessionNumber: 'A1',
      InstanceNumber: k + 1,
      ImagePositionPatient: [0, 0, z],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      PixelSpacing: [0.8, 0.8],
      SliceThickness: 7,
      Rows: rows,
      Columns: columns,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleSlope: '1',
      RescaleIntercept: '-1024',
      PixelData: [pixels.buffer],
      ...o.attributes,
    };
    for (const [key, value] of Object.entries(ds)) if (value === undefined) delete ds[key];
    const meta = {
      MediaStorageSOPClassUID: ds.SOPClassUID,
      MediaStorageSOPInstanceUID: sop,
      TransferSyntaxUID: '1.2.840.10008.1.2.1',
      ImplementationClassUID: '1.2.826.0.1.3680043.8.498.4',
    };
    const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
    const file = path.join(dir, `${String(k + 1).padStart(3, '0')}.dcm`);
    // Invalid lengths allowed: the tests need values that break their VR, as some archives hold them.
    fs.writeFileSync(file, Buffer.from(dict.write({ allowInvalidVRLength: true })));
    return file;
  });
}
