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
