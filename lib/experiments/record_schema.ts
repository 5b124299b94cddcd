/**
 * The schema of a run's record as the cache stores it (and, with queue workers, as a result
 * arrives from another machine): one file per run, { format, key, settings, data, version,
 * created, record }. A record that does not pass is not a result: the cache treats it as a
 * miss (lib/experiments/cache.ts).
 *
 * Beyond types and ranges, a record must agree with itself the way trainRun makes it: the
 * per-epoch histories have one entry per epoch trained (at most numEpochs of its settings),
 * bestValAcc is the best of valAccHistory, reached at bestEpoch. That the stored settings are
 * the ones asked for is checked by recomputing the key from them (RunCache.get).
 */
import * as v from 'valibot';
import { count, finiteNumber, fraction, nonNegative, positiveCount } from '../persist/schema.js';
import type { RunRecord } from './train.js';

/** Fields every record has, trained or diverged. */
const common = {
  bestValAcc: fraction,
  trainAccAtBest: fraction,
  epochSeconds: v.array(nonNegative),
  valPredictions: v.array(count),
  paramCount: positiveCount,
  seconds: nonNegative,
};

/** A run that trained to the end: every number finite. Records from before test results lack them: null. */
const trained = v.object({
  ...common,
  diverged: v.null('expected null'),
  bestEpoch: positiveCount,
  finalTrainAcc: fraction,
  finalValAcc: fraction,
  finalLoss: finiteNumber,
  lossHistory: v.array(finiteNumber),
  epochLoss: v.array(finiteNumber),
  trainAccHistory: v.array(fraction),
  valAccHistory: v.array(fraction),
  testAcc: v.nullish(fraction, null),
  valProbabilities: v.nullish(v.array(fraction), null),
  testProbabilities: v.nullish(v.array(fraction), null),
});

/** A run stopped by a non-finite loss: JSON wrote its NaN and Infinity as null. */
const diverged = v.object({
  ...common,
  diverged: v.string('expected a string'),
  bestEpoch: count,
  finalTrainAcc: v.nullable(v.number('expected a number')),
  finalValAcc: v.nullable(v.number('expected a number')),
  finalLoss: v.nullable(v.number('expected a number')),
  lossHistory: v.array(v.nullable(v.number('expected a number'))),
  epochLoss: v.array(v.nullable(v.number('expected a number'))),
  trainAccHistory: v.array(v.nullable(fraction)),
  valAccHistory: v.array(v.nullable(fraction)),
  testAcc: v.nullish(v.null('expected null'), null),
  valProbabilities: v.nullish(v.null('expected null'), null),
  testProbabilities: v.nullish(v.null('expected null'), null),
});

/** Where a record disagrees with itself, or null. */
function inconsistency(r: v.InferOutput<typeof trained> | v.InferOutput<typeof diverged>, numEpochs: number): string | null {
  const epochs = r.epochLoss.length;
  for (const [name, list] of [['trainAccHistory', r.trainAccHistory], ['valAccHistory', r.valAccHistory], ['epochSeconds', r.epochSeconds]] as const) {
    if (list.length !== epochs) return `${name}: has ${list.length} entries, epochLoss ${epochs} (one per epoch)`;
  }
  if (epochs > numEpochs) return `epochLoss: has ${epochs} epochs, the settings train ${numEpochs}`;
  if (r.diverged !== null) return null;
  if (epochs === 0) return 'epochLoss: empty, a run that did not diverge trains at least one epoch';
  if (r.bestEpoch > epochs) return `bestEpoch: ${r.bestEpoch}, but the run trained ${epochs} epochs`;
  const best = Math.max(...(r.valAccHistory as number[]));
  if (r.bestValAcc !== best) return `bestValAcc: ${r.bestValAcc} is not the best of valAccHistory (${best})`;
  if (r.valAccHistory[r.bestEpoch - 1] !== best) return `bestEpoch: ${r.bestEpoch} is not the epoch of the best validation accuracy`;
  return null;
}

/** The record of one run, checked against the number of epochs its settings train. */
export function runRecordSchema(numEpochs: number) {
  return v.pipe(
    v.variant('diverged', [trained, diverged]),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const problem = inconsistency(dataset.value, numEpochs);
      if (problem) addIssue({ message: problem });
    }),
  );
}

/** What every cached (or queued) result file holds around its record. */
export function resultFileSchema<R extends v.GenericSchema>(format: number, record: R) {
  return v.object({
    format: v.literal(format, `expected cache format ${format}`),
    key: v.pipe(v.string('expected a string'), v.regex(/^[0-9a-f]{32}$/, 'expected 32 hexadecimal digits')),
    settings: v.looseObject({}),
    data: v.string('expected a string'),
    version: v.string('expected a string'),
    created: v.string('expected a string'),
    numericsMode: v.optional(v.picklist(['exact', 'fused'], "expected 'exact' or 'fused'")),
    record,
  });
}

/** Type check: the schema's output is a RunRecord (a compile error here means they drifted apart). */
export type CheckedRunRecord = v.InferOutput<ReturnType<typeof runRecordSchema>>;
const _sameShape: (r: CheckedRunRecord) => RunRecord = (r) => r as RunRecord;
void _sameShape;
