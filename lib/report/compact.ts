/**
 * The exported page without the logs that help while a notebook runs: a grid's progress board
 * (one row per run, lib/display/progress.ts) becomes one line, "Table 1: 9 runs, 1 seed, 00:04,
 * all cached", and what a reader must still see stays, as a styled note: a run that diverged
 * (carried in the finished board's `data-nnlab-progress-summary`) and anything the kernel wrote
 * on stderr (a cache entry rejected, a write that failed). The executed notebook keeps the full
 * board, as JupyterLab shows it; only the copy that is exported changes.
 *
 * A board without a summary (its grid stopped half-way) is kept whole: it shows where it stopped.
 */
import { escapeHtml } from '../util/html.js';
import { unescapeHtml } from './facts.js';
import type { Notebook } from './inspect.js';

type Output = NonNullable<Notebook['cells'][number]['outputs']>[number];

const join = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');

const BOARD = /^\s*<div class="nnlab-progress" data-nnlab-progress-summary="([^"]*)"/;
const BOARD_TITLE = /^\s*<div class="nnlab-progress"[^>]*><div[^>]*>([^<]*)<\/div>/;

/** The note's look, inline: the pages of the report and the PDF printed from them show it the same. */
const NOTE_STYLE = 'border:1px solid #d4a72c;background:#fff8c5;border-radius:6px;padding:4px 10px;margin:4px 0;font:13px/1.5 system-ui,sans-serif;white-space:pre-wrap';
const LINE_STYLE = 'color:#57606a;font:12px/1.5 system-ui,sans-serif;margin:2px 0';

/** A warning a reader of the report must see, as the page shows it. */
export function noteHtml(text: string): string {
  return `<div class="nnlab-note nnlab-warning" role="note" style="${NOTE_STYLE}">⚠ ${escapeHtml(text)}</div>`;
}

/** A finished board's one line and warnings, or null when `html` is no finished board. */
export function compactBoard(html: string): string | null {
  const m = BOARD.exec(html);
  if (!m) return null;
  let summary: { line?: unknown; warnings?: unknown };
  try {
    summary = JSON.parse(unescapeHtml(m[1]));
  } catch {
    return null; // not ours to judge: keep the board
  }
  if (typeof summary.line !== 'string') return null;
  const title = BOARD_TITLE.exec(html)?.[1] ?? '';
  const warnings = Array.isArray(summary.warnings) ? summary.warnings.filter((w): w is string => typeof w === 'string') : [];
  return (
    `<div class="nnlab-progress-summary" style="${LINE_STYLE}">${title ? `${title}: ` : ''}${escapeHtml(summary.line)}</div>` +
    warnings.map(noteHtml).join('')
  );
}

function compactOutput(o: Output): Output {
  if (o.output_type === 'stream' && o.name === 'stderr') {
    const text = join(o.text).trim();
    return text ? { output_type: 'display_data', data: { 'text/html': noteHtml(text), 'text/plain': text }, metadata: {} } as Output : o;
  }
  const html = o.data?.['text/html'];
  if (html === undefined) return o;
  const compact = compactBoard(join(html));
  return compact === null ? o : { ...o, data: { 'text/html': compact } };
}

/** A copy of the notebook as the report shows it: finished boards in one line, stderr as notes. */
export function withCompactProgress(nb: Notebook): Notebook {
  return { ...nb, cells: nb.cells.map((cell) => (cell.outputs ? { ...cell, outputs: cell.outputs.map(compactOutput) } : cell)) };
}
