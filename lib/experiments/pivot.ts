/**
 * Grids as tables: the report lays its depth × width results out as rows of one setting and
 * columns of another. A `Pivot` is that layout, ready for a heatmap or an HTML table.
 */
import type { GridResult, GroupResult } from './runner.js';
import type { ColumnFormat } from '../display/table.js';

type Key = string | number | boolean;

export interface Pivot {
  rowKey: string;
  colKey: string;
  rows: number[];
  cols: number[];
  /** z[i][j]: the value at rows[i], cols[j]. */
  z: number[][];
}

/** The group trained at a grid point, e.g. `cell(result, { depth: 4, width: 50 })`. */
export function cell(result: GridResult, point: Record<string, Key>): GroupResult {
  const g = result.groups.find((grp) => Object.entries(point).every(([k, v]) => grp.columns[k] === v));
  if (!g) throw new Error(`cell: no configuration at ${JSON.stringify(point)} in this grid`);
  return g;
}

/** Lays `value` of every grid point out by two of its columns (rows and columns sorted ascending). */
export function pivot(result: GridResult, rowKey: string, colKey: string, value: (g: GroupResult) => number): Pivot {
  const axis = (key: string) => [...new Set(result.groups.map((g) => Number(g.columns[key])))].sort((a, b) => a - b);
  const rows = axis(rowKey), cols = axis(colKey);
  return { rowKey, colKey, rows, cols, z: rows.map((r) => cols.map((c) => value(cell(result, { [rowKey]: r, [colKey]: c })))) };
}

/** A pivot of plain records, e.g. `pivotRows(REPORT.depthWidth, 'depth', 'width', 'valAcc')`. */
export function pivotRows<R extends Record<string, unknown>>(records: ReadonlyArray<R>, rowKey: keyof R & string, colKey: keyof R & string, valueKey: keyof R & string): Pivot {
  const axis = (key: string) => [...new Set(records.map((r) => Number(r[key])))].sort((a, b) => a - b);
  const rows = axis(rowKey), cols = axis(colKey);
  const at = (r: number, c: number) => {
    const hit = records.find((x) => Number(x[rowKey]) === r && Number(x[colKey]) === c);
    return hit ? Number(hit[valueKey]) : NaN;
  };
  return { rowKey, colKey, rows, cols, z: rows.map((r) => cols.map((c) => at(r, c))) };
}

/** A pivot from numbers already laid out as rows × columns (e.g. the report's own table). */
export function pivotOf(rowKey: string, colKey: string, rows: number[], cols: number[], z: ReadonlyArray<ReadonlyArray<number>>): Pivot {
  return { rowKey, colKey, rows, cols, z: z.map((r) => [...r]) };
}

/** One record per row, for showTable: `{[rowLabel]: row, [colLabel(c)]: value, …}`, with a format for the value columns. */
export function pivotRecords(p: Pivot, rowLabel: string, colLabel: (c: number) => string, format: ColumnFormat): {
  records: Record<string, number>[]; format: Record<string, ColumnFormat>; columns: string[];
} {
  const columns = p.cols.map(colLabel);
  const records = p.rows.map((r, i) => ({ [rowLabel]: r, ...Object.fromEntries(columns.map((c, j) => [c, p.z[i][j]])) }));
  return { records, columns, format: Object.fromEntries(columns.map((c) => [c, format])) };
}

/**
 * The average change across a pivot: from its first column to its last (averaged over the rows)
 * and from its first row to its last (averaged over the columns) — for a depth × width grid,
 * the effect of width and the effect of depth.
 */
export function pivotEffects(p: Pivot): { acrossColumns: number; acrossRows: number } {
  const lastCol = p.cols.length - 1, lastRow = p.rows.length - 1;
  const acrossColumns = p.z.reduce((a, row) => a + row[lastCol] - row[0], 0) / p.rows.length;
  const acrossRows = p.cols.reduce((a, _, j) => a + p.z[lastRow][j] - p.z[0][j], 0) / p.cols.length;
  return { acrossColumns, acrossRows };
}
