/**
 * The experiment cache: one JSON file per run under .nnlab-cache/runs/, named by a hash of
 * (settings, dataset fingerprint, library version). Rerunning a notebook re-renders from it in
 * seconds; any change to the configuration, the data or the library's training code misses.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { stableStringify, type TrainSettings } from './settings.js';
import { firstProblem } from '../persist/schema.js';
import { removeStaleTemporaries } from '../util/io.js';
import { resultFileSchema, runRecordSchema } from './record_schema.js';
import type { RunRecord } from './train.js';
import { NUMERICS_VERSION } from '../math/elementary.js';
import { numericsMode, type Numerics } from '../kernels/index.js';

/** Bumped when the format of a cached record changes. */
export const CACHE_FORMAT = 1;

/** The folder of the compiled (or source) library: dist/ or lib/. */
function libraryDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

/** Folders and files whose code cannot change a training result. */
const NOT_TRAINING = new Set(['display', 'report', 'commands', 'queue', 'cli.js', 'cli.ts', 'index.js', 'index.ts']);

function listCode(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!rel && NOT_TRAINING.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listCode(full, path.join(rel, name)));
    else if (/\.(js|ts|wasm)$/.test(name) && !/\.d\.ts$/.test(name)) out.push(path.join(rel, name));
  }
  return out;
}

let versionCache: string | undefined;

/**
 * The library version for cache keys: package.json's version plus a hash of the code that
 * trains (everything but display, report and the CLI), so that editing a layer invalidates.
 */
export function libraryVersion(): string {
  if (versionCache) return versionCache;
  const dir = libraryDir();
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(path.join(dir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch { /* not in a package */ }
  const h = createHash('sha256');
  for (const f of listCode(dir)) {
    h.update(f.replace(/\.ts$/, '.js'));
    h.update(readFileSync(path.join(dir, f)));
  }
  versionCache = `${version}+${h.digest('hex').slice(0, 12)}`;
  return versionCache;
}

/** The cache folder: NNLAB_CACHE_DIR, else .nnlab-cache in the nearest folder (from cwd up) with a package.json. */
export function defaultCacheDir(): string {
  if (process.env.NNLAB_CACHE_DIR) return path.resolve(process.env.NNLAB_CACHE_DIR);
  let dir = process.cwd();
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, '.nnlab-cache');
    const up = path.dirname(dir);
    if (up === dir) return path.join(process.cwd(), '.nnlab-cache');
    dir = up;
  }
}

/**
 * What a cache key holds of the numerics: the version (lib/math/elementary.ts) and, in the
 * `fused` mode only, the mode (lib/kernels/index.ts). A run's bits depend on both, not on the
 * Node version. `exact` adds nothing, so the keys of `exact` runs are those made before the
 * modes existed (all of which were exact), and a `fused` run never takes an `exact` run's key.
 */
export function numericsKeyFields(mode: Numerics = numericsMode()): { numerics: number; numericsMode?: 'fused' } {
  return mode === 'fused' ? { numerics: NUMERICS_VERSION, numericsMode: 'fused' } : { numerics: NUMERICS_VERSION };
}

export function runKey(settings: TrainSettings, dataFingerprint: string, version = libraryVersion()): string {
  const text = stableStringify({ format: CACHE_FORMAT, settings, data: dataFingerprint, version, ...numericsKeyFields() });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

interface CacheFile<R, S> {
  format: number;
  key: string;
  settings: S;
  data: string;
  version: string;
  created: string;
  /** The numerics mode the record was made in (absent in files from before the modes: `exact`). */
  numericsMode?: Numerics;
  record: R;
}

/**
 * What a kind of cached result is: the schema of its record (given the stored settings) and how
 * its key is made, so that a file is taken only if it holds a valid record of the settings asked
 * for: the key is recomputed from the stored settings, data and version and must be the one
 * asked for (a record copied under another run's key is another run's result).
 */
export interface CachedKind<R, S> {
  recordSchema(settings: S): v.GenericSchema<unknown, R>;
  key(settings: S, data: string, version: string): string;
}

/** The grids' runs: RunRecord keyed by TrainSettings (runKey). */
export const RUN_RECORDS: CachedKind<RunRecord, TrainSettings> = {
  recordSchema: (settings) => runRecordSchema(settings.numEpochs) as v.GenericSchema<unknown, RunRecord>,
  key: (settings, data, version) => runKey(settings, data, version),
};

/** Why a cache file is not a valid result for `key`, or its record. */
export function checkCacheFile<R, S>(json: unknown, key: string, kind: CachedKind<R, S>): { record: R } | { problem: string } {
  const outer = v.safeParse(resultFileSchema(CACHE_FORMAT, v.unknown()), json);
  if (!outer.success) return { problem: firstProblem(outer.issues) };
  const f = outer.output as CacheFile<unknown, S>;
  if (f.key !== key) return { problem: `key: ${f.key}, expected ${key}` };
  let recomputed: string;
  try {
    recomputed = kind.key(f.settings, f.data, f.version);
  } catch (err) {
    return { problem: `settings: ${(err as Error).message}` };
  }
  if (recomputed !== key) return { problem: 'settings: the stored settings, data and version are not those of this key (another run\'s record?)' };
  if ((f.numericsMode ?? 'exact') !== numericsMode()) return { problem: `numericsMode: ${f.numericsMode ?? 'exact'}, expected ${numericsMode()}` };
  const record = v.safeParse(kind.recordSchema(f.settings), f.record);
  if (!record.success) return { problem: `record.${firstProblem(record.issues)}` };
  return { record: record.output };
}

/**
 * A cache of training results: by default the grids' runs (RunRecord, keyed by TrainSettings).
 * Nothing read from it is trusted: a file that is not a valid record of the settings asked for
 * is a miss, moved aside into rejected/ (one line names it) so that the run trains again. A
 * write that fails (disk full, no permission) is a warning: the caller keeps its result.
 */
export class RunCache<R = RunRecord, S = TrainSettings> {
  readonly dir: string;
  /** Where the warnings go (default: console.warn). */
  warn: (line: string) => void = (line) => console.warn(line);
  private writeFailed = false;
  private sweptTemporaries = false;

  constructor(dir = defaultCacheDir()) {
    this.dir = path.join(dir, 'runs');
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  /** The valid record stored for `key`, or null (absent, unreadable or invalid: a miss). */
  get(key: string, kind: CachedKind<R, S> = RUN_RECORDS as unknown as CachedKind<R, S>): R | null {
    const file = this.file(key);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return null; // missing or unreadable (e.g. truncated): a miss, rewritten by the next set
    }
    const checked = checkCacheFile(json, key, kind);
    if ('record' in checked) return checked.record;
    this.warn(`cache: ${file} is not a valid record (${checked.problem}): ${this.moveAside(key)}; training the run again`);
    return null;
  }

  /** Moves an invalid file into rejected/ (for a look), or deletes it if that fails; says which. */
  private moveAside(key: string): string {
    const rejected = path.join(path.dirname(this.dir), 'rejected');
    const target = path.join(rejected, `${key}.${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    try {
      mkdirSync(rejected, { recursive: true });
      renameSync(this.file(key), target);
      return `moved to ${target}`;
    } catch {
      rmSync(this.file(key), { force: true });
      return 'deleted';
    }
  }

  /**
   * Stores a result, atomically (a reader never sees half a record). Returns false if the write
   * failed: the first failure is a warning naming the folder (later ones are not repeated), and
   * no temporary file is left behind.
   */
  set(key: string, settings: S, data: string, record: R): boolean {
    const f: CacheFile<R, S> = { format: CACHE_FORMAT, key, settings, data, version: libraryVersion(), created: new Date().toISOString(), numericsMode: numericsMode(), record };
    const tmp = `${this.file(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      if (!this.sweptTemporaries) {
        this.sweptTemporaries = true;
        removeStaleTemporaries(this.dir, /^[0-9a-f]+\.json\.(\d+)\.[0-9a-z]+\.tmp$/); // a write killed halfway, by a process now gone
      }
      writeFileSync(tmp, JSON.stringify(f));
      renameSync(tmp, this.file(key));
      return true;
    } catch (err) {
      try {
        rmSync(tmp, { force: true });
      } catch { /* nothing was written there */ }
      if (!this.writeFailed) {
        this.writeFailed = true;
        this.warn(`cache: could not save a result in ${this.dir} (${(err as Error).message}); the results are kept in memory and the grid goes on, but will train again next time. Free some space there, or set NNLAB_CACHE_DIR to another folder. (Later failures are not repeated.)`);
      }
      return false;
    }
  }

  delete(key: string): void {
    rmSync(this.file(key), { force: true });
  }

  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
