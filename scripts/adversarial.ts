/**
 * `npx tsx scripts/adversarial.ts [--short] [--only ID,ID]`: the adversarial cases of the
 * reliability rounds (issue 22), each run against this checkout, with a table of outcomes.
 *
 * A case passes when nnlab gives a clear error or a correct result: nothing deleted, hung,
 * leaked or silently wrong. `--short` leaves out the cases that build a report (they start
 * Jupyter and take minutes); test/adversarial.test.ts runs the short version in `npm test`.
 * The CLI cases run `bin/nnlab.js`, i.e. the built dist/ (`npm run build` first).
 * Exits 1 if any case failed.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toyImages } from '../test/toy_images.js';
import { PROFILES, RunCache, runGrid, type TrainSettings } from '../lib/experiments/index.js';
import { setOutputSink } from '../lib/display/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'nnlab.js');

export interface CaseOutcome {
  id: string;
  what: string;
  /** What happened, in a few words. */
  outcome: string;
  ok: boolean;
  seconds: number;
}

interface Case {
  id: string;
  what: string;
  /** Needs FIFOs and /dev (not on Windows). */
  posix?: boolean;
  /** Builds a report (Jupyter, minutes): left out of the short run. */
  slow?: boolean;
  run(dir: string): Promise<{ outcome: string; ok: boolean }> | { outcome: string; ok: boolean };
}

/** Runs the CLI without a shell; `timeoutSec` kills a hang. */
function nnlab(args: string[], options: { cwd?: string; timeoutSec?: number; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> & { hung: boolean } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT, encoding: 'utf8', timeout: (options.timeoutSec ?? 60) * 1000, killSignal: 'SIGKILL',
    env: { ...process.env, ...options.env }, maxBuffer: 64 * 2 ** 20,
  });
  return { ...r, hung: r.signal === 'SIGKILL' && r.error !== undefined };
}

const firstLine = (text: string) => text.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 110) ?? '';
const said = (r: SpawnSyncReturns<string>) => firstLine(`${r.stderr}\n${r.stdout}`);
/** A short description of how the command ended. */
function ending(r: SpawnSyncReturns<string> & { hung: boolean }): string {
  if (r.hung) return 'HUNG (killed after the timeout)';
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.status}: ${said(r)}`;
}
/** A clean refusal: a non-zero exit with a one-line error naming `name`, no stack trace, no native abort. */
function cleanError(r: SpawnSyncReturns<string> & { hung: boolean }, name: RegExp): boolean {
  return !r.hung && r.status !== null && r.status !== 0 && r.status < 128 && name.test(r.stderr) && !/\n\s+at /.test(r.stderr);
}

// ---- a tiny model file and data, for the predict and train cases

let modelFile: string | null = null;
function tinyModel(dir: string): string {
  if (modelFile && existsSync(modelFile)) return modelFile;
  modelFile = path.join(dir, 'tiny-model.json');
  const r = nnlab(['train', '--synthetic', '--per-class', '6', '--epochs', '1', '--hidden', '8', '--save', modelFile, '--json'], { timeoutSec: 120 });
  if (r.status !== 0) throw new Error(`could not train the tiny model: ${said(r)}`);
  return modelFile;
}
let dataDir: string | null = null;
function tinyData(dir: string): string {
  if (dataDir) return dataDir;
  dataDir = path.join(dir, 'tiny-data');
  const r = nnlab(['data', 'synth', '--out', dataDir, '--per-class', '2']);
  if (r.status !== 0) throw new Error(`could not write the tiny data: ${said(r)}`);
  return dataDir;
}
/** The tiny model with `edit` applied to its JSON, as a new file. */
function editedModel(dir: string, name: string, edit: (json: any) => void): string {
  const json = JSON.parse(readFileSync(tinyModel(dir), 'utf8'));
  edit(json);
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

// ---- the run cache: a one-point grid on toy images, its record edited between two runs

const BASE: TrainSettings = { ...PROFILES.quick.baseline, hiddenDims: [8], numEpochs: 2, batchSize: 16 };
const toy = () => toyImages(7);

async function quietGrid(points: Array<Partial<TrainSettings>>, cache: RunCache) {
  const lines: string[] = [];
  const warn = console.warn, log = console.log;
  console.warn = (...a: unknown[]) => lines.push(a.join(' '));
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  setOutputSink(() => {});
  try {
    const r = await runGrid(points, toy(), BASE, { workers: 0, cache, progress: false });
    return { result: r, lines };
  } finally {
    console.warn = warn;
    console.log = log;
    setOutputSink(null);
  }
}

/** Trains once into a fresh cache, applies `edit` to the record file, and runs the grid again. */
async function editedCacheCase(dir: string, edit: (file: string) => void | Promise<void>): Promise<{ outcome: string; ok: boolean }> {
  const cache = new RunCache(mkdtempSync(path.join(dir, 'cache-')));
  const first = await quietGrid([{}], cache);
  const clean = first.result.runs[0];
  const file = path.join(cache.dir, `${clean.key}.json`);
  await edit(file);
  let second;
  try {
    second = await quietGrid([{}], cache);
  } catch (err) {
    return { outcome: `grid threw: ${firstLine((err as Error).message)}`, ok: false };
  }
  const run = second.result.runs[0];
  const named = second.lines.some((l) => l.includes(path.basename(file)));
  const same = run.bestValAcc === clean.bestValAcc && run.paramCount === clean.paramCount;
  const v = run.bestValAcc;
  const shown = typeof v === 'number' ? `${(v * 100).toFixed(1)} %` : JSON.stringify(v);
  if (run.cached) return { outcome: `taken as a hit: best val ${shown}, ${run.paramCount} params`, ok: false };
  return { outcome: `miss, retrained (${shown}, as clean)${named ? ', one line names the file' : ', file NOT named'}`, ok: same && named };
}

const editRecord = (change: (f: any) => void) => (file: string) => {
  const f = JSON.parse(readFileSync(file, 'utf8'));
  change(f);
  writeFileSync(file, JSON.stringify(f));
};

/** A folder on a 4 KiB tmpfs (Linux, root): writes there fail with ENOSPC. Null where that cannot be had. */
function fullDisk(dir: string): string | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const mount = path.join(dir, 'full');
  mkdirSync(mount, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', mount], { encoding: 'utf8' });
  return r.status === 0 ? mount : null;
}

// ---- the report cases (slow)

function notebookNames(): string[] {
  return readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();
}

/** Every process under `root` (from ps), with its command line. */
function descendants(root: number): Array<{ pid: number; args: string }> {
  const rows = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout.split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
  const found: Array<{ pid: number; args: string }> = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const r of rows.filter((x) => x.ppid === parent)) {
      found.push(r);
      queue.push(r.pid);
    }
  }
  return found;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (up to 90 s) until a tslab kernel runs under `pid`, and 3 s more for it to start the notebook. */
async function kernelStarted(pid: number): Promise<void> {
  for (let t = 0; t < 90 && !descendants(pid).some((p) => /tslab/.test(p.args)); t++) await new Promise((r) => setTimeout(r, 1000));
  await new Promise((r) => setTimeout(r, 3000));
}

/** The kernel connection files in Jupyter's runtime folder (of the project's Python, else ~/.local/share/jupyter/runtime). */
function connectionFiles(): string[] {
  const python = [path.join(ROOT, '.venv', 'bin', 'python'), 'python3'].find((p) => p === 'python3' || existsSync(p))!;
  const dir = spawnSync(python, ['-m', 'jupyter', '--runtime-dir'], { encoding: 'utf8' }).stdout.trim();
  try {
    return readdirSync(dir).filter((f) => /^kernel-.*\.json$/.test(f));
  } catch {
    return [];
  }
}

/** The report work folders in `tmp`. */
function reportTmpFolders(tmp: string): string[] {
  return readdirSync(tmp).filter((f) => f.startsWith('nnlab-report-'));
}

/**
 * A temporary folder of the case's own for the builds it starts (TMPDIR, and TEMP/TMP on Windows):
 * what they leave is counted, and removed, there, never among other processes' work folders.
 */
function privateTmp(dir: string, name: string): { tmp: string; env: NodeJS.ProcessEnv } {
  const tmp = path.join(dir, name);
  mkdirSync(tmp, { recursive: true });
  return { tmp, env: { ...process.env, TMPDIR: tmp, TEMP: tmp, TMP: tmp } };
}

const CASES: Case[] = [
  {
    id: '1', what: 'report --notebook 01 --out notebooks', slow: true,
    run(dir) {
      const nb = notebookNames().find((f) => f.startsWith('01'))!;
      const source = path.join(ROOT, 'notebooks', nb);
      const backup = path.join(dir, nb);
      copyFileSync(source, backup);
      try {
        const r = nnlab(['report', '--notebook', '01', '--out', 'notebooks', '--profile', 'quick'], { timeoutSec: 900 });
        const kept = existsSync(source) && readFileSync(source, 'utf8') === readFileSync(backup, 'utf8');
        return { outcome: `${ending(r)}; source notebook ${kept ? 'kept' : 'DELETED'}`, ok: kept && cleanError(r, /--out/) };
      } finally {
        if (!existsSync(source)) copyFileSync(backup, source);
      }
    },
  },
  {
    id: '1b', what: 'report --out a folder holding files nnlab did not write',
    run(dir) {
      const out = path.join(dir, 'mine');
      mkdirSync(out);
      const mine = path.join(out, '01_sin_fit.ipynb');
      writeFileSync(mine, 'my notes');
      const r = nnlab(['report', '--notebook', '01', '--out', out, '--profile', 'quick'], { timeoutSec: 900, env: { NNLAB_PYTHON: '/nonexistent' } });
      const kept = existsSync(mine) && readFileSync(mine, 'utf8') === 'my notes';
      return { outcome: `${ending(r)}; file ${kept ? 'kept' : 'DELETED'}`, ok: kept && cleanError(r, /--out/) };
    },
  },
  ...([['2a', 'bestValAcc: 5.0', (f: any) => { f.record.bestValAcc = 5.0; }],
    ['2b', 'bestValAcc: null', (f: any) => { f.record.bestValAcc = null; }],
    ['2c', 'bestValAcc: "0.84375"', (f: any) => { f.record.bestValAcc = '0.84375'; }],
    ['2d', 'record: {}', (f: any) => { f.record = {}; }],
    ['2e', 'valAccHistory one entry short', (f: any) => { f.record.valAccHistory.pop(); }],
  ] as const).map(([id, edit, change]): Case => ({
    id, what: `cache record edited: ${edit}`,
    run: (dir) => editedCacheCase(dir, editRecord(change)),
  })),
  {
    id: '2f', what: "cache: another run's record with only its key edited",
    run: (dir) => editedCacheCase(dir, async (file) => {
      // The record of a 10×10 network, trained for real, under this run's key.
      const sub = new RunCache(mkdtempSync(path.join(dir, 'other-')));
      const other = (await quietGrid([{ hiddenDims: [10, 10] }], sub)).result.runs[0];
      const f = JSON.parse(readFileSync(path.join(sub.dir, `${other.key}.json`), 'utf8'));
      f.key = path.basename(file, '.json');
      writeFileSync(file, JSON.stringify(f));
    }),
  },
  {
    id: '4', what: 'cache write fails (disk full)',
    async run(dir) {
      const mount = fullDisk(dir);
      let cacheDir: string;
      let how: string;
      if (mount) {
        cacheDir = mount;
        how = 'ENOSPC on a 4 KiB tmpfs';
      } else {
        cacheDir = path.join(dir, 'blocked');
        mkdirSync(cacheDir);
        writeFileSync(path.join(cacheDir, 'runs'), ''); // a file where the runs folder goes: every write fails
        how = 'a file where the folder goes';
      }
      try {
        const cache = new RunCache(cacheDir);
        let r;
        try {
          r = await quietGrid([{}, { hiddenDims: [6] }, { hiddenDims: [4] }], cache);
        } catch (err) {
          return { outcome: `${how}: grid threw: ${firstLine((err as Error).message)}`, ok: false };
        }
        const left = mount ? readdirSync(path.join(mount, 'runs')).filter((f) => f.endsWith('.tmp')) : [];
        const warned = r.lines.some((l) => l.includes(cacheDir) && l.includes('NNLAB_CACHE_DIR'));
        const kept = r.result.runs.every((x) => typeof x.bestValAcc === 'number');
        return { outcome: `${how}: ${r.result.trained} runs kept, ${warned ? 'warning names the folder' : 'NO warning naming the folder'}, ${left.length} .tmp left`, ok: warned && kept && left.length === 0 };
      } finally {
        if (mount) spawnSync('umount', [mount]);
      }
    },
  },
  {
    id: '5a', posix: true, what: 'predict --model a FIFO',
    run(dir) {
      const fifo = path.join(dir, 'fifo.json');
      spawnSync('mkfifo', [fifo]);
      const r = nnlab(['predict', '--model', fifo, '--data', dir], { timeoutSec: 10 });
      return { outcome: ending(r), ok: cleanError(r, /fifo\.json/) };
    },
  },
  {
    id: '5b', posix: true, what: 'predict --model /dev/zero',
    run(dir) {
      const r = nnlab(['predict', '--model', '/dev/zero', '--data', dir], { timeoutSec: 10 });
      return { outcome: ending(r), ok: cleanError(r, /\/dev\/zero/) };
    },
  },
  {
    id: '5c', posix: true, what: 'predict --model /dev/urandom',
    run(dir) {
      const r = nnlab(['predict', '--model', '/dev/urandom', '--data', dir], { timeoutSec: 10 });
      return { outcome: ending(r), ok: cleanError(r, /\/dev\/urandom/) };
    },
  },
  {
    id: '5d', posix: true, what: 'resumeSolver(a FIFO) (the library\'s --resume)',
    run(dir) {
      const fifo = path.join(dir, 'resume-fifo.json');
      spawnSync('mkfifo', [fifo]);
      const code = `import { resumeSolver } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'lib', 'persist', 'checkpoint.ts')).href)};
        try { resumeSolver(${JSON.stringify(fifo)}, null); } catch (err) { console.error(err.message); process.exit(1); }`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
      const hung = r.signal === 'SIGKILL';
      return { outcome: ending({ ...r, hung }), ok: cleanError({ ...r, hung }, /resume-fifo\.json/) };
    },
  },
  {
    id: '5e', posix: true, what: 'predict --data a folder with a FIFO for an image',
    run(dir) {
      const data = path.join(dir, 'fifo-images');
      mkdirSync(data);
      spawnSync('mkfifo', [path.join(data, 'a.bmp')]);
      const r = nnlab(['predict', '--model', tinyModel(dir), '--data', data], { timeoutSec: 20 });
      return { outcome: ending(r), ok: cleanError(r, /a\.bmp/) };
    },
  },
  {
    id: '6', what: 'a worker runs out of memory (4 MB heap limit)',
    async run() {
      const t0 = Date.now();
      try {
        await runGrid([{ label: 'small' }], toy(), BASE, { workers: 1, cache: false, progress: false, workerHeapMb: 4 } as Parameters<typeof runGrid>[3]);
        return { outcome: `grid resolved after ${((Date.now() - t0) / 1000).toFixed(1)} s (no memory limit?)`, ok: false };
      } catch (err) {
        const s = (Date.now() - t0) / 1000;
        const named = /'small'/.test((err as Error).message);
        return { outcome: `rejected after ${s.toFixed(1)} s${named ? ', naming the run' : ''}: ${firstLine((err as Error).message)}`, ok: named && s < 20 };
      }
    },
  },
  {
    id: '8a', what: 'train --seed 4294967296 (aliases 0?)',
    run() {
      const r = nnlab(['train', '--synthetic', '--per-class', '6', '--epochs', '1', '--hidden', '8', '--seed', '4294967296', '--json'], { timeoutSec: 120 });
      return { outcome: ending(r), ok: cleanError(r, /--seed/) };
    },
  },
  {
    id: '8b', what: 'train --seed -1 (aliases 4294967295?)',
    run() {
      const r = nnlab(['train', '--synthetic', '--per-class', '6', '--epochs', '1', '--hidden', '8', '--seed', '-1', '--json'], { timeoutSec: 120 });
      return { outcome: ending(r), ok: cleanError(r, /--seed/) };
    },
  },
  {
    id: '8c', what: 'model file: classNames as numbers',
    run(dir) {
      const file = editedModel(dir, 'numbers.json', (j) => { j.classNames = j.classNames.map((_: string, i: number) => i); });
      const r = nnlab(['predict', '--model', file, '--data', tinyData(dir)], { timeoutSec: 60 });
      return { outcome: ending(r), ok: cleanError(r, /classNames/) };
    },
  },
  {
    id: '8d', what: 'model file: a parameter named __proto__',
    run(dir) {
      // As JSON.parse reads it from a file: an own property named __proto__ beside W1, b1, ….
      const file = editedModel(dir, 'proto.json', (j) => { j.model.params = JSON.parse(JSON.stringify(j.model.params).replace('{', `{"__proto__":${JSON.stringify(j.model.params.b1)},`)); });
      const r = nnlab(['predict', '--model', file, '--data', tinyData(dir)], { timeoutSec: 60 });
      return { outcome: ending(r), ok: cleanError(r, /__proto__/) };
    },
  },
  {
    id: '8e', what: '--lr -1 and --lr 0: one rule in both messages',
    run() {
      const a = nnlab(['train', '--synthetic', '--per-class', '6', '--epochs', '1', '--lr', '-1'], { timeoutSec: 60 });
      const b = nnlab(['train', '--synthetic', '--per-class', '6', '--epochs', '1', '--lr', '0'], { timeoutSec: 60 });
      const ma = firstLine(a.stderr), mb = firstLine(b.stderr);
      const rule = (m: string) => m.replace(/'-?\d+'|got .*/g, '');
      return { outcome: `'${ma}' / '${mb}'`, ok: cleanError(a, /--lr/) && cleanError(b, /--lr/) && rule(ma) === rule(mb) };
    },
  },
  {
    id: '3', what: 'two report builds into one --out at once', slow: true,
    async run(dir) {
      const out = path.join(dir, 'shared-report');
      const names = notebookNames().slice(1, 3).map((f) => f.slice(0, 2));
      const runs = names.map((n) => new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'report', '--notebook', n, '--out', out, '--profile', 'quick'], { stdio: 'ignore', cwd: ROOT });
        child.on('close', resolve);
      }));
      const codes = await Promise.all(runs);
      const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as { notebooks: { name: string }[] };
      const index = readFileSync(path.join(out, 'index.html'), 'utf8');
      const listed = names.filter((n) => summary.notebooks.some((e) => e.name.startsWith(n)) && index.includes(`${notebookNames().find((f) => f.startsWith(n))!.replace('.ipynb', '')}.html`));
      return { outcome: `exits ${codes.join(', ')}; summary and index list ${listed.length} of 2 pages`, ok: listed.length === 2 };
    },
  },
  {
    id: '7', what: 'SIGTERM / SIGINT of a report build: work folder and kernels left?', slow: true,
    async run(dir) {
      const outcomes: string[] = [];
      let ok = true;
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const { tmp, env } = privateTmp(dir, `tmp-${signal}`);
        const connectionsBefore = new Set(connectionFiles());
        const child = spawn(process.execPath, [CLI, 'report', '--notebook', '01', '--out', path.join(dir, `sig-${signal}`), '--profile', 'quick', '--rebuild'], { stdio: 'ignore', cwd: ROOT, env });
        const closed = new Promise((r) => child.on('close', r));
        await kernelStarted(child.pid!);
        child.kill(signal);
        await closed;
        await new Promise((r) => setTimeout(r, 3000));
        const left = reportTmpFolders(tmp);
        const connections = connectionFiles().filter((f) => !connectionsBefore.has(f));
        outcomes.push(`${signal}: ${left.length} work folder(s), ${connections.length} kernel connection file(s) left`);
        if (left.length > 0 || connections.length > 0) ok = false;
        rmSync(tmp, { recursive: true, force: true });
      }
      return { outcome: outcomes.join('; '), ok };
    },
  },
  {
    id: '7b', what: 'kill -9 of a report build (notebook 02): do its kernels exit?', slow: true,
    async run(dir) {
      // Notebook 02 trains grids for minutes: the kill comes mid-notebook.
      const { tmp, env } = privateTmp(dir, 'tmp-kill9');
      const child = spawn(process.execPath, [CLI, 'report', '--notebook', '02', '--out', path.join(dir, 'kill9'), '--profile', 'quick', '--rebuild'], { stdio: 'ignore', cwd: ROOT, env });
      await kernelStarted(child.pid!);
      // Only the kernels this build started: the processes under it that run tslab.
      const before = descendants(child.pid!).filter((p) => /tslab/.test(p.args)).map((p) => p.pid);
      child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 15_000));
      const still = before.filter((pid) => processRuns(pid));
      for (const pid of still) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      // A build killed with -9 leaves its work folder (the next build removes it a day later): remove this one now.
      rmSync(tmp, { recursive: true, force: true });
      return { outcome: `${before.length} kernel(s) running at the kill, ${still.length} still alive 15 s later`, ok: before.length > 0 && still.length === 0 };
    },
  },
];

export async function runCases(options: { short?: boolean; only?: string[]; verbose?: boolean } = {}): Promise<CaseOutcome[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nnlab-adversarial-'));
  const results: CaseOutcome[] = [];
  try {
    for (const c of CASES) {
      if (options.short && c.slow) continue;
      if (c.posix && process.platform === 'win32') continue;
      if (options.only && !options.only.includes(c.id)) continue;
      const t0 = Date.now();
      let r: { outcome: string; ok: boolean };
      try {
        r = await c.run(dir);
      } catch (err) {
        r = { outcome: `the case itself failed: ${firstLine((err as Error).message)}`, ok: false };
      }
      results.push({ id: c.id, what: c.what, ...r, seconds: (Date.now() - t0) / 1000 });
      if (options.verbose) console.error(`${c.id}: ${r.ok ? 'ok' : 'FAIL'}: ${r.outcome}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function outcomeTable(results: CaseOutcome[]): string {
  const rows = [['case', 'what', 'result', 'outcome'], ...results.map((r) => [r.id, r.what, r.ok ? 'ok' : 'FAIL', r.outcome])];
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf('--only');
  const results = await runCases({ short: args.includes('--short'), only: onlyAt >= 0 ? args[onlyAt + 1].split(',') : undefined, verbose: true });
  console.log(outcomeTable(results));
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} of ${results.length} cases ok`);
  process.exit(failed > 0 ? 1 : 0);
}
