/**
 * Executes all five notebooks in the quick profile (nbconvert → nbclient, tslab kernel) and checks
 * every cell: no error output, nothing on stderr (tslab prints type errors there), every code cell
 * with output, every cell tagged "plot" with a chart and "table" with a table; the report folder
 * (one shared plotly.js, no executed notebooks, ≤ 8 MB), its summary.json and index, the progress
 * the build printed, and a partial rebuild (`--notebook 01`) that keeps the other pages.
 *
 * Needs the project's Jupyter (node scripts/setup.mjs). Without it the tests fail under CI=true and
 * are skipped locally, saying why.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, readSummary } from '../lib/report/index.js';
import { plotlyBundlePath } from '../lib/report/page.js';
import { readResults } from '../lib/report/results.js';
import { ARTIFACTS, IN_CI, jupyterProblem, quickReport, REPORT_DIR, ROOT } from './notebooks.fixture.js';

const problem = jupyterProblem();
if (problem && !IN_CI) console.warn(`notebooks.test.ts: skipped: ${problem}`);

/** What each notebook must at least produce (charts, tables) in the quick profile. */
const EXPECTED: Record<string, { plots: number; tables: number }> = {
  '01_sin_fit': { plots: 7, tables: 2 },
  '02_architecture': { plots: 4, tables: 7 },
  '03_hyperparams': { plots: 7, tables: 5 },
  '04_bn_augment': { plots: 6, tables: 4 },
  '05_beyond': { plots: 3, tables: 5 },
};

describe.skipIf(problem !== null && !IN_CI)('notebooks (quick profile)', () => {
  it('has its Jupyter and tslab kernel', () => {
    expect(problem, 'run `node scripts/setup.mjs` (Jupyter in .venv, tslab kernel)').toBeNull();
  });

  it('executes all five notebooks without errors, every cell with its expected output', async () => {
    expect(problem).toBeNull();
    const report = await quickReport();
    expect(report.notebooks.map((n) => n.name)).toEqual(Object.keys(EXPECTED));
    for (const nb of report.notebooks) {
      const where = `${nb.name} (see ${path.relative(process.cwd(), REPORT_DIR)}/build.log and ${nb.name}.html)`;
      expect(nb.summary.problems, where).toEqual([]);
      expect(nb.exitCode, where).toBe(0);
      expect(nb.summary.plots, `${where}: charts`).toBeGreaterThanOrEqual(EXPECTED[nb.name].plots);
      expect(nb.summary.plots, `${where}: every "plot" cell drew`).toBeGreaterThanOrEqual(nb.summary.expectedPlots);
      expect(nb.summary.tables, `${where}: tables`).toBeGreaterThanOrEqual(EXPECTED[nb.name].tables);
      expect(nb.summary.plotlyInlined, `${where}: plotly.js inlined`).toBeGreaterThanOrEqual(1);
      expect(nb.profile, `${where}: profile printed at the top`).toBe('quick');
      expect(nb.data, `${where}: data source printed at the top`).toMatch(/built-in synthetic characters/);
    }
    // CI budget: all five notebooks well under 15 minutes.
    expect(report.seconds).toBeLessThan(15 * 60);
  }, 30 * 60_000);

  it('writes report/index.html linking one page per notebook, saying profile and data', async () => {
    expect(problem).toBeNull();
    const report = await quickReport();
    const index = readFileSync(path.join(REPORT_DIR, 'index.html'), 'utf8');
    for (const nb of report.notebooks) {
      expect(index).toContain(`href="${nb.name}.html"`);
      expect(existsSync(path.join(REPORT_DIR, `${nb.name}.html`))).toBe(true);
    }
    expect(index).toMatch(/<b>Profile:<\/b> quick/);
    expect(index).not.toContain('class="warning mixed-profiles"');
    expect(index).toMatch(/<b>Data:<\/b> built-in synthetic characters/);
  }, 30 * 60_000);

  it('keeps report/ small: one shared plotly.js, no executed notebooks, at most 8 MB', async () => {
    expect(problem).toBeNull();
    await quickReport();
    const files = readdirSync(REPORT_DIR);
    const sizes = Object.fromEntries(files.map((f) => [f, statSync(path.join(REPORT_DIR, f)).size]));
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    expect(total, `report folder: ${JSON.stringify(sizes)}`).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(files.filter((f) => f.endsWith('.ipynb')), 'executed notebooks kept without --keep-notebooks').toEqual([]);
    expect(readFileSync(path.join(REPORT_DIR, 'plotly.min.js')).equals(readFileSync(plotlyBundlePath())), 'plotly.min.js is the installed bundle').toBe(true);
    for (const page of files.filter((f) => /^\d\d_.*\.html$/.test(f))) {
      const html = readFileSync(path.join(REPORT_DIR, page), 'utf8');
      expect(html, `${page} inlines plotly.js`).not.toMatch(/\* plotly\.js v\d/);
      expect(html, `${page}: the inlined loader is replaced`).not.toContain('data-nnlab="plotly-loader"');
      expect(html).toContain('data-nnlab="plotly-shared"');
      expect(sizes[page], page).toBeLessThan(1024 * 1024);
    }
  }, 30 * 60_000);

  it('shows each grid\'s progress on the pages as one line ("N runs, S seed, mm:ss, …"), not a row per run', async () => {
    expect(problem).toBeNull();
    await quickReport();
    for (const page of ['02_architecture.html', '05_beyond.html']) {
      const html = readFileSync(path.join(REPORT_DIR, page), 'utf8');
      expect(html, `${page}: a progress board left on the page`).not.toContain('<div class="nnlab-progress"');
      const lines = [...html.matchAll(/<div class="nnlab-progress-summary"[^>]*>([^<]*)<\/div>/g)].map((m) => m[1]);
      expect(lines.length, page).toBeGreaterThanOrEqual(2);
      for (const line of lines) expect(line, page).toMatch(/: \d+ runs?, \d+ seeds?, \d\d:\d\d, (all cached|\d+ runs? trained|\d+ trained, \d+ from the cache)$/);
    }
  }, 30 * 60_000);

  it('writes results.json (the headline numbers as numbers, every numbered table) and lists every table and figure in the index', async () => {
    expect(problem).toBeNull();
    const report = await quickReport();
    const results = readResults(REPORT_DIR); // checked against its schema as it is read
    expect(results).not.toBeNull();
    expect(results!.profile).toBe('quick');
    expect(results!.node).toMatch(/^\d+\.\d+\.\d+$/);
    expect(typeof results!.numerics).toBe('number');
    expect(results!.nnlab).toMatch(/^\d+\.\d+\.\d+/);
    expect(results!.data).toMatchObject({ kind: 'synthetic', fingerprint: expect.stringMatching(/^[0-9a-f]{8,}$/) });
    expect(results!.sine?.meanAbsError).toBeGreaterThan(0);
    expect(results!.baseline?.valAcc?.mean).toBeGreaterThan(0.2);
    expect(results!.beyond?.singleTestAcc?.mean).toBeGreaterThan(0.2);
    expect(typeof results!.beyond?.ensembleTestAcc).toBe('number');
    expect(Object.keys(results!.notebooks)).toEqual(report.entries.map((e) => e.name));
    const index = readFileSync(path.join(REPORT_DIR, 'index.html'), 'utf8');
    for (const [name, part] of Object.entries(results!.notebooks)) {
      expect(part.tables.length, name).toBeGreaterThanOrEqual(1);
      expect(part.tables.map((t) => t.label), name).toEqual(part.tables.map((_, i) => `Table ${i + 1}`));
      expect(part.figures.map((f) => f.label), name).toEqual(part.figures.map((_, i) => `Figure ${i + 1}`));
      expect(part.tables.every((t) => t.rows.length > 0 && t.rows.every((r) => r.length === t.columns.length)), name).toBe(true);
      const page = readFileSync(path.join(REPORT_DIR, `${name}.html`), 'utf8');
      for (const t of part.tables) {
        const anchor = `nnlab-table-${t.label.split(' ')[1]}`;
        expect(page, `${name}: ${t.label}`).toContain(`id="${anchor}"`);
        expect(index, `${name}: ${t.label} in the index`).toContain(`href="${name}.html#${anchor}"`);
      }
    }
    // A chart of a grid says under which settings, as the grid's table does: every figure of 02 and 03 is one.
    for (const name of ['02_architecture', '03_hyperparams']) {
      const figures = results!.notebooks[name].figures;
      expect(figures.length, name).toBeGreaterThanOrEqual(4);
      for (const f of figures) expect(f.caption, `${name}: ${f.label}`).toMatch(/\(\d+ seeds? per setting; at most \d+(–\d+)? epochs.*; data: /);
    }
    // Prose says "Table N" from the numbers: 02 refers to its tables by the labels they were given.
    const architecture = readFileSync(path.join(REPORT_DIR, '02_architecture.html'), 'utf8');
    const deep = results!.notebooks['02_architecture'].tables.find((t) => t.id === 'deep-vs-shallow')!;
    expect(architecture).toContain(`At similar cost (${deep.label})`);
  }, 30 * 60_000);

  it('records each notebook in summary.json: profile, data, number type, seeds, headline results, run and build time', async () => {
    expect(problem).toBeNull();
    const report = await quickReport();
    const entries = readSummary(REPORT_DIR);
    expect(entries.map((e) => e.name)).toEqual(Object.keys(EXPECTED));
    for (const e of entries) {
      expect(e.profile, e.name).toBe('quick');
      expect(e.data, e.name).toMatch(/built-in synthetic characters/);
      expect(e.dtype, `${e.name}: number type in the banner (data-nnlab-dtype)`).toMatch(/^float(32|64)$/);
      expect(e.seeds, `${e.name}: seeds in the banner (data-nnlab-seeds)`).toBe('0');
      expect(e.headlines.length, `${e.name}: headline results (nnlab-headline outputs)`).toBeGreaterThanOrEqual(1);
      expect(e.seconds).toBeGreaterThan(0);
      expect(Date.parse(e.builtAt)).toBeGreaterThan(Date.now() - 24 * 3600_000);
    }
    expect(report.entries.map((e) => e.name)).toEqual(entries.map((e) => e.name));
  }, 30 * 60_000);

  it('printed the grids\' progress while building: run i of N, label, seed, best validation accuracy', async () => {
    expect(problem).toBeNull();
    await quickReport();
    const log = readFileSync(path.join(REPORT_DIR, 'build.log'), 'utf8');
    expect(log).toMatch(/^report: executing 02_architecture \(2 of 5, profile quick\)/m);
    // The fixture trains with an empty cache, so every run is trained and gets its line.
    expect(log).toMatch(/^ {2}.+ · run 1\/\d+ · .+ · seed 0: best val \d+\.\d%/m);
    expect(log).toMatch(/^ {2}.+: \d+ runs? done in /m);
  }, 30 * 60_000);

  it('rebuilds one notebook (--notebook 01): its own page and row, the other pages and rows kept; --keep-notebooks keeps its executed copy', async () => {
    expect(problem).toBeNull();
    await quickReport();
    // A copy, since other test files read the shared report meanwhile.
    const dir = path.join(ARTIFACTS, 'report-partial');
    rmSync(dir, { recursive: true, force: true });
    cpSync(REPORT_DIR, dir, { recursive: true });
    // Say 02 was built in the full profile: the index must then warn that the profiles differ.
    const summaryFile = path.join(dir, 'summary.json');
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { notebooks: Array<{ name: string; profile: string }> };
    summary.notebooks.find((e) => e.name === '02_architecture')!.profile = 'full';
    writeFileSync(summaryFile, JSON.stringify(summary));
    const before = readSummary(dir);
    const pageBefore = readFileSync(path.join(dir, '03_hyperparams.html'), 'utf8');
    const log: string[] = [];
    const result = await buildReport({
      outDir: dir,
      notebooks: [path.join(ROOT, 'notebooks', '01_sin_fit.ipynb')],
      env: { ...process.env, NNLAB_PROFILE: 'quick', NNLAB_CACHE_DIR: path.join(ARTIFACTS, 'test-cache'), NNLAB_DATA: '' },
      log: (l) => log.push(l),
      cellTimeoutSec: 600,
      keepNotebooks: true,
    });
    expect(result.ok, log.join('\n')).toBe(true);
    const after = readSummary(dir);
    expect(after.map((e) => e.name)).toEqual(Object.keys(EXPECTED));
    expect(after[0].builtAt > before[0].builtAt, '01 rebuilt').toBe(true);
    expect(after.slice(1), 'the other rows kept as they were').toEqual(before.slice(1));
    expect(readFileSync(path.join(dir, '03_hyperparams.html'), 'utf8'), 'the other pages kept').toBe(pageBefore);
    const index = readFileSync(path.join(dir, 'index.html'), 'utf8');
    for (const name of Object.keys(EXPECTED)) expect(index).toContain(`href="${name}.html"`);
    expect(index).toMatch(/class="warning mixed-profiles"[^>]*><b>The pages were built in different profiles<\/b> — <b>quick<\/b>: 01_sin_fit, 03_hyperparams, 04_bn_augment, 05_beyond; <b>full<\/b>: 02_architecture/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.ipynb'))).toEqual(['01_sin_fit.ipynb']);
    expect(readFileSync(path.join(dir, '01_sin_fit.ipynb'), 'utf8'), 'the executed notebook, plotly.js inlined for JupyterLab').toContain('data-nnlab=\\"plotly-loader\\"');
  }, 30 * 60_000);

  it('keeps a page whose notebook, library, profile and data are unchanged, and executes it again with rebuild', async () => {
    expect(problem).toBeNull();
    await quickReport();
    const dir = path.join(ARTIFACTS, 'report-reuse');
    rmSync(dir, { recursive: true, force: true });
    cpSync(REPORT_DIR, dir, { recursive: true });
    const before = readSummary(dir);
    expect(before[0].inputs, 'the build records what each page was built from').toMatch(/^[0-9a-f]{64}$/);
    const options = {
      outDir: dir,
      notebooks: [path.join(ROOT, 'notebooks', '01_sin_fit.ipynb')],
      env: { ...process.env, NNLAB_PROFILE: 'quick', NNLAB_CACHE_DIR: path.join(ARTIFACTS, 'test-cache'), NNLAB_DATA: '' },
      cellTimeoutSec: 600,
    };
    const log: string[] = [];
    await buildReport({ ...options, log: (l) => log.push(l) });
    expect(log.join('\n')).toMatch(/01_sin_fit is up to date .* page kept/);
    expect(readSummary(dir)[0].builtAt, 'not executed again').toBe(before[0].builtAt);
    const other: string[] = [];
    await buildReport({ ...options, env: { ...options.env, NNLAB_DTYPE: 'float64' }, log: (l) => other.push(l) });
    expect(other.join('\n'), 'another number type is another page').toMatch(/executing 01_sin_fit/);
    const rebuilt: string[] = [];
    const result = await buildReport({ ...options, env: { ...options.env, NNLAB_DTYPE: 'float64' }, rebuild: true, log: (l) => rebuilt.push(l) });
    expect(rebuilt.join('\n')).toMatch(/executing 01_sin_fit/);
    expect(result.ok, rebuilt.join('\n')).toBe(true);
  }, 30 * 60_000);

  it('shows failing notebooks\' problems in the index: an error in a cell, a cell that timed out', async () => {
    expect(problem).toBeNull();
    const dir = path.join(ARTIFACTS, 'report-failing');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const notebook = (name: string, title: string, sources: string[]) => {
      const file = path.join(dir, `${name}.ipynb`);
      writeFileSync(file, JSON.stringify({
        nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
        cells: [
          { id: 'title', cell_type: 'markdown', source: `# ${title}`, metadata: {} },
          ...sources.map((source, i) => ({ id: `c${i}`, cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null })),
        ],
      }));
      return file;
    };
    const log: string[] = [];
    const result = await buildReport({
      outDir: path.join(dir, 'report'),
      notebooks: [
        notebook('01_throws', 'A cell throws', ['console.log("before");', 'throw new Error("boom <b>");']),
        notebook('02_hangs', 'A cell hangs', ['console.log("before");', 'await new Promise((r) => setTimeout(r, 60000));', 'console.log("never");']),
        // 12 s in all, more than the timeout of 5 s, but a cell ends every 3 s: not stopped.
        notebook('03_slow', 'Slow cells', [1, 2, 3, 4].map((i) => `await new Promise((r) => setTimeout(r, 3000)); console.log("cell ${i}");`)),
      ],
      env: { ...process.env, NNLAB_PROFILE: 'quick' },
      log: (l) => log.push(l),
      cellTimeoutSec: 5,
    });
    expect(result.ok).toBe(false);
    const [throws, hangs, slow] = result.notebooks;
    expect(slow.exitCode, log.join('\n')).toBe(0);
    expect(slow.summary.problems).toEqual([]);
    // tslab reports a thrown error on stderr; the run itself goes on to the end.
    expect(throws.summary.problems.map((p) => [p.cell, p.kind]), log.join('\n')).toEqual([[2, 'stderr']]);
    expect(throws.summary.problems[0].message).toContain('boom <b>');
    // No progress for the (inactivity) timeout stops the run: the page shows it as far as it got. The stopped kernel usually
    // says so on stderr in the hung cell, but not always before the kernel is shut down (seen
    // under load), so that cell counts as a problem either way.
    expect(hangs.exitCode, log.join('\n')).toBe(1);
    const kinds = hangs.summary.problems.map((p) => p.kind);
    expect([kinds[0], kinds[2]]).toEqual(['error', 'no-output']);
    expect(['stderr', 'no-output']).toContain(kinds[1]);
    expect(hangs.summary.problems[1].cell).toBe(2);
    expect(hangs.summary.problems[0].message).toMatch(/^execution stopped: no progress for 5 s \(--timeout\): the kernel was stopped/);
    const index = readFileSync(path.join(dir, 'report', 'index.html'), 'utf8');
    expect(index).toContain('<a href="01_throws.html">A cell throws</a> — <span class="failed">1 problem</span>');
    expect(index).toContain('<a href="02_hangs.html">A cell hangs</a> — <span class="failed">3 problems</span>');
    expect(index).toContain('boom &lt;b&gt;');
    const page = readFileSync(path.join(dir, 'report', '02_hangs.html'), 'utf8');
    expect(page, 'the page, as far as it ran').toContain('before');
    expect(page).not.toContain('never\n');
  }, 10 * 60_000);

  it('keeps the notebooks in the repository free of outputs', () => {
    for (const name of Object.keys(EXPECTED)) {
      const nb = JSON.parse(readFileSync(path.join(process.cwd(), 'notebooks', `${name}.ipynb`), 'utf8')) as { cells: Array<{ outputs?: unknown[] }> };
      expect(nb.cells.every((c) => !c.outputs || c.outputs.length === 0), name).toBe(true);
    }
  });
});
