/**
 * The piscina worker: trains one configuration on shared data and reports progress on a port.
 */
import type { MessagePort } from 'node:worker_threads';
import { fromShared, type SharedTrainData } from './shared.js';
import { trainRun, type Progress, type RunRecord } from './train.js';
import type { TrainSettings } from './settings.js';

export interface WorkerTask {
  settings: TrainSettings;
  data: SharedTrainData;
  port?: MessagePort;
  /** Minimum milliseconds between progress messages. */
  progressMs?: number;
}

export default function run(task: WorkerTask): RunRecord {
  const data = fromShared(task.data); // views on the shared memory, no copy
  const every = task.progressMs ?? 200;
  let last = 0;
  const report = (p: Progress) => {
    const now = Date.now();
    if (p.iteration !== 0 && now - last < every) return; // epoch ends always go through
    last = now;
    task.port?.postMessage(p);
  };
  try {
    return trainRun(task.settings, data, task.port ? report : undefined);
  } finally {
    task.port?.close();
  }
}
