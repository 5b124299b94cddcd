/**
 * danfo.js DataFrames as HTML tables (danfo has no HTML output of its own): numbers formatted
 * per column (accuracy as %, seconds, counts), "mean ± std" when a std column is named, and the
 * best cell highlighted.
 */
import { output, type Output } from './output.js';
import { escapeHtml } from '../util/html.js';
import { captionMarkHtml } from './mark.js';
import { numberedAttribute, numberedCaptionHtml, numberFor, type NumberedRef } from './numbering.js';

/** Anything with danfo's DataFrame shape (`columns`, `values`), or plain records. */
export interface TableLike {
  columns: string[];
  values: unknown[][] | unknown[];
}
export type TableInput = TableLike | Array<Record<string, unknown>>;

/**
 * How to print a column: 'pct' (0.912 → 91.2%), 'pct2' (two decimals), 'int' (thousands
 * separated), 'sec' (seconds, 1 decimal), 'sci' (3.0e-3), 'fixed2'/'fixed4' (decimals),
 * 'text', or a function.
 */
export type ColumnFormat = 'pct' | 'pct2' | 'int' | 'sec' | 'sci' | 'fixed2' | 'fixed4' | 'text' | ((v: unknown) => string);

export interface TableOptions {
  /** Format per column; numbers in other columns print with up to 4 significant digits. */
  format?: Record<string, ColumnFormat>;
  /** Highlight the best cell of these columns ('max' or 'min'). */
  highlight?: Record<string, 'max' | 'min'>;
  /** Highlight the single best cell over all these columns together (a depth × width grid). */
  highlightAcross?: { columns: string[]; best: 'max' | 'min' };
  /** Show column `key` as "value ± std", taking the std from column `std[key]` (then hidden). */
  std?: Record<string, string>;
  /** Columns not to show. */
  hide?: string[];
  /** Header labels (column name → label). */
  labels?: Record<string, string>;
  caption?: string;
  /** A line of small print under the table (what a column means). */
  note?: string;
  /** Output to send to (default: the notebook's). */
  out?: Output;
  /** A name prose can refer to it by (`ref(id).label`: "Table 3"); see ./numbering.ts. */
  id?: string;
  /** Number the table (default: when it has a caption). */
  numbered?: boolean;
}

/** A value as results.json keeps it: numbers and text as they are, NaN and ±∞ as null. */
const rawValue = (v: unknown): unknown => (typeof v === 'number' ? (Number.isFinite(v) ? v : null) : v === undefined ? null : typeof v === 'object' && v !== null ? String(v) : v);


function toRows(table: TableInput): { columns: string[]; rows: unknown[][] } {
  if (Array.isArray(table)) {
    const columns: string[] = [];
    for (const rec of table) for (const k of Object.keys(rec)) if (!columns.includes(k)) columns.push(k);
    return { columns, rows: table.map((rec) => columns.map((c) => rec[c])) };
  }
  const columns = table.columns.map(String);
  const values = table.values as unknown[];
  // A one-column danfo frame still gives rows as arrays; a Series gives a flat array.
  const rows = values.map((r) => (Array.isArray(r) ? r : [r]));
  return { columns, rows };
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/** Formats one value with a column format. */
export function formatValue(v: unknown, format?: ColumnFormat): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '–';
  if (typeof format === 'function') return format(v);
  if (!isNum(v)) return String(v);
  switch (format) {
    case 'pct':
      return `${(v * 100).toFixed(1)}%`;
    case 'pct2':
      return `${(v * 100).toFixed(2)}%`;
    case 'int':
      return Math.round(v).toLocaleString('en-US');
    case 'sec':
      return v < 10 ? `${v.toFixed(2)} s` : `${v.toFixed(1)} s`;
    case 'sci':
      return v === 0 ? '0' : v.toExponential(1).replace('e+', 'e');
    case 'fixed2':
      return v.toFixed(2);
    case 'fixed4':
      return v.toFixed(4);
    case 'text':
      return String(v);
    default:
      if (Number.isInteger(v)) return String(v);
      return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? String(Number(v.toPrecision(4))) : v.toExponential(2);
  }
}

function formatStd(s: unknown, format?: ColumnFormat): string {
  if (!isNum(s)) return '';
  if (format === 'pct' || format === 'pct2') return ` ± ${(s * 100).toFixed(format === 'pct' ? 1 : 2)}`;
  if (format === 'sec') return ` ± ${s.toFixed(s < 10 ? 2 : 1)}`;
  return ` ± ${formatValue(s, format)}`;
}

const STYLE =
  '<style>' +
  'table.nnlab-table{border-collapse:collapse;margin:0.4em 0;font-size:13px;font-variant-numeric:tabular-nums}' +
  'table.nnlab-table caption{caption-side:top;text-align:left;font-weight:600;padding:0 0 4px 0}' +
  'table.nnlab-table th,table.nnlab-table td{border:1px solid #d0d7de;padding:3px 9px;text-align:right}' +
  'table.nnlab-table th{background:#f3f5f7}' +
  'table.nnlab-table td.nnlab-text{text-align:left}' +
  'table.nnlab-table td.nnlab-best{background:#d8f5d0;font-weight:700}' +
  '</style>';

/** The HTML of a table (no output sent). */
export function tableHtml(table: TableInput, options: Omit<TableOptions, 'out'> & { number?: NumberedRef } = {}): string {
  const { columns, rows } = toRows(table);
  const format = options.format ?? {};
  const std = options.std ?? {};
  const hidden = new Set([...(options.hide ?? []), ...Object.values(std)]);
  const shown = columns.map((c, j) => ({ c, j })).filter(({ c }) => !hidden.has(c));
  const colIndex = new Map(columns.map((c, j) => [c, j] as const));

  // Best cells: per column, and across a set of columns.
  const best = new Set<string>(); // "row,col"
  const markBest = (cols: string[], how: 'max' | 'min') => {
    let bestVal = how === 'max' ? -Infinity : Infinity;
    const cells: Array<[number, number, number]> = [];
    for (const c of cols) {
      const j = colIndex.get(c);
      if (j === undefined) continue;
      rows.forEach((r, i) => {
        const v = r[j];
        if (isNum(v)) cells.push([i, j, v]);
      });
    }
    for (const [, , v] of cells) bestVal = how === 'max' ? Math.max(bestVal, v) : Math.min(bestVal, v);
    for (const [i, j, v] of cells) if (v === bestVal) best.add(`${i},${j}`);
  };
  for (const [c, how] of Object.entries(options.highlight ?? {})) markBest([c], how);
  if (options.highlightAcross) markBest(options.highlightAcross.columns, options.highlightAcross.best);

  const head = shown.map(({ c }) => `<th>${escapeHtml(options.labels?.[c] ?? c)}</th>`).join('');
  const body = rows
    .map((r, i) => {
      const tds = shown
        .map(({ c, j }) => {
          const v = r[j];
          let text = formatValue(v, format[c]);
          const sc = std[c];
          if (sc !== undefined && colIndex.has(sc)) text += formatStd(r[colIndex.get(sc)!], format[c]);
          const classes = [isNum(v) ? '' : 'nnlab-text', best.has(`${i},${j}`) ? 'nnlab-best' : ''].filter(Boolean);
          return `<td${classes.length ? ` class="${classes.join(' ')}"` : ''}>${escapeHtml(text)}</td>`;
        })
        .join('');
      return `<tr>${tds}</tr>`;
    })
    .join('');
  const mark = captionMarkHtml(escapeHtml);
  const captionText = options.number ? numberedCaptionHtml(options.number, escapeHtml(options.caption ?? '')) : escapeHtml(options.caption ?? '');
  const caption = options.caption || mark || options.number ? `<caption>${captionText}${mark}</caption>` : '';
  const note = options.note ? `<div class="nnlab-table-note" style="font-size:12px;color:#57606a;margin:-2px 0 6px">${escapeHtml(options.note)}</div>` : '';
  // A numbered table carries its numbers, unformatted, for results.json (lib/report/results.ts).
  const numbers = options.number ? numberedAttribute(options.number, { columns, rows: rows.map((r) => r.map(rawValue)) }) : '';
  return `${STYLE}<table class="nnlab-table"${numbers}>${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${note}`;
}

/** Shows a DataFrame (or records) as one text/html output; with a caption, numbered ("Table 3."). */
export function showTable(table: TableInput, options: TableOptions = {}): void {
  const numbered = options.numbered ?? (options.caption !== undefined && options.caption !== '');
  const number = numbered ? numberFor('table', options.caption ?? '', options.id) : undefined;
  (options.out ?? output()).html(tableHtml(table, { ...options, number }));
}
