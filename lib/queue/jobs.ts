/**
 * What travels through the queue: a job names one run by its settings and its data's
 * fingerprint and either the built-in data's generator spec or the content hash of a course
 * folder published in Redis (lib/queue/dataset.ts): never code. Its result is a
 * cache file's content ({ format, key, settings, data, version, created, record }), checked by
 * the coordinator exactly as the cache checks a file it reads back (checkCacheFile).
 *
 * The queue's name carries what must match for two machines to give the same bits: nnlab's
 * version with the hash of its training code (libraryVersion), the numerics version and, when it
 * is `fused`, the numerics mode. A worker of another version or mode listens on another queue,
 * so it never takes the job.
 */
import * as v from 'valibot';
import { libraryVersion, runKey } from '../experiments/cache.js';
import type { SyntheticSpec } from '../experiments/data.js';
import { validateSettings, type TrainSettings } from '../experiments/settings.js';
import { NUMERICS_VERSION } from '../math/elementary.js';
import { numericsMode } from '../kernels/index.js';
import { firstProblem } from '../persist/schema.js';
import { GENERATOR_VERSIONS } from '../data/synth.js';
import { MAX_LAYER_WIDTH, MAX_MATRIX_ELEMENTS, MAX_PARAMETERS } from '../util/limits.js';
import { MAX_PUBLISHED_BYTES, type PublishedImages } from './dataset.js';

/** The queue of this build: `nnlab-runs-<version>-numerics-<n>[-fused]` (BullMQ names may not hold ':'). */
export function queueName(version = libraryVersion()): string {
  const mode = numericsMode() === 'fused' ? '-fused' : '';
  return `nnlab-runs-${version}-numerics-${NUMERICS_VERSION}${mode}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

export interface RunJob {
  /** The run's cache key, also the job's id: two coordinators asking for one run share its job. */
  key: string;
  settings: TrainSettings;
  /** The data's fingerprint (fingerprintDataset), part of the key. */
  fingerprint: string;
  /** How the worker makes the data again: the built-in data's spec, or a published course folder. */
  data: SyntheticSpec | PublishedImages;
  /** The run's name in status lines (its label and seed). */
  label?: string;
}

/** Bounds that keep a hostile payload from asking for a huge allocation before anything is checked. */
const IMAGE_PIXELS = 28 * 28;
const CLASSES = 12;
/** The built-in data's images per class that fit the library's largest matrix. */
const MAX_PER_CLASS = Math.floor(MAX_MATRIX_ELEMENTS / (CLASSES * IMAGE_PIXELS));
const MAX_HIDDEN_LAYERS = 64;
const MAX_EPOCHS = 100_000;
const MAX_CLASSES = 1000;

const int = (min: number, max: number) => v.pipe(v.number('expected a number'), v.integer('expected a whole number'), v.minValue(min, `expected ≥ ${min}`), v.maxValue(max, `expected ≤ ${max}`));
const hex = (n: number) => v.pipe(v.string('expected a string'), v.regex(new RegExp(`^[0-9a-f]{${n}}$`), `expected ${n} hexadecimal digits`));

const valFraction = v.pipe(v.number('expected a number'), v.gtValue(0, 'expected > 0'), v.ltValue(1, 'expected < 1'));
const testFraction = v.pipe(v.number('expected a number'), v.minValue(0, 'expected ≥ 0'), v.ltValue(1, 'expected < 1'));
/** The split's protocol (LabDataOptions), absent when the default. */
const duplicates = v.optional(v.literal('ignored', 'expected \'ignored\' (or absent: kept together)'));
const trainOn = v.optional(v.literal('train+validation', 'expected \'train+validation\' (or absent: train)'));

/** How the images are split (UnsplitImages, SyntheticSpec): the same fields for both kinds of data. */
const splitFields = { valFraction, testFraction, seed: int(0, 2 ** 32 - 1), duplicates, trainOn };

const syntheticSchema = v.strictObject({
  kind: v.literal('synthetic'),
  generator: v.picklist(GENERATOR_VERSIONS, `expected a generator version (${GENERATOR_VERSIONS.join(', ')})`),
  perClass: int(1, MAX_PER_CLASS),
  ...splitFields,
});

/** A published course folder (lib/queue/dataset.ts); images × pixels is bounded in checkRunJob. */
const imagesSchema = v.strictObject({
  kind: v.literal('images'),
  hash: hex(64),
  bytes: int(1, MAX_PUBLISHED_BYTES),
  images: int(2, MAX_MATRIX_ELEMENTS),
  width: int(1, MAX_LAYER_WIDTH),
  height: int(1, MAX_LAYER_WIDTH),
  classNames: v.pipe(
    v.array(v.pipe(v.string('expected a string'), v.maxLength(200, 'expected at most 200 characters'))),
    v.minLength(2, 'expected at least 2 classes'), v.maxLength(MAX_CLASSES, `expected at most ${MAX_CLASSES} classes`),
  ),
  ...splitFields,
});

const jobSchema = v.strictObject({
  key: hex(32),
  label: v.optional(v.pipe(v.string('expected a string'), v.maxLength(200, 'expected at most 200 characters'))),
  fingerprint: hex(24),
  data: v.variant('kind', [syntheticSchema, imagesSchema], 'expected \'synthetic\' (the built-in data) or \'images\' (a published course folder)'),
  // The sizes are bounded here; validateSettings checks the rest of the settings after.
  settings: v.looseObject({
    hiddenDims: v.pipe(v.array(int(1, MAX_LAYER_WIDTH)), v.minLength(1, 'expected at least one layer'), v.maxLength(MAX_HIDDEN_LAYERS, `expected at most ${MAX_HIDDEN_LAYERS} layers`)),
    numEpochs: int(1, MAX_EPOCHS),
    batchSize: int(1, MAX_PER_CLASS * CLASSES),
  }),
});

/**
 * The job's payload checked before anything is allocated for it: types, sizes, settings the
 * recipe accepts, and a key that is the one its settings and data give on this build.
 */
export function checkRunJob(payload: unknown, jobId: string | undefined): RunJob {
  const parsed = v.safeParse(jobSchema, payload);
  if (!parsed.success) throw new Error(`malformed job payload: ${firstProblem(parsed.issues)}`);
  const job = parsed.output as unknown as RunJob;
  const [pixels, classes] = job.data.kind === 'images' ? [job.data.width * job.data.height, job.data.classNames.length] : [IMAGE_PIXELS, CLASSES];
  if (pixels > MAX_LAYER_WIDTH) throw new Error(`malformed job payload: data: images of ${pixels} pixels, more inputs than the library's limit ${MAX_LAYER_WIDTH}`);
  if (job.data.kind === 'images' && job.data.images * pixels > MAX_MATRIX_ELEMENTS) {
    throw new Error(`malformed job payload: data: ${job.data.images} images of ${pixels} pixels, more than the library's largest matrix (${MAX_MATRIX_ELEMENTS} values)`);
  }
  const dims = [pixels, ...job.settings.hiddenDims, classes];
  const params = dims.slice(1).reduce((sum, d, i) => sum + dims[i] * d + d, 0);
  if (params > MAX_PARAMETERS) throw new Error(`malformed job payload: settings.hiddenDims: ${params} parameters, more than the library's limit ${MAX_PARAMETERS}`);
  validateSettings(job.settings);
  const key = runKey(job.settings, job.fingerprint);
  if (key !== job.key || (jobId !== undefined && jobId !== key)) {
    throw new Error(`malformed job payload: its key ${job.key} (job id ${jobId}) is not the key of its settings and data on this build (${key})`);
  }
  return job;
}
