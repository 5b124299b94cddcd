/**
 * Mutated BMP files for fuzzing the decoder (test/bmp-fuzz.test.ts runs a few thousand,
 * `npm run fuzz` a hundred thousand): seeds of every bit depth and header kind, then byte flips,
 * truncations, extreme header fields and junk, all drawn from a seeded generator.
 *
 * The property: decoding gives an image whose pixels fill width×height, or throws a plain Error
 * whose message starts with the file's name. Anything else (a RangeError from a DataView, a
 * message without the name, an allocation the size of a forged header) is a bug.
 */
import { decodeBmp, encodeGrayBmp, bmpRowStride } from '../lib/data/bmp.js';
import { Rng, deriveSeed } from '../lib/nn/random.js';

/** A hand-built BMP with any info header size (12, 16, 40, 108, 124) and bit fields if asked. */
function handBuilt(infoSize: number, bits: number, width: number, height: number, masks?: [number, number, number]): Uint8Array {
  const stride = bmpRowStride(width, bits);
  const separateMasks = masks && infoSize === 40 ? 12 : 0;
  const paletteEntry = infoSize === 12 ? 3 : 4;
  const paletteBytes = bits <= 8 ? (1 << bits) * paletteEntry : 0;
  const offset = 14 + infoSize + separateMasks + paletteBytes;
  const bytes = new Uint8Array(offset + stride * height);
  const v = new DataView(bytes.buffer);
  bytes.set([0x42, 0x4d]);
  v.setUint32(2, bytes.length, true);
  v.setUint32(10, offset, true);
  v.setUint32(14, infoSize, true);
  if (infoSize === 12) {
    v.setUint16(18, width, true);
    v.setInt16(20, height, true);
    v.setUint16(22, 1, true);
    v.setUint16(24, bits, true);
  } else {
    v.setInt32(18, width, true);
    v.setInt32(22, height, true);
    v.setUint16(26, 1, true);
    v.setUint16(28, bits, true);
    if (infoSize >= 40) v.setUint32(30, masks ? 3 : 0, true);
    if (masks) masks.forEach((m, i) => v.setUint32(54 + 4 * i, m, true));
  }
  for (let k = 0; k < paletteBytes; k += paletteEntry) bytes.fill((k / paletteEntry) * (255 >> (8 - bits)) & 255, offset - paletteBytes + k, offset - paletteBytes + k + 3);
  for (let k = offset; k < bytes.length; k++) bytes[k] = (k * 37) & 255; // some pattern of pixels
  return bytes;
}

/** Valid files of every bit depth (1, 4, 8, 16, 24, 32) and header kind, at 28×28 and odd sizes. */
export function seedBmps(): Uint8Array[] {
  const seeds: Uint8Array[] = [];
  for (const [width, height] of [[28, 28], [5, 3], [1, 1]]) {
    const gray = Uint8Array.from({ length: width * height }, (_, k) => (k * 53) & 255);
    for (const bitsPerPixel of [1, 4, 8, 24, 32] as const) {
      seeds.push(encodeGrayBmp({ width, height, gray }, { bitsPerPixel }));
      seeds.push(encodeGrayBmp({ width, height, gray }, { bitsPerPixel, topDown: true, paletteOrder: 'light-first' }));
    }
    seeds.push(handBuilt(40, 16, width, height));
    seeds.push(handBuilt(40, 16, width, height, [0xf800, 0x07e0, 0x001f]));
    seeds.push(handBuilt(40, 32, width, height, [0x000000ff, 0x0000ff00, 0x00ff0000]));
    seeds.push(handBuilt(12, 24, width, height), handBuilt(12, 8, width, height), handBuilt(12, 1, width, height));
    seeds.push(handBuilt(16, 24, width, height), handBuilt(16, 4, width, height));
    seeds.push(handBuilt(108, 32, width, height, [0xff0000, 0xff00, 0xff]), handBuilt(124, 16, width, height, [0x7c00, 0x03e0, 0x001f]));
  }
  return seeds;
}

/** Values that break naive header arithmetic. */
const EXTREMES = [0, 1, 2, 3, 12, 16, 40, 124, 255, 256, 0x7fff, 0x8000, 0xffff, 12000, 40000, 0x7fffffff, 0x80000000, 0xffffffff];
/** File-header and info-header fields: offset and width in bytes. */
const FIELDS: [number, 2 | 4][] = [[2, 4], [10, 4], [14, 4], [18, 4], [18, 2], [20, 2], [22, 4], [24, 2], [26, 2], [28, 2], [30, 4], [34, 4], [46, 4], [54, 4], [58, 4], [62, 4]];

/** The `index`-th mutated file of run `seed`: the same numbers always give the same bytes. */
export function mutatedBmp(seeds: Uint8Array[], seed: number, index: number): Uint8Array {
  const rng = new Rng(deriveSeed(seed, 'bmp-fuzz', index));
  let bytes = seeds[rng.int(0, seeds.length - 1)].slice();
  const kind = rng.int(0, 5);
  if (kind === 0 || kind === 5) {
    // Byte flips, mostly in the headers.
    for (let k = rng.int(1, 8); k > 0; k--) {
      const at = rng.uniform() < 0.7 ? rng.int(0, Math.min(bytes.length, 70) - 1) : rng.int(0, bytes.length - 1);
      bytes[at] ^= 1 << rng.int(0, 7);
    }
  }
  if (kind === 1 || kind === 5) bytes = bytes.slice(0, rng.int(0, bytes.length)); // truncation
  if (kind === 2 || kind === 4) {
    // An extreme value in a header field.
    const [at, size] = FIELDS[rng.int(0, FIELDS.length - 1)];
    const value = rng.uniform() < 0.8 ? EXTREMES[rng.int(0, EXTREMES.length - 1)] : rng.int(0, 0xffffffff);
    if (at + size <= bytes.length) {
      const v = new DataView(bytes.buffer, bytes.byteOffset);
      if (size === 2) v.setUint16(at, value & 0xffff, true);
      else v.setUint32(at, value >>> 0, true);
    }
  }
  if (kind === 3) {
    // Junk appended, or random bytes over a random stretch.
    const junk = Uint8Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255));
    const at = rng.int(0, bytes.length);
    const out = new Uint8Array(Math.max(bytes.length, at + junk.length));
    out.set(bytes);
    out.set(junk, at);
    bytes = out;
  }
  if (kind === 4) bytes = bytes.slice(0, rng.int(14, Math.max(14, bytes.length))); // field and cut
  return bytes;
}

export interface FuzzOutcome { decoded: number; rejected: number; bugs: string[] }

/** Decodes `count` mutated files of run `seed`, collecting any outcome that breaks the property. */
export function fuzzBmpDecoder(count: number, seed: number): FuzzOutcome {
  const seeds = seedBmps();
  const outcome: FuzzOutcome = { decoded: 0, rejected: 0, bugs: [] };
  for (let i = 0; i < count; i++) {
    const name = `fuzz-${seed}-${i}.bmp`;
    const bytes = mutatedBmp(seeds, seed, i);
    try {
      const image = decodeBmp(bytes, name);
      if (image.rgb.length !== image.width * image.height * 3) outcome.bugs.push(`${name}: decoded ${image.width}x${image.height} with ${image.rgb.length} RGB bytes`);
      else outcome.decoded++;
    } catch (err) {
      const e = err as Error;
      if (!(e instanceof Error) || e.constructor !== Error || !e.message.startsWith(`${name}: `)) {
        outcome.bugs.push(`${name}: ${e?.constructor?.name}: ${e?.message}`);
      } else {
        outcome.rejected++;
      }
    }
  }
  return outcome;
}
