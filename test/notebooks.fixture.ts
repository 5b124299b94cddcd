/**
 * Shared by test/notebooks.test.ts and test/browser.test.ts: the quick-profile report, built once
 * (executing all four notebooks through nbconvert/nbclient with the tslab kernel) into
 * artifacts/report-quick/. Test files run in parallel processes, so a lock directory makes the
 * first caller build while the others wait; a build of the same notebooks and library from the
 * last 30 minutes is reused (NNLAB_TEST_REBUILD=1 forces a new one).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildReport, findJupyter, hasTslabKernel, projectRoot, type ReportResult } from '../lib/report/index.js';

export const ROOT = projectRoot();
export const ARTIFACTS = path.join(ROOT, 'artifacts');
export const REPORT_DIR = path.join(ARTIFACTS, 'report-quick');
const LOCK = `${REPORT_DIR}.lock`;
const STAMP = path.join(REPORT_DIR, 'inputs.json');

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** Why the notebook tests cannot run here, or null when they can. */
export function jupyterProblem(): string | null {
  const env = findJupyter();
  if (!env) return 'no Jupyter with nbconvert/nbclient (run `bash scripts/setup.sh`)';
  if (!hasTslabKernel(env)) return `the tslab kernel is not registered with ${env.python} (run \`bash scripts/setup.sh\`)`;
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

let memo: Promise<ReportResult> | undefined;

/** The quick report, built by this process or another one. */
export function quickReport(): Promise<ReportResult> {
  memo ??= buildOrWait();
  return memo;
}

async function buildOrWait(): Promise<ReportResult> {
  const hash = inputsHash();
  for (;;) {
    const hit = fresh(hash);
    if (hit) return hit;
    try {
      mkdirSync(LOCK, { recursive: false });
    } catch {
      // Someone else builds. A lock older than 40 minutes is from a dead run.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 40 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      } catch { /* gone */ }
      await sleep(2000);
      continue;
    }
    try {
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
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
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
