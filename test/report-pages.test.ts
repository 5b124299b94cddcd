/**
 * The report as a document, checked without Jupyter: a grid's progress board becomes one line on
 * the exported page while its warnings stay (lib/report/compact.ts); numbered tables and figures
 * (lib/display/numbering.ts); report/results.json (lib/report/results.ts).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { toyImages } from './toy_images.js';
import {
  PROFILES, runGrid, RunCache, citeResultsHtml, citeStat, showResults, nearestCostPairings, describeDeepWins, describeNoise, describeChange,
  describeLossComparison, describeAugmentation, describeConfusions, describeSineError, type GridResult, type GroupResult, type TrainSettings,
} from '../lib/experiments/index.js';
import { gridSettingsText } from '../lib/experiments/present.js';
import { setOutputSink, show, showTable, table, ref, resetNumbering } from '../lib/display/index.js';
import { unescapeHtml } from '../lib/report/facts.js';
import { notebookResults, readResults, writeResults } from '../lib/report/results.js';
import { clockTime } from '../lib/display/progress.js';
import { compactBoard, withCompactProgress } from '../lib/report/compact.js';
import type { Notebook } from '../lib/report/inspect.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
afterEach(() => setOutputSink(null));

const BASE: TrainSettings = { ...PROFILES.quick.baseline, hiddenDims: [8], numEpochs: 3, batchSize: 16 };

/** Runs a grid with its live board on, and returns every HTML the board sent, in order. */
async function boardsOf(points: Parameters<typeof runGrid>[0], cache: RunCache | false) {
  const sent: string[] = [];
  setOutputSink((mime, content) => { if (mime === 'text/html' && content.includes('nnlab-progress')) sent.push(content); });
  const result = await runGrid(points, toyImages(3), BASE, { seeds: [0, 1], workers: 0, cache, title: 'Grid <1>', progress: true });
  setOutputSink(null);
  return { sent, result };
}

const notebookOf = (outputs: NonNullable<Notebook['cells'][number]['outputs']>): Notebook =>
  ({ cells: [{ cell_type: 'code', source: 'await lab.run(...)', outputs }], metadata: {} });

const htmlOf = (nb: Notebook) => nb.cells[0].outputs!.map((o) => [o.data?.['text/html'] ?? ''].flat().join('')).join('\n');

describe('exported pages: progress in one line, warnings kept', () => {
  it('a finished board becomes "N runs, S seeds, mm:ss, …" without its per-run rows; a diverged run stays as a note', async () => {
    const { sent, result } = await boardsOf([{ label: 'ok' }, { label: 'wild', learningRate: 1e300, updateRule: 'sgd' }], false);
    expect(result.groups[1].diverged).toBe(2);
    const final = sent[sent.length - 1];
    expect(final).toContain('data-nnlab-progress-summary=');
    expect(final.match(/<tr>/g)).toHaveLength(4); // the live board in the notebook keeps one row per run
    const page = htmlOf(withCompactProgress(notebookOf([
      { output_type: 'display_data', data: { 'text/html': final } },
      { output_type: 'stream', name: 'stderr', text: 'cache: /x/runs/abc.json is not a valid record (record.bestValAcc: …): moved aside; training the run again\n' },
    ])));
    expect(page).not.toContain('<tr>');
    expect(page).not.toContain('class="nnlab-progress"');
    const line = /<div class="nnlab-progress-summary"[^>]*>([^<]*)<\/div>/.exec(page);
    expect(line?.[1]).toMatch(/^Grid &lt;1&gt;: 4 runs, 2 seeds, \d\d:\d\d, 4 runs trained$/);
    const notes = [...page.matchAll(/<div class="nnlab-note nnlab-warning"[^>]*>([^<]*)<\/div>/g)].map((m) => m[1]);
    expect(notes).toHaveLength(3);
    expect(notes[0]).toMatch(/^⚠ wild · seed 0 diverged: .+; left out of the means$/);
    expect(notes[1]).toMatch(/^⚠ wild · seed 1 diverged/);
    expect(notes[2]).toMatch(/^⚠ cache: \/x\/runs\/abc\.json is not a valid record/);
  });

  it('says "all cached" when every run came from the cache, and keeps a board that never finished whole', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nnlab-pages-'));
    dirs.push(dir);
    const cache = new RunCache(dir);
    await boardsOf([{ label: 'a' }], cache);
    const again = await boardsOf([{ label: 'a' }], cache);
    expect(again.result.cached).toBe(2);
    const final = again.sent[again.sent.length - 1];
    expect(compactBoard(final)).toMatch(/>Grid &lt;1&gt;: 2 runs, 2 seeds, 00:0\d, all cached<\/div>$/);
    const unfinished = again.sent[0];
    expect(unfinished).not.toContain('data-nnlab-progress-summary');
    expect(compactBoard(unfinished)).toBeNull();
    expect(htmlOf(withCompactProgress(notebookOf([{ output_type: 'display_data', data: { 'text/html': unfinished } }])))).toBe(unfinished);
  });

  it('writes times as a clock', () => {
    expect([0, 59.6, 161, 3600 + 62].map(clockTime)).toEqual(['00:00', '01:00', '02:41', '1:01:02']);
  });
});

describe('numbered tables and figures', () => {
  /** Every HTML output sent while `f` runs. */
  function shown(f: () => void): string[] {
    const sent: string[] = [];
    setOutputSink((mime, content) => { if (mime === 'text/html') sent.push(content); });
    try { f(); } finally { setOutputSink(null); }
    return sent;
  }

  it('numbers captioned tables and titled charts in the order shown, per page; refers to them by id, before or after', () => {
    resetNumbering('576 train / 144 validation images (synthetic)');
    const early = table('second');
    expect(early.label).toBe('Table 1'); // reserved: the table shown as 'second' takes it
    const html = shown(() => {
      showTable([{ a: 1 }], { caption: 'Without id' });
      showTable([{ a: 0.5, b: 'x', c: NaN }], { caption: 'Second <table>', id: 'second' });
      showTable([{ a: 2 }]); // no caption: not numbered
      show({ data: [], layout: { title: { text: 'A chart' } } }, { id: 'chart' });
    });
    expect(html[0]).toContain('<caption><span class="nnlab-number">Table 2.</span> Without id</caption>');
    expect(html[1]).toContain('<caption><span class="nnlab-number">Table 1.</span> Second &lt;table&gt;</caption>');
    expect(html[1]).toContain('id="nnlab-table-1"');
    const numbered = JSON.parse(unescapeHtml(/data-nnlab-numbered="([^"]*)"/.exec(html[1])![1]));
    expect(numbered).toEqual({ kind: 'table', number: 1, label: 'Table 1', id: 'second', caption: 'Second <table>', columns: ['a', 'b', 'c'], rows: [[0.5, 'x', null]] });
    expect(html[2]).not.toContain('nnlab-numbered');
    expect(html[3]).toContain('data-nnlab-numbered=');
    expect(html[3]).toContain('\\u003cb\\u003eFigure 1.\\u003c/b\\u003e A chart');
    expect(ref('chart').label).toBe('Figure 1');
    const withSettings = shown(() => show({ data: [], layout: { title: 'Curves' } }, { settings: '2 seeds per setting; at most 3 epochs' }))[0];
    expect(withSettings).toContain('<div class="nnlab-figure-settings" style="font-size:12px;color:#555;margin:2px 0 8px 0">2 seeds per setting; at most 3 epochs</div>');
    expect(JSON.parse(unescapeHtml(/data-nnlab-numbered="([^"]*)"/.exec(withSettings)![1])).caption).toBe('Curves (2 seeds per setting; at most 3 epochs)');
    expect(ref('second')).toBe(early);
    expect(() => ref('nope')).toThrow(/ref: no table or figure 'nope' on this page yet \(known: second, chart\)/);
    expect(() => shown(() => showTable([{ a: 1 }], { caption: 'again', id: 'second' }))).toThrow(/'second' was already shown as Table 1/);
    resetNumbering();
    expect(shown(() => showTable([{ a: 1 }], { caption: 'New page' }))[0]).toContain('Table 1.');
  });

  it('a grid\'s caption says under which settings: seeds, epochs, data', async () => {
    resetNumbering('576 train / 144 validation images (synthetic)');
    setOutputSink(() => undefined);
    const r = await runGrid([{ label: 'a' }, { label: 'b', numEpochs: 2 }], toyImages(3), { ...BASE, patience: 2 }, { seeds: [0, 1], workers: 0, cache: false, progress: false });
    expect(gridSettingsText(r)).toBe('2 seeds per setting; at most 2–3 epochs, stopped when converged; data: 576 train / 144 validation images (synthetic)');
    const html = shown(() => showResults(r, { caption: 'Two settings', id: 'two' }));
    expect(html[0]).toContain('<span class="nnlab-number">Table 1.</span> Two settings (2 seeds per setting; at most 2–3 epochs');
  });
});

describe('results.json', () => {
  const banner = '<div class="nnlab-banner" data-nnlab-profile="quick" data-nnlab-data="d; 1 train / 1 validation" data-nnlab-dtype="float32" data-nnlab-seeds="0" ' +
    'data-nnlab-data-kind="synthetic" data-nnlab-fingerprint="abc123" data-nnlab-version="0.1.0+x" data-nnlab-node="20.1.0" data-nnlab-numerics="3"></div>';
  const page = (...html: string[]): Notebook => ({ cells: [{ cell_type: 'code', source: '', outputs: html.map((h) => ({ output_type: 'display_data', data: { 'text/html': h } })) }], metadata: {} });

  it('collects what a page cites and its numbered tables, as numbers; writes atomically; a partial rebuild keeps the other pages', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nnlab-results-'));
    dirs.push(dir);
    resetNumbering();
    let tableOut = '';
    setOutputSink((_, c) => { tableOut = c; });
    showTable([{ setting: 'x', valAcc: 0.9 }], { caption: 'Accuracy' });
    setOutputSink(null);
    const sine = notebookResults(page(banner, citeResultsHtml({ sine: { meanAbsError: 1.5e-4 } })), '2026-01-01T00:00:00Z');
    const base = notebookResults(page(banner, tableOut, citeResultsHtml({ baseline: { valAcc: citeStat({ mean: 0.9, std: NaN }) } })), '2026-01-01T00:00:00Z');
    expect([sine.problems, base.problems]).toEqual([[], []]);
    expect(base.results.tables).toEqual([{ label: 'Table 1', id: null, caption: 'Accuracy', columns: ['setting', 'valAcc'], rows: [['x', 0.9]] }]);
    writeResults(dir, { '01_sin_fit': sine.results, '02_architecture': base.results }, ['01_sin_fit', '02_architecture']);
    const first = readResults(dir)!;
    expect(first).toMatchObject({ format: 1, nnlab: '0.1.0+x', node: '20.1.0', numerics: 3, profile: 'quick', data: { kind: 'synthetic', fingerprint: 'abc123' },
      sine: { meanAbsError: 1.5e-4 }, baseline: { valAcc: { mean: 0.9, std: null } } });
    expect(readdirSync(dir)).toEqual(['results.json']); // no temp file left behind
    // Rebuild 02 alone, in another profile: 01's part stays, the top level no longer claims one profile.
    const rebuilt = notebookResults(page(banner.replace('"quick"', '"full"'), citeResultsHtml({ baseline: { valAcc: { mean: 0.8, std: 0.01 } } })), '2026-01-02T00:00:00Z');
    writeResults(dir, { '02_architecture': rebuilt.results }, ['01_sin_fit', '02_architecture']);
    const second = readResults(dir)!;
    expect(second.sine).toEqual({ meanAbsError: 1.5e-4 });
    expect(second.baseline).toEqual({ valAcc: { mean: 0.8, std: 0.01 } });
    expect(second.profile).toBeNull();
    expect(Object.keys(second.notebooks)).toEqual(['01_sin_fit', '02_architecture']);
  });

  it('refuses what is not a number, before and after the file', () => {
    expect(() => citeResultsHtml({ sine: { meanAbsError: NaN } })).toThrow(/citeResults: sine\.meanAbsError is NaN, not a finite number/);
    expect(() => citeResultsHtml({ baseline: { valAcc: '85.6%' as never } })).toThrow(/baseline\.valAcc must be a number or an object of numbers, got "85\.6%"/);
    const dir = mkdtempSync(path.join(tmpdir(), 'nnlab-results-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ format: 1, baseline: { valAcc: { mean: '85.6%', std: null } }, notebooks: {} }));
    const warnings: string[] = [];
    expect(readResults(dir, (l) => warnings.push(l))).toBeNull();
    expect(warnings[0]).toMatch(/results\.json: baseline\.valAcc\.mean: expected a number, got "85\.6%"/);
    const bad = notebookResults(page(banner, '<div data-nnlab-results="{&quot;x&quot;: [1]}"></div>'), '');
    expect(bad.problems[0]).toMatch(/^results: notebooks\.x\.cited\.x/);
  });
});

describe('computed sentences live in lib/ (02, 01, 04)', () => {
  /** A group of a depth × width grid with the given accuracies per seed and parameter count. */
  const cellOf = (depth: number, width: number, accs: number[], paramCount: number) => {
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    const std = accs.length > 1 ? Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (accs.length - 1)) : NaN;
    return {
      label: `${depth} layers × ${width}`, columns: { depth, width }, paramCount, bestValAcc: { mean, std }, diverged: 0,
      runs: accs.map((a, seed) => ({ seed, diverged: null, valAccHistory: [a / 2, a], trainAccHistory: [a / 2, 1] })),
    } as unknown as GroupResult;
  };

  it('pairs each deep network with the nearest-cost 2-layer one, counts the wins, and says so with the table\'s label', () => {
    const grid = { groups: [cellOf(2, 10, [0.8], 8000), cellOf(2, 100, [0.9], 80000), cellOf(8, 10, [0.85], 9000), cellOf(16, 50, [0.7], 70000)] } as GridResult;
    const reportAt = (d: number, w: number) => ({ '2/10': 0.81, '2/100': 0.92, '8/10': 0.83, '16/50': 0.96 } as Record<string, number>)[`${d}/${w}`];
    const pairs = nearestCostPairings(grid, reportAt);
    expect(pairs.map((p) => [p.deep, p['shallow (2 layers)']])).toEqual([['8 layers × 10', '× 10'], ['16 layers × 50', '× 100']]);
    expect(pairs[0]['deep − shallow (ours)']).toBeCloseTo(0.05, 12);
    expect(pairs[1]['deep − shallow (report)']).toBeCloseTo(0.04, 12);
    expect(describeDeepWins(pairs, 'Table 7')).toBe('At similar cost (Table 7) the deeper network wins in **1 of 2 pairings** in our run, and in 2 of 2 pairings in the report\'s numbers.');
    expect(describeNoise(grid, [0.81, 0.92, 0.83, 0.96], 'Table 2', 'quick')).toMatch(/^Every cell of Table 2 is a single training run \(quick profile\)/);
    const seeded = { groups: [cellOf(2, 10, [0.8, 0.82, 0.81], 8000), cellOf(2, 100, [0.9, 0.8, 0.85], 80000)] } as GridResult;
    expect(describeNoise(seeded, [0.5, 0.86], 'Table 2', 'full')).toBe(
      'Every cell of Table 2 is the mean of 3 seeds. The largest seed-to-seed spread is at 2 layers × 100 (± 5.0 points). ' +
      'The report\'s number lies further than twice our spread from our mean in **1 of 2 cells**. ' +
      'The report\'s best cell, 2 layers × 100 at 86.0%, is 85.0% ± 5.0 here; our best cell is 2 layers × 100 at 85.0% ± 5.0.');
  });

  it('compares two groups, their losses and gaps, and lists confusions, from the numbers given', () => {
    const [a, b] = [cellOf(3, 50, [0.6], 1), cellOf(3, 50, [0.9], 1)];
    expect(describeChange('Batch normalisation', a, b, { before: 0.284, after: 0.906 })).toBe(
      'Batch normalisation changes the best validation accuracy by **+30.0 points** here (60.0% → 90.0%); in the report by +62.2 points (28.4% → 90.6%).');
    expect(describeChange('Augmentation', b, a, null)).toBe('Augmentation changes the best validation accuracy by **−30.0 points** here (90.0% → 60.0%).');
    expect(describeLossComparison(a, b)).toMatch(/^With cross-entropy the classifier reaches \*\*60\.0%\*\* .*MSE \*\*90\.0%\*\* \(MSE ahead by 30\.0 points\)\. .*does not bear out the report's preference for cross-entropy in classification: \*\*MSE did not fall behind\*\*\.$/);
    expect(describeLossComparison(b, a)).toMatch(/cross-entropy ahead by 30\.0 points.*agrees with the report's conclusion/);
    expect(describeAugmentation(a, b, 0.97)).toMatch(/by \+40\.0 points without augmentation and \+10\.0 points with it: augmentation narrows the gap\.$/);
    expect(describeConfusions([[5, 2, 0], [0, 4, 3], [1, 0, 6]], ['甲', '乙', '丙'])).toBe('Most frequent confusions: 乙 → 丙 (3×), 甲 → 乙 (2×), 丙 → 甲 (1×)');
    expect(describeConfusions([[1, 0], [0, 1]], ['甲', '乙'])).toBe('Most frequent confusions: none');
  });

  it('states the sine fit\'s errors and where the worst one is', () => {
    const gridX = [-1.5, 0, 1.5], fit = { gridX, meanError: 1e-4, meanAbsError: 3e-4, maxAbsError: 5e-4 };
    expect(describeSineError(fit, [1e-4, -5e-4, 2e-4], -1.9e-4)).toMatch(/is 3× larger\. The worst error, \*\*5\.00e-4\*\*, is at x = 0\.00, inside the interval, not at its ends\.$/);
    expect(describeSineError(fit, [1e-4, 2e-4, 5e-4], -1.9e-4)).toMatch(/at x = 1\.50, near an end of the interval/);
    expect(() => describeSineError(fit, [1], -1.9e-4)).toThrow(/1 errors for 3 grid points/);
  });
});
