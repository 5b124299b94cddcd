/**
 * Plain-JSON forms of matrices, for model files and checkpoints. JSON numbers written by
 * JSON.stringify read back to the identical float64, so a round trip is exact.
 */
import { Matrix } from './matrix.js';

export interface MatrixJSON { rows: number; cols: number; data: number[] }

export function matrixToJSON(m: Matrix): MatrixJSON {
  return { rows: m.rows, cols: m.cols, data: Array.from(m.data) };
}

export function matrixFromJSON(j: unknown, what: string): Matrix {
  const o = j as Partial<MatrixJSON> | null;
  if (o === null || typeof o !== 'object' || !Number.isInteger(o.rows) || !Number.isInteger(o.cols) || !Array.isArray(o.data)) {
    throw new Error(`${what}: expected {rows, cols, data[]}, got ${JSON.stringify(j)?.slice(0, 80)}`);
  }
  if (o.data.length !== o.rows! * o.cols!) {
    throw new Error(`${what}: has ${o.data.length} values, expected ${o.rows}x${o.cols} = ${o.rows! * o.cols!}`);
  }
  for (let k = 0; k < o.data.length; k++) {
    if (typeof o.data[k] !== 'number' || !Number.isFinite(o.data[k])) {
      throw new Error(`${what}: value ${k} is ${JSON.stringify(o.data[k])}, expected a finite number`);
    }
  }
  return new Matrix(o.rows!, o.cols!, Float64Array.from(o.data));
}
