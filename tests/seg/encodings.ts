/**
 * Real DICOM files in every transfer syntax the command line reads, written at test time from the real CT of
 * tests/data by real encoders (dcmtk: dcmcjpeg, dcmcjpls, dcmcrle, dcmconv; its IJG decoder dcmdjpeg gives the
 * reference of the lossy ones). Nothing is committed: the encoders are Debian's, installed by scripts/test.sh.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as dcmjs from 'dcmjs';
import { ROOT } from './validators';

export const CT3 = path.join(ROOT, 'tests/data/ct-liver-3slice/ct-3slice');

export interface Encoding {
  /** Short name, also the folder name. */
  name: string;
  transferSyntaxUid: string;
  lossless: boolean;
  /** dcmtk tool and its options; the input and output paths follow. */
  tool: string;
  options: string[];
  /** The encoding's input: the native CT slice, or (near-lossless JPEG-LS, which takes unsigned samples only) a
   * 12-bit unsigned version of it. */
  from?: 'unsigned12';
}

export const ENCODINGS: readonly Encoding[] = [
  {
    name: 'jpeg-baseline',
    transferSyntaxUid: '1.2.840.10008.1.2.4.50',
    lossless: false,
    tool: 'dcmcjpeg',
    options: ['+eb'],
  },
  {
    name: 'jpeg-extended',
    transferSyntaxUid: '1.2.840.10008.1.2.4.51',
    lossless: false,
    tool: 'dcmcjpeg',
    options: ['+ee'],
  },
  {
    name: 'jpeg-lossless',
    transferSyntaxUid: '1.2.840.10008.1.2.4.57',
    lossless: true,
    tool: 'dcmcjpeg',
    options: ['+el'],
  },
  {
    name: 'jpeg-lossless-sv1',
    transferSyntaxUid: '1.2.840.10008.1.2.4.70',
    lossless: true,
    tool: 'dcmcjpeg',
    options: ['+e1'],
  },
  { name: 'jpeg-ls', transferSyntaxUid: '1.2.840.10008.1.2.4.80', lossless: true, tool: 'dcmcjpls', options: ['+el'] },
  {
    name: 'jpeg-ls-near',
    transferSyntaxUid: '1.2.840.10008.1.2.4.81',
    lossless: false,
    tool: 'dcmcjpls',
    options: ['+en', '+md', '2'],
    from: 'unsigned12',
  },
  { name: 'rle', transferSyntaxUid: '1.2.840.10008.1.2.5', lossless: true, tool: 'dcmcrle', options: [] },
  { name: 'deflated', transferSyntaxUid: '1.2.840.10008.1.2.1.99', lossless: true, tool: 'dcmconv', options: ['+td'] },
  { name: 'big-endian', transferSyntaxUid: '1.2.840.10008.1.2.2', lossless: true, tool: 'dcmconv', options: ['+tb'] },
];

export function dcmtkInstalled(): boolean {
  return ['dcmcjpeg', 'dcmcjpls', 'dcmcrle', 'dcmconv', 'dcmdjpeg'].every(t => fs.existsSync(`/usr/bin/${t}`));
}

export function requireDcmtk(): void {
  if (!dcmtkInstalled())
    throw new Error('dcmtk is not installed: apt-get install -y dcmtk (scripts/test.sh installs it when run as root)');
}

export function dcmtk(tool: string, args: string[]): void {
  execFileSync(`/usr/bin/${tool}`, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Encodes every file of `srcDir` into `outDir/<encoding name>/` and returns the folders. The 12-bit unsigned input
 * of near-lossless JPEG-LS is the IJG decode of the 12-bit JPEG (dcmcjpeg +ee maps the signed 16-bit CT onto
 * 12 unsigned bits with a new rescale; dcmdjpeg writes it back as native pixels).
 */
export function encodeFolder(
  srcDir: string,
  outDir: string,
  encodings: readonly Encoding[] = ENCODINGS,
): Record<string, string> {
  requireDcmtk();
  const out: Record<string, string> = {};
  const files = fs
    .readdirSync(srcDir)
    .filter(f => f.endsWith('.dcm'))
    .sort();
  const unsigned12 = path.join(outDir, 'unsigned12');
  if (encodings.some(e => e.from === 'unsigned12')) {
    fs.mkdirSync(unsigned12, { recursive: true });
    for (const f of files) {
      const tmp = path.join(outDir, `tmp-${f}`);
      dcmtk('dcmcjpeg', ['+ee', path.join(srcDir, f), tmp]);
      dcmtk('dcmdjpeg', [tmp, path.join(unsigned12, f)]);
      fs.rmSync(tmp);
    }
  }
  for (const e of encodings) {
    const dir = path.join(outDir, e.name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const from = e.from === 'unsigned12' ? unsigned12 : srcDir;
    for (const f of files) dcmtk(e.tool, [...e.options, path.join(from, f), path.join(dir, f)]);
    out[e.name] = dir;
  }
  out.unsigned12 = unsigned12;
  return out;
}

/**
 * A MONOCHROME1 copy of a MONOCHROME2 file: its stored values inverted over the range BitsStored and
 * PixelRepresentation allow (v -> min + max - v: -1 - v for signed 16-bit) and PhotometricInterpretation
 * MONOCHROME1, written explicit VR little endian. The same image as DICOM defines its display.
 */
export function writeMonochrome1(src: string, dst: string): void {
  const bytes = fs.readFileSync(src);
  const dict = dcmjs.data.DicomMessage.readFile(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  );
  const ds = dict.dict as Record<string, { vr: string; Value: unknown[] }>;
  const [bitsAllocated, bitsStored, signed, photometric] = [
    ds['00280100'].Value[0],
    ds['00280101'].Value[0],
    ds['00280103'].Value[0] === 1,
    ds['00280004'].Value[0],
  ];
  if (bitsAllocated !== 16 || photometric !== 'MONOCHROME2')
    throw new Error(`${src}: a 16-bit MONOCHROME2 image is needed`);
  const raw = (ds['7FE00010'].Value[0] as ArrayBuffer).slice(0);
  const stored = signed ? new Int16Array(raw) : new Uint16Array(raw);
  const [min, max] = signed
    ? [-(2 ** (Number(bitsStored) - 1)), 2 ** (Number(bitsStored) - 1) - 1]
    : [0, 2 ** Number(bitsStored) - 1];
  for (let i = 0; i < stored.length; i++) stored[i] = min + max - stored[i];
  ds['7FE00010'] = { vr: 'OW', Value: [raw] };
  ds['00280004'] = { vr: 'CS', Value: ['MONOCHROME1'] };
  dict.meta['00020010'] = { vr: 'UI', Value: ['1.2.840.10008.1.2.1'] };
  fs.writeFileSync(dst, Buffer.from(dict.write()));
}
