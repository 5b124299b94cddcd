/**
 * Issue 22, "nothing read back is trusted, no command destroys a user's file, no failure hangs
 * or leaks": the report's output folder (marker, refusals, lock), its work folder on every way
 * out, kernels that outlive their parent, regular files only, seeds, model files, saves and
 * checkpoints that replace only their own files, workers that die. The run cache has its own
 * file (cache-trust.test.ts); scripts/adversarial.ts runs the cases end to end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { claimOutFolder, MARKER_FILE, removeExecuted, writeExecuted } from '../lib/report/out_folder.js';
import { publishEntries } from '../lib/report/index.js';
import { readSummary, type NotebookEntry } from '../lib/report/summary.js';
import { emptySummary } from '../lib/report/inspect.js';
import { makeWorkFolder, removeStaleWorkFolders } from '../lib/report/work_folder.js';
import { checkWritable, readJsonFile } from '../lib/util/io.js';
import { parseSeed, parsePositiveNumber, mustBeSeed } from '../lib/util/validate.js';
import { Rng, deriveSeed } from '../lib/nn/random.js';
import { validateSettings, CHARACTER_BASELINE } from '../lib/recipe.js';
import { checkpointTo } from '../lib/persist/checkpoint.js';
import { PROFILES, runGrid } from '../lib/experiments/index.js';
import { toyImages } from './toy_images.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'nnlab-reliab-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A module of this repository as an import specifier (a file URL: on Windows, `C:\\…` is not one). */
const moduleUrl = (...parts: string[]) => JSON.stringify(pathToFileURL(path.join(ROOT, ...parts)).href);

/** Runs TypeScript `code` in a child Node (tsx), without a shell. */
function tsxChild(code: string, env: NodeJS.ProcessEnv = {}) {
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}
const exited = (child: ReturnType<typeof spawn>) => new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

describe('the report output folder', () => {
  const notebooks = [path.join(ROOT, 'notebooks', '01_sin_fit.ipynb')];

  it('refuses the notebooks folder', () => {
    expect(() => claimOutFolder(path.join(ROOT, 'notebooks'), notebooks)).toThrow(/--out .*notebooks' folder/);
    expect(() => claimOutFolder(path.join(ROOT, 'notebooks', '.'), notebooks)).toThrow(/notebooks' folder/);
    expect(existsSync(path.join(ROOT, 'notebooks', MARKER_FILE))).toBe(false);
  });

  it('refuses a folder holding files it did not write, naming them, and leaves them alone', () => {
    const out = tempDir();
    writeFileSync(path.join(out, '01_sin_fit.ipynb'), 'my notes');
    expect(() => claimOutFolder(out, notebooks)).toThrow(/holds files the report did not write \(01_sin_fit\.ipynb\)/);
    expect(readFileSync(path.join(out, '01_sin_fit.ipynb'), 'utf8')).toBe('my notes');
    expect(existsSync(path.join(out, MARKER_FILE))).toBe(false);
  });

  it('marks a new or empty folder as its own, and takes a marked one or an earlier unmarked report', () => {
    const fresh = path.join(tempDir(), 'report');
    claimOutFolder(fresh, notebooks);
    expect(existsSync(path.join(fresh, MARKER_FILE))).toBe(true);
    writeFileSync(path.join(fresh, 'extra.txt'), 'the report is marked: a file added later does not make it foreign');
    expect(() => claimOutFolder(fresh, notebooks)).not.toThrow();
    const earlier = tempDir();
    for (const f of ['summary.json', 'index.html', '01_sin_fit.html', 'plotly.min.js']) writeFileSync(path.join(earlier, f), '{"notebooks":[]}');
    expect(() => claimOutFolder(earlier, notebooks)).not.toThrow();
    expect(existsSync(path.join(earlier, MARKER_FILE))).toBe(true);
  });

  it('removes an executed notebook only if it wrote it (--keep-notebooks off)', () => {
    const out = tempDir();
    const executed = path.join(out, 'run.ipynb');
    writeFileSync(executed, JSON.stringify({ cells: [], metadata: {} }));
    const kept = path.join(out, '02.ipynb');
    writeExecuted(kept, executed);
    const users = path.join(out, '03.ipynb');
    writeFileSync(users, JSON.stringify({ cells: [], metadata: {} }));
    removeExecuted(kept);
    removeExecuted(users);
    expect(existsSync(kept)).toBe(false);
    expect(existsSync(users)).toBe(true);
  });
});

const entry = (name: string): NotebookEntry => ({
  name, title: name, html: '', seconds: 1, builtAt: '2026-12-06T00:00:00Z', profile: 'quick', data: null, dtype: null, seeds: null,
  headlines: [], summary: emptySummary(), exitCode: 0, inputs: null,
});

describe('two builds into one output folder', () => {
  it('both builds\' entries end in summary.json and the index (merged under the folder lock)', async () => {
    const out = tempDir();
    claimOutFolder(out, []);
    // Two processes, each publishing 15 entries one after the other, at the same time.
    const code = (prefix: string) => `
      import { publishEntries } from ${moduleUrl('lib', 'report', 'index.ts')};
      import { emptySummary } from ${moduleUrl('lib', 'report', 'inspect.ts')};
      for (let i = 0; i < 15; i++) {
        const name = '${prefix}' + String(i).padStart(2, '0');
        await publishEntries(${JSON.stringify(out)}, [{ name, title: name, html: '', seconds: 1, builtAt: '', profile: null, data: null, dtype: null, seeds: null, headlines: [], summary: emptySummary(), exitCode: 0, inputs: null }], () => {});
      }`;
    const codes = await Promise.all(['a', 'b'].map((p) => exited(tsxChild(code(p)))));
    expect(codes).toEqual([0, 0]);
    const names = readSummary(out).map((e) => e.name);
    expect(names).toHaveLength(30);
    const index = readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const n of ['a00', 'a14', 'b00', 'b14']) expect(index).toContain(n);
    expect(readdirSync(out).filter((f) => f.includes('.lock'))).toEqual([]);
  }, 120_000);

  it('an invalid entry in summary.json is left out with a line naming the file and the field', async () => {
    const out = tempDir();
    writeFileSync(path.join(out, 'summary.json'), JSON.stringify({ format: 1, notebooks: [entry('01'), { ...entry('02'), html: '../../etc/passwd' }] }));
    const lines: string[] = [];
    expect(readSummary(out, (l) => lines.push(l)).map((e) => e.name)).toEqual(['01']);
    expect(lines[0]).toMatch(/summary\.json: notebooks\.1\.html/);
    expect((await publishEntries(out, [entry('03')], () => {})).map((e) => e.name)).toEqual(['01', '03']);
  });
});

describe('the report work folder', () => {
  it('stale folders (a day old, owner gone) are removed; recent ones and live owners\' are kept', () => {
    const tmp = tempDir();
    const make = (name: string, pid: number | null, ageHours: number) => {
      const d = path.join(tmp, `nnlab-report-${name}`);
      mkdirSync(d);
      if (pid !== null) writeFileSync(path.join(d, 'owner.json'), JSON.stringify({ pid }));
      const t = (Date.now() - ageHours * 3600_000) / 1000;
      utimesSync(d, t, t);
      return d;
    };
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = make('stale', Number(dead), 30);
    const ownerless = make('old', null, 30);
    const recent = make('recent', Number(dead), 2);
    const alive = make('alive', process.ppid, 30);
    expect(removeStaleWorkFolders(24 * 3600_000, tmp).sort()).toEqual([ownerless, stale].sort());
    expect([existsSync(recent), existsSync(alive)]).toEqual([true, true]);
  });

  // Windows has no signals to send a process: kill() there ends it outright.
  it.runIf(process.platform !== 'win32').each(['SIGINT', 'SIGTERM'] as const)('%s removes it and ends the process as the signal would', async (signal) => {
    const child = tsxChild(`
      import { makeWorkFolder, cleanupOnSignals } from ${moduleUrl('lib', 'report', 'work_folder.ts')};
      import { rmSync } from 'node:fs';
      const work = makeWorkFolder();
      cleanupOnSignals(() => rmSync(work, { recursive: true, force: true }));
      console.log(work);
      setInterval(() => {}, 1000);`);
    const work = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(existsSync(work)).toBe(true);
    const code = exited(child);
    child.kill(signal);
    expect(await code).toBe(signal === 'SIGINT' ? 130 : 143);
    expect(existsSync(work)).toBe(false);
  });

  it('records its owner', () => {
    const work = makeWorkFolder();
    dirs.push(work);
    expect(JSON.parse(readFileSync(path.join(work, 'owner.json'), 'utf8'))).toEqual({ pid: process.pid });
  });
});

describe('a kernel whose Jupyter parent dies', () => {
  it('exits within seconds (parent-PID check of nnlab/notebook)', async () => {
    // parent: a process that starts the "kernel" with JPY_PARENT_PID set to itself, then is killed with -9.
    const kernelCode = `
      import { exitWithJupyterParent } from ${moduleUrl('lib', 'report', 'parent_watch.ts')};
      exitWithJupyterParent(process.env, 200);
      console.log(process.pid);
      setInterval(() => {}, 1000);`;
    const parent = tsxChild(`
      import { spawn } from 'node:child_process';
      const k = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(kernelCode)}], { env: { ...process.env, JPY_PARENT_PID: String(process.pid) }, stdio: ['ignore', 'pipe', 'inherit'] });
      k.stdout.on('data', (d) => process.stdout.write(d));
      setInterval(() => {}, 1000);`);
    const kernelPid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))));
    const runs = () => { try { process.kill(kernelPid, 0); return true; } catch { return false; } };
    expect(runs()).toBe(true);
    parent.kill('SIGKILL');
    const t0 = Date.now();
    while (runs() && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
    const alive = runs();
    if (alive) process.kill(kernelPid, 'SIGKILL');
    expect(alive).toBe(false);
  }, 30_000);
});

describe('only regular files are read', () => {
  it.runIf(process.platform !== 'win32')('a FIFO and devices are refused at once, naming the file', () => {
    const fifo = path.join(tempDir(), 'model.json');
    spawnSync('mkfifo', [fifo]);
    const t0 = Date.now();
    expect(() => readJsonFile(fifo, 'model file')).toThrow(`cannot read model file ${fifo}: is a pipe (FIFO), not a regular file`);
    expect(() => readJsonFile('/dev/zero', 'model file')).toThrow('model file /dev/zero: is a device');
    expect(() => readJsonFile(path.dirname(fifo), 'checkpoint')).toThrow(/is a folder, not a regular file/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('seeds', () => {
  it('are whole numbers from 0 to 2^32 − 1: wider ones are refused, not wrapped', () => {
    expect(parseSeed('--seed', '4294967295')).toBe(4294967295);
    expect(() => parseSeed('--seed', '4294967296')).toThrow(/--seed: expected a whole number from 0 to 4294967295/);
    expect(() => parseSeed('--seed', '-1')).toThrow(/--seed/);
    expect(() => parseSeed('--seed', '1.5')).toThrow(/--seed/);
    expect(() => mustBeSeed('settings: seed', 2 ** 32)).toThrow(/settings: seed must be a whole number/);
    expect(() => validateSettings({ ...CHARACTER_BASELINE, seed: -1 })).toThrow(/settings: seed/);
    expect(() => new Rng(2 ** 32)).toThrow(/Rng: seed/);
    expect(() => new Rng(-1)).toThrow(/Rng: seed/);
  });

  it('derived seeds are seeds, with the same streams as before (the same 32 bits)', () => {
    const d = deriveSeed(7, 'split');
    expect(d).toBeGreaterThanOrEqual(0);
    expect(d).toBeLessThanOrEqual(2 ** 32 - 1);
    // Before, deriveSeed returned the signed value (d | 0); the generator sees the same bits.
    expect(d | 0).toBe(deriveSeed(7, 'split') | 0);
    expect(new Rng(4294967295).uniform()).not.toBe(new Rng(0).uniform());
  });

  it('--lr: one rule and one message for -1 and 0', () => {
    expect(() => parsePositiveNumber('--lr', '-1')).toThrow("--lr: expected a number > 0, got '-1'");
    expect(() => parsePositiveNumber('--lr', '0')).toThrow("--lr: expected a number > 0, got '0'");
    expect(parsePositiveNumber('--lr', '1e-3')).toBe(1e-3);
  });
});

describe('saves and checkpoints replace only their own files', () => {
  it('--save refuses an existing file that is not an nnlab classifier; takes an earlier save', () => {
    const dir = tempDir();
    const notes = path.join(dir, 'notes.json');
    writeFileSync(notes, '{"mine": true}');
    expect(() => checkWritable('--save', notes, 'nnlab.CharacterClassifier')).toThrow(/--save .*notes\.json: exists and is not an nnlab file of format 'nnlab\.CharacterClassifier'/);
    const earlier = path.join(dir, 'model.json');
    writeFileSync(earlier, '{"format":"nnlab.CharacterClassifier","version":2}');
    expect(() => checkWritable('--save', earlier, 'nnlab.CharacterClassifier')).not.toThrow();
    expect(readFileSync(notes, 'utf8')).toBe('{"mine": true}');
  });

  it('a checkpoint path holding another file is refused before training', () => {
    const file = path.join(tempDir(), 'run.json');
    writeFileSync(file, 'my data');
    expect(() => checkpointTo(file)).toThrow(/checkpoint .*run\.json: exists and is not an nnlab file of format 'nnlab\.SolverCheckpoint'/);
    expect(readFileSync(file, 'utf8')).toBe('my data');
  });
});

describe('a worker that dies', () => {
  it('out of memory: the grid rejects within seconds, naming the run', async () => {
    const t0 = Date.now();
    const base = { ...PROFILES.quick.baseline, hiddenDims: [8], numEpochs: 2, batchSize: 16 };
    await expect(runGrid([{ label: 'small' }, { label: 'tiny', hiddenDims: [4] }], toyImages(7), base, { workers: 1, cache: false, progress: false, workerHeapMb: 4 }))
      .rejects.toThrow(/runGrid: run '(small|tiny)' \(seed 0\) failed \(its worker ran out of memory\)/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('a heap too small for a worker to start (Node 22+ would abort the process) is refused, naming the option', async () => {
    const base = { ...PROFILES.quick.baseline, hiddenDims: [8], numEpochs: 2, batchSize: 16 };
    await expect(runGrid([{ label: 'small' }], toyImages(7), base, { workers: 1, cache: false, progress: false, workerHeapMb: 2 }))
      .rejects.toThrow(/runGrid: workerHeapMb must be .* at least 4 .*got 2/);
  });
});
