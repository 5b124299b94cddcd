/**
 * The experiment cache: one JSON file per run under .nnlab-cache/runs/, named by a hash of
 * (settings, dataset fingerprint, library version). Rerunning a notebook re-renders from it in
 * seconds; any change to the configuration, the data or the library's training code misses.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stableStringify, type TrainSettings } from './settings.js';
import type { RunRecord } from './train.js';
import { NUMERICS_VERSION } from '../math/elementary.js';

/** Bumped when the format of a cached record changes. */
export const CACHE_FORMAT = 1;

/** The folder of the compiled (or source) library: dist/ or lib/. */
function libraryDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

/** Folders and files whose code cannot change a training result. */
const NOT_TRAINING = new Set(['display', 'report', 'commands', 'cli.js', 'cli.ts', 'index.js', 'index.ts']);

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

export function runKey(settings: TrainSettings, dataFingerprint: string, version = libraryVersion()): string {
  // The numerics version: a run's bits depend on it (lib/math/elementary.ts), not on the Node version.
  const text = stableStringify({ format: CACHE_FORMAT, settings, data: dataFingerprint, version, numerics: NUMERICS_VERSION });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

interface CacheFile<R, S> {
  format: number;
  key: string;
  settings: S;
  data: string;
  version: string;
  created: string;
  record: R;
}

/** A cache of training results: by default the grids' runs (RunRecord, keyed by TrainSettings). */
export class RunCache<R = RunRecord, S = TrainSettings> {
  readonly dir: string;
  constructor(dir = defaultCacheDir()) {
    this.dir = path.join(dir, 'runs');
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  get(key: string): R | null {
    try {
      const f = JSON.parse(readFileSync(this.file(key), 'utf8')) as CacheFile<R, S>;
      if (f.format !== CACHE_FORMAT || f.key !== key) return null;
      return f.record;
    } catch {
      return null; // missing or unreadable (e.g. truncated): a miss
    }
  }

  set(key: string, settings: S, data: string, record: R): void {
    mkdirSync(this.dir, { recursive: true });
    const f: CacheFile<R, S> = { format: CACHE_FORMAT, key, settings, data, version: libraryVersion(), created: new Date().toISOString(), record };
    // Atomic: write a temporary file and rename it, so a reader never sees half a record.
    const tmp = `${this.file(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify(f));
    renameSync(tmp, this.file(key));
  }

  delete(key: string): void {
    rmSync(this.file(key), { force: true });
  }

  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
