/**
 * The BMP decoder only ever throws an error naming the file and what is wrong: the cases the
 * reliability review found, then a few thousand seeded mutations (test/bmp-mutations.ts;
 * `npm run fuzz` runs 100,000).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBmp, encodeGrayBmp, MAX_BMP_PIXELS } from '../lib/data/bmp.js';
import { loadCharacterFolder, readCharacterImage } from '../lib/data/loader.js';
import { fuzzBmpDecoder } from './bmp-mutations.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nnlab-bmpfuzz-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The headers of a 1-bit BMP of the given size (no pixels). */
function header1Bit(width: number, height: number): Uint8Array {
  const small = encodeGrayBmp({ width: 1, height: 1, gray: new Uint8Array(1) }, { bitsPerPixel: 1 });
  const head = small.slice(0, 62);
  const v = new DataView(head.buffer);
  v.setInt32(18, width, true);
  v.setInt32(22, height, true);
  return head;
}

describe('BMP decoder errors name the file', () => {
  it('an info header of size 16 in a 30..33-byte file', () => {
    for (let length = 30; length <= 33; length++) {
      const bytes = new Uint8Array(length);
      const v = new DataView(bytes.buffer);
      bytes.set([0x42, 0x4d]);
      v.setUint32(14, 16, true);
      v.setInt32(18, 28, true);
      v.setInt32(22, 28, true);
      v.setUint16(28, 1, true);
      expect(() => decodeBmp(bytes, `short-${length}.bmp`)).toThrow(new RegExp(`^short-${length}\\.bmp: `));
      try {
        decodeBmp(bytes, 'x.bmp');
      } catch (err) {
        expect((err as Error).constructor).toBe(Error);
      }
    }
  });

  it('40000x40000 and 12000x12000 fail on their size before any pixel is allocated', () => {
    expect(() => decodeBmp(header1Bit(40000, 40000), 'huge.bmp')).toThrow(new RegExp(`^huge\\.bmp: image is 40000x40000, more than the limit of ${MAX_BMP_PIXELS} pixels`));
    expect(() => decodeBmp(header1Bit(12000, 12000), 'big.bmp', { width: 28, height: 28 })).toThrow(/^big\.bmp: image is 12000x12000, expected 28x28/);
  });

  it('the loader reads only the headers of a file far larger than a 28x28 BMP', () => {
    // 40000x40000 at 1 bit is a 200 MB file: written sparse, so it takes no disk.
    const path = join(dir, 'huge.bmp');
    writeFileSync(path, header1Bit(40000, 40000));
    truncateSync(path, 62 + 5000 * 40000);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => readCharacterImage(path)).toThrow(/huge\.bmp: image is 40000x40000, expected 28x28/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(10 * 2 ** 20);
    const padded = join(dir, 'padded.bmp');
    writeFileSync(padded, encodeGrayBmp({ width: 28, height: 28, gray: new Uint8Array(784) }, { bitsPerPixel: 1 }));
    truncateSync(padded, 50 * 2 ** 20);
    expect(() => readCharacterImage(padded)).toThrow(/padded\.bmp: file is 52428800 bytes, more than a 28x28 BMP takes/);
  });

  it('--skip-bad warnings name the file', () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, '1'), { recursive: true });
    writeFileSync(join(data, '1', '1.bmp'), encodeGrayBmp({ width: 28, height: 28, gray: new Uint8Array(784) }, { bitsPerPixel: 8 }));
    const short = new Uint8Array(30);
    short.set([0x42, 0x4d]);
    new DataView(short.buffer).setUint32(14, 16, true);
    writeFileSync(join(data, '1', '2.bmp'), short);
    writeFileSync(join(data, '1', '3.bmp'), header1Bit(12000, 12000));
    const loaded = loadCharacterFolder(data, { skipBad: true });
    expect(loaded.X.rows).toBe(1);
    expect(loaded.warnings).toHaveLength(2);
    expect(loaded.warnings[0]).toMatch(/[/\\]1[/\\]2\.bmp: /);
    expect(loaded.warnings[1]).toMatch(/[/\\]1[/\\]3\.bmp: image is 12000x12000, expected 28x28/);
  });
});

describe('BMP fuzz', () => {
  it('3,000 mutated files of every bit depth: each decodes or fails naming the file', () => {
    const outcome = fuzzBmpDecoder(3000, 1);
    expect(outcome.bugs).toEqual([]);
    // Both outcomes occur: the mutations neither only break files nor leave them all intact.
    expect(outcome.decoded).toBeGreaterThan(100);
    expect(outcome.rejected).toBeGreaterThan(1000);
  });
});
