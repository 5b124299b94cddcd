/**
 * A small BMP codec: enough of the format to read any uncompressed Windows bitmap (1, 4, 8, 16,
 * 24 and 32 bits per pixel, with or without a palette, rows stored bottom-up or top-down) and to
 * write the 1-, 4-, 8-, 24- and 32-bit files our fixtures and `nnlab data synth` need.
 *
 * Why not the npm package bmp-ts (1.0.9)? Checked against this codec: its decoder ignores the
 * header's pixel-data offset (a file with a gap after the palette decodes as garbage), stops early
 * on odd-width 4-bit images, ignores its own `toRGBA` option for palette images, and reports a
 * truncated file as a bare RangeError without the file name; its encoder cannot write top-down
 * rows, which the loader tests need. The format is simple enough that a readable codec is
 * shorter than the workarounds.
 *
 * Layout reminder: a 14-byte file header ("BM", file size, reserved, pixel-data offset), then an
 * info header whose first uint32 is its own size (12 for the old OS/2 header, 40 for
 * BITMAPINFOHEADER, up to 124 for V5), then the palette for ≤ 8 bits, then the pixel rows. Each
 * row is padded to a multiple of 4 bytes. A positive height means the last image row comes first.
 *
 * Alpha: a 32-bit image with an alpha channel (drawing apps export transparent paper and opaque
 * ink) is composited over white paper, as it looks on a page: colour·α + white·(1 − α). The
 * channel is the header's alpha mask (V4/V5 headers, or ALPHA_BITFIELDS), or for a plain 32-bit
 * file the byte that is otherwise unused. A file whose alpha is 0 everywhere is opaque (many
 * writers leave that byte 0 and mean nothing by it), so only a channel that varies is applied.
 */

/** A decoded image: `rgb` holds 3 bytes per pixel, rows top to bottom. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface DecodedBmp extends RgbImage {
  bitsPerPixel: number;
  /** True when the file stored its rows top-down (negative height). */
  topDown: boolean;
  /** The colour table for ≤ 8-bit files, as [r, g, b] triples; empty otherwise. */
  palette: [number, number, number][];
}

const FILE_HEADER_SIZE = 14;
/** Pixels of the largest image decoded: 2²⁴ (4096×4096, 48 MiB of RGB); the course's are 28×28. */
export const MAX_BMP_PIXELS = 2 ** 24;
const COMPRESSION_NONE = 0;
const COMPRESSION_BITFIELDS = 3;
const COMPRESSION_ALPHA_BITFIELDS = 6;
const COMPRESSION_NAMES: Record<number, string> = { 1: 'RLE8', 2: 'RLE4', 4: 'JPEG', 5: 'PNG' };

/** Bytes per row of pixel data: bits rounded up to whole 32-bit words. */
export function bmpRowStride(width: number, bitsPerPixel: number): number {
  return Math.ceil((width * bitsPerPixel) / 32) * 4;
}

/** Everything a BMP's headers say: enough to check its size before reading any pixel. */
export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  topDown: boolean;
  palette: [number, number, number][];
  masks: [number, number, number] | null;
  /** The alpha channel's bits in a 32-bit pixel (0: none); see the module comment. */
  alphaMask: number;
  /** Where the pixel rows start, and the bytes the file must have to hold them all. */
  pixelOffset: number;
  bytesNeeded: number;
}

/** The most bytes any BMP header can take (file header, V5 info header, masks, 256-colour palette). */
export const MAX_BMP_HEADER_BYTES = FILE_HEADER_SIZE + 124 + 16 + 256 * 4;

/**
 * Reads a BMP's headers (`bytes` may be just the start of the file, MAX_BMP_HEADER_BYTES
 * suffice) and checks them. Every error starts with `source`.
 */
export function readBmpHeader(bytes: Uint8Array, source = 'BMP data'): BmpHeader {
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  if (bytes.length < 2 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) fail('not a BMP file (it does not start with "BM")');
  if (bytes.length < FILE_HEADER_SIZE + 4) fail(`truncated BMP: only ${bytes.length} bytes, too short for the headers`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixelOffset = view.getUint32(10, true);
  const infoSize = view.getUint32(FILE_HEADER_SIZE, true);
  if (![12, 16, 40, 52, 56, 64, 108, 124].includes(infoSize)) fail(`unsupported BMP info header size ${infoSize}`);
  if (bytes.length < FILE_HEADER_SIZE + infoSize) fail(`truncated BMP: the ${infoSize}-byte info header is cut off`);

  // The OS/2 (12-byte) header stores 16-bit sizes and 3-byte palette entries; all others 32-bit
  // and 4-byte. The short 16-byte OS/2 2.x header ends after the bit depth: no compression field.
  const os2 = infoSize === 12;
  const h = FILE_HEADER_SIZE;
  const width = os2 ? view.getUint16(h + 4, true) : view.getInt32(h + 4, true);
  const signedHeight = os2 ? view.getInt16(h + 6, true) : view.getInt32(h + 8, true);
  const bitsPerPixel = os2 ? view.getUint16(h + 10, true) : view.getUint16(h + 14, true);
  const compression = infoSize >= 20 ? view.getUint32(h + 16, true) : COMPRESSION_NONE;
  const colorsUsed = infoSize >= 40 ? view.getUint32(h + 32, true) : 0;

  if (width <= 0 || signedHeight === 0) fail(`invalid BMP size ${width}x${signedHeight}`);
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) fail(`unsupported BMP bit depth ${bitsPerPixel}`);
  if (compression in COMPRESSION_NAMES) fail(`${COMPRESSION_NAMES[compression]}-compressed BMPs are not supported`);
  if (compression !== COMPRESSION_NONE && compression !== COMPRESSION_BITFIELDS && compression !== COMPRESSION_ALPHA_BITFIELDS) {
    fail(`unknown BMP compression ${compression}`);
  }
  const topDown = signedHeight < 0;
  const height = Math.abs(signedHeight);

  // Colour table: it follows the info header (and, for BITFIELDS with a 40-byte header, the masks).
  const palette: [number, number, number][] = [];
  let masks: [number, number, number] | null = null;
  let afterHeader = h + infoSize;
  if (compression === COMPRESSION_BITFIELDS || compression === COMPRESSION_ALPHA_BITFIELDS) {
    // V2+ headers hold the masks inside; the 40-byte header is followed by them.
    const maskAt = infoSize >= 52 ? h + 40 : afterHeader;
    if (bytes.length < maskAt + 12) fail('truncated BMP: the colour masks are cut off');
    masks = [view.getUint32(maskAt, true), view.getUint32(maskAt + 4, true), view.getUint32(maskAt + 8, true)];
    if (infoSize === 40) afterHeader += compression === COMPRESSION_ALPHA_BITFIELDS ? 16 : 12;
  }
  let alphaMask = 0;
  if (bitsPerPixel === 32) {
    // In a V3+ header, or after the 40-byte header's three colour masks (ALPHA_BITFIELDS).
    const alphaAt = infoSize >= 56 || compression === COMPRESSION_ALPHA_BITFIELDS ? h + 52 : -1;
    alphaMask = masks === null ? 0xff000000 : alphaAt >= 0 && bytes.length >= alphaAt + 4 ? view.getUint32(alphaAt, true) : 0;
  }
  if (bitsPerPixel <= 8) {
    const count = colorsUsed > 0 ? colorsUsed : 1 << bitsPerPixel;
    const entrySize = os2 ? 3 : 4;
    if (count > 1 << bitsPerPixel) fail(`palette has ${count} colours, more than ${bitsPerPixel} bits can index`);
    if (bytes.length < afterHeader + count * entrySize) fail('truncated BMP: the palette is cut off');
    for (let k = 0; k < count; k++) {
      const p = afterHeader + k * entrySize;
      palette.push([bytes[p + 2], bytes[p + 1], bytes[p]]); // stored as blue, green, red
    }
  }
  if (pixelOffset < afterHeader + palette.length * (os2 ? 3 : 4)) fail(`pixel data offset ${pixelOffset} points inside the headers`);
  const bytesNeeded = pixelOffset + bmpRowStride(width, bitsPerPixel) * height;
  return { width, height, bitsPerPixel, topDown, palette, masks, alphaMask, pixelOffset, bytesNeeded };
}

/**
 * Decodes a BMP file. `source` (usually the file path) starts every error message, so a bad file
 * in a folder of thousands can be found. With `expected`, an image of another size fails
 * before its pixels are allocated; any image past MAX_BMP_PIXELS does too.
 */
export function decodeBmp(bytes: Uint8Array, source = 'BMP data', expected?: { width: number; height: number }): DecodedBmp {
  const header = readBmpHeader(bytes, source);
  const { width, height, bitsPerPixel, topDown, palette, masks, alphaMask, pixelOffset, bytesNeeded } = header;
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  if (expected && (width !== expected.width || height !== expected.height)) {
    fail(`image is ${width}x${height}, expected ${expected.width}x${expected.height}`);
  }
  if (width * height > MAX_BMP_PIXELS) fail(`image is ${width}x${height}, more than the limit of ${MAX_BMP_PIXELS} pixels`);
  if (bytes.length < bytesNeeded) {
    fail(`truncated BMP: ${width}x${height} at ${bitsPerPixel} bits needs ${bytesNeeded} bytes, the file has ${bytes.length}`);
  }

  const stride = bmpRowStride(width, bitsPerPixel);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rgb = new Uint8Array(width * height * 3);
  const readPixel = pixelReader(bytes, view, bitsPerPixel, masks, palette, fail);
  for (let row = 0; row < height; row++) {
    const fileRow = topDown ? row : height - 1 - row;
    const rowStart = pixelOffset + fileRow * stride;
    for (let x = 0; x < width; x++) readPixel(rowStart, x, rgb, (row * width + x) * 3);
  }
  if (alphaMask !== 0) compositeOverWhite(rgb, alphaChannel(view, header, stride));
  return { width, height, rgb, bitsPerPixel, topDown, palette };
}

/** The alpha of every pixel (0..255, rows top to bottom) of a 32-bit image, or null if it is 0 everywhere. */
function alphaChannel(view: DataView, header: BmpHeader, stride: number): Uint8Array | null {
  const { width, height, topDown, pixelOffset, alphaMask } = header;
  const channel = maskToChannel(alphaMask);
  const alpha = new Uint8Array(width * height);
  let any = false;
  for (let row = 0; row < height; row++) {
    const rowStart = pixelOffset + (topDown ? row : height - 1 - row) * stride;
    for (let x = 0; x < width; x++) {
      const a = channel(view.getUint32(rowStart + 4 * x, true));
      alpha[row * width + x] = a;
      if (a !== 0) any = true;
    }
  }
  return any ? alpha : null;
}

/** rgb ← rgb·α + 255·(1 − α), in place: the image laid on white paper. */
function compositeOverWhite(rgb: Uint8Array, alpha: Uint8Array | null): void {
  if (alpha === null) return;
  for (let k = 0; k < alpha.length; k++) {
    const a = alpha[k];
    for (let c = 0; c < 3; c++) rgb[3 * k + c] = Math.round((rgb[3 * k + c] * a + 255 * (255 - a)) / 255);
  }
}

type PixelReader = (rowStart: number, x: number, out: Uint8Array, at: number) => void;

function pixelReader(
  bytes: Uint8Array,
  view: DataView,
  bitsPerPixel: number,
  masks: [number, number, number] | null,
  palette: [number, number, number][],
  fail: (why: string) => never,
): PixelReader {
  if (bitsPerPixel <= 8) {
    const perByte = 8 / bitsPerPixel;
    const mask = (1 << bitsPerPixel) - 1;
    return (rowStart, x, out, at) => {
      // The leftmost pixel sits in the most significant bits of its byte.
      const byte = bytes[rowStart + Math.floor(x / perByte)];
      const shift = 8 - bitsPerPixel * ((x % perByte) + 1);
      const index = (byte >> shift) & mask;
      const colour = palette[index];
      if (colour === undefined) fail(`pixel uses colour ${index}, but the palette has only ${palette.length} entries`);
      out[at] = colour[0];
      out[at + 1] = colour[1];
      out[at + 2] = colour[2];
    };
  }
  if (bitsPerPixel === 24) {
    return (rowStart, x, out, at) => {
      const p = rowStart + x * 3;
      out[at] = bytes[p + 2];
      out[at + 1] = bytes[p + 1];
      out[at + 2] = bytes[p];
    };
  }
  // 16 and 32 bits: channels given by bit masks (defaults: 5-5-5 and 8-8-8).
  const [rMask, gMask, bMask] = masks ?? (bitsPerPixel === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff]);
  const channels = [rMask, gMask, bMask].map(maskToChannel);
  const bytesPerPixel = bitsPerPixel / 8;
  return (rowStart, x, out, at) => {
    const p = rowStart + x * bytesPerPixel;
    const value = bitsPerPixel === 16 ? view.getUint16(p, true) : view.getUint32(p, true);
    for (let c = 0; c < 3; c++) out[at + c] = channels[c](value);
  };
}

/** Turns a colour mask such as 0x03e0 into a function that extracts that channel scaled to 0..255. */
function maskToChannel(mask: number): (value: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (value) => Math.round((((value & mask) >>> shift) / max) * 255);
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

export interface EncodeOptions {
  bitsPerPixel?: 1 | 4 | 8 | 24 | 32;
  /** Write rows top-down (negative height) instead of the usual bottom-up. */
  topDown?: boolean;
  /**
   * Palette order for 1/4/8-bit files: 'dark-first' puts black at index 0 (what most tools
   * write), 'light-first' puts white there. The pixels look the same either way.
   */
  paletteOrder?: 'dark-first' | 'light-first';
}

/**
 * Encodes a greyscale image (one byte per pixel, 0 = black, 255 = white, rows top to bottom).
 * Palette depths get a grey ramp: 1 bit thresholds at 128, 4 bits keep 16 levels, 8 bits all 256.
 */
export function encodeGrayBmp(
  image: { width: number; height: number; gray: Uint8Array },
  options: EncodeOptions = {},
): Uint8Array {
  const { width, height, gray } = image;
  const bitsPerPixel = options.bitsPerPixel ?? 8;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new Error(`encodeGrayBmp: width and height must be positive integers, got ${width}x${height}`);
  }
  if (gray.length !== width * height) {
    throw new Error(`encodeGrayBmp: gray has ${gray.length} values, expected ${width}x${height} = ${width * height}`);
  }
  if (![1, 4, 8, 24, 32].includes(bitsPerPixel)) throw new Error(`encodeGrayBmp: bitsPerPixel must be 1, 4, 8, 24 or 32, got ${bitsPerPixel}`);

  const levels = bitsPerPixel <= 8 ? 1 << bitsPerPixel : 0;
  const lightFirst = options.paletteOrder === 'light-first';
  // Palette entry k holds grey level k/(levels-1) (or its reverse); a pixel picks the nearest level.
  const paletteGray = (k: number) => Math.round(((lightFirst ? levels - 1 - k : k) * 255) / (levels - 1));
  const indexOf = (g: number) => {
    const level = Math.min(levels - 1, Math.floor((g * levels) / 256));
    return lightFirst ? levels - 1 - level : level;
  };

  const stride = bmpRowStride(width, bitsPerPixel);
  const paletteBytes = levels * 4;
  const pixelOffset = FILE_HEADER_SIZE + 40 + paletteBytes;
  const fileSize = pixelOffset + stride * height;
  const bytes = new Uint8Array(fileSize);
  const view = new DataView(bytes.buffer);

  bytes[0] = 0x42; // 'B'
  bytes[1] = 0x4d; // 'M'
  view.setUint32(2, fileSize, true);
  view.setUint32(10, pixelOffset, true);
  view.setUint32(14, 40, true); // BITMAPINFOHEADER
  view.setInt32(18, width, true);
  view.setInt32(22, options.topDown ? -height : height, true);
  view.setUint16(26, 1, true); // planes
  view.setUint16(28, bitsPerPixel, true);
  view.setUint32(30, COMPRESSION_NONE, true);
  view.setUint32(34, stride * height, true);
  view.setInt32(38, 2835, true); // 72 dpi, as most tools write
  view.setInt32(42, 2835, true);
  view.setUint32(46, levels, true);
  for (let k = 0; k < levels; k++) {
    const g = paletteGray(k);
    bytes.set([g, g, g, 0], FILE_HEADER_SIZE + 40 + k * 4);
  }

  for (let row = 0; row < height; row++) {
    const fileRow = options.topDown ? row : height - 1 - row;
    const rowStart = pixelOffset + fileRow * stride;
    for (let x = 0; x < width; x++) {
      const g = gray[row * width + x];
      if (bitsPerPixel === 24 || bitsPerPixel === 32) {
        const p = rowStart + x * (bitsPerPixel / 8);
        bytes[p] = g;
        bytes[p + 1] = g;
        bytes[p + 2] = g;
        if (bitsPerPixel === 32) bytes[p + 3] = 255;
      } else {
        const perByte = 8 / bitsPerPixel;
        const shift = 8 - bitsPerPixel * ((x % perByte) + 1);
        bytes[rowStart + Math.floor(x / perByte)] |= indexOf(g) << shift;
      }
    }
  }
  return bytes;
}

/** Luminance (Rec. 601 weights) of each pixel of an RGB image, in [0, 1]. */
export function luminance(image: RgbImage): Float64Array {
  const n = image.width * image.height;
  const out = new Float64Array(n);
  const rgb = image.rgb;
  // Integer weights keep pure white exactly 1 and pure black exactly 0.
  for (let k = 0; k < n; k++) out[k] = (299 * rgb[3 * k] + 587 * rgb[3 * k + 1] + 114 * rgb[3 * k + 2]) / 255000;
  return out;
}
