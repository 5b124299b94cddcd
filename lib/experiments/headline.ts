/**
 * A notebook's headline results: the few numbers a reader of the report's summary wants, ours
 * beside the report's. Shown at the end of the notebook as a small table, and carried in a
 * data attribute from which `nnlab report` builds the index page (lib/report reads it).
 */
import { output } from '../display/output.js';
import { currentCaptionMark } from '../display/mark.js';
import { escapeHtml } from '../util/html.js';
import type { GroupResult } from './runner.js';

export interface HeadlineRow {
  /** What is measured, e.g. "best learning rate". */
  measure: string;
  /** Our result, formatted. */
  ours: string;
  /** The report's, formatted; null when the report gives none. */
  report: string | null;
  /** A short remark computed from the same numbers (optional). */
  note?: string;
}

/** Accuracy as a percentage with one decimal, "mean ± std" when there are several seeds. */
export function pct(g: GroupResult): string {
  if (g.diverged === g.runs.length) return 'diverged';
  const sd = g.bestValAcc.std;
  return `${(g.bestValAcc.mean * 100).toFixed(1)}%${Number.isFinite(sd) ? ` ± ${(sd * 100).toFixed(1)}` : ''}`;
}

/** The group with the highest mean best validation accuracy. */
export function bestGroup(groups: GroupResult[]): GroupResult {
  const ok = groups.filter((g) => Number.isFinite(g.bestValAcc.mean));
  if (ok.length === 0) throw new Error('bestGroup: every configuration diverged');
  return ok.reduce((a, b) => (b.bestValAcc.mean > a.bestValAcc.mean ? b : a));
}

/** The HTML of the headline table, with the rows as JSON in `data-nnlab-headline`. */
export function headlineHtml(rows: HeadlineRow[], title = 'Headline results'): string {
  const json = JSON.stringify({ rows });
  const mark = currentCaptionMark();
  const trs = rows.map((r) =>
    `<tr><td style="text-align:left">${escapeHtml(r.measure)}</td><td><b>${escapeHtml(r.ours)}</b></td>` +
    `<td>${escapeHtml(r.report ?? 'not given')}</td><td style="text-align:left;color:#57606a">${escapeHtml(r.note ?? '')}</td></tr>`).join('');
  return (
    `<div class="nnlab-headline" data-nnlab-headline="${escapeHtml(json)}" style="border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;margin:6px 0;background:#fbfcfd">` +
    `<div style="font-weight:600">${escapeHtml(title)}${mark ? ` <span style="color:#9a3412">⚠ ${escapeHtml(mark)}</span>` : ''}</div>` +
    `<table style="border-collapse:collapse;font-size:13px"><thead><tr><th style="text-align:left;padding:2px 10px">measure</th><th style="padding:2px 10px">ours</th><th style="padding:2px 10px">report</th><th></th></tr></thead>` +
    `<tbody>${trs}</tbody></table></div>`
  );
}

/** Shows the notebook's headline results (see the module comment). */
export function showHeadline(rows: HeadlineRow[], title?: string): void {
  output().html(headlineHtml(rows, title));
}
