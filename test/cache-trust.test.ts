/**
 * The run cache as a trust boundary (issue 22): a record read back is used only if it is a valid
 * record of the settings asked for; anything else is a miss, moved aside with one line naming
 * the file, and the run trains again. A failed write is a warning naming the cache folder; the
 * grid keeps its results and goes on. Two grids on one cache keep every result.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROFILES, RunCache, runGrid, type TrainSettings } from '../lib/experiments/index.js';
import { checkCacheFile, RUN_RECORDS } from '../lib/experiments/cache.js';
import { toyImages } from './toy_images.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'nnlab-cache-trust-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const BASE: TrainSettings = { ...PROFILES.quick.baseline, hiddenDims: [8], numEpochs: 2, batchSize: 16 };
const data = toyImages(7);

/** A cache whose warnings are collected. */
function cacheIn(dir: string): RunCache & { lines: string[] } {
  const cache = new RunCache(dir) as RunCache & { lines: string[] };
  cache.lines = [];
  cache.warn = (line) => cache.lines.push(line);
  return cache;
}

describe('a cached record is checked before it is used', async () => {
  const dir = tempDir();
  const cache = cacheIn(dir);
  const clean = (await runGrid([{}], data, BASE, { workers: 0, cache, progress: false })).runs[0];
  const file = path.join(cache.dir, `${clean.key}.json`);
  const original = readFileSync(file, 'utf8');

  const edits: Array<[string, (f: any) => void, RegExp]> = [
    ['an accuracy above 1', (f) => { f.record.bestValAcc = 5; }, /record\.bestValAcc: expected a number from 0 to 1, got 5/],
    ['null for a number', (f) => { f.record.bestValAcc = null; }, /record\.bestValAcc/],
    ['a string for a number', (f) => { f.record.bestValAcc = '0.84375'; }, /record\.bestValAcc/],
    ['an empty record', (f) => { f.record = {}; }, /record\.(bestValAcc|diverged)/],
    ['a history one epoch short', (f) => { f.record.valAccHistory.pop(); }, /valAccHistory: has 1 entries, epochLoss 2/],
    ['more epochs than the settings train', (f) => { for (const k of ['epochLoss', 'trainAccHistory', 'valAccHistory', 'epochSeconds']) f.record[k].push(f.record[k][0]); }, /has 3 epochs, the settings train 2/],
    ['a best accuracy that is not the best epoch\'s', (f) => { f.record.bestValAcc = f.record.bestValAcc / 2; }, /not the best of valAccHistory/],
    ['stored settings other than asked', (f) => { f.settings.hiddenDims = [10, 10]; }, /another run's record/],
    ['another library version', (f) => { f.version = '0.0.1+000000000000'; }, /another run's record/],
    ['a NaN written as null in a finished run', (f) => { f.record.lossHistory[0] = null; }, /record\.lossHistory\.0/],
  ];
  it.each(edits)('%s: a miss, moved aside, named, retrained', async (_what, edit, problem) => {
    const f = JSON.parse(original);
    edit(f);
    writeFileSync(file, JSON.stringify(f));
    cache.lines.length = 0;
    const again = await runGrid([{}], data, BASE, { workers: 0, cache, progress: false });
    expect(again.cached).toBe(0);
    expect(again.runs[0].bestValAcc).toBe(clean.bestValAcc);
    expect(cache.lines).toHaveLength(1);
    expect(cache.lines[0]).toContain(file);
    expect(cache.lines[0]).toMatch(problem);
    expect(cache.lines[0]).toMatch(/moved to .*rejected/);
    // The retrained record replaced it, and is taken as a hit next time.
    expect((await runGrid([{}], data, BASE, { workers: 0, cache, progress: false })).cached).toBe(1);
  });

  it('the valid record itself passes the check (the schema is not simply strict)', () => {
    expect('record' in checkCacheFile(JSON.parse(original), clean.key, RUN_RECORDS)).toBe(true);
    expect(readdirSync(path.join(dir, 'rejected')).length).toBe(edits.length);
  });
});

describe('cache writes that fail', () => {
  it('warn once naming the folder and NNLAB_CACHE_DIR, keep every result, leave no .tmp', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'runs'), ''); // a file where the runs folder goes: every write fails
    const cache = cacheIn(dir);
    const r = await runGrid([{}, { hiddenDims: [6] }, { hiddenDims: [4] }], data, BASE, { workers: 0, cache, progress: false });
    expect(r.trained).toBe(3);
    expect(r.runs.every((run) => run.bestValAcc >= 0 && run.bestValAcc <= 1)).toBe(true);
    expect(cache.lines).toHaveLength(1);
    expect(cache.lines[0]).toContain(path.join(dir, 'runs'));
    expect(cache.lines[0]).toContain('NNLAB_CACHE_DIR');
    expect(readdirSync(dir)).toEqual(['runs']);
  });
});

describe('a write killed halfway', () => {
  it('leaves a .tmp that the next write removes once its process is gone', async () => {
    const dir = tempDir();
    const cache = cacheIn(dir);
    mkdirSync(cache.dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = path.join(cache.dir, `${'0'.repeat(32)}.json.${dead}.abc123.tmp`);
    const live = path.join(cache.dir, `${'1'.repeat(32)}.json.${process.ppid}.abc123.tmp`);
    writeFileSync(stale, '{"format":1,"ke');
    writeFileSync(live, '{"format":1,"ke');
    await runGrid([{}], data, BASE, { workers: 0, cache, progress: false });
    expect([existsSync(stale), existsSync(live)]).toEqual([false, true]);
  });
});

describe('two grids on one cache', () => {
  it('keep every result (one file per run, each written atomically)', async () => {
    const dir = tempDir();
    const a = cacheIn(dir), b = cacheIn(dir);
    const points = [{}, { hiddenDims: [6] }, { hiddenDims: [4] }, { learningRate: 3e-3 }];
    const [ra, rb] = await Promise.all([
      runGrid(points.slice(0, 3), data, BASE, { workers: 1, cache: a, progress: false }),
      runGrid(points.slice(1), data, BASE, { workers: 1, cache: b, progress: false }),
    ]);
    const keys = new Set([...ra.runs, ...rb.runs].map((r) => r.key));
    expect(keys.size).toBe(4);
    for (const key of keys) expect(existsSync(path.join(dir, 'runs', `${key}.json`))).toBe(true);
    expect(readdirSync(path.join(dir, 'runs')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = await runGrid(points, data, BASE, { workers: 0, cache: a, progress: false });
    expect(again.cached).toBe(4);
    expect([...a.lines, ...b.lines]).toEqual([]);
  });
});
