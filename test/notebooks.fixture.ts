/**
 * Shared by test/notebooks.test.ts and test/browser.test.ts: the quick-profile report, built once
 * (executing all five notebooks through nbconvert/nbclient with the tslab kernel) into
 * artifacts/report-quick/. Test files run in parallel processes, so a lock directory makes the
 * first caller build while the others wait; a build of the same notebooks and library from the
 * last 30 minutes is reused (NNLAB_TEST_REBUILD=1 forces a new one).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildReport, findJupyter, hasTslabKernel, projectRoot, type ReportResult } from '../lib/report/index.js';
import { processRuns } from '../lib/util/io.js';

export const ROOT = projectRoot();
export const ARTIFACTS = path.join(ROOT, 'artifacts');
export const REPORT_DIR = path.join(ARTIFACTS, 'report-quick');
const LOCK = `${REPORT_DIR}.lock`;
const STAMP = path.join(REPORT_DIR, 'inputs.json');

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** Why the notebook tests cannot run here, or null when they can. */
export function jupyterProblem(): string | null {
  const env = findJupyter();
  if (!env) return 'no Jupyter with nbconvert/nbclient (run `node scripts/setup.mjs`)';
  if (!hasTslabKernel(env)) return `the tslab kernel is not registered with ${env.python} (run \`node scripts/setup.mjs\`)`;
  if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) return 'the library is not built (npm run build)';
  return null;
}

function inputsHash(): string {
  const h = createHash('sha256');
  const nbDir = path.join(ROOT, 'notebooks');
  for (const f of readdirSync(nbDir).filter((f) => f.endsWith('.ipynb')).sort()) h.update(f).update(readFileSync(path.join(nbDir, f)));
  const walk = (dir: string) => {
    for (const f of readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.js')) h.update(p).update(readFileSync(p));
    }
  };
  walk(path.join(ROOT, 'dist'));
  return h.digest('hex');
}

/** When this test process started: with NNLAB_TEST_REBUILD=1 only a report built since then counts. */
const PROCESS_START = Date.now() - process.uptime() * 1000;

function fresh(hash: string): ReportResult | null {
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8')) as { hash: string; time: number; result: ReportResult };
    if (process.env.NNLAB_TEST_REBUILD === '1' && stamp.time < PROCESS_START) return null;
    if (stamp.hash === hash && Date.now() - stamp.time < 30 * 60_000) return stamp.result;
  } catch { /* none yet */ }
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BuildLockOptions {
  /** A lock older than this is left from a dead run and is removed (default 40 minutes). */
  staleMs?: number;
  /** Give up, with an error, after waiting this long for another holder (default: staleMs). */
  timeoutMs?: number;
  /** How often to look again while another process holds the lock (default 2 s). */
  pollMs?: number;
}

/** The process id written in a lock by its holder, or null (none yet, or unreadable). */
function lockOwner(lockDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(lockDir, 'owner'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Runs `fn` holding `lockDir`, a directory whose creation is the atomic "I build" (its parent is
 * created first), with the holder's process id inside. While another process holds it (EEXIST),
 * waits, removing a lock whose holder is gone (a test run killed mid-build left one, and the next
 * run waited 40 minutes) or that is older than `staleMs`, and fails after `timeoutMs`; any other
 * error creating it is thrown, never taken for "someone else builds". The lock is removed when
 * `fn` settles.
 */
export async function withBuildLock<T>(lockDir: string, fn: () => T | Promise<T>, opts: BuildLockOptions = {}): Promise<T> {
  const staleMs = opts.staleMs ?? 40 * 60_000;
  const timeoutMs = opts.timeoutMs ?? staleMs;
  const pollMs = opts.pollMs ?? 2000;
  const start = Date.now();
  for (;;) {
    mkdirSync(path.dirname(lockDir), { recursive: true });
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'owner'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let age: number;
    try {
      age = Date.now() - statSync(lockDir).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released in between: try again at once
      throw err;
    }
    const owner = lockOwner(lockDir);
    if (age > staleMs || (owner !== null && !processRuns(owner))) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    const waited = Date.now() - start;
    if (waited >= timeoutMs) {
      throw new Error(`${lockDir} is still held after ${Math.round(waited / 1000)} s: another test run is building, or one died and left it (remove it then)`);
    }
    await sleep(Math.min(pollMs, timeoutMs - waited));
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

let memo: Promise<ReportResult> | undefined;

/** The quick report, built by this process or another one. */
export function quickReport(): Promise<ReportResult> {
  memo ??= buildOrWait();
  return memo;
}

async function buildOrWait(): Promise<ReportResult> {
  const hash = inputsHash();
  const hit = fresh(hash);
  if (hit) return hit;
  // Test files run in parallel processes: one builds, the others wait for the lock and then find
  // its build fresh.
  return withBuildLock(LOCK, async () => {
    const again = fresh(hash);
    if (again) return again;
    rmSync(REPORT_DIR, { recursive: true, force: true });
    const cacheDir = path.join(ARTIFACTS, 'test-cache');
    rmSync(cacheDir, { recursive: true, force: true }); // train for real, not from an earlier cache
    const log: string[] = [];
    const result = await buildReport({
      outDir: REPORT_DIR,
      env: { ...process.env, NNLAB_PROFILE: 'quick', NNLAB_CACHE_DIR: cacheDir, NNLAB_DATA: '' },
      log: (l) => log.push(l),
      cellTimeoutSec: 600,
    });
    writeFileSync(path.join(REPORT_DIR, 'build.log'), log.join('\n') + '\n');
    writeFileSync(STAMP, JSON.stringify({ hash, time: Date.now(), result }));
    return result;
  });
}

/** The Chromium to drive, or null. */
export function chromiumPath(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[]) {
    if (existsSync(p)) {
      try {
        execFileSync(p, ['--version'], { stdio: 'ignore', timeout: 30_000 });
        return p;
      } catch { /* not runnable */ }
    }
  }
  return null;
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'];
