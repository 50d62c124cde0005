/**
 * Which studies the MedSAM mode offers itself for. OHIF calls isValidMode per study with the study's
 * modalities joined by backslashes ("CT\\SEG").
 *
 * MedSAM handles grey-level cross-sections (CT, MR), ultrasound (grey or RGB) and RGB camera images
 * (endoscopy ES, external photography XC, and RGB secondary captures, which archives file as OT).
 */
export const MEDSAM_MODALITIES: readonly string[] = ['CT', 'MR', 'US', 'ES', 'XC', 'OT'];

export interface ModeValidity {
  valid: boolean;
  description: string;
}

export function medsamStudyValidity(modalities: string | undefined): ModeValidity {
  const present = (modalities ?? '')
    .split('\\')
    .map(m => m.trim().toUpperCase())
    .filter(Boolean);
  const supported = present.filter(m => MEDSAM_MODALITIES.includes(m));
  if (supported.length > 0)
    return { valid: true, description: `MedSAM supports ${[...new Set(supported)].join(', ')}` };
  return {
    valid: false,
    description: `MedSAM needs a ${MEDSAM_MODALITIES.join(', ')} series; this study has ${present.join(', ') || 'no modality'}`,
  };
}
