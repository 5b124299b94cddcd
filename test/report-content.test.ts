/**
 * What the notebooks put on a page, checked without Jupyter: the default profile, the quick-run
 * mark, Δ vs report and the spread test, diverged runs, progress events, computed prose, the
 * paired heatmap's shared colour scale, the slider chart, and the headline block the index reads.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toyImages } from './toy_images.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Matrix } from '../lib/nn/matrix.js';
import type { SyntheticSpec } from '../lib/experiments/data.js';
import { Rng } from '../lib/nn/random.js';
import {
  getProfile, PROFILES, experimentDtype, runGrid, resultsFrame, beyondSpread, meanCurve, headlineHtml, bestGroup, pct,
  describeError, whenReached, countOf, parseProgress, fingerprintDataset, runSineFit, RunCache, signedPoints, pivotEffects, pivotOf, type GroupResult, type RunnerData, type TrainSettings,
} from '../lib/experiments/index.js';
import { heatmapPair, choiceChart, setCaptionMark, setOutputSink, tableHtml, figureHtml } from '../lib/display/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
afterEach(() => { setCaptionMark(null); setOutputSink(null); });

const toyData = () => toyImages(3);
const BASE: TrainSettings = { ...PROFILES.quick.baseline, hiddenDims: [8], numEpochs: 3, batchSize: 16 };

/** A group with the given best validation accuracies, one per seed. */
function group(accs: number[], diverged = 0): GroupResult {
  const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
  const std = accs.length > 1 ? Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (accs.length - 1)) : NaN;
  return { bestValAcc: { mean, std }, runs: accs.map(() => ({ diverged: null })), diverged } as unknown as GroupResult;
}

describe('profiles', () => {
  it('the default profile is full (the report\'s settings) and grids train in float32 unless NNLAB_DTYPE says otherwise', () => {
    const saved = process.env.NNLAB_PROFILE;
    delete process.env.NNLAB_PROFILE;
    try {
      expect(getProfile().name).toBe('full');
      expect(getProfile().baseline.dtype).toBe('float32');
    } finally {
      if (saved !== undefined) process.env.NNLAB_PROFILE = saved;
    }
    expect(experimentDtype({ NNLAB_DTYPE: 'float64' })).toBe('float64');
    expect(() => experimentDtype({ NNLAB_DTYPE: 'float16' })).toThrow(/NNLAB_DTYPE.*float16/);
    expect(PROFILES.quick.mark).toMatch(/quick smoke run — not comparable with the report/);
    expect(PROFILES.full.mark).toBeNull();
  });
});

describe('the quick-run mark', () => {
  it('appears in every table caption and chart title while set, and nowhere after', () => {
    setCaptionMark(PROFILES.quick.mark);
    expect(tableHtml([{ a: 1 }], { caption: 'T' })).toMatch(/<caption>T <span class="nnlab-mark"[^>]*>⚠ quick smoke run/);
    expect(tableHtml([{ a: 1 }])).toContain('quick smoke run'); // no caption of its own: the mark makes one
    expect(figureHtml({ data: [], layout: { title: { text: 'Chart' } } })).toContain('Chart\\u003cbr\\u003e\\u003cspan');
    setCaptionMark(null);
    expect(tableHtml([{ a: 1 }], { caption: 'T' })).not.toContain('quick smoke run');
    expect(figureHtml({ data: [], layout: { title: { text: 'Chart' } } })).not.toContain('smoke');
  });
});

describe('comparison with the report', () => {
  it('marks a difference beyond twice the spread of our seeds, and says nothing with one seed', () => {
    expect(beyondSpread(group([0.90, 0.91, 0.92]), 0.95)).toBe('yes');
    expect(beyondSpread(group([0.90, 0.91, 0.92]), 0.92)).toBe('no');
    expect(beyondSpread(group([0.90]), 0.5)).toBeNull();
    expect(beyondSpread(group([0.90, 0.91, 0.92]), null)).toBeNull();
  });

  it('adds report, Δ and spread columns to a grid\'s table, and a status column when runs diverged', async () => {
    setOutputSink(() => undefined);
    const r = await runGrid([{ label: 'ok' }, { label: 'wild', learningRate: 1e300, updateRule: 'sgd' }], toyData(), BASE,
      { seeds: [0, 1], workers: 0, cache: false, progress: false });
    expect(r.groups[1].diverged).toBe(2);
    expect(Number.isNaN(r.groups[1].bestValAcc.mean)).toBe(true); // a diverged run is not a number in the table
    const df = resultsFrame(r, { report: [0.5, 0.7] });
    const cols = df.columns;
    const row = (i: number) => Object.fromEntries(cols.map((c, j) => [c, (df.values[i] as unknown[])[j]]));
    expect(row(0).delta).toBeCloseTo(r.groups[0].bestValAcc.mean - 0.5, 12);
    expect(['yes', 'no']).toContain(row(0).beyond);
    expect(row(1).status).toBe('diverged');
    expect(row(0).status).toBe('');
  });

  it('writes one progress event per finished run when NNLAB_PROGRESS_FILE is set', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nnlab-events-'));
    dirs.push(dir);
    const file = path.join(dir, 'progress.jsonl');
    process.env.NNLAB_PROGRESS_FILE = file;
    try {
      await runGrid([{ label: 'a' }, { label: 'b', learningRate: 3e-3 }], toyData(), BASE,
        { seeds: [0, 1], workers: 0, cache: false, progress: false, notebook: 'nb', title: 'grid' });
    } finally {
      delete process.env.NNLAB_PROGRESS_FILE;
    }
    const { events, rest } = parseProgress(readFileSync(file, 'utf8'));
    expect(rest).toBe('');
    expect(events.map((e) => e.type)).toEqual(['grid-start', 'run-done', 'run-done', 'run-done', 'run-done', 'grid-done']);
    const done = events.filter((e) => e.type === 'run-done');
    expect(done.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect(done.every((e) => e.total === 4 && e.notebook === 'nb' && e.bestValAcc !== null && e.bestValAcc > 0)).toBe(true);
    expect(done[3].etaSeconds).toBe(0); // nothing left
    expect(new Set(done.map((e) => `${e.label}/${e.seed}`)).size).toBe(4);
    expect(done.every((e) => e.validation === undefined)).toBe(true);

    // Data that trains on its validation images (a final model) says so in every run-done event.
    const merged = { ...toyData(), spec: { trainOn: 'train+validation' } as SyntheticSpec };
    const again = path.join(dir, 'merged.jsonl');
    process.env.NNLAB_PROGRESS_FILE = again;
    try {
      await runGrid([{ label: 'a' }], merged, BASE, { seeds: [0], workers: 0, cache: false, progress: false, notebook: 'nb', title: 'final' });
    } finally {
      delete process.env.NNLAB_PROGRESS_FILE;
    }
    expect(parseProgress(readFileSync(again, 'utf8')).events.filter((e) => e.type === 'run-done').map((e) => e.validation)).toEqual(['in training']);
  });
});

describe('computed prose', () => {
  it('compares magnitudes and signs', () => {
    expect(describeError(5.3e-4, -1.9e-4)).toBe("2.8× larger in magnitude than the report's, opposite sign");
    expect(describeError(-1e-5, -1.9e-4)).toBe("19.0× smaller in magnitude than the report's, same sign");
    expect(describeError(-2e-4, -1.9e-4)).toBe("about the same magnitude as the report's, same sign");
  });
  it('finds when a curve first reaches a target', () => {
    expect(whenReached([[0.1, 0.5, 0.9]], 0.5)).toBe('epoch 2');
    expect(whenReached([[0.1, 0.5, 0.9], [0.5, 0.6, 0.7]], 0.5)).toBe('epoch 1.5 on average');
    expect(whenReached([[0.1, 0.2], [0.9, 0.9]], 0.5)).toBe('not within 2 epochs in every seed');
    expect(countOf(3, 4, 'pairing')).toBe('3 of 4 pairings');
  });
  it('writes differences in signed percentage points, and measures effects across a grid', () => {
    expect(signedPoints(0.0123)).toBe('+1.2 points');
    expect(signedPoints(-0.004, 'pts')).toBe('−0.4 pts');
    expect(signedPoints(-0.0002, 'pts')).toBe('0.0 pts');
    expect(signedPoints(0)).toBe('0.0 points');
    const e = pivotEffects(pivotOf('depth', 'width', [2, 4], [10, 100], [[0.8, 0.9], [0.7, 0.9]]));
    expect(e.acrossColumns).toBeCloseTo(0.15, 12); // (0.1 + 0.2) / 2
    expect(e.acrossRows).toBeCloseTo(-0.05, 12); // (−0.1 + 0) / 2
  });
  it('averages curves over the seeds that did not diverge', () => {
    const g = { runs: [{ valAccHistory: [0.1, 0.3], diverged: null }, { valAccHistory: [0.3, 0.5], diverged: null }, { valAccHistory: [0.9], diverged: 'x' }] } as unknown as GroupResult;
    expect(meanCurve(g, 'valAccHistory')).toEqual([0.2, 0.4]);
  });
  it('names the best group and formats its accuracy with the seeds\' spread', () => {
    const a = group([0.8, 0.82]), b = group([0.9, 0.92]), c = group([0.95], 1);
    (c.bestValAcc as { mean: number }).mean = NaN;
    expect(bestGroup([a, b, c])).toBe(b);
    expect(pct(b)).toBe('91.0% ± 1.4');
    expect(pct(group([0.9]))).toBe('90.0%');
  });
});

describe('charts', () => {
  it('draws ours and the report\'s heatmap on one colour scale', () => {
    const fig = heatmapPair([
      { title: 'ours', z: [[0.5, 0.9]], x: [10, 50], y: [2] },
      { title: 'report', z: [[0.8, 0.97]], x: [10, 50], y: [2] },
    ], { title: 't', xTitle: 'w', yTitle: 'd', zTitle: 'acc', zPercent: true });
    expect(fig.data.map((t) => t.coloraxis)).toEqual(['coloraxis', 'coloraxis']);
    expect(fig.data.every((t) => !('colorscale' in t))).toBe(true); // no second scale of its own
    expect(fig.layout!.coloraxis).toMatchObject({ cmin: 0.5, cmax: 0.97 });
  });

  it('a slider shows one choice at a time, on axes fixed for all of them', () => {
    const fig = choiceChart([
      { label: 'a', series: [{ name: 's1', y: [1, 2] }, { name: 's2', y: [3, 4] }] },
      { label: 'b', series: [{ name: 's1', y: [10, 20] }, { name: 's2', y: [30, 40] }] },
    ], { title: 't', xTitle: 'x', yTitle: 'y' });
    expect(fig.data.map((t) => t.visible)).toEqual([true, true, false, false]);
    const steps = (fig.layout!.sliders as Array<{ steps: Array<{ label: string; args: Array<{ visible: boolean[] }> }> }>)[0].steps;
    expect(steps.map((s) => s.label)).toEqual(['a', 'b']);
    expect(steps[1].args[0].visible).toEqual([false, false, true, true]);
    const [lo, hi] = (fig.layout!.yaxis as { range: number[] }).range;
    expect(lo).toBeLessThan(1);
    expect(hi).toBeGreaterThan(40);
    const menu = choiceChart([{ label: 'a', series: [{ name: 's', y: [1] }] }], { title: 't', xTitle: 'x', yTitle: 'y', control: 'dropdown' });
    expect(menu.layout!.updatemenus).toBeDefined();
    expect(() => choiceChart([], { title: 't', xTitle: 'x', yTitle: 'y' })).toThrow(/no choices/);
  });
});

describe('headline results', () => {
  it('carry their rows as JSON for the index, escaped, and show them as a table', () => {
    const rows = [{ measure: 'best "cell"', ours: '<b>91%</b>', report: null }];
    const html = headlineHtml(rows);
    const attr = /data-nnlab-headline="([^"]*)"/.exec(html)![1];
    const json = attr.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(JSON.parse(json)).toEqual({ rows });
    expect(html).not.toContain('<b>91%</b>');
    expect(html).toContain('not given');
  });
});

describe('the fitting task in the notebook', () => {
  it('is cached like the grids, and a cached fit replays its epochs to the chart', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nnlab-sine-'));
    dirs.push(dir);
    const cache = new RunCache(dir);
    const options = { epochs: 3, numTrain: 60, numVal: 20, snapshotEpochs: [1, 3] };
    const seen: number[][] = [[], []];
    const first = runSineFit({ ...options, onEpoch: (e) => seen[0].push(e.loss) }, cache as never);
    const second = runSineFit({ ...options, onEpoch: (e) => seen[1].push(e.loss) }, cache as never);
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second.gridPred).toEqual(first.gridPred);
    expect(second.snapshots.map((s) => s.epoch)).toEqual([1, 3]);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]).toHaveLength(3);
    expect(runSineFit({ ...options, epochs: 4 }, cache as never).cached).toBe(false); // other settings, other key
  });
});
