/**
 * Coded concepts for segments: a searchable list of common targets with their SNOMED CT codes (scheme "SCT"), the
 * category from CID 7150 "Segmentation Property Categories" and the type from CID 7151 "Segmentation Property
 * Types" (PS3.16). Codes and meanings are those of pydicom 3.0.2's copy of PS3.16 (pydicom.sr); the test checks
 * every code here against a golden made from it (models/reference/seg_codes.py). Deprecated SRT codes are never
 * used. Free text gets a coded fallback (category Tissue, type Tissue) with the text as the segment label.
 */
export interface Code {
  readonly value: string;
  readonly scheme: string;
  readonly meaning: string;
}

const sct = (value: string, meaning: string): Code => ({ value, scheme: 'SCT', meaning });
const dcm = (value: string, meaning: string): Code => ({ value, scheme: 'DCM', meaning });

/** CID 7150 Segmentation Property Categories. */
export const CATEGORY = {
  tissue: sct('85756007', 'Tissue'),
  anatomicalStructure: sct('91723000', 'Anatomical Structure'),
  morphologicallyAbnormalStructure: sct('49755003', 'Morphologically Abnormal Structure'),
  physicalObject: sct('260787004', 'Physical object'),
  bodySubstance: sct('91720002', 'Body Substance'),
} as const;

/** CID 244 Laterality, used as SegmentedPropertyTypeModifierCodeSequence. */
export const LATERALITY = {
  left: sct('7771000', 'Left'),
  right: sct('24028007', 'Right'),
} as const;

/** Other codes the writer needs (DCM, PS3.16). */
export const DCM_CODES = {
  sourceImageForProcessing: dcm('121322', 'Source image for image processing operation'),
  segmentation: dcm('113076', 'Segmentation'),
  /** CID 7162 Surface Processing Algorithm Families: the family of a learned model such as MedSAM. */
  artificialIntelligence: dcm('123110', 'Artificial Intelligence'),
  manualProcessing: dcm('123109', 'Manual Processing'),
  background: dcm('125040', 'Background'),
} as const;

export type Rgb = readonly [number, number, number];

export interface SegmentTarget {
  /** Stable id for UI state and the command line (e.g. "liver", "kidney-left"). */
  readonly id: string;
  /** Default segment label. */
  readonly label: string;
  /** Other words a user may type (British and American spelling, lay terms). */
  readonly synonyms: readonly string[];
  readonly category: Code;
  readonly type: Code;
  readonly typeModifier?: Code;
  /** Default display colour (sRGB 0..255). */
  readonly color: Rgb;
  /**
   * False where the type is a valid SNOMED CT concept that pydicom's copy of CID 7151 does not enumerate (the group
   * is extensible); shown to the user as it is.
   */
  readonly inContextGroup: boolean;
}

const A = CATEGORY.anatomicalStructure;
const T = CATEGORY.tissue;
const M = CATEGORY.morphologicallyAbnormalStructure;

function target(
  id: string,
  label: string,
  category: Code,
  type: Code,
  color: Rgb,
  synonyms: readonly string[] = [],
  extra: { typeModifier?: Code; inContextGroup?: boolean } = {},
): SegmentTarget {
  return {
    id,
    label,
    synonyms,
    category,
    type,
    color,
    typeModifier: extra.typeModifier,
    inContextGroup: extra.inContextGroup ?? true,
  };
}

const KIDNEY = sct('64033007', 'Kidney');
const LUNG = sct('39607008', 'Lung');
const ADRENAL = sct('23451007', 'Adrenal gland');

export const SEGMENT_TARGETS: readonly SegmentTarget[] = [
  // Abdominal and pelvic organs
  target('liver', 'Liver', A, sct('10200004', 'Liver'), [221, 130, 101], ['hepatic']),
  target('spleen', 'Spleen', A, sct('78961009', 'Spleen'), [157, 108, 162], ['splenic']),
  target('kidney', 'Kidney', A, KIDNEY, [185, 102, 83], ['renal']),
  target('kidney-left', 'Left kidney', A, KIDNEY, [185, 102, 83], ['renal', 'kidney left'], {
    typeModifier: LATERALITY.left,
  }),
  target('kidney-right', 'Right kidney', A, KIDNEY, [205, 120, 100], ['renal', 'kidney right'], {
    typeModifier: LATERALITY.right,
  }),
  target('pancreas', 'Pancreas', A, sct('15776009', 'Pancreas'), [249, 180, 111], ['pancreatic']),
  target('gallbladder', 'Gallbladder', A, sct('28231008', 'Gallbladder'), [139, 150, 98], ['gall bladder']),
  target('stomach', 'Stomach', A, sct('69695003', 'Stomach'), [216, 132, 105], ['gastric']),
  target('duodenum', 'Duodenum', A, sct('38848004', 'Duodenum'), [255, 253, 229], []),
  target(
    'small-intestine',
    'Small intestine',
    A,
    sct('30315005', 'Small intestine'),
    [205, 167, 142],
    ['small bowel', 'bowel'],
  ),
  target('colon', 'Colon', A, sct('71854001', 'Colon'), [204, 168, 143], ['large bowel', 'bowel', 'large intestine']),
  target('rectum', 'Rectum', A, sct('34402009', 'Rectum'), [217, 186, 140], []),
  target('bladder', 'Urinary bladder', A, sct('89837001', 'Bladder'), [222, 154, 132], ['bladder']),
  target('prostate', 'Prostate', A, sct('41216001', 'Prostate'), [230, 158, 140], []),
  target('uterus', 'Uterus', A, sct('35039007', 'Uterus'), [205, 150, 160], ['womb']),
  target('adrenal-gland', 'Adrenal gland', A, ADRENAL, [249, 186, 150], ['suprarenal']),
  target('adrenal-gland-left', 'Left adrenal gland', A, ADRENAL, [249, 186, 150], ['suprarenal'], {
    typeModifier: LATERALITY.left,
  }),
  target('adrenal-gland-right', 'Right adrenal gland', A, ADRENAL, [244, 170, 147], ['suprarenal'], {
    typeModifier: LATERALITY.right,
  }),
  // Thorax, head and neck
  target('lung', 'Lung', A, LUNG, [197, 165, 145], ['pulmonary']),
  target('lung-left', 'Left lung', A, LUNG, [197, 165, 145], ['pulmonary'], { typeModifier: LATERALITY.left }),
  target('lung-right', 'Right lung', A, LUNG, [172, 138, 115], ['pulmonary'], { typeModifier: LATERALITY.right }),
  target('heart', 'Heart', A, sct('80891009', 'Heart'), [206, 110, 84], ['cardiac']),
  target('esophagus', 'Esophagus', A, sct('32849002', 'Esophagus'), [211, 171, 143], ['oesophagus', 'gullet']),
  target('trachea', 'Trachea', A, sct('44567001', 'Trachea'), [182, 228, 255], ['windpipe', 'airway']),
  target('thyroid', 'Thyroid', A, sct('69748006', 'Thyroid'), [220, 190, 110], ['thyroid gland']),
  target('breast', 'Breast', A, sct('76752008', 'Breast'), [254, 230, 218], ['mammary']),
  target('brain', 'Brain', A, sct('12738006', 'Brain'), [250, 250, 225], ['cerebral', 'cerebrum']),
  target('spinal-cord', 'Spinal cord', A, sct('2748008', 'Spinal cord'), [244, 214, 49], ['cord']),
  target('eye', 'Eye', A, sct('81745001', 'Eye'), [194, 255, 194], ['globe', 'orbit']),
  // Vessels
  target('aorta', 'Aorta', A, sct('15825003', 'Aorta'), [224, 97, 76], ['aortic']),
  target(
    'inferior-vena-cava',
    'Inferior vena cava',
    A,
    sct('64131007', 'Inferior vena cava'),
    [0, 151, 206],
    ['ivc', 'vena cava'],
  ),
  target('portal-vein', 'Portal vein', A, sct('32764006', 'Portal vein'), [0, 122, 171], ['portal']),
  target('pulmonary-artery', 'Pulmonary artery', A, sct('81040000', 'Pulmonary artery'), [0, 145, 30], []),
  target('vessel', 'Blood vessel', T, sct('59820001', 'Blood Vessel'), [216, 101, 79], ['vessel', 'vascular']),
  target('artery', 'Artery', T, sct('51114001', 'Artery'), [216, 101, 79], ['arterial']),
  target('vein', 'Vein', T, sct('29092000', 'Vein'), [0, 151, 206], ['venous']),
  // Bone and other tissue
  target('bone', 'Bone', T, sct('3138006', 'Bone'), [241, 214, 145], ['osseous', 'skeleton', 'skeletal']),
  target('vertebra', 'Vertebra', A, sct('51282000', 'Vertebra'), [241, 213, 144], ['spine', 'vertebral', 'vertebrae']),
  target('rib', 'Rib', A, sct('113197003', 'Rib'), [253, 232, 158], ['ribs']),
  target('femur', 'Femur', A, sct('71341001', 'Femur'), [255, 238, 170], ['thigh bone']),
  target('skull', 'Skull', A, sct('89546000', 'Skull'), [241, 214, 145], ['cranium']),
  target('lymph-node', 'Lymph node', A, sct('59441001', 'Lymph Node'), [68, 172, 100], ['node', 'lymphatic']),
  target('fat', 'Fat', T, sct('55603005', 'Fat'), [230, 220, 70], ['adipose', 'adipose tissue']),
  target('skin', 'Skin', T, sct('39937001', 'Skin'), [177, 122, 101], ['cutaneous']),
  // Abnormal structures
  target('tumor', 'Tumor', M, sct('108369006', 'Neoplasm'), [255, 0, 0], ['tumour', 'neoplasm', 'cancer', 'carcinoma']),
  target('lesion', 'Lesion', M, sct('52988006', 'Lesion'), [255, 128, 0], ['abnormality', 'finding']),
  target('mass', 'Mass', M, sct('4147007', 'Mass'), [255, 64, 64], ['lump']),
  target('nodule', 'Nodule', M, sct('27925004', 'Nodule'), [255, 160, 0], ['nodular']),
  target('cyst', 'Cyst', M, sct('367643001', 'Cyst'), [120, 200, 255], ['cystic']),
  // Polyp: SNOMED CT 41329004 "Polyp (morphologic abnormality)"; pydicom's CID 7151 lists no generic polyp.
  target('polyp', 'Polyp', M, sct('41329004', 'Polyp'), [255, 96, 160], ['polypoid', 'adenoma'], {
    inContextGroup: false,
  }),
  target(
    'hemorrhage',
    'Hemorrhage',
    M,
    sct('50960005', 'Hemorrhage'),
    [200, 0, 0],
    ['haemorrhage', 'bleed', 'bleeding', 'hematoma'],
  ),
  target('edema', 'Edema', M, sct('79654002', 'Edema'), [160, 220, 255], ['oedema', 'swelling']),
  target('necrosis', 'Necrosis', M, sct('6574001', 'Necrosis'), [90, 60, 40], ['necrotic']),
  target('abscess', 'Abscess', M, sct('44132006', 'Abscess'), [200, 200, 60], []),
  target('thrombus', 'Thrombus', A, sct('396339007', 'Thrombus'), [150, 0, 40], ['clot', 'thrombosis']),
];

/** The code of free text: a category and type that claim nothing beyond "tissue"; the text goes into the label. */
export function freeTextTarget(text: string, color: Rgb = [128, 174, 128]): SegmentTarget {
  const label = text.trim();
  return target(`text:${label.toLowerCase()}`, label, CATEGORY.tissue, sct('85756007', 'Tissue'), color);
}

function normalise(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * Targets whose label, synonyms, code meaning or code value match the query, best first: exact label or synonym,
 * then a word starting with the query, then a substring. An empty query lists every target in catalogue order.
 */
export function searchTargets(query: string, targets: readonly SegmentTarget[] = SEGMENT_TARGETS): SegmentTarget[] {
  const q = normalise(query);
  if (q === '') return [...targets];
  const scored: { t: SegmentTarget; score: number; i: number }[] = [];
  targets.forEach((t, i) => {
    const names = [
      t.label,
      ...t.synonyms,
      t.type.meaning,
      t.typeModifier ? `${t.typeModifier.meaning} ${t.type.meaning}` : '',
    ].map(normalise);
    let score = 0;
    for (const n of names) {
      if (n === '') continue;
      if (n === q) score = Math.max(score, 4);
      else if (n.startsWith(q)) score = Math.max(score, 3);
      else if (n.split(' ').some(w => w.startsWith(q))) score = Math.max(score, 2);
      else if (n.includes(q)) score = Math.max(score, 1);
    }
    if (t.type.value === query.trim()) score = Math.max(score, 4);
    if (score > 0) scored.push({ t, score, i });
  });
  scored.sort((a, b) => b.score - a.score || a.i - b.i);
  return scored.map(s => s.t);
}

export function targetById(id: string): SegmentTarget | undefined {
  return SEGMENT_TARGETS.find(t => t.id === id);
}

/**
 * The target for what a user typed: a catalogue id, an exact label or synonym, else free text.
 * Never guesses from a partial match: "liv" is free text, not Liver.
 */
export function resolveTarget(text: string): SegmentTarget {
  const byId = targetById(text.trim().toLowerCase());
  if (byId) return byId;
  const q = normalise(text);
  const exact = SEGMENT_TARGETS.find(t => [t.label, ...t.synonyms].some(n => normalise(n) === q));
  return exact ?? freeTextTarget(text);
}
