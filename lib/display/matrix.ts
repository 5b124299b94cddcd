/** A small Matrix as an HTML table (the backprop walk-through shows caches and gradients). */
import type { Matrix } from '../nn/matrix.js';
import { output } from './output.js';

export function matrixHtml(m: Matrix, options: { caption?: string; digits?: number; maxRows?: number; maxCols?: number } = {}): string {
  const digits = options.digits ?? 4;
  const maxRows = options.maxRows ?? 8, maxCols = options.maxCols ?? 10;
  const rows: string[] = [];
  for (let i = 0; i < Math.min(m.rows, maxRows); i++) {
    const cells: string[] = [];
    for (let j = 0; j < Math.min(m.cols, maxCols); j++) {
      const v = m.data[i * m.cols + j];
      cells.push(`<td style="padding:1px 6px;text-align:right;border:1px solid #e1e4e8">${Number.isFinite(v) ? v.toFixed(digits) : String(v)}</td>`);
    }
    if (m.cols > maxCols) cells.push('<td style="padding:1px 6px">…</td>');
    rows.push(`<tr>${cells.join('')}</tr>`);
  }
  if (m.rows > maxRows) rows.push(`<tr><td colspan="${Math.min(m.cols, maxCols)}" style="text-align:center">⋮</td></tr>`);
  const caption = `${(options.caption ?? '').replace(/</g, '&lt;')} <span style="color:#57606a">(${m.rows}×${m.cols})</span>`;
  return (
    `<table class="nnlab-matrix" style="border-collapse:collapse;font:12px ui-monospace,Menlo,Consolas,monospace;margin:4px 12px 4px 0;display:inline-table;vertical-align:top">` +
    `<caption style="caption-side:top;text-align:left;font-weight:600">${caption}</caption>${rows.join('')}</table>`
  );
}

/** Shows one or more named matrices side by side, as one output. */
export function showMatrices(named: Record<string, Matrix>, options: { digits?: number; title?: string } = {}): void {
  const title = options.title ? `<div style="font-weight:600;margin-bottom:2px">${options.title.replace(/</g, '&lt;')}</div>` : '';
  const tables = Object.entries(named).map(([name, m]) => matrixHtml(m, { caption: name, digits: options.digits }));
  output().html(`<div class="nnlab-matrices">${title}${tables.join('')}</div>`);
}
