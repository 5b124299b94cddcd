/**
 * Progress events from the experiment grids to whoever builds the report. A notebook runs inside
 * a Jupyter kernel, a process the report builder does not own and whose output it does not see;
 * so when `NNLAB_PROGRESS_FILE` names a file, the runner appends one JSON line per event to it,
 * and the builder (lib/report) reads the file as it grows and draws the terminal's progress line.
 * Without the variable nothing is written.
 */
import { appendFileSync } from 'node:fs';

/** A grid starts: `runs` runs in all, `cached` of them already in the cache. */
export interface GridStartEvent {
  type: 'grid-start';
  notebook: string;
  title: string;
  runs: number;
  cached: number;
  time: number;
}

/** A run finished: run `index` (1-based) of `total`, with its best validation accuracy. */
export interface RunDoneEvent {
  type: 'run-done';
  notebook: string;
  title: string;
  index: number;
  total: number;
  label: string;
  seed: number;
  /** Best validation accuracy (fraction), or null when the run diverged. */
  bestValAcc: number | null;
  /**
   * 'in training' when the validation images were also trained on (a final model on training +
   * validation): its accuracy on them then says nothing of unseen images. Absent = held out.
   */
  validation?: 'in training';
  seconds: number;
  cached: boolean;
  /** Estimated seconds left in this grid (from the cost of the runs still to train), null if unknown. */
  etaSeconds: number | null;
  time: number;
}

/** A grid is done. */
export interface GridDoneEvent {
  type: 'grid-done';
  notebook: string;
  title: string;
  runs: number;
  seconds: number;
  time: number;
}

export type ProgressEvent = GridStartEvent | RunDoneEvent | GridDoneEvent;

/** Distributes `Omit<E, 'time'>` over the union, so each event keeps its own fields. */
type WithoutTime<E> = E extends unknown ? Omit<E, 'time'> : never;

/** Appends an event to `NNLAB_PROGRESS_FILE`, if set. Never throws: progress is not worth a failed run. */
export function emitProgress(event: WithoutTime<ProgressEvent>, env: NodeJS.ProcessEnv = process.env): void {
  const file = env.NNLAB_PROGRESS_FILE;
  if (!file) return;
  try {
    appendFileSync(file, JSON.stringify({ ...event, time: Date.now() }) + '\n');
  } catch { /* the reader went away: nothing to tell */ }
}

/** Parses the complete lines of a progress file's text; a partial last line is left for later. */
export function parseProgress(text: string): { events: ProgressEvent[]; rest: string } {
  const lines = text.split('\n');
  const rest = lines.pop() ?? '';
  const events: ProgressEvent[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as ProgressEvent);
    } catch { /* a torn line from a killed kernel: skip it */ }
  }
  return { events, rest };
}
