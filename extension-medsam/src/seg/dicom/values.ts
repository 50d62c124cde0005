/**
 * Value rules of PS3.5 6.2 for the VRs this package writes: what a value may hold and how long it may be, and how
 * numbers become DS/IS strings. A value that breaks a rule is an error naming the attribute, never silently cut.
 */
import { SegError } from '../errors';
import type { VR } from './dictionary';

/** Maximum length in characters of one value (PN: per component group). */
const MAX_CHARS: Partial<Record<VR, number>> = {
  AE: 16,
  AS: 4,
  CS: 16,
  DA: 8,
  DS: 16,
  DT: 26,
  IS: 12,
  LO: 64,
  LT: 10240,
  PN: 64,
  SH: 16,
  ST: 1024,
  TM: 14,
  UI: 64,
};

/** VRs whose single value may contain backslashes and control characters (they are never multi-valued). */
const FREE_TEXT: ReadonlySet<VR> = new Set(['LT', 'ST', 'UT']);

export function checkText(keyword: string, vr: VR, value: string): void {
  const fail = (why: string): never => {
    throw new SegError('INVALID_VALUE', `${keyword} (${vr}) value "${value}" ${why}`, { keyword, vr, value });
  };
  const max = MAX_CHARS[vr];
  if (vr === 'PN') {
    for (const group of value.split('=')) if (group.length > 64) fail('has a name component group over 64 characters');
  } else if (max !== undefined && value.length > max) {
    fail(`is longer than the ${max} characters ${vr} allows`);
  }
  if (FREE_TEXT.has(vr)) {
    // eslint-disable-next-line no-control-regex -- PS3.5 6.1: the control characters free text may not hold
    if (/[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/.test(value)) fail('contains control characters');
    return;
  }
  if (value.includes('\\')) fail('contains a backslash (the value separator)');
  // eslint-disable-next-line no-control-regex -- other VRs hold no control characters at all
  if (/[\x00-\x1f]/.test(value)) fail('contains control characters');
  switch (vr) {
    case 'CS':
      if (!/^[A-Z0-9_ ]*$/.test(value)) fail('may hold only upper-case letters, digits, space and underscore');
      break;
    case 'UI':
      if (value.length > 0 && !/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(value)) fail('is not a valid UID');
      break;
    case 'DA':
      if (value.length > 0 && !/^\d{8}$/.test(value)) fail('is not a date YYYYMMDD');
      break;
    case 'TM':
      if (value.length > 0 && !/^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$/.test(value)) fail('is not a time HHMMSS.FFFFFF');
      break;
    case 'AS':
      if (value.length > 0 && !/^\d{3}[DWMY]$/.test(value)) fail('is not an age nnnD/W/M/Y');
      break;
    case 'IS':
      if (value.length > 0 && !/^ *[+-]?\d+ *$/.test(value)) fail('is not an integer string');
      break;
    case 'DS':
      if (value.length > 0 && !/^ *[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)? *$/.test(value))
        fail('is not a decimal string');
      break;
    default:
  }
}

/** A finite number as a DS string of at most 16 characters, as precise as fits. */
export function formatDS(n: number, keyword = 'DS value'): string {
  if (!Number.isFinite(n))
    throw new SegError('INVALID_VALUE', `${keyword} ${n} is not a finite number`, { keyword, value: n });
  if (Object.is(n, -0)) n = 0;
  const plain = String(n);
  if (plain.length <= 16 && !/e/.test(plain)) return plain;
  for (let p = 16; p >= 1; p--) {
    let s = n.toPrecision(p);
    if (s.includes('e')) {
      const [m, e] = s.split('e');
      s = `${m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m}e${e}`;
    } else if (s.includes('.')) {
      s = s.replace(/0+$/, '').replace(/\.$/, '');
    }
    if (s.length <= 16) return s;
  }
  throw new SegError('INVALID_VALUE', `${keyword} ${n} does not fit in a DS`, { keyword, value: n });
}

export function formatIS(n: number, keyword = 'IS value'): string {
  if (!Number.isInteger(n) || Math.abs(n) > 2 ** 31 - 1) {
    throw new SegError('INVALID_VALUE', `${keyword} ${n} is not a 32-bit integer`, { keyword, value: n });
  }
  return String(n);
}

/** DICOM DA and TM of a moment, in the local time zone of the machine that writes the file. */
export function dicomDate(d: Date): string {
  return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
}

export function dicomTime(d: Date): string {
  const hh = String(d.getHours()).padStart(2, '0');
  const mm = String(d.getMinutes()).padStart(2, '0');
  const ss = String(d.getSeconds()).padStart(2, '0');
  return `${hh}${mm}${ss}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
