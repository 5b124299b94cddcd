/**
 * The computed prose of 02_architecture: depth against width, read from our grid and from the
 * report's numbers, each sentence built here from the numbers beside it (never typed in a cell).
 */
import { pivotEffects, type Pivot } from './pivot.js';
import { countOf, signedPoints } from './narrate.js';
import { pct } from './headline.js';
import { beyondSpread } from './present.js';
import type { GridResult, GroupResult } from './runner.js';

/** The effect of width (first → last column) and of depth (first → last row) of a depth × width pivot. */
export interface DepthWidthEffects { width: number; depth: number }

export function depthWidthEffects(p: Pivot): DepthWidthEffects {
  const e = pivotEffects(p);
  return { width: e.acrossColumns, depth: e.acrossRows };
}

const widthLeads = (e: DepthWidthEffects) => Math.abs(e.width) > Math.abs(e.depth);

/**
 * "From 10 to 100 neurons the accuracy changes by +x on average over the depths (report: +y); …
 * In Table 1 width moves the accuracy more than depth, as in the report's. …the first layer holds
 * a–b% of every network's parameters…", for the depth × width table `label`.
 */
export function describeDepthWidth(ours: Pivot, report: Pivot, table: GridResult, inputDim: number, label: string): string {
  const o = depthWidthEffects(ours), r = depthWidthEffects(report);
  const pts = (v: number) => signedPoints(v);
  // The first layer's weights and biases, (inputs + 1) × width, as a share of each network's parameters.
  const shares = table.groups.map((g) => ((inputDim + 1) * (g.columns.width as number)) / g.paramCount);
  const lead = widthLeads(o) ? 'width moves the accuracy more than depth' : 'depth moves the accuracy at least as much as width';
  const agree = widthLeads(o) === widthLeads(r) ? 'as in the report\'s' : 'unlike in the report\'s';
  return `From ${ours.cols[0]} to ${ours.cols[ours.cols.length - 1]} neurons the accuracy changes by **${pts(o.width)}** on average over the depths (report: ${pts(r.width)}); ` +
    `from ${ours.rows[0]} to ${ours.rows[ours.rows.length - 1]} layers by **${pts(o.depth)}** on average over the widths (report: ${pts(r.depth)}). ` +
    `In ${label} ${lead}, ${agree}. ` +
    `The parameter counts explain the report's second thought: with ${inputDim} inputs, the first layer holds ` +
    `${(Math.min(...shares) * 100).toFixed(0)}–${(Math.max(...shares) * 100).toFixed(0)}% of every network's parameters in this table, ` +
    'so widening multiplies the work, while each extra hidden layer of W units adds only W² + W.';
}

/** One deep network of the grid beside the single-hidden-layer network nearest to it in parameter count (a type, so that it is a record showTable takes). */
export type CostPairing = {
  deep: string;
  'deep params': number;
  'deep acc': number;
  'shallow (2 layers)': string;
  'shallow params': number;
  'shallow acc': number;
  'deep − shallow (ours)': number;
  'deep − shallow (report)': number;
};

/**
 * Every configuration of at least `minDepth` layers paired with the 2-layer network of the grid
 * whose parameter count is nearest (on a log scale); `reportAt(depth, width)` gives the report's
 * accuracy of a cell.
 */
export function nearestCostPairings(table: GridResult, reportAt: (depth: number, width: number) => number, minDepth = 8): CostPairing[] {
  const shallow = table.groups.filter((g) => g.columns.depth === 2);
  if (shallow.length === 0) throw new Error('nearestCostPairings: the grid has no 2-layer configuration to compare with');
  // The ratio of the larger count to the smaller: the same order as the distance on a log scale.
  const distance = (a: GroupResult, b: GroupResult) => Math.max(a.paramCount / b.paramCount, b.paramCount / a.paramCount);
  return table.groups.filter((g) => (g.columns.depth as number) >= minDepth).map((deep) => {
    const near = shallow.reduce((a, b) => (distance(b, deep) < distance(a, deep) ? b : a));
    const d = deep.columns.depth as number, w = deep.columns.width as number, nearW = near.columns.width as number;
    return {
      deep: `${d} layers × ${w}`, 'deep params': deep.paramCount, 'deep acc': deep.bestValAcc.mean,
      'shallow (2 layers)': `× ${nearW}`, 'shallow params': near.paramCount, 'shallow acc': near.bestValAcc.mean,
      'deep − shallow (ours)': deep.bestValAcc.mean - near.bestValAcc.mean,
      'deep − shallow (report)': reportAt(d, w) - reportAt(2, nearW),
    };
  });
}

/** In how many pairings the deeper network wins, in our run and in the report's numbers. */
export function deepWins(pairs: CostPairing[]): { ours: string; report: string } {
  const wins = (key: 'deep − shallow (ours)' | 'deep − shallow (report)') => countOf(pairs.filter((p) => p[key] > 0).length, pairs.length, 'pairing');
  return { ours: wins('deep − shallow (ours)'), report: wins('deep − shallow (report)') };
}

/** "At similar cost (Table 3) the deeper network wins in k of n pairings in our run, and in … in the report's numbers." */
export function describeDeepWins(pairs: CostPairing[], label: string): string {
  const w = deepWins(pairs);
  return `At similar cost (${label}) the deeper network wins in **${w.ours}** in our run, and in ${w.report} in the report's numbers.`;
}

/** The best cell of a grid, ours and the report's: "3 layers × 100: 91.2% ± 0.4" beside the report's best. */
export function bestCells(table: GridResult, reportValues: ReadonlyArray<number | null>): { ours: GroupResult; report: GroupResult; reportAcc: number } {
  const ok = table.groups.filter((g) => Number.isFinite(g.bestValAcc.mean));
  if (ok.length === 0) throw new Error('bestCells: every configuration diverged');
  const ours = ok.reduce((a, b) => (b.bestValAcc.mean > a.bestValAcc.mean ? b : a));
  const known = reportValues.map((v) => (v === null ? -Infinity : v));
  const reportAcc = Math.max(...known);
  return { ours, report: table.groups[known.indexOf(reportAcc)], reportAcc };
}

/**
 * How much of the grid `label` is noise: the largest seed-to-seed spread, how many of the report's
 * numbers lie beyond twice our spread, and the best cells; with one seed, that it cannot say.
 */
export function describeNoise(table: GridResult, reportValues: ReadonlyArray<number | null>, label: string, profileName: string): string {
  const seeds = Math.max(...table.groups.map((g) => g.runs.length));
  if (seeds < 2) return `Every cell of ${label} is a single training run (${profileName} profile), so this run cannot say how much of a difference is noise; the full profile trains 3 seeds per cell.`;
  const outside = table.groups.filter((g, i) => beyondSpread(g, reportValues[i] ?? null) === 'yes').length;
  const noisiest = table.groups.reduce((a, b) => ((b.bestValAcc.std || 0) > (a.bestValAcc.std || 0) ? b : a));
  const best = bestCells(table, reportValues);
  return `Every cell of ${label} is the mean of ${seeds} seeds. The largest seed-to-seed spread is at ${noisiest.label} (± ${(noisiest.bestValAcc.std * 100).toFixed(1)} points). ` +
    `The report's number lies further than twice our spread from our mean in **${countOf(outside, table.groups.length, 'cell')}**. ` +
    `The report's best cell, ${best.report.label} at ${(best.reportAcc * 100).toFixed(1)}%, is ${pct(best.report)} here; our best cell is ${best.ours.label} at ${pct(best.ours)}.`;
}

/** The headline rows of one depth × width table: its best cell, ours beside the report's. */
export function bestCellRow(table: GridResult, reportValues: ReadonlyArray<number | null>, label: string) {
  const best = bestCells(table, reportValues);
  return { measure: `${label}: best cell`, ours: `${best.ours.label}: ${pct(best.ours)}`, report: `${best.report.label}: ${(best.reportAcc * 100).toFixed(1)}%` };
}

/** What 02's explicit baseline cell reports of its training (the Solver's result). */
export interface BaselineRun {
  bestValMetric: number;
  bestEpoch: number;
  valMetricHistory: number[];
}

/**
 * "The baseline (N parameters) trained for E of at most M epochs in S s (stopped when converged);
 * its best validation accuracy, X at epoch K, is the model the Solver kept." For 02's first cell.
 */
export function describeBaselineRun(run: BaselineRun, parameterCount: number, maxEpochs: number, seconds: number): string {
  const epochs = run.valMetricHistory.length;
  const stopped = epochs < maxEpochs ? `stopped when converged, before the cap of ${maxEpochs}` : `the whole budget of ${maxEpochs}`;
  return `The baseline network has **${parameterCount.toLocaleString('en-US')} parameters**. It trained for ${epochs} epoch${epochs === 1 ? '' : 's'} ` +
    `(${stopped}) in ${seconds.toFixed(1)} s; its best validation accuracy, **${(run.bestValMetric * 100).toFixed(1)}%** at epoch ${run.bestEpoch}, ` +
    'is the model the Solver kept. The grids below train this same recipe once per cell and seed, in worker threads, with a cache.';
}
