/**
 * The report as a document, checked without Jupyter: a grid's progress board becomes one line on
 * the exported page while its warnings stay (lib/report/compact.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { toyImages } from './toy_images.js';
import { PROFILES, runGrid, RunCache, type TrainSettings } from '../lib/experiments/index.js';
import { setOutputSink } from '../lib/display/index.js';
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
