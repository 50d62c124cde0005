/** dcmjs gives PixelData as one buffer or as fragments; readers want one contiguous view without copying a single part. */
export function concatBytes(parts: ReadonlyArray<ArrayBuffer | ArrayBufferView>): Uint8Array {
  const views = parts.map(p =>
    p instanceof ArrayBuffer ? new Uint8Array(p) : new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
  );
  if (views.length === 1) return views[0];
  const out = new Uint8Array(views.reduce((n, v) => n + v.length, 0));
  let offset = 0;
  for (const v of views) {
    out.set(v, offset);
    offset += v.length;
  }
  return out;
}
