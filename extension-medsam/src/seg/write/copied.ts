/**
 * The patient and study attributes a SEG copies from its source (source.ts COPIED_PATIENT_STUDY), made to fit
 * their VRs before anything is written. Sources in the wild carry values that older standards or sloppy software
 * wrote: ACR-NEMA dates "1996.06.11" and times "09:11:56", an AccessionNumber over the 16 characters of SH, a
 * PatientName over the 64 of PN. The writer (dicom/values.ts) rightly refuses them, which used to lose a finished
 * segmentation at the last step. Here a value is cleaned where its meaning is certain (the separators of the old
 * formats, padding) and otherwise left out (the Type 2 attributes then stay present and empty); each change is a
 * ValueFix that the caller can show.
 */
import { SegError } from '../errors';
import { DICTIONARY, type Keyword } from '../dicom/dictionary';
import type { Dataset } from '../dicom/elements';
import { checkText } from '../dicom/values';
import { COPIED_PATIENT_STUDY, type CopiedKeyword } from '../source';

export interface ValueFix {
  keyword: CopiedKeyword;
  /** The source's value. */
  value: string;
  /** The value written, or null when it was left out. */
  written: string | null;
  why: string;
}

/** ACR-NEMA 2.0 wrote DA as yyyy.mm.dd and TM as hh:mm:ss.frac (PS3.5 6.2, the notes on DA and TM). */
function clean(vr: string, value: string): string {
  const v = vr === 'PN' || vr === 'LO' || vr === 'SH' ? value.replace(/\s+$/, '') : value.trim();
  if (vr === 'DA') return v.replace(/^(\d{4})[.\-/](\d{2})[.\-/](\d{2})$/, '$1$2$3');
  if (vr === 'TM')
    return v.replace(/^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/, (_, h, m, s = '', f = '') => `${h}${m}${s}${f}`);
  return v;
}

/** Why a value breaks its VR, or undefined when it is writable. */
function problem(keyword: Keyword, value: string): string | undefined {
  try {
    for (const part of value.split('\\')) checkText(keyword, DICTIONARY[keyword].vr, part);
    return undefined;
  } catch (e) {
    if (e instanceof SegError) return e.message;
    throw e;
  }
}

/** The copied attributes as the SEG will hold them (multi-valued text as lists), and what had to change. */
export function copiedAttributes(patientStudy: Partial<Record<CopiedKeyword, string>>): {
  values: Dataset;
  fixes: ValueFix[];
} {
  const values: Dataset = {};
  const fixes: ValueFix[] = [];
  for (const keyword of COPIED_PATIENT_STUDY) {
    const value = patientStudy[keyword];
    if (value === undefined) continue;
    const cleaned = clean(DICTIONARY[keyword].vr, value);
    const why = problem(keyword, cleaned);
    if (why !== undefined) {
      fixes.push({ keyword, value, written: null, why: `${why}; left out of the SEG` });
      continue;
    }
    if (cleaned !== value.trim() && cleaned !== value)
      fixes.push({
        keyword,
        value,
        written: cleaned,
        why: `not a DICOM ${DICTIONARY[keyword].vr} value; written as "${cleaned}"`,
      });
    const parts = cleaned.split('\\');
    values[keyword] = parts.length > 1 ? parts : cleaned;
  }
  return { values, fixes };
}

/** A fix as one line for a log or stderr. */
export function describeFix(f: ValueFix): string {
  return f.written === null ? f.why : `the source's ${f.keyword} "${f.value}" is ${f.why}`;
}
