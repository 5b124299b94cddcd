/**
 * The machinery around the tests and setup: the notebook fixture's build lock, the build stamp
 * that lets setup skip an unchanged library, the nbstripout git filter that keeps notebook outputs
 * out of git, and JupyterLab's project defaults.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IN_CI, ROOT, withBuildLock } from './notebooks.fixture.js';

let tmp: string;
beforeEach(() => { tmp = mkdtempSync(path.join(tmpdir(), 'nnlab-setup-')); });
afterEach(() => { rmSync(tmp, { recursive: true, force: true }); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withBuildLock (the notebook fixture waits for one build)', () => {
  // The old fixture took every mkdir failure for "someone else builds", so a lock whose parent
  // (artifacts/) did not exist failed with ENOENT forever and `npm test` hung. This test then
  // hits its 10 s limit.
  it('builds when the parent of the lock does not exist yet', async () => {
    const lock = path.join(tmp, 'artifacts', 'deeper', 'report-quick.lock');
    let calls = 0;
    const out = await withBuildLock(lock, () => { calls++; expect(existsSync(lock)).toBe(true); return 'built'; }, { pollMs: 10, timeoutMs: 5000 });
    expect(out).toBe('built');
    expect(calls).toBe(1);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(path.dirname(lock))).toBe(true);
  }, 10_000);

  it('waits while another process holds the lock, then builds', async () => {
    const lock = path.join(tmp, 'x.lock');
    mkdirSync(lock);
    let calls = 0;
    const run = withBuildLock(lock, () => ++calls, { pollMs: 5, timeoutMs: 60_000 });
    await sleep(100);
    expect(calls).toBe(0);
    rmSync(lock, { recursive: true });
    expect(await run).toBe(1);
  });

  it('removes a lock left by a dead run', async () => {
    const lock = path.join(tmp, 'x.lock');
    mkdirSync(lock);
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(lock, hourAgo, hourAgo);
    expect(await withBuildLock(lock, () => 'built', { staleMs: 60_000, pollMs: 5 })).toBe('built');
  });

  it('gives up with a clear error when the lock stays held', async () => {
    const lock = path.join(tmp, 'x.lock');
    mkdirSync(lock);
    let calls = 0;
    await expect(withBuildLock(lock, () => ++calls, { timeoutMs: 50, pollMs: 5 })).rejects.toThrow(/still held after/);
    expect(calls).toBe(0);
    expect(existsSync(lock)).toBe(true); // someone else's: left alone
  }, 10_000);

  it('throws errors other than "exists" instead of waiting on them', async () => {
    writeFileSync(path.join(tmp, 'file'), '');
    const lock = path.join(tmp, 'file', 'x.lock'); // its parent is a file
    await expect(withBuildLock(lock, () => 'built', { timeoutMs: 60_000, pollMs: 5 })).rejects.toThrow(/EEXIST|ENOTDIR/);
  }, 10_000);

  it('releases the lock when the build fails', async () => {
    const lock = path.join(tmp, 'x.lock');
    await expect(withBuildLock(lock, () => { throw new Error('build broke'); })).rejects.toThrow('build broke');
    expect(existsSync(lock)).toBe(false);
  });
});

describe('scripts/build-current.sh (setup skips an unchanged library)', () => {
  const script = path.join(ROOT, 'scripts', 'build-current.sh');
  const check = () => spawnSync('bash', [script, tmp], { encoding: 'utf8' });
  const past = new Date(Date.now() - 3600_000);
  const setTime = (rel: string, t: Date) => utimesSync(path.join(tmp, rel), t, t);
  const sources = ['lib/index.ts', 'lib/report/build.ts', 'assembly/index.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

  beforeEach(() => {
    for (const f of [...sources, 'dist/index.js', 'dist/cli.js', 'dist/kernels/nnlab.wasm']) {
      mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      writeFileSync(path.join(tmp, f), '');
    }
    for (const f of [...sources, 'lib', 'lib/report', 'assembly']) setTime(f, past);
    execFileSync('node', [path.join(ROOT, 'scripts', 'build-stamp.mjs'), 'start', path.join(tmp, 'dist')]);
    execFileSync('node', [path.join(ROOT, 'scripts', 'build-stamp.mjs'), 'done', path.join(tmp, 'dist')]);
  });

  it('says current when no source is newer than the last build', () => {
    expect(existsSync(path.join(tmp, 'dist', '.build-started'))).toBe(false);
    const r = check();
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(sources)('says stale when %s changed after the build started', (f) => {
    setTime(f, new Date(Date.now() + 60_000));
    const r = check();
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${f} changed`);
  });

  it('says stale when a source was deleted (its directory changed)', () => {
    rmSync(path.join(tmp, 'lib/report/build.ts'));
    setTime('lib/report', new Date(Date.now() + 60_000));
    expect(check().status).toBe(1);
  });

  it('says stale without a stamp (never built, or a build started and did not finish)', () => {
    execFileSync('node', [path.join(ROOT, 'scripts', 'build-stamp.mjs'), 'start', path.join(tmp, 'dist')]);
    const r = check();
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('no dist/.build-stamp');
  });

  it('says stale when an output is missing', () => {
    rmSync(path.join(tmp, 'dist/kernels/nnlab.wasm'));
    expect(check().status).toBe(1);
  });

  it('is wired into npm run build and setup.sh', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prebuild).toBe('node scripts/build-stamp.mjs start');
    expect(pkg.scripts.postbuild).toBe('node scripts/build-stamp.mjs done');
    expect(pkg.scripts.report).toContain('scripts/setup.sh --quiet');
    expect(pkg.scripts.lab).toContain('scripts/setup.sh --quiet');
    expect(readFileSync(path.join(ROOT, 'scripts', 'setup.sh'), 'utf8')).toContain('scripts/build-current.sh');
  });
});
