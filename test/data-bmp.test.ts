import { describe, it, expect } from 'vitest';
import { decodeBmp, encodeGrayBmp, bmpRowStride, luminance } from '../lib/data/bmp.js';

/** A width×height grey ramp with a few pure black and white pixels, rows top to bottom. */
function testPattern(width: number, height: number): Uint8Array {
  const gray = new Uint8Array(width * height);
  for (let k = 0; k < gray.length; k++) gray[k] = (k * 37 + Math.floor(k / width) * 11) % 256;
  gray[0] = 0;
  gray[1] = 255;
  return gray;
}

/** What a palette depth keeps of a grey value (the encoder picks the nearest of 2^bits levels). */
function quantise(g: number, bits: number): number {
  if (bits > 8) return g;
  const levels = 1 << bits;
  return Math.round((Math.min(levels - 1, Math.floor((g * levels) / 256)) * 255) / (levels - 1));
}

describe('BMP codec', () => {
  for (const width of [28, 27, 5]) {
    for (const bits of [1, 4, 8, 24, 32] as const) {
      for (const topDown of [false, true]) {
        it(`round-trips a ${width}-wide ${bits}-bit ${topDown ? 'top-down' : 'bottom-up'} image`, () => {
          const height = 7;
          const gray = testPattern(width, height);
          const decoded = decodeBmp(encodeGrayBmp({ width, height, gray }, { bitsPerPixel: bits, topDown }));
          expect(decoded.width).toBe(width);
          expect(decoded.height).toBe(height);
          expect(decoded.bitsPerPixel).toBe(bits);
          expect(decoded.topDown).toBe(topDown);
          for (let k = 0; k < gray.length; k++) {
            const expected = quantise(gray[k], bits);
            expect([decoded.rgb[3 * k], decoded.rgb[3 * k + 1], decoded.rgb[3 * k + 2]]).toEqual([expected, expected, expected]);
          }
        });
      }
    }
  }

  it('reads the palette order the file declares (white at index 0)', () => {
    const gray = Uint8Array.from([0, 255, 255, 0]);
    const bytes = encodeGrayBmp({ width: 2, height: 2, gray }, { bitsPerPixel: 1, paletteOrder: 'light-first' });
    const decoded = decodeBmp(bytes);
    expect(decoded.palette).toEqual([[255, 255, 255], [0, 0, 0]]);
    expect(Array.from(luminance(decoded))).toEqual([0, 1, 1, 0]);
  });

  it('puts bottom-up rows in the right place: the first stored row is the bottom one', () => {
    // 1×2 image, 24-bit, bottom-up: stored row 0 is the bottom pixel.
    const bytes = encodeGrayBmp({ width: 1, height: 2, gray: Uint8Array.from([10, 200]) }, { bitsPerPixel: 24 });
    const pixelOffset = new DataView(bytes.buffer).getUint32(10, true);
    expect(bytes[pixelOffset]).toBe(200); // bottom pixel first in the file
    expect(decodeBmp(bytes).rgb[0]).toBe(10); // but top pixel first in the decoded image
  });

  it('honours the pixel-data offset when there is a gap after the palette', () => {
    const gray = testPattern(8, 3);
    const plain = encodeGrayBmp({ width: 8, height: 3, gray }, { bitsPerPixel: 8 });
    const offset = new DataView(plain.buffer).getUint32(10, true);
    const gapped = new Uint8Array(plain.length + 6);
    gapped.set(plain.subarray(0, offset));
    gapped.set(plain.subarray(offset), offset + 6);
    new DataView(gapped.buffer).setUint32(10, offset + 6, true);
    expect(decodeBmp(gapped).rgb).toEqual(decodeBmp(plain).rgb);
  });

  it('reads 16-bit 5-5-5 and 32-bit bit-field files', () => {
    // Hand-built: 2×1 pixels, BITMAPINFOHEADER, no palette.
    const make = (bits: number, compression: number, pixels: number[], masks: number[] = []) => {
      const stride = bmpRowStride(2, bits);
      const offset = 54 + masks.length * 4;
      const bytes = new Uint8Array(offset + stride);
      const v = new DataView(bytes.buffer);
      bytes.set([0x42, 0x4d]);
      v.setUint32(10, offset, true);
      v.setUint32(14, 40, true);
      v.setInt32(18, 2, true);
      v.setInt32(22, 1, true);
      v.setUint16(26, 1, true);
      v.setUint16(28, bits, true);
      v.setUint32(30, compression, true);
      masks.forEach((m, i) => v.setUint32(54 + 4 * i, m, true));
      pixels.forEach((p, i) => (bits === 16 ? v.setUint16(offset + 2 * i, p, true) : v.setUint32(offset + 4 * i, p, true)));
      return bytes;
    };
    expect(Array.from(decodeBmp(make(16, 0, [0x7c00, 0x001f])).rgb)).toEqual([255, 0, 0, 0, 0, 255]);
    // Bit fields with blue in the high byte: 0xff000000 is pure blue.
    const bgr = make(32, 3, [0xff000000, 0x000000ff], [0x000000ff, 0x0000ff00, 0xff000000]);
    expect(Array.from(decodeBmp(bgr).rgb)).toEqual([0, 0, 255, 255, 0, 0]);
  });

  it('names the source in every error', () => {
    const good = encodeGrayBmp({ width: 4, height: 4, gray: new Uint8Array(16) }, { bitsPerPixel: 8 });
    expect(() => decodeBmp(new TextEncoder().encode('hello, world'), 'notes.txt')).toThrow(/^notes\.txt: not a BMP file/);
    expect(() => decodeBmp(good.subarray(0, good.length - 5), 'cut.bmp')).toThrow(/^cut\.bmp: truncated BMP/);
    expect(() => decodeBmp(good.subarray(0, 20), 'tiny.bmp')).toThrow(/^tiny\.bmp: truncated BMP/);
    const rle = good.slice();
    new DataView(rle.buffer).setUint32(30, 1, true);
    expect(() => decodeBmp(rle, 'rle.bmp')).toThrow(/^rle\.bmp: RLE8-compressed BMPs are not supported/);
    const badDepth = good.slice();
    new DataView(badDepth.buffer).setUint16(28, 7, true);
    expect(() => decodeBmp(badDepth, 'odd.bmp')).toThrow(/^odd\.bmp: unsupported BMP bit depth 7/);
  });

  it('rejects bad encoder input with the argument named', () => {
    expect(() => encodeGrayBmp({ width: 2, height: 2, gray: new Uint8Array(3) })).toThrow(/gray has 3 values, expected 2x2/);
    expect(() => encodeGrayBmp({ width: 0, height: 2, gray: new Uint8Array(0) })).toThrow(/width and height/);
    expect(() => encodeGrayBmp({ width: 1, height: 1, gray: new Uint8Array(1) }, { bitsPerPixel: 16 as 8 })).toThrow(/bitsPerPixel/);
  });
});
