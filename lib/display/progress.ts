/**
 * Live progress: one output (tslab's `newDisplay`) that is replaced as training goes on, rather
 * than a wall of log lines. Updates are throttled; `done()` always sends the final state, which
 * is what stays in the saved notebook; the exported HTML shows its one-line summary instead
 * (lib/report/compact.ts).
 */
import { newOutput, type Output } from './output.js';
import { escapeHtml } from '../util/html.js';

export interface ProgressRow {
  label: string;
  /** 0..1 */
  fraction: number;
  /** e.g. "epoch 3/10 · loss 0.41" */
  detail?: string;
  state?: 'queued' | 'running' | 'done' | 'cached' | 'failed';
}


const COLORS: Record<NonNullable<ProgressRow['state']>, string> = {
  queued: '#c9d1d9',
  running: '#3b82f6',
  done: '#22a06b',
  cached: '#8b949e',
  failed: '#d1242f',
};

/**
 * What a finished board comes down to in the exported report (lib/report/compact.ts): one line,
 * e.g. "39 runs, 3 seeds, 02:41, all cached", and the warnings a reader must still see (a run
 * diverged or failed). Carried as JSON in the board's `data-nnlab-progress-summary`.
 */
export interface ProgressSummary {
  line: string;
  warnings: string[];
}

/** "02:41" for 161 s; "1:02:41" from an hour on. */
export function clockTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

/** The HTML of a progress board; a finished one carries its `summary` for the exported page. */
export function progressHtml(title: string, rows: ProgressRow[], footer?: string, summary?: ProgressSummary): string {
  const trs = rows
    .map((r) => {
      const state = r.state ?? (r.fraction >= 1 ? 'done' : 'running');
      const pct = Math.max(0, Math.min(1, r.fraction)) * 100;
      const bar =
        `<div style="width:140px;height:9px;background:#eef1f4;border-radius:4px;overflow:hidden">` +
        `<div style="width:${pct.toFixed(1)}%;height:100%;background:${COLORS[state]}"></div></div>`;
      return (
        `<tr><td style="padding:1px 8px;text-align:left;white-space:nowrap">${escapeHtml(r.label)}</td>` +
        `<td style="padding:1px 8px">${bar}</td>` +
        `<td style="padding:1px 8px;text-align:left;color:#57606a;white-space:nowrap">${escapeHtml(state)}${r.detail ? ' · ' + escapeHtml(r.detail) : ''}</td></tr>`
      );
    })
    .join('');
  return (
    `<div class="nnlab-progress"${summary ? ` data-nnlab-progress-summary="${escapeHtml(JSON.stringify(summary))}"` : ''} style="font-size:12px;font-family:ui-monospace,Menlo,Consolas,monospace">` +
    `<div style="font-weight:600;margin-bottom:2px">${escapeHtml(title)}</div>` +
    `<table style="border-collapse:collapse">${trs}</table>` +
    (footer ? `<div style="color:#57606a;margin-top:2px">${escapeHtml(footer)}</div>` : '') +
    `</div>`
  );
}

export interface LiveProgress {
  /** Replaces the board (throttled). */
  update(rows: ProgressRow[], footer?: string): void;
  /** Sends the final board, with what the exported page shows instead of it (see ProgressSummary). */
  done(rows: ProgressRow[], footer?: string, summary?: ProgressSummary): void;
}

/** A progress board in one updating output. `intervalMs` throttles updates (default 250 ms). */
export function liveProgress(title: string, options: { intervalMs?: number; out?: Output } = {}): LiveProgress {
  const out = options.out ?? newOutput();
  const interval = options.intervalMs ?? 250;
  let last = 0;
  return {
    update(rows, footer) {
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      out.html(progressHtml(title, rows, footer));
    },
    done(rows, footer, summary) {
      last = Date.now();
      out.html(progressHtml(title, rows, footer, summary));
    },
  };
}
