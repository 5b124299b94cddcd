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
import { platformChoices } from '../lib/util/platform.js';
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

  it('removes at once a lock whose holder has exited', async () => {
    const lock = path.join(tmp, 'x.lock');
    mkdirSync(lock);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(path.join(lock, 'owner'), dead);
    expect(await withBuildLock(lock, () => 'built', { pollMs: 5, timeoutMs: 2000 })).toBe('built');
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

describe('scripts/build-current.mjs (setup skips an unchanged library)', () => {
  const script = path.join(ROOT, 'scripts', 'build-current.mjs');
  const check = () => spawnSync(process.execPath, [script, tmp], { encoding: 'utf8' });
  const past = new Date(Date.now() - 3600_000);
  const setTime = (rel: string, t: Date) => utimesSync(path.join(tmp, rel), t, t);
  const sources = ['lib/index.ts', 'lib/report/build.ts', 'assembly/index.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

  beforeEach(() => {
    for (const f of [...sources, 'dist/index.js', 'dist/cli.js', 'dist/kernels/nnlab.wasm', 'dist/kernels/nnlab-fused.wasm']) {
      mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      writeFileSync(path.join(tmp, f), '');
    }
    for (const f of [...sources, 'lib', 'lib/report', 'assembly']) setTime(f, past);
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-stamp.mjs'), 'start', path.join(tmp, 'dist')]);
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-stamp.mjs'), 'done', path.join(tmp, 'dist')]);
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
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-stamp.mjs'), 'start', path.join(tmp, 'dist')]);
    const r = check();
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('no dist/.build-stamp');
  });

  it.each(['dist/kernels/nnlab.wasm', 'dist/kernels/nnlab-fused.wasm'])('says stale when an output is missing (%s)', (f) => {
    rmSync(path.join(tmp, f));
    expect(check().status).toBe(1);
  });

  it('is wired into npm run build and setup.mjs', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBe('node scripts/build.mjs');
    const build = readFileSync(path.join(ROOT, 'scripts', 'build.mjs'), 'utf8');
    expect(build).toContain('stampStart()');
    expect(build).toContain('stampDone()');
    expect(pkg.scripts.report).toContain('node scripts/setup.mjs --quiet');
    expect(pkg.scripts.lab).toContain('node scripts/setup.mjs --quiet');
    expect(readFileSync(path.join(ROOT, 'scripts', 'setup.mjs'), 'utf8')).toContain("from './build-current.mjs'");
  });
});

/** A Python with nbstripout (setup installs it into .venv), or null. */
function nbstripoutPython(): string | null {
  const py = process.env.NNLAB_PYTHON ?? platformChoices().venvPython(ROOT);
  return spawnSync(py, ['-c', 'import importlib.util, sys; sys.exit(importlib.util.find_spec("nbstripout") is None)'], { stdio: 'ignore' }).status === 0 ? py : null;
}
const PY = nbstripoutPython();
const gitOk = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;
const stripProblem = !gitOk ? 'no git' : !PY ? 'nbstripout is not installed (run `node scripts/setup.mjs`)' : null;
if (stripProblem && IN_CI) throw new Error(`nbstripout filter tests cannot run in CI: ${stripProblem}`);

function notebook(withOutputs: boolean): string {
  const cell = (id: string, n: number) => ({
    cell_type: 'code', id,
    execution_count: withOutputs ? n : null,
    metadata: withOutputs ? { ExecuteTime: { start_time: '2026-01-01T00:00:00Z' }, scrolled: true, tags: ['keep'] } : { tags: ['keep'] },
    outputs: withOutputs ? [{ output_type: 'stream', name: 'stdout', text: ['x'.repeat(5000)] }, { output_type: 'display_data', data: { 'text/html': ['<div>plot</div>'] }, metadata: {} }] : [],
    source: [`console.log(${n})`],
  });
  return JSON.stringify({
    cells: [{ cell_type: 'markdown', id: 'c00', metadata: {}, source: ['# title'] }, cell('c01', 1), cell('c02', 2)],
    metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' }, ...(withOutputs ? { widgets: { state: {} } } : {}) },
    nbformat: 4, nbformat_minor: 5,
  }, null, 1) + '\n';
}

// Each run of the filter starts Python and imports nbformat: seconds on a busy machine.
describe.skipIf(stripProblem !== null)(`nbstripout git filter (scripts/git-nbstripout.mjs)${stripProblem ? ` — skipped: ${stripProblem}` : ''}`, { timeout: 180_000 }, () => {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: tmp, encoding: 'utf8' });
  const install = (cwd = tmp) => execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'git-nbstripout.mjs'), PY!], { cwd, encoding: 'utf8' });

  beforeEach(() => {
    git('init', '-q');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    copyFileSync(path.join(ROOT, '.gitattributes'), path.join(tmp, '.gitattributes'));
  });

  it('keeps outputs saved in a notebook out of git diff, commits and the stored blob', () => {
    expect(install()).toContain('registered');
    writeFileSync(path.join(tmp, 'a.ipynb'), notebook(false));
    git('add', '.');
    git('commit', '-qm', 'clean notebook');

    writeFileSync(path.join(tmp, 'a.ipynb'), notebook(true)); // run and saved in JupyterLab
    expect(statSync(path.join(tmp, 'a.ipynb')).size).toBeGreaterThan(5000);
    expect(git('diff')).toBe('');
    expect(git('diff', 'HEAD')).toBe('');
    // `git status` lists the file until it is added (git sees the size change without running the
    // filter); adding it stores nothing new, and then the checkout is clean.
    git('add', '-u');
    expect(git('status', '--porcelain')).toBe('');
    expect(git('diff', '--cached')).toBe('');

    writeFileSync(path.join(tmp, 'b.ipynb'), notebook(true));
    git('add', 'b.ipynb');
    const stored = JSON.parse(git('show', ':b.ipynb')) as { cells: { id: string; outputs?: unknown[]; execution_count?: number | null; metadata: Record<string, unknown> }[]; metadata: Record<string, unknown> };
    expect(stored.cells.map((c) => c.id)).toEqual(['c00', 'c01', 'c02']); // ids kept (--keep-id)
    for (const c of stored.cells.slice(1)) {
      expect(c.outputs).toEqual([]);
      expect(c.execution_count).toBeNull();
      expect(c.metadata).toEqual({ tags: ['keep'] });
    }
    expect(stored.metadata.widgets).toBeUndefined();
    expect(readFileSync(path.join(tmp, 'b.ipynb'), 'utf8')).toBe(notebook(true)); // the file on disk keeps them
  });

  it('is idempotent', () => {
    install();
    const config = git('config', '--local', '--list');
    expect(install()).toBe('');
    expect(git('config', '--local', '--list')).toBe(config);
  });

  it('does nothing, and succeeds, outside the top level of a git checkout', () => {
    const plain = mkdtempSync(path.join(tmpdir(), 'nnlab-nogit-'));
    try {
      expect(install(plain)).toBe(''); // e.g. an unpacked tarball
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
    mkdirSync(path.join(tmp, 'sub'));
    expect(install(path.join(tmp, 'sub'))).toBe(''); // a project unpacked inside someone else's checkout
    expect(git('config', '--local', '--list')).not.toContain('nbstripout');
  });

  it("leaves the repository's committed notebooks unchanged (they are stored clean)", () => {
    install();
    // The filter as git runs it: this Python, quoted, with the arguments (run here without sh).
    const clean = git('config', 'filter.nbstripout.clean').trim();
    const args = ['-m', 'nbstripout', '--keep-id'];
    expect(clean).toBe(`"${PY!.split(path.win32.sep).join('/')}" ${args.join(' ')}`);
    const tracked = spawnSync('git', ['ls-files', 'notebooks/*.ipynb'], { cwd: ROOT, encoding: 'utf8' });
    if (tracked.status !== 0) return; // not a git checkout (a tarball): nothing is committed
    const files = tracked.stdout.split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const blob = execFileSync('git', ['show', `HEAD:${f}`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
      const cleaned = execFileSync(PY!, args, { input: blob, encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(cleaned, f).toBe(blob);
    }
  });
});

describe('scripts/jupyterlab-settings.py (no Jupyter news pop-up)', () => {
  const py = PY ?? 'python3';
  const run = () => spawnSync(py, [path.join(ROOT, 'scripts', 'jupyterlab-settings.py'), tmp], { encoding: 'utf8' });
  const file = () => path.join(tmp, 'overrides.json');
  const NOTIFY = '@jupyterlab/apputils-extension:notification';

  it('writes fetchNews "false", keeping what an existing overrides.json says', () => {
    writeFileSync(file(), JSON.stringify({ '@jupyterlab/apputils-extension:themes': { theme: 'JupyterLab Dark' }, [NOTIFY]: { doNotDisturbMode: true, fetchNews: 'none' } }));
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('fetchNews="false"');
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({
      '@jupyterlab/apputils-extension:themes': { theme: 'JupyterLab Dark' },
      [NOTIFY]: { doNotDisturbMode: true, fetchNews: 'false' },
    });
    const before = readFileSync(file(), 'utf8');
    const again = run();
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('');
    expect(readFileSync(file(), 'utf8')).toBe(before);
  });

  it('creates the settings folder and file when there are none', () => {
    rmSync(tmp, { recursive: true });
    expect(run().status).toBe(0);
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({ [NOTIFY]: { fetchNews: 'false' } });
  });

  it('leaves a broken overrides.json alone and says so', () => {
    writeFileSync(file(), '{ not json');
    const r = run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not valid JSON');
    expect(readFileSync(file(), 'utf8')).toBe('{ not json');
  });

  it("matches the setting in the installed JupyterLab's schema", () => {
    const schema = PY && path.join(execFileSync(PY, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' }).trim(), 'share/jupyter/lab/schemas/@jupyterlab/apputils-extension/notification.json');
    if (!schema || !existsSync(schema)) return; // no JupyterLab installed here
    const props = (JSON.parse(readFileSync(schema, 'utf8')) as { properties: Record<string, { oneOf?: { const: string }[] }> }).properties;
    expect(props.fetchNews.oneOf?.map((o) => o.const)).toContain('false');
  });
});
