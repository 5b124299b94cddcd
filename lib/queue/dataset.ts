/**
 * A course folder through the queue. The built-in data travels as its generator's spec; a
 * course folder's images cannot be made again elsewhere, so the coordinator publishes them once
 * in Redis under their content hash (sha256 of the bytes) and each job names that hash. A worker
 * checks the size before it reads the bytes and their hash before it decodes them, splits them
 * with a local run's code (splitLabImages), checks the split's fingerprint against the job's as
 * for the built-in data (lib/queue/worker.ts), and only then keeps the bytes in its cache
 * (<cache dir>/datasets/<hash>.bin) for the next grid.
 *
 * The bytes: raw deflate (node:zlib) of a header (images, width, height, classes: 4 uint32),
 * the pixels (float64) and the labels (int32), little-endian, in that order so that each part
 * starts at a multiple of its size (typed arrays need it). Deflate takes a course folder's
 * 46 MB of float64 pixels to 0.8-1.8 MB (measured on 7440 generated 28×28 images, 1-bit and
 * blurred 8-bit): a few MB in Redis.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { UnsplitImages } from '../experiments/data.js';
import { Matrix } from '../nn/matrix.js';
import { writeFileAtomic } from '../util/io.js';

/** A job's data when it is a published course folder: what the worker needs to fetch, check and split it. */
export interface PublishedImages {
  kind: 'images';
  /** sha256 of the published bytes: their name in Redis and in the workers' caches. */
  hash: string;
  /** Their length, checked before they are read. */
  bytes: number;
  images: number;
  width: number;
  height: number;
  classNames: string[];
  valFraction: number;
  testFraction: number;
  seed: number;
  duplicates?: 'ignored';
  trainOn?: 'train+validation';
}

/** Largest published dataset: far above a course folder's 1-2 MB, far below Redis's 512 MB per value. */
export const MAX_PUBLISHED_BYTES = 64 * 2 ** 20;
/** Kept in Redis this long after the last grid that published it (each grid sets it again). */
const KEEP_SECONDS = 24 * 3600;
const HEADER_BYTES = 16;

export const publishedKey = (hash: string) => `nnlab-data:${hash}`;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const short = (hash: string) => hash.slice(0, 12);

function mustBeLittleEndian(): void {
  // Typed arrays use the machine's byte order; every platform Node supports for nnlab is little-endian.
  if (endianness() !== 'LE') throw new Error('published data: this machine is big-endian; the queue\'s data format is little-endian');
}

/** The bytes of `u`'s images (see the file comment). */
function encodeImages(u: UnsplitImages): Buffer {
  mustBeLittleEndian();
  const header = new Uint32Array([u.X.rows, u.width, u.height, u.classNames.length]);
  const pixels = Float64Array.from(u.X.data); // float32 data is widened, exactly
  return deflateRawSync(Buffer.concat([new Uint8Array(header.buffer), new Uint8Array(pixels.buffer), new Uint8Array(u.y.buffer, u.y.byteOffset, u.y.byteLength)]));
}

const published = new WeakMap<UnsplitImages, { bytes: Buffer; hash: string }>();

/**
 * Publishes `u` at `client` (once: the key is its hash and is written only if absent) and
 * returns what a job carries instead. Encoded once per data object (a notebook runs many grids).
 */
export async function publishImages(client: Redis, u: UnsplitImages): Promise<PublishedImages> {
  let encoded = published.get(u);
  if (!encoded) {
    const bytes = encodeImages(u);
    encoded = { bytes, hash: sha256(bytes) };
    published.set(u, encoded);
  }
  const { bytes, hash } = encoded;
  if (bytes.length > MAX_PUBLISHED_BYTES) {
    throw new Error(`the course data takes ${(bytes.length / 2 ** 20).toFixed(1)} MB deflated, more than the queue's limit of ${MAX_PUBLISHED_BYTES / 2 ** 20} MB`);
  }
  const key = publishedKey(hash);
  if ((await client.set(key, bytes, 'EX', KEEP_SECONDS, 'NX')) === null) await client.expire(key, KEEP_SECONDS);
  return {
    kind: 'images', hash, bytes: bytes.length, images: u.X.rows, width: u.width, height: u.height, classNames: [...u.classNames],
    valFraction: u.valFraction, testFraction: u.testFraction, seed: u.seed,
    ...(u.duplicates ? { duplicates: u.duplicates } : {}), ...(u.trainOn ? { trainOn: u.trainOn } : {}),
  };
}

/** The images in `bytes`, whose hash was checked; every size is the job's, checked before it is allocated. */
function decodeImages(bytes: Buffer, d: PublishedImages): UnsplitImages {
  mustBeLittleEndian();
  const pixels = d.width * d.height;
  const expected = HEADER_BYTES + d.images * pixels * 8 + d.images * 4;
  let raw: Buffer;
  try {
    raw = inflateRawSync(bytes, { maxOutputLength: expected });
  } catch (err) {
    throw new Error(`published data ${short(d.hash)}: not ${expected} bytes of images once inflated (${(err as Error).message})`);
  }
  if (raw.length !== expected) throw new Error(`published data ${short(d.hash)}: ${raw.length} bytes once inflated, expected ${expected}`);
  // Typed arrays need offsets aligned to their element size: copied only if zlib's buffer is not.
  const aligned = raw.byteOffset % 8 === 0 ? raw : Buffer.from(raw);
  const header = Array.from(new Uint32Array(aligned.buffer, aligned.byteOffset, 4));
  const asked = [d.images, d.width, d.height, d.classNames.length];
  if (header.some((n, i) => n !== asked[i])) throw new Error(`published data ${short(d.hash)}: its header says ${header.join('/')} (images/width/height/classes), the job ${asked.join('/')}`);
  const X = new Float64Array(aligned.buffer, aligned.byteOffset + HEADER_BYTES, d.images * pixels);
  const y = new Int32Array(aligned.buffer, aligned.byteOffset + HEADER_BYTES + d.images * pixels * 8, d.images);
  for (let i = 0; i < X.length; i++) {
    if (!(X[i] >= 0 && X[i] <= 1)) throw new Error(`published data ${short(d.hash)}: pixel ${i} is ${X[i]}, outside [0, 1]`);
  }
  return {
    X: new Matrix(d.images, pixels, X), y, classNames: d.classNames, width: d.width, height: d.height,
    valFraction: d.valFraction, testFraction: d.testFraction, seed: d.seed,
    ...(d.duplicates ? { duplicates: d.duplicates } : {}), ...(d.trainOn ? { trainOn: d.trainOn } : {}),
  };
}

/**
 * The images a job names: from `cacheDir` if a file there has their hash, else from Redis (size
 * checked before reading, hash before decoding). A hash that differs from the job's fails it,
 * naming both. `keep` writes the fetched bytes into `cacheDir` (temporary file, then rename):
 * the caller calls it once the split's fingerprint is the job's too.
 */
export async function fetchImages(client: Redis, d: PublishedImages, cacheDir: string, log: (line: string) => void): Promise<{ images: UnsplitImages; keep(): void }> {
  const file = path.join(cacheDir, `${d.hash}.bin`);
  const local = readCached(file, d, log);
  if (local) {
    log(`data ${short(d.hash)}: from the local cache ${file}`);
    return { images: decodeImages(local, d), keep: () => undefined };
  }
  const key = publishedKey(d.hash);
  const size = await client.strlen(key);
  if (size === 0) throw new Error(`published data ${short(d.hash)} is not in Redis (key ${key}): its coordinator publishes it when a grid starts; run the grid again`);
  if (size !== d.bytes) throw new Error(`published data mismatch: the job's data has content hash ${d.hash} and ${d.bytes} bytes, Redis holds ${size} bytes under that hash`);
  const bytes = await client.getBuffer(key);
  if (bytes === null) throw new Error(`published data ${short(d.hash)} left Redis while it was being read (key ${key}); run the grid again`);
  const got = sha256(bytes);
  if (got !== d.hash) throw new Error(`published data mismatch: the job's data has content hash ${d.hash}, the bytes in Redis hash to ${got}`);
  const keep = () => {
    try {
      writeFileAtomic(file, bytes);
      log(`data ${short(d.hash)}: fetched from Redis (${(bytes.length / 2 ** 20).toFixed(2)} MB), checked, kept in ${file}`);
    } catch (err) {
      log(`data ${short(d.hash)}: fetched from Redis and checked, but not kept (${(err as Error).message})`);
    }
  };
  return { images: decodeImages(bytes, d), keep };
}

/** The cached bytes of `d`, or null: a file of another size or hash is removed (and said). */
function readCached(file: string, d: PublishedImages, log: (line: string) => void): Buffer | null {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return null;
  }
  const bytes = size === d.bytes ? readFileSync(file) : null;
  if (bytes && sha256(bytes) === d.hash) return bytes;
  log(`data ${short(d.hash)}: ${file} is not those bytes (${size} bytes${bytes ? `, hash ${sha256(bytes)}` : ''}): removed, fetching again`);
  rmSync(file, { force: true });
  return null;
}
