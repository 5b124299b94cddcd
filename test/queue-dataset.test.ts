/**
 * Published course data (lib/queue/dataset.ts) without a Redis: a Map stands for it. What a worker
 * reads is checked in order (size before reading, hash before decoding, every size against the
 * job's before allocating), and its cache keeps only bytes of the right hash. The same code
 * against a real redis-server, end to end: test/queue-course.test.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { splitLabImages, type UnsplitImages } from '../lib/experiments/data.js';
import { Matrix } from '../lib/nn/matrix.js';
import { Rng } from '../lib/nn/random.js';
import { fetchImages, publishedKey, publishImages, type PublishedImages } from '../lib/queue/dataset.js';

/** The few commands the module uses, on a Map; `reads` counts the values read. */
function fakeRedis() {
  const store = new Map<string, Buffer>();
  let reads = 0;
  const client = {
    async set(key: string, value: Buffer, ...mode: unknown[]) {
      if (mode.includes('NX') && store.has(key)) return null;
      store.set(key, Buffer.from(value));
      return 'OK';
    },
    async expire() { return 1; },
    async strlen(key: string) { return store.get(key)?.length ?? 0; },
    async getBuffer(key: string) { reads++; return store.get(key) ?? null; },
  };
  return { client: client as unknown as Redis, store, reads: () => reads };
}

function images(n = 41): UnsplitImages { // odd: the labels do not end on a multiple of 8 bytes
  const rng = new Rng(3);
  const X = new Matrix(n, 16);
  for (let i = 0; i < X.data.length; i++) X.data[i] = Math.round(rng.uniform() * 255) / 255;
  return { X, y: Int32Array.from({ length: n }, (_, i) => i % 4), classNames: ['a', 'b', 'c', 'd'], width: 4, height: 4, valFraction: 0.25, testFraction: 0, seed: 1 };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'nnlab-dataset-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('published course data', () => {
  it('round trip: the worker\'s split has the local split\'s fingerprint; publishing twice writes once; kept only when asked', async () => {
    const redis = fakeRedis();
    const u = images();
    const job = await publishImages(redis.client, u);
    expect(await publishImages(redis.client, u)).toEqual(job);
    expect([...redis.store.keys()]).toEqual([publishedKey(job.hash)]);
    expect(sha256(redis.store.get(publishedKey(job.hash))!)).toBe(job.hash);
    const dir = path.join(tmp, 'round-trip');
    const lines: string[] = [];
    const fetched = await fetchImages(redis.client, job, dir, (l) => lines.push(l));
    expect(splitLabImages(fetched.images).fingerprint).toBe(splitLabImages(u).fingerprint);
    expect(existsSync(path.join(dir, `${job.hash}.bin`))).toBe(false); // not before keep()
    fetched.keep();
    expect(sha256(readFileSync(path.join(dir, `${job.hash}.bin`)))).toBe(job.hash);
    const again = await fetchImages(redis.client, job, dir, (l) => lines.push(l));
    expect(redis.reads()).toBe(1); // the second time from the cache
    expect(splitLabImages(again.images).fingerprint).toBe(splitLabImages(u).fingerprint);
    expect(lines.at(-1)).toMatch(/from the local cache/);
  });

  it('refuses, naming what differs: a size other than the job\'s (before reading), other bytes (before decoding), sizes inside that are not the job\'s', async () => {
    const redis = fakeRedis();
    const job = await publishImages(redis.client, images());
    const key = publishedKey(job.hash);
    const dir = path.join(tmp, 'refused');
    const fetch = (j: PublishedImages) => fetchImages(redis.client, j, dir, () => undefined);

    redis.store.set(key, Buffer.concat([redis.store.get(key)!, Buffer.from('x')]));
    await expect(fetch(job)).rejects.toThrow(`published data mismatch: the job's data has content hash ${job.hash} and ${job.bytes} bytes, Redis holds ${job.bytes + 1} bytes under that hash`);
    expect(redis.reads()).toBe(0);

    const tampered = Buffer.from(redis.store.get(key)!.subarray(0, job.bytes));
    tampered[10] ^= 0xff;
    redis.store.set(key, tampered);
    await expect(fetch(job)).rejects.toThrow(`published data mismatch: the job's data has content hash ${job.hash}, the bytes in Redis hash to ${sha256(tampered)}`);

    // Bytes that hash right but do not hold what the job says: a job asking for fewer images, or a huge inflation.
    redis.store.clear();
    const honest = await publishImages(redis.client, images());
    await expect(fetch({ ...honest, images: 39 })).rejects.toThrow(/published data [0-9a-f]{12}: not 5164 bytes of images once inflated/) // 16 + 39 × 16 × 8 + 39 × 4;
    const bomb = deflateRawSync(Buffer.alloc(64 * 2 ** 20));
    redis.store.set(publishedKey(sha256(bomb)), bomb);
    await expect(fetch({ ...honest, hash: sha256(bomb), bytes: bomb.length })).rejects.toThrow(/not \d+ bytes of images once inflated/);
    const swapped = { ...honest, width: 2, height: 8 };
    await expect(fetch(swapped)).rejects.toThrow(/its header says 41\/4\/4\/4 \(images\/width\/height\/classes\), the job 41\/2\/8\/4/);
    const bright = images();
    bright.X.data[5] = 1.5;
    await expect(fetch(await publishImages(redis.client, bright))).rejects.toThrow(/pixel 5 is 1\.5, outside \[0, 1\]/);
    expect(existsSync(dir)).toBe(false); // nothing kept
  });

  it('a cached file of other bytes is removed and fetched again', async () => {
    const redis = fakeRedis();
    const job = await publishImages(redis.client, images());
    const dir = path.join(tmp, 'stale');
    const lines: string[] = [];
    (await fetchImages(redis.client, job, dir, (l) => lines.push(l))).keep();
    const file = path.join(dir, `${job.hash}.bin`);
    const spoiled = readFileSync(file);
    spoiled[0] ^= 1;
    writeFileSync(file, spoiled);
    await fetchImages(redis.client, job, dir, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(new RegExp(`${file.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')} is not those bytes \\(${job.bytes} bytes, hash ${sha256(spoiled)}\\): removed, fetching again`));
    expect(redis.reads()).toBe(2);
  });
});
