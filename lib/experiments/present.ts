/**
 * Showing experiment results the way the report does: one row per setting, our best validation
 * accuracy (mean ± std over seeds) beside the report's, the best cell highlighted.
 */
import * as dfd from 'danfojs-node';
import { showTable, type TableOptions, type ColumnFormat } from '../display/table.js';
import type { GridResult, GroupResult } from './runner.js';
import { Matrix } from '../nn/matrix.js';
import { Rng } from '../nn/random.js';
import { makeAugment } from '../data/augment.js';
import { signedPoints } from './narrate.js';
import { captionData } from '../display/numbering.js';

export interface ResultsOptions {
  /** What the table shows; the settings it was trained under are added (gridSettingsText). */
  caption?: string;
  /** A name prose refers to the table by (`nb.ref(id).label`: "Table 3"). */
  id?: string;
  /** The report's accuracy for each row, in the grid's order (a column "report" is added). */
  report?: ReadonlyArray<number | null>;
  /** The report's seconds per run, in the grid's order (a column "report s"). */
  reportSeconds?: ReadonlyArray<number | null>;
  /** Columns to leave out, besides the defaults (finalLoss, bestEpoch; seeds with one seed). */
  hide?: string[];
  /** More formats or labels. */
  format?: Record<string, ColumnFormat>;
  labels?: Record<string, string>;
}

/** Differences from the report, in percentage points, signed. */
const points = (v: unknown) => signedPoints(v as number, 'pts');

const FORMATS: Record<string, ColumnFormat> = {
  valAcc: 'pct', testAcc: 'pct', trainAcc: 'pct', report: 'pct', params: 'int', seconds: 'sec', 'report s': 'sec', finalLoss: 'fixed4', bestEpoch: 'fixed2',
  delta: points,
};
const LABELS: Record<string, string> = {
  setting: 'setting', params: 'parameters', valAcc: 'best val acc (ours)', testAcc: 'test acc (not used to choose)', trainAcc: 'train acc at best', seconds: 'time / run',
  report: 'report', 'report s': 'report time', seeds: 'seeds', finalLoss: 'final loss', bestEpoch: 'best epoch',
  delta: 'Δ vs report', beyond: 'Δ beyond 2σ of our seeds?', status: 'status',
};

/**
 * Whether our mean differs from the report's number by more than the spread of our seeds
 * (twice their standard deviation): 'yes', 'no', or null with fewer than two seeds.
 */
export function beyondSpread(g: GroupResult, report: number | null): 'yes' | 'no' | null {
  if (report === null || !Number.isFinite(g.bestValAcc.mean) || !Number.isFinite(g.bestValAcc.std)) return null;
  return Math.abs(g.bestValAcc.mean - report) > 2 * g.bestValAcc.std ? 'yes' : 'no';
}

/** What to say of a group whose runs diverged ('' when none did). */
function divergedText(g: GroupResult): string {
  if (g.diverged === 0) return '';
  return g.diverged === g.runs.length ? 'diverged' : `${g.diverged} of ${g.runs.length} seeds diverged`;
}

/** The results table with the report's numbers, and our difference from them, as extra columns. */
export function resultsFrame(result: GridResult, options: ResultsOptions = {}): dfd.DataFrame {
  let df = result.table;
  const n = df.shape[0];
  const col = (values: ReadonlyArray<number | string | null>, name: string) => {
    if (values.length !== n) throw new Error(`${name}: ${values.length} values for ${n} rows`);
    df = df.addColumn(name, values.map((v) => (v === null ? NaN : v)), { inplace: false }) as dfd.DataFrame;
  };
  if (options.report) {
    const report = options.report;
    col(report, 'report');
    col(result.groups.map((g, i) => (report[i] === null ? null : g.bestValAcc.mean - report[i]!)), 'delta');
    col(result.groups.map((g, i) => beyondSpread(g, report[i]) ?? '–'), 'beyond');
  }
  if (options.reportSeconds) col(options.reportSeconds, 'report s');
  if (result.groups.some((g) => g.diverged > 0)) col(result.groups.map(divergedText), 'status');
  return df;
}

/**
 * Under which settings a grid's numbers were made, for its caption: "1 seed per setting; at most
 * 8 epochs, stopped when converged; data: 576 train / 144 validation images".
 */
export function gridSettingsText(result: GridResult, data: string | null = captionData()): string {
  const seeds = new Set(result.groups.map((g) => g.runs.length));
  const seedText = seeds.size === 1 ? `${[...seeds][0]} seed${[...seeds][0] === 1 ? '' : 's'} per setting` : `${Math.min(...seeds)}–${Math.max(...seeds)} seeds per setting`;
  const epochs = [...new Set(result.groups.map((g) => g.settings.numEpochs))];
  const epochText = epochs.length === 1 ? `${epochs[0]}` : `${Math.min(...epochs)}–${Math.max(...epochs)}`;
  const stopped = result.groups.some((g) => g.settings.patience) ? ', stopped when converged' : '';
  return `${seedText}; at most ${epochText} epochs${stopped}${data ? `; data: ${data}` : ''}`;
}

/** Shows a grid's results as a numbered table, its caption saying the settings (see ResultsOptions). */
export function showResults(result: GridResult, options: ResultsOptions = {}): void {
  const df = resultsFrame(result, options);
  const oneSeed = result.groups.every((g) => g.runs.length === 1);
  const hide = ['finalLoss', 'bestEpoch', 'diverged', ...(oneSeed ? ['seeds', 'beyond'] : []), ...(options.hide ?? [])];
  const opts: TableOptions = {
    caption: `${options.caption ?? 'Results'} (${gridSettingsText(result)})`,
    id: options.id,
    format: { ...FORMATS, ...(options.format ?? {}) },
    labels: { ...LABELS, ...(options.labels ?? {}) },
    std: { valAcc: 'valAccStd', testAcc: 'testAccStd', trainAcc: 'trainAccStd', seconds: 'secondsStd' },
    highlight: { valAcc: 'max' },
    hide,
    note: options.report && !oneSeed
      ? 'Δ vs report: our mean minus the report\'s number. "yes" where the difference is larger than twice the standard deviation of our seeds, i.e. more than seed-to-seed noise.'
      : undefined,
  };
  if (options.report) opts.highlight = { ...opts.highlight, report: 'max' };
  showTable(df, opts);
}

/** Looks up the report's value for each group by matching columns, e.g. ['depth', 'width']. */
export function reportValues<R extends Record<string, unknown>>(groups: GroupResult[], rows: ReadonlyArray<R>, keys: string[], value: keyof R & string): Array<number | null> {
  return groups.map((g) => {
    const hit = rows.find((r) => keys.every((k) => {
      const mine = k in g.columns ? g.columns[k] : (g.settings as unknown as Record<string, unknown>)[k];
      return String(r[k]) === String(mine);
    }));
    return hit ? (hit[value] as number) : null;
  });
}

/** counts[true][predicted]: the same function `nnlab predict` prints. */
export { confusionMatrix } from '../data/classifier.js';

/** Moving average over a window (for noisy per-iteration losses). */
export function movingAverage(values: ArrayLike<number>, window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/**
 * Training images before and after random augmentation (shift/rotate, and scale/shear when
 * given, as in training), as
 * un-centred pixel rows in [0, 1] for imageGridHtml: `count` originals, each followed by
 * `variants` augmented copies.
 */
export function augmentedSamples(
  data: { XTrain: Matrix; yTrain: Int32Array; mean: Float64Array; width: number; height: number; classNames: string[] },
  options: { shift: number; rotate: number; scale?: number; shear?: number; count?: number; variants?: number; seed?: number },
): { images: Float64Array[]; captions: string[] } {
  const count = options.count ?? 6, variants = options.variants ?? 5;
  const rng = new Rng(options.seed ?? 0);
  const augment = makeAugment({ shift: options.shift, rotate: options.rotate, scale: options.scale, shear: options.shear, mean: data.mean, width: data.width, height: data.height });
  const images: Float64Array[] = [], captions: string[] = [];
  const perClassStep = Math.max(1, Math.floor(data.XTrain.rows / count));
  for (let c = 0; c < count; c++) {
    const i = (c * perClassStep) % data.XTrain.rows;
    const row = data.XTrain.selectRows([i]);
    const uncentre = (m: Matrix) => Float64Array.from(m.data, (v, k) => v + data.mean[k]);
    images.push(uncentre(row));
    captions.push(`${data.classNames[data.yTrain[i]]} original`);
    for (let v = 0; v < variants; v++) {
      images.push(uncentre(augment(row, rng)));
      captions.push(`augmented ${v + 1}`);
    }
  }
  return { images, captions };
}

/** A per-epoch history averaged over a group's seeds (diverged runs left out), e.g. the validation curve. */
export function meanCurve(g: GroupResult, key: 'valAccHistory' | 'trainAccHistory' | 'epochLoss'): number[] {
  const runs = g.runs.filter((r) => !r.diverged);
  const length = Math.max(0, ...runs.map((r) => r[key].length));
  return Array.from({ length }, (_, e) => {
    const values = runs.map((r) => r[key][e]).filter((v) => v !== undefined && Number.isFinite(v));
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  });
}

/** How many epochs a group's runs trained, on average (a converged run stops early). */
export function meanEpochs(g: GroupResult): number {
  return g.runs.reduce((a, r) => a + r.valAccHistory.length, 0) / Math.max(1, g.runs.length);
}
