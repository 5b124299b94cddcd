/**
 * The fitting task as the notebook runs it: `fitSine` with its results cached like the grids'
 * runs, so that rebuilding the report does not retrain it. A cached fit replays its epochs to
 * `onEpoch`, so the notebook's loss chart is drawn the same way either way.
 */
import { createHash } from 'node:crypto';
import type { EpochInfo } from '../nn/solver.js';
import { fitSine, SINE_DEFAULTS, type SineOptions } from '../tasks/sine.js';
import * as v from 'valibot';
import { CACHE_FORMAT, libraryVersion, numericsKeyFields, RunCache, type CachedKind } from './cache.js';
import { finiteNumber, nonNegative, positiveCount, count } from '../persist/schema.js';
import { stableStringify } from './settings.js';

/** What the notebook shows of a fit: plain data, so it can be cached. */
export interface SineRecord {
  gridX: number[];
  gridPred: number[];
  meanError: number;
  meanAbsError: number;
  maxAbsError: number;
  parameterCount: number;
  seconds: number;
  epochs: EpochInfo[];
  snapshots: Array<{ epoch: number; pred: number[] }>;
}

type SineSettings = Omit<SineOptions, 'onEpoch'>;

export function sineKey(settings: SineSettings, version = libraryVersion()): string {
  return createHash('sha256').update(stableStringify({ format: CACHE_FORMAT, task: 'sine', settings, version, ...numericsKeyFields() })).digest('hex').slice(0, 32);
}

/** A cached fit: its schema (numbers finite, one snapshot prediction per grid point) and its key. */
const SINE_RECORDS: CachedKind<SineRecord, SineSettings> = {
  recordSchema: () => v.pipe(
    v.object({
      gridX: v.array(finiteNumber), gridPred: v.array(finiteNumber),
      meanError: finiteNumber, meanAbsError: nonNegative, maxAbsError: nonNegative,
      parameterCount: positiveCount, seconds: nonNegative,
      epochs: v.array(v.looseObject({ epoch: count, loss: v.nullable(v.number()) })),
      snapshots: v.array(v.object({ epoch: count, pred: v.array(finiteNumber) })),
    }),
    v.check((r) => r.gridPred.length === r.gridX.length && r.snapshots.every((sn) => sn.pred.length === r.gridX.length), 'gridPred and every snapshot have one value per grid point'),
  ) as unknown as v.GenericSchema<unknown, SineRecord>,
  key: (settings, data, version) => (data === 'sine' ? sineKey(settings, version) : ''),
};

/** Fits sin(x) (see fitSine), or takes the fit from the cache; `cached` says which. */
export function runSineFit(options: Partial<SineOptions> = {}, cache: RunCache<SineRecord, SineSettings> | false = new RunCache()): SineRecord & { cached: boolean } {
  const { onEpoch, ...rest } = options;
  const settings: SineSettings = { ...SINE_DEFAULTS, ...rest };
  const key = sineKey(settings);
  const hit = cache ? cache.get(key, SINE_RECORDS) : null;
  if (hit) {
    for (const e of hit.epochs) onEpoch?.(e);
    return { ...hit, cached: true };
  }
  const epochs: EpochInfo[] = [];
  const fit = fitSine({ ...settings, onEpoch: (e) => { epochs.push(e); onEpoch?.(e); } });
  const record: SineRecord = {
    gridX: Array.from(fit.gridX), gridPred: Array.from(fit.gridPred),
    meanError: fit.meanError, meanAbsError: fit.meanAbsError, maxAbsError: fit.maxAbsError,
    parameterCount: fit.net.parameterCount, seconds: fit.seconds, epochs,
    snapshots: fit.snapshots.map((s) => ({ epoch: s.epoch, pred: Array.from(s.pred) })),
  };
  if (cache) cache.set(key, settings, 'sine', record);
  return { ...record, cached: false };
}
