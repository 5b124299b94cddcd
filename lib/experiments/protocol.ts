/**
 * "Why the report's numbers are higher": the report's 2×50 baseline measured under protocol
 * variants, each changing one thing of ours — a naive split (identical images may sit on both
 * sides), a smaller validation set, a fixed number of epochs instead of stopping once converged
 * — and, on our own runs, the report's measure (best validation accuracy over the epochs) beside
 * the test accuracy of the epoch it chose. Each variant's effect is its change from ours.
 */
import type { Lab } from './lab.js';
import type { LabDataOptions } from './data.js';
import type { TrainSettings } from './settings.js';
import { stat, type GridResult, type Stat } from './runner.js';
import { copiesSeenInTraining } from '../data/split.js';
import { showTable } from '../display/table.js';
import { signedPoints } from './narrate.js';

export interface ProtocolVariant {
  id: 'ours' | 'naive-split' | 'small-validation' | 'fixed-epochs';
  label: string;
  /** How the data is split for it (default: as ours). */
  data?: Omit<LabDataOptions, 'dir' | 'testFraction'>;
  /** How its runs train, over the baseline (default: as ours). */
  settings?: Partial<TrainSettings>;
}

/** Ours first (the others' reference), then one change each. */
export function protocolVariants(options: { validation: number; smallValidation: number; fixedEpochs: number }): ProtocolVariant[] {
  const pct = (f: number) => `${Math.round(f * 100)}%`;
  return [
    { id: 'ours', label: `ours: duplicate-aware split, ${pct(options.validation)} validation, stopped once converged` },
    { id: 'naive-split', label: 'naive split (identical images may sit on both sides)', data: { duplicates: 'ignored' } },
    { id: 'small-validation', label: `${pct(options.smallValidation)} validation instead of ${pct(options.validation)}`, data: { valFraction: options.smallValidation } },
    { id: 'fixed-epochs', label: `${options.fixedEpochs} epochs every run (best epoch kept) instead of stopping once converged`, settings: { numEpochs: options.fixedEpochs, patience: null } },
  ];
}

/** One variant's runs, per seed: the report's measure, the test accuracy of the same model, and how many validation images are copies of training images. */
export interface ProtocolRuns {
  variant: ProtocolVariant;
  bestValAcc: number[];
  testAcc: number[];
  copiesInValidation: number;
  validationImages: number;
  result?: GridResult;
}

/** Trains the baseline under every variant (the lab's seeds), each on its own data. */
export async function runProtocolVariants(lab: Lab, variants: ProtocolVariant[]): Promise<ProtocolRuns[]> {
  const out: ProtocolRuns[] = [];
  for (const variant of variants) {
    const on = variant.data ? lab.withData(variant.data) : lab;
    const result = await on.run([{ ...(variant.settings ?? {}), label: variant.label }], { title: `Protocol: ${variant.label}` });
    const ok = result.runs.filter((r) => !r.diverged);
    out.push({
      variant, result,
      bestValAcc: ok.map((r) => r.bestValAcc), testAcc: ok.flatMap((r) => (r.testAcc === null ? [] : [r.testAcc])),
      copiesInValidation: copiesSeenInTraining(on.data).val, validationImages: on.data.XVal.rows,
    });
  }
  return out;
}

export interface ProtocolEffect {
  label: string;
  /** The report's measure and the test accuracy at the chosen epoch, over the seeds. */
  reportMeasure: Stat;
  test: Stat;
  /** Change of each from ours (the first row), in fractions; 0 for ours. */
  reportMeasureChange: number;
  testChange: number;
  copiesInValidation: number;
  validationImages: number;
}

/**
 * Each variant's effect alone: its means minus ours. A last row scores our own runs on test at
 * the epoch validation chose instead of by the best validation accuracy: the effect of the measure.
 */
export function protocolEffects(runs: readonly ProtocolRuns[]): { rows: ProtocolEffect[]; measureChange: number } {
  if (runs.length === 0 || runs[0].variant.id !== 'ours') throw new Error('protocolEffects: the first variant must be ours (the reference)');
  const ours = runs[0];
  const reference = { val: stat(ours.bestValAcc).mean, test: stat(ours.testAcc).mean };
  const rows = runs.map((r) => {
    const reportMeasure = stat(r.bestValAcc), test = stat(r.testAcc);
    return {
      label: r.variant.label, reportMeasure, test,
      reportMeasureChange: reportMeasure.mean - reference.val, testChange: test.mean - reference.test,
      copiesInValidation: r.copiesInValidation, validationImages: r.validationImages,
    };
  });
  return { rows, measureChange: reference.test - reference.val };
}

/** The effects as a table: each variant's report measure and test accuracy, and their change from ours. */
export function showProtocolEffects(effects: ReturnType<typeof protocolEffects>, caption: string): void {
  showTable(effects.rows.map((r, i) => ({
    protocol: r.label,
    valAcc: r.reportMeasure.mean, valAccStd: r.reportMeasure.std,
    dVal: i === 0 ? '–' : signedPoints(r.reportMeasureChange, 'pts'),
    testAcc: r.test.mean, testAccStd: r.test.std,
    dTest: i === 0 ? '–' : signedPoints(r.testChange, 'pts'),
    copies: `${r.copiesInValidation} of ${r.validationImages}`,
  })), {
    caption,
    format: { valAcc: 'pct', testAcc: 'pct' },
    labels: {
      valAcc: 'best validation accuracy (the report\'s measure)', dVal: 'change from ours',
      testAcc: 'test accuracy at the chosen epoch', dTest: 'change from ours', copies: 'validation images also in training',
    },
    std: { valAcc: 'valAccStd', testAcc: 'testAccStd' },
  });
}

/**
 * The effects in sentences, from the numbers alone: each variant's change of the report's
 * measure (compared with the seeds' spread of ours), which moves it most, and what scoring on
 * test instead of by best validation accuracy does.
 */
export function describeProtocolEffects(effects: ReturnType<typeof protocolEffects>): string {
  const [ours, ...others] = effects.rows;
  const spread = ours.reportMeasure.std;
  const within = (d: number) => (Number.isFinite(spread) && Math.abs(d) <= spread ? ' (within the seeds\' spread)' : '');
  const copies = (r: ProtocolEffect) => (r.copiesInValidation > 0 ? `, with ${r.copiesInValidation} validation images also in training` : ', with no validation image also in training');
  const parts = others.map((r) => `${lowerFirst(r.label)} ${signedPoints(r.reportMeasureChange)}${within(r.reportMeasureChange)}${r.label.startsWith('naive') ? copies(r) : ''}`);
  const largest = others.length > 0 ? others.reduce((a, b) => (b.reportMeasureChange > a.reportMeasureChange ? b : a)) : null;
  const measure = effects.measureChange;
  return `On this data our protocol gives the baseline ${pctText(ours.reportMeasure)} by the report's measure. Changed one at a time, ` +
    `the report's measure moves by: ${parts.join('; ')}. ` +
    (largest && largest.reportMeasureChange > 0 ? `The largest rise comes from ${lowerFirst(largest.label)}. ` : 'None of the changes raises it. ') +
    `Scoring our own runs on test at the epoch validation chose, instead of by the best validation accuracy, moves the figure by ${signedPoints(measure)}` +
    (measure < 0 ? ': the report\'s measure is itself optimistic.' : '.');
}

const pctText = (s: Stat) => `${(s.mean * 100).toFixed(1)}%${Number.isFinite(s.std) ? ` ± ${(s.std * 100).toFixed(1)}` : ''}`;
const lowerFirst = (t: string) => t.charAt(0).toLowerCase() + t.slice(1);
