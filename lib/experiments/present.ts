/**
 * Showing experiment results the way the report does: one row per setting, our best validation
 * accuracy (mean ± std over seeds) beside the report's, the best cell highlighted.
 */
import * as dfd from 'danfojs-node';
import { showTable, type TableOptions, type ColumnFormat } from '../display/table.js';
import type { GridResult, GroupResult } from './runner.js';
import { Matrix } from '../matrix.js';
import { Rng } from '../random.js';
import { makeAugment } from '../augment.js';

export interface ResultsOptions {
  caption?: string;
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

const FORMATS: Record<string, ColumnFormat> = {
  valAcc: 'pct', trainAcc: 'pct', report: 'pct', params: 'int', seconds: 'sec', 'report s': 'sec', finalLoss: 'fixed4', bestEpoch: 'fixed2',
};
const LABELS: Record<string, string> = {
  setting: 'setting', params: 'parameters', valAcc: 'best val acc (ours)', trainAcc: 'train acc at best', seconds: 'time / run',
  report: 'report', 'report s': 'report time', seeds: 'seeds', finalLoss: 'final loss', bestEpoch: 'best epoch',
};

/** The results table with the report's numbers as extra columns. */
export function resultsFrame(result: GridResult, options: ResultsOptions = {}): dfd.DataFrame {
  let df = result.table;
  const n = df.shape[0];
  const col = (values: ReadonlyArray<number | null>, name: string) => {
    if (values.length !== n) throw new Error(`${name}: ${values.length} values for ${n} rows`);
    df = df.addColumn(name, values.map((v) => (v === null ? NaN : v)), { inplace: false }) as dfd.DataFrame;
  };
  if (options.report) col(options.report, 'report');
  if (options.reportSeconds) col(options.reportSeconds, 'report s');
  return df;
}

/** Shows a grid's results as a table (see ResultsOptions). */
export function showResults(result: GridResult, options: ResultsOptions = {}): void {
  const df = resultsFrame(result, options);
  const oneSeed = result.groups.every((g) => g.runs.length === 1);
  const hide = ['finalLoss', 'bestEpoch', ...(oneSeed ? ['seeds'] : []), ...(options.hide ?? [])];
  const opts: TableOptions = {
    caption: options.caption,
    format: { ...FORMATS, ...(options.format ?? {}) },
    labels: { ...LABELS, ...(options.labels ?? {}) },
    std: { valAcc: 'valAccStd', trainAcc: 'trainAccStd', seconds: 'secondsStd' },
    highlight: { valAcc: 'max' },
    hide,
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
 * Training images before and after random augmentation (shift/rotate as in training), as
 * un-centred pixel rows in [0, 1] for imageGridHtml: `count` originals, each followed by
 * `variants` augmented copies.
 */
export function augmentedSamples(
  data: { XTrain: Matrix; yTrain: Int32Array; mean: Float64Array; width: number; height: number; classNames: string[] },
  options: { shift: number; rotate: number; count?: number; variants?: number; seed?: number },
): { images: Float64Array[]; captions: string[] } {
  const count = options.count ?? 6, variants = options.variants ?? 5;
  const rng = new Rng(options.seed ?? 0);
  const augment = makeAugment({ shift: options.shift, rotate: options.rotate, mean: data.mean, width: data.width, height: data.height });
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
