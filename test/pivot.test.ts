import { describe, it, expect } from 'vitest';
import { cell, pivot, pivotRows, pivotOf, pivotRecords, GridResult, GroupResult } from '../lib/entries/notebook.js';

const group = (depth: number, width: number, acc: number) => ({ label: `${depth}x${width}`, columns: { depth, width }, bestValAcc: { mean: acc, std: 0 } }) as unknown as GroupResult;
const result = { groups: [group(4, 10, 0.4), group(2, 50, 0.25), group(2, 10, 0.2), group(4, 50, 0.45)] } as unknown as GridResult;

describe('pivot', () => {
  it('lays a grid out by two of its columns, sorted, whatever the run order', () => {
    const p = pivot(result, 'depth', 'width', (g) => g.bestValAcc.mean);
    expect(p.rows).toEqual([2, 4]);
    expect(p.cols).toEqual([10, 50]);
    expect(p.z).toEqual([[0.2, 0.25], [0.4, 0.45]]);
  });

  it('finds one grid point, and says which is missing', () => {
    expect(cell(result, { depth: 4, width: 50 }).label).toBe('4x50');
    expect(() => cell(result, { depth: 8, width: 50 })).toThrow(/no configuration at \{"depth":8,"width":50\}/);
  });

  it('pivots plain records (NaN where a cell is missing) and ready-made tables', () => {
    const p = pivotRows([{ d: 2, w: 10, v: 1 }, { d: 3, w: 20, v: 2 }], 'd', 'w', 'v');
    expect(p.z[0][0]).toBe(1);
    expect(p.z[0][1]).toBeNaN();
    expect(pivotOf('d', 'w', [1], [5, 6], [[7, 8]]).z).toEqual([[7, 8]]);
  });

  it('turns a pivot into table records with one formatted column per column value', () => {
    const t = pivotRecords(pivot(result, 'depth', 'width', (g) => g.bestValAcc.mean), 'layers', (w) => `${w} neurons`, 'pct');
    expect(t.columns).toEqual(['10 neurons', '50 neurons']);
    expect(t.records[1]).toEqual({ layers: 4, '10 neurons': 0.4, '50 neurons': 0.45 });
    expect(t.format).toEqual({ '10 neurons': 'pct', '50 neurons': 'pct' });
  });
});
