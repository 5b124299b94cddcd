/**
 * The terminal side of the report's progress. A notebook's experiment grids run inside a Jupyter
 * kernel whose output the builder does not see; they append events to `NNLAB_PROGRESS_FILE`
 * (lib/experiments/events.ts), which the builder reads as it grows and shows here: on a terminal
 * one status line redrawn in place, when piped one plain line per event worth keeping.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parseProgress, type ProgressEvent, type RunDoneEvent } from '../experiments/events.js';
import { formatDuration } from './index_page.js';

/** Where the report's messages go. */
export interface Console {
  /** A line that stays (both renderings). */
  line(text: string): void;
  /** A line worth printing only when piped: on a terminal the status line shows the same. */
  detail(text: string): void;
  /** The status line: redrawn in place on a terminal, ignored otherwise. */
  status(text: string): void;
  /** Removes the status line (before the process goes on writing plain lines). */
  clearStatus(): void;
}

export interface ConsoleOptions {
  /** Redraw a status line in place (default: stdout is a terminal and no `log` was given). */
  isTTY?: boolean;
  /** Plain lines (default: stdout). */
  log?: (line: string) => void;
  /** Raw output for the status line on a terminal (default: stdout). */
  write?: (text: string) => void;
  /** Terminal width: the status line is cut to fit, since a wrapped line cannot be redrawn. */
  columns?: number;
}

const CLEAR_LINE = '\r\x1b[2K';

export function createConsole(options: ConsoleOptions = {}): Console {
  const isTTY = options.isTTY ?? (options.log === undefined && process.stdout.isTTY === true);
  const write = options.write ?? ((t: string) => void process.stdout.write(t));
  const log = options.log ?? (isTTY ? (l: string) => write(l + '\n') : (l: string) => void process.stdout.write(l + '\n'));
  if (!isTTY) return { line: log, detail: log, status: () => {}, clearStatus: () => {} };
  const width = () => Math.max(20, (options.columns ?? process.stdout.columns ?? 100) - 1);
  let shown = '';
  return {
    line(text) {
      // The status line gives way; the next status() draws it again, up to date.
      if (shown) write(CLEAR_LINE);
      shown = '';
      log(text);
    },
    detail() {},
    status(text) {
      const cut = [...text].length > width() ? [...text].slice(0, width() - 1).join('') + '…' : text;
      if (cut === shown) return;
      shown = cut;
      write(CLEAR_LINE + cut);
    },
    clearStatus() {
      if (shown) write(CLEAR_LINE);
      shown = '';
    },
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const percent = (acc: number | null) => (acc === null ? 'diverged' : `${(acc * 100).toFixed(1)}%`);

/** "best val 91.2%", or, when the run trained on its validation images, "val 99.8% (trained on)": not a held-out score. */
function validationText(e: RunDoneEvent): string {
  return e.validation === 'in training' && e.bestValAcc !== null ? `val ${percent(e.bestValAcc)} (trained on)` : `best val ${percent(e.bestValAcc)}`;
}

/**
 * What one notebook's progress looks like: fed the events as they arrive, it gives the status
 * line (at any moment, with the time estimates counted down) and the lines to keep.
 */
export class NotebookProgress {
  private grid: { title: string; runs: number } | null = null;
  private lastRun: { event: Extract<ProgressEvent, { type: 'run-done' }>; at: number } | null = null;

  /**
   * @param previousSeconds how long this notebook took in the previous build of the same
   *   profile, for an estimate of the whole notebook (null: no estimate).
   */
  constructor(
    readonly name: string,
    readonly startedAt: number,
    private readonly previousSeconds: number | null,
  ) {}

  /** Takes an event and shows what stays of it: every grid's end; when piped, also its start and each run trained. */
  apply(event: ProgressEvent, out: Console, now: number = Date.now()): void {
    switch (event.type) {
      case 'grid-start':
        this.grid = { title: event.title, runs: event.runs };
        this.lastRun = null;
        out.detail(`  ${event.title}: ${plural(event.runs, 'run')}${event.cached ? `, ${event.cached} from the cache` : ''}`);
        return;
      case 'run-done':
        this.grid ??= { title: event.title, runs: event.total };
        this.lastRun = { event, at: now };
        // Cached runs come back all at once and were counted with the grid: no line each.
        if (!event.cached) {
          out.detail(`  ${event.title} · run ${event.index}/${event.total} · ${event.label} · seed ${event.seed}: ` +
            `${validationText(event)} (${formatDuration(event.seconds)})${this.etaText(now)}`);
        }
        return;
      case 'grid-done':
        this.grid = null;
        this.lastRun = null;
        out.line(`  ${event.title}: ${plural(event.runs, 'run')} done in ${formatDuration(event.seconds)}`);
    }
  }

  /** The status line now: notebook, elapsed time, grid, last run, time left. */
  status(now: number = Date.now()): string {
    const parts = [`${this.name} ${formatClock((now - this.startedAt) / 1000)}`];
    if (this.grid) {
      parts.push(this.grid.title);
      const run = this.lastRun?.event;
      if (run) parts.push(`run ${run.index}/${run.total}`, `${run.label} seed ${run.seed}: ${validationText(run)}`);
      else parts.push(`0/${this.grid.runs} runs`);
    }
    return parts.join(' · ') + this.etaText(now);
  }

  /** " · grid ~1 min left · notebook ~3 min left", from the newest estimate, counted down since it came. */
  private etaText(now: number): string {
    const out: string[] = [];
    const run = this.lastRun;
    if (run && run.event.etaSeconds !== null && run.event.index < run.event.total) {
      out.push(`grid ~${formatDuration(Math.max(1, run.event.etaSeconds - (now - run.at) / 1000))} left`);
    }
    if (this.previousSeconds !== null) {
      const left = this.previousSeconds - (now - this.startedAt) / 1000;
      out.push(left > 0 ? `notebook ~${formatDuration(left)} left (last build ${formatDuration(this.previousSeconds)})` : `notebook past last build's ${formatDuration(this.previousSeconds)}`);
    }
    return out.length ? ` · ${out.join(' · ')}` : '';
  }
}

/** "0:07", "12:45". */
function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Reads the complete lines appended to a file since the last call (a line cut mid-write waits for the rest). */
export class ProgressFileReader {
  private offset = 0;
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(readonly file: string) {}

  read(): ProgressEvent[] {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return []; // not created yet
    }
    if (size <= this.offset) return [];
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const { events, rest } = parseProgress(this.rest + this.decoder.write(buffer));
    this.rest = rest;
    return events;
  }
}

/**
 * Follows a notebook's progress file until `stop()`: polls it (every 250 ms), shows each event's
 * lines and keeps the status line current (its clock and estimates move between events too).
 */
export function followProgress(file: string, progress: NotebookProgress, out: Console, intervalMs = 250, onEvent: () => void = () => {}): { stop(): void } {
  const reader = new ProgressFileReader(file);
  const poll = () => {
    for (const event of reader.read()) {
      progress.apply(event, out);
      onEvent();
    }
    out.status(progress.status());
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      poll();
      out.clearStatus();
    },
  };
}
