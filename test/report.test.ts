/**
 * The report builder's parts that need no Jupyter: the terminal progress (on a terminal and
 * piped, from fake events), what it reads from an executed notebook (banner, headlines), the
 * shared plotly.js, the pages' navigation, summary.json across partial rebuilds, and the index.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../lib/cli.js';
import type { ProgressEvent } from '../lib/experiments/events.js';
import { escapeHtml } from '../lib/util/html.js';
import { plotlyLoaderHtml, figureHtml } from '../lib/display/plotly.js';
import { notebookFacts, parseHeadline, unescapeHtml } from '../lib/report/facts.js';
import { emptySummary, type Notebook } from '../lib/report/inspect.js';
import { createConsole, NotebookProgress, ProgressFileReader } from '../lib/report/progress.js';
import { fillNavigation, pageHeadings, withSharedPlotly, type PageLink } from '../lib/report/page.js';
import { pagerSlot, tocSlot } from '../lib/report/template.js';
import { mergeEntries, readSummary, writeSummary, type NotebookEntry } from '../lib/report/summary.js';
import { formatDuration, indexHtml } from '../lib/report/index_page.js';
import { buildReport } from '../lib/report/index.js';

const T0 = 1_700_000_000_000;

const gridStart = (over: Partial<Extract<ProgressEvent, { type: 'grid-start' }>> = {}): ProgressEvent =>
  ({ type: 'grid-start', notebook: '02_architecture', title: 'Depth × width', runs: 3, cached: 1, time: T0, ...over });
const runDone = (index: number, over: Partial<Extract<ProgressEvent, { type: 'run-done' }>> = {}): ProgressEvent => ({
  type: 'run-done', notebook: '02_architecture', title: 'Depth × width', index, total: 3, label: `3 layers × ${index * 50}`,
  seed: index - 1, bestValAcc: 0.9123, seconds: 12, cached: false, etaSeconds: 80, time: T0, ...over,
});
const gridDone: ProgressEvent = { type: 'grid-done', notebook: '02_architecture', title: 'Depth × width', runs: 3, seconds: 95, time: T0 };

/** A console whose output is recorded: `lines` (plain lines) and `raw` (what a terminal receives). */
function recordingConsole(isTTY: boolean, columns = 200) {
  const lines: string[] = [];
  const raw: string[] = [];
  const out = createConsole({ isTTY, log: (l) => lines.push(l), write: (t) => raw.push(t), columns });
  return { out, lines, raw };
}

describe('report progress on the terminal', () => {
  it('when piped: one plain line per grid start, per run trained and per grid end, no control characters', () => {
    const { out, lines, raw } = recordingConsole(false);
    const p = new NotebookProgress('02_architecture', T0, null);
    p.apply(gridStart(), out, T0);
    p.apply(runDone(1, { cached: true, etaSeconds: null }), out, T0);
    p.apply(runDone(2), out, T0 + 1000);
    p.apply(runDone(3, { bestValAcc: null, etaSeconds: 0 }), out, T0 + 2000);
    out.status(p.status(T0 + 2000));
    p.apply(gridDone, out, T0 + 3000);
    expect(raw).toEqual([]);
    expect(lines).toEqual([
      '  Depth × width: 3 runs, 1 from the cache',
      '  Depth × width · run 2/3 · 3 layers × 100 · seed 1: best val 91.2% (12 s) · grid ~1 min 20 s left',
      '  Depth × width · run 3/3 · 3 layers × 150 · seed 2: best val diverged (12 s)',
      '  Depth × width: 3 runs done in 1 min 35 s',
    ]);
    expect(lines.join('')).not.toMatch(/[\r\x1b]/);
  });

  it('does not call a score on validation images that were trained on a best validation accuracy', () => {
    const { out, lines } = recordingConsole(false);
    const p = new NotebookProgress('05_beyond', T0, null);
    p.apply(gridStart({ title: 'The final model', cached: 0 }), out, T0);
    p.apply(runDone(1, { title: 'The final model', bestValAcc: 0.998, validation: 'in training' }), out, T0);
    expect(lines[1]).toMatch(/seed 0: val 99\.8% \(trained on\) \(12 s\)/);
    expect(p.status(T0)).toMatch(/seed 0: val 99\.8% \(trained on\)/);
    expect(lines.join('\n')).not.toMatch(/best val/);
  });

  it('on a terminal: one status line redrawn in place, with run i of N, label, seed, accuracy and time left', () => {
    const { out, lines, raw } = recordingConsole(true);
    const p = new NotebookProgress('02_architecture', T0, 300);
    p.apply(gridStart(), out, T0);
    out.status(p.status(T0 + 5_000));
    p.apply(runDone(2), out, T0 + 65_000);
    out.status(p.status(T0 + 75_000));
    expect(lines, 'no plain line per run on a terminal').toEqual([]);
    expect(raw.every((r) => r.startsWith('\r\x1b[2K')), 'each write clears the line first').toBe(true);
    expect(raw.join('')).not.toContain('\n');
    expect(raw.at(-1)).toBe('\r\x1b[2K02_architecture 1:15 · Depth × width · run 2/3 · 3 layers × 100 seed 1: best val 91.2%' +
      ' · grid ~1 min 10 s left · notebook ~3 min 45 s left (last build 5 min)');
    // A line that stays: the status line is cleared, the line printed, and the next status drawn afresh.
    const before = raw.length;
    p.apply(gridDone, out, T0 + 80_000);
    expect(lines).toEqual(['  Depth × width: 3 runs done in 1 min 35 s']);
    expect(raw.slice(before)).toEqual(['\r\x1b[2K']);
    out.status(p.status(T0 + 81_000));
    expect(raw.at(-1)).toBe('\r\x1b[2K02_architecture 1:21 · notebook ~3 min 39 s left (last build 5 min)');
    out.clearStatus();
    expect(raw.at(-1)).toBe('\r\x1b[2K');
  });

  it('cuts the status line to the terminal width (a wrapped line could not be redrawn)', () => {
    const { out, raw } = recordingConsole(true, 40);
    out.status('x'.repeat(100));
    expect([...raw[0].replace('\r\x1b[2K', '')].length).toBe(39);
  });

  it('reads a progress file as it grows, leaving a line cut mid-write for later', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-progress-'));
    try {
      const file = path.join(dir, 'p.jsonl');
      const reader = new ProgressFileReader(file);
      expect(reader.read(), 'no file yet').toEqual([]);
      const line = JSON.stringify(gridStart({ title: 'Learning rate — 学' }));
      const bytes = Buffer.from(line + '\n');
      writeFileSync(file, bytes.subarray(0, bytes.length - 8)); // cut inside the multi-byte characters' line
      expect(reader.read()).toEqual([]);
      appendFileSync(file, bytes.subarray(bytes.length - 8));
      expect(reader.read()).toEqual([JSON.parse(line)]);
      expect(reader.read()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An executed notebook with the given text/html outputs, one code cell each. */
function notebookWithHtml(...html: string[]): Notebook {
  return {
    metadata: {},
    cells: [
      { cell_type: 'markdown', source: ['# 2 · Architecture\n', 'text'] },
      ...html.map((h) => ({ cell_type: 'code', source: 'x', outputs: [{ output_type: 'display_data', data: { 'text/html': [h] } }] })),
    ],
  };
}

const headlineHtml = (rows: unknown[]) => `<div class="nnlab-headline" data-nnlab-headline="${escapeHtml(JSON.stringify({ rows }))}"></div>`;

describe('what the report reads from an executed notebook', () => {
  it('reads the banner (dtype and seeds unknown when absent) and every headline row in order', () => {
    const banner = '<div class="nnlab-banner" data-nnlab-profile="full" data-nnlab-data="built-in &quot;synthetic&quot; characters" data-nnlab-dtype="float32" data-nnlab-seeds="0,1,2">…</div>';
    const rows1 = [{ measure: 'sine: mean |error|', ours: '7.6e-4', report: '−1.9e-4 (signed)', note: 'a <b> & "c"' }];
    const rows2 = [{ measure: 'best depth × width', ours: '92.1% ± 0.4', report: null }, { measure: 'deeper wins', ours: '5 of 6', report: '6 of 6' }];
    const facts = notebookFacts(notebookWithHtml(banner, headlineHtml(rows1), `<p>text</p>${headlineHtml(rows2)}`), 'fallback');
    expect(facts).toMatchObject({ title: '2 · Architecture', profile: 'full', data: 'built-in "synthetic" characters', dtype: 'float32', seeds: '0,1,2', headlineProblems: [] });
    expect(facts.headlines).toEqual([...rows1, ...rows2]);
    const old = notebookFacts(notebookWithHtml('<div class="nnlab-banner" data-nnlab-profile="quick" data-nnlab-data="d">'), 'f');
    expect(old).toMatchObject({ profile: 'quick', dtype: null, seeds: null, headlines: [] });
  });

  it('says what is wrong with a malformed headline instead of failing the build', () => {
    expect(() => parseHeadline('{"rows":[{"measure":1}]}')).toThrow(/row 1 needs "measure" and "ours"/);
    expect(() => parseHeadline('{rows')).toThrow(/not JSON/);
    const facts = notebookFacts(notebookWithHtml('<div data-nnlab-headline="{&quot;nope&quot;:1}"></div>'), 'f');
    expect(facts.headlineProblems).toEqual([expect.stringMatching(/expected \{"rows": \[\.\.\.\]\}/)]);
  });

  it('unescapes what lib/util/html.ts escapes', () => {
    const s = 'a & b < c > d "e" — 学 &amp;';
    expect(unescapeHtml(escapeHtml(s))).toBe(s);
    expect(unescapeHtml('&#39;&#x27;&apos;')).toBe("'''");
  });
});

describe('the pages', () => {
  it('cut the inlined plotly.js out of the outputs, keeping the chart that shared its output', () => {
    const chart = figureHtml({ data: [{ type: 'bar', x: [1], y: [2] }] }, { includePlotly: true });
    const nb = notebookWithHtml(plotlyLoaderHtml(), chart, '<p>other</p>');
    const shared = JSON.stringify(withSharedPlotly(nb));
    expect(JSON.stringify(nb).length).toBeGreaterThan(4_000_000);
    expect(shared.length).toBeLessThan(10_000);
    expect(shared).not.toContain('plotly-loader"');
    expect(shared.match(/data-nnlab=\\"plotly-shared\\"/g)).toHaveLength(2);
    expect(shared).toContain('class=\\"nnlab-plot\\"');
    expect(shared).toContain('<p>other</p>');
  });

  const pages: PageLink[] = [
    { name: '01_sin_fit', title: '1 · Fitting sin(x)', href: '01_sin_fit.html' },
    { name: '02_architecture', title: '2 · Architecture', href: '02_architecture.html' },
    { name: '03_hyperparams', title: '3 · <Hyper>', href: '03_hyperparams.html' },
  ];
  const exported = `<main>${pagerSlot('top')}${tocSlot()}` +
    '<h1 id="2-·-Architecture">2 · Architecture<a class="anchor-link" href="#2-%C2%B7-Architecture">¶</a></h1>' +
    '<h2 id="Depth">Depth <code>×</code> width<a class="anchor-link" href="#Depth">¶</a></h2>' +
    '<div class="jp-OutputArea"><h2>An output heading</h2></div>' +
    '<h3 id="Pairs">Pairs<a class="anchor-link" href="#Pairs">¶</a></h3>' +
    `${pagerSlot('bottom')}</main>`;

  it('get a table of contents from their markdown headings, and previous/next links', () => {
    expect(pageHeadings(exported).map((h) => h.label)).toEqual(['2 · Architecture', 'Depth × width', 'Pairs']);
    const page = fillNavigation(exported, pages, '02_architecture', { toc: true });
    expect(page).toContain('<li class="nnlab-toc-h2"><a href="#Depth">Depth × width</a></li><li class="nnlab-toc-h3"><a href="#Pairs">Pairs</a></li>');
    expect(page.match(/rel="prev" href="01_sin_fit.html"/g)).toHaveLength(2);
    expect(page.match(/rel="next" href="03_hyperparams.html">next: 3 · &lt;Hyper&gt;/g)).toHaveLength(2);
    expect(page.match(/href="index.html"/g)).toHaveLength(2);
    expect(page).not.toContain('An output heading</a>');
    // The first page has no previous one; a later build refills the same slots.
    const first = fillNavigation(page, pages.slice(1), '02_architecture');
    expect(first).toContain('<span class="nnlab-prev nnlab-disabled">');
    expect(first.match(/<nav class="nnlab-pager/g)).toHaveLength(2);
    expect(first.match(/<nav class="nnlab-toc"/g)).toHaveLength(1);
  });
});

function entry(name: string, over: Partial<NotebookEntry> = {}): NotebookEntry {
  return {
    name, title: name, html: `${name}.html`, seconds: 61, builtAt: '2025-01-02T03:04:05.000Z', profile: 'full',
    data: 'built-in synthetic characters', dtype: 'float32', seeds: '0,1,2',
    headlines: [{ measure: `${name}: best`, ours: '91%', report: '90%' }], summary: emptySummary(), exitCode: 0, ...over,
  };
}

describe('summary.json and the index', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('a partial rebuild replaces its own entry and keeps the others', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-summary-'));
    dirs.push(dir);
    writeSummary(dir, [entry('01_sin_fit'), entry('02_architecture'), entry('03_hyperparams')]);
    const rebuilt = entry('02_architecture', { profile: 'quick', builtAt: '2025-02-01T00:00:00.000Z' });
    const merged = mergeEntries(readSummary(dir), [rebuilt]);
    expect(merged.map((e) => [e.name, e.profile])).toEqual([['01_sin_fit', 'full'], ['02_architecture', 'quick'], ['03_hyperparams', 'full']]);
  });

  it('reads an older summary.json, filling in what it did not record, and ignores an unreadable one, saying so', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-summary-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ seconds: 3, notebooks: [{ name: '01_sin_fit', title: 'T', html: '01_sin_fit.html', seconds: 5, profile: 'quick', data: 'd', exitCode: 0 }] }));
    expect(readSummary(dir)[0]).toMatchObject({ name: '01_sin_fit', dtype: null, seeds: null, headlines: [], builtAt: '', summary: { problems: [] } });
    writeFileSync(path.join(dir, 'summary.json'), '{ broken');
    const warnings: string[] = [];
    expect(readSummary(dir, (l) => warnings.push(l))).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('ignoring')]);
  });

  it('the index: one section per notebook with its headline rows and how it was made; mixed profiles said loudly; problems shown', () => {
    const failed = entry('04_bn_augment', { exitCode: 1, html: '', summary: { ...emptySummary(), problems: [{ cell: 7, kind: 'error', message: 'TypeError: <x>' }] } });
    const html = indexHtml([entry('01_sin_fit'), entry('02_architecture', { profile: 'quick', dtype: null }), failed]);
    expect(html.match(/<section class="nnlab-entry"/g)).toHaveLength(3);
    expect(html.match(/<tr class="nnlab-headline-row">/g)).toHaveLength(3);
    expect(html).toContain('<td>01_sin_fit: best</td><td class="num">91%</td><td class="num">90%</td>');
    expect(html).toMatch(/class="warning mixed-profiles"[^>]*><b>The pages were built in different profiles<\/b> — <b>full<\/b>: 01_sin_fit, 04_bn_augment; <b>quick<\/b>: 02_architecture/);
    expect(html).toContain('number type <span class="unknown">unknown</span>');
    expect(html).toContain('seeds 0,1,2 · run time 1 min 1 s · built 2025-01-02 03:04 UTC');
    expect(html).toContain('cell 7: error: <code>TypeError: &lt;x&gt;</code>');
    expect(html).toContain('<a href="01_sin_fit.html">');
    expect(html).not.toContain('href="04_bn_augment.html"');
    const same = indexHtml([entry('01_sin_fit'), entry('02_architecture')]);
    expect(same).not.toContain('class="warning mixed-profiles"');
    expect(same).toContain('<b>Profile:</b> full');
  });

  it('the index names the data once: the dataset in its Data line, each notebook\'s split in its own section', () => {
    const dataset = 'built-in synthetic characters: 60 per class × 12 characters (720 images, 28×28)';
    const html = indexHtml([
      entry('01_sin_fit', { data: `${dataset}; 576 train / 144 validation` }),
      entry('02_architecture', { data: `${dataset}; 576 train / 144 validation` }),
      entry('05_beyond', { data: `${dataset}; 480 train / 120 validation / 120 test (held out)` }),
    ]);
    expect(html.split(escapeHtml(dataset)).length - 1, 'the dataset\'s description on the page').toBe(1);
    expect(html).toContain(`<b>Data:</b> ${escapeHtml(dataset)}<br>`);
    expect(html).toContain('data 480 train / 120 validation / 120 test (held out) ·');
    expect(html).toContain('data 576 train / 144 validation ·');
    // Two datasets: both named in the Data line, and each section says which it used.
    const mixed = indexHtml([entry('01_sin_fit', { data: `${dataset}; 576 train / 144 validation` }), entry('02_architecture', { data: 'course dataset from /c: 7440 images of 12 characters; 5952 train / 1488 validation' })]);
    expect(mixed).toContain(`<b>Data:</b> ${escapeHtml(dataset)}; course dataset from /c: 7440 images of 12 characters<br>`);
    expect(mixed).toContain('data course dataset from /c: 7440 images of 12 characters; 5952 train / 1488 validation ·');
  });

  it('formats durations', () => {
    expect([0, 42.4, 60, 200, 3600].map(formatDuration)).toEqual(['0 s', '42 s', '1 min', '3 min 20 s', '60 min']);
  });
});

describe('nnlab report arguments', () => {
  /** Runs `nnlab report ...args` in-process; resolves with its error. Each is checked before Jupyter is looked for. */
  async function reportError(...args: string[]): Promise<Error | undefined> {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'nnlab', 'report', '--out', path.join(os.tmpdir(), 'nnlab-never'), ...args]);
    } catch (err) {
      return err as Error;
    } finally {
      stderr.mockRestore();
    }
    return undefined;
  }

  it('names the argument that is wrong', async () => {
    expect((await reportError('--profile', 'fast'))?.message).toBe("--profile: expected one of quick, full, got 'fast'");
    expect((await reportError('--notebook', '07'))?.message).toMatch(/^--notebook: no notebook named '07…' \(have 01_sin_fit, 02_architecture, 03_hyperparams, 04_bn_augment, 05_beyond\)$/);
    expect((await reportError('--timeout', 'soon'))?.message).toBe("--timeout: expected an integer >= 1, got 'soon'");
    expect((await reportError('--workers', '-1'))?.message).toBe("--workers: expected an integer >= 0, got '-1'");
  });

  it('without Jupyter, says to run setup', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-nojupyter-'));
    try {
      await expect(buildReport({ outDir: dir, jupyter: { python: path.join(dir, 'no-such-python'), source: 'test' }, log: () => {} }))
        .rejects.toThrow('no Jupyter found (nbconvert/nbclient): run `node scripts/setup.mjs` first');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says the default profile is full, and offers --keep-notebooks', () => {
    const report = buildProgram().commands.find((c) => c.name() === 'report')!;
    expect(report.helpInformation().replace(/\s+/g, " ")).toMatch(/--profile <profile> .*\(default: \$NNLAB_PROFILE, else full\)/);
    expect(report.helpInformation()).toContain('--keep-notebooks');
  });
});
