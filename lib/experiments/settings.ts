/**
 * Grids of training runs: points over a base TrainSettings (the network, the update rule and
 * schedule, augmentation and the seed), their labels and cache-key strings.
 */
import { validateSettings, type TrainSettings } from '../recipe.js';

// The settings of one run are the training recipe's (lib/recipe.ts), shared with the CLI.
export type { TrainSettings } from '../recipe.js';
export { validateSettings } from '../recipe.js';

/** A point of a grid: settings to change, plus any other scalar keys, which become table columns. */
export type GridPoint = Partial<TrainSettings> & { label?: string } & Record<string, unknown>;

export const SETTING_KEYS: readonly (keyof TrainSettings)[] = [
  'hiddenDims', 'activation', 'normalization', 'dropout', 'reg', 'weightInit', 'loss',
  'updateRule', 'learningRate', 'lrDecay', 'lrSchedule', 'lrWarmupEpochs', 'keep', 'batchSize', 'numEpochs', 'augment', 'seed', 'dtype', 'patience',
  'minTrainAccuracy',
];

/** Splits a grid point into training settings (over `base`) and extra columns. */
export function resolvePoint(base: TrainSettings, point: GridPoint): { settings: TrainSettings; columns: Record<string, string | number | boolean>; label: string } {
  const settings: TrainSettings = { ...base, hiddenDims: [...base.hiddenDims] };
  const columns: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(point)) {
    if (k === 'label') continue;
    if ((SETTING_KEYS as readonly string[]).includes(k)) {
      if (v !== undefined) (settings as unknown as Record<string, unknown>)[k] = v;
    } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      columns[k] = v;
    } else if (v !== undefined) {
      throw new Error(`grid point: column '${k}' must be a string, number or boolean (settings are ${SETTING_KEYS.join(', ')})`);
    }
  }
  validateSettings(settings);
  const label = typeof point.label === 'string' ? point.label : describeSettings(settings, base);
  return { settings, columns, label };
}

/** A short description of how settings differ from a base, e.g. "lr=3e-3, batch=32". */
export function describeSettings(s: TrainSettings, base?: TrainSettings): string {
  const parts: string[] = [];
  const differs = (k: keyof TrainSettings) => !base || stableStringify(s[k]) !== stableStringify(base[k]);
  if (differs('hiddenDims')) parts.push(`${s.hiddenDims.length + 1} layers × ${s.hiddenDims.join('/')}`.replace(/(\d+)(\/\1)+$/, '$1'));
  if (differs('activation')) parts.push(s.activation);
  if (differs('normalization')) parts.push(s.normalization === 'batchnorm' ? 'batchnorm' : 'no batchnorm');
  if (differs('learningRate')) parts.push(`lr=${s.learningRate.toExponential(0)}`);
  if (differs('reg')) parts.push(`reg=${s.reg}`);
  if (differs('batchSize')) parts.push(`batch=${s.batchSize}`);
  if (differs('loss')) parts.push(s.loss === 'mse' ? 'MSE' : 'cross-entropy');
  if (differs('augment')) parts.push(describeAugment(s.augment));
  if (differs('updateRule')) parts.push(s.updateRule);
  if (differs('numEpochs')) parts.push(`${s.numEpochs} epochs`);
  // Absent and 'constant' are the same schedule: against a base, only a real difference is worth a word.
  const schedule = s.lrSchedule ?? 'constant';
  if (base ? schedule !== (base.lrSchedule ?? 'constant') : s.lrSchedule !== undefined) parts.push(`${schedule} lr`);
  if (differs('lrWarmupEpochs')) parts.push(s.lrWarmupEpochs ? `${s.lrWarmupEpochs}-epoch warm-up` : 'no warm-up');
  if (differs('keep')) parts.push(s.keep === 'last' ? 'last epoch kept' : 'best epoch kept');
  if (differs('dropout')) parts.push(`dropout=${s.dropout}`);
  if (differs('weightInit')) parts.push(`init=${s.weightInit}`);
  if (differs('dtype')) parts.push(s.dtype);
  if (differs('patience')) parts.push(s.patience ? `patience ${s.patience}` : 'every epoch');
  if (differs('minTrainAccuracy')) parts.push(s.minTrainAccuracy === undefined ? 'stop at 99% train' : s.minTrainAccuracy === 0 ? 'stop on validation alone' : `stop at ${100 * s.minTrainAccuracy}% train`);
  return parts.join(', ') || 'baseline';
}

/** "augment ±2px ±10° ±10% size shear 0.15 elastic α=34 σ=4", or "no augmentation". */
function describeAugment(a: TrainSettings['augment']): string {
  if (!a) return 'no augmentation';
  const scale = a.scale ? ` ±${Math.round(100 * a.scale)}% size` : '';
  const shear = a.shear ? ` shear ${a.shear}` : '';
  const elastic = a.elastic ? ` elastic α=${a.elastic.alpha} σ=${a.elastic.sigma}` : '';
  return `augment ±${a.shift}px ±${a.rotate}°${scale}${shear}${elastic}`;
}

/** JSON with object keys sorted, so equal settings give equal strings (cache keys). */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return `[${Array.from(value as ArrayLike<unknown>, stableStringify).join(',')}]`;
  const keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** The report's "N-layer network with W neurons": N−1 hidden layers of W (N counts the output layer). */
export function layers(depth: number, width: number): number[] {
  if (!Number.isInteger(depth) || depth < 2) throw new Error(`layers: depth must be an integer ≥ 2 (hidden layers + output), got ${depth}`);
  return Array.from({ length: depth - 1 }, () => width);
}

/** Every combination of the listed values, e.g. grid({depth: [2, 3], width: [10, 50]}) → 4 points. */
export function grid<T extends Record<string, readonly unknown[]>>(axes: T): Array<{ [K in keyof T]: T[K][number] }> {
  let points: Array<Record<string, unknown>> = [{}];
  for (const [k, values] of Object.entries(axes)) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
  }
  return points as Array<{ [K in keyof T]: T[K][number] }>;
}
