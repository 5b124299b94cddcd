/**
 * Plain-JSON forms of matrices, for model files and checkpoints. JSON numbers written by
 * JSON.stringify read back to the identical float64, so a round trip is exact; a float32
 * matrix is written with its dtype and read back as float32 (every float32 is a float64, so
 * that round trip is exact too).
 */
import { Matrix, checkFinite, type DType } from '../nn/matrix.js';

export interface MatrixJSON { rows: number; cols: number; data: number[]; dtype?: DType }

export function matrixToJSON(m: Matrix): MatrixJSON {
  const j: MatrixJSON = { rows: m.rows, cols: m.cols, data: Array.from(m.data) };
  if (m.dtype === 'float32') j.dtype = 'float32'; // float64 files stay as they were
  return j;
}

/**
 * The matrix stored in `j`, checked before anything is allocated: its shape (against `shape`
 * when given), its data length and every value. A float32 matrix comes back as float32.
 */
export function matrixFromJSON(j: unknown, what: string, shape?: [number, number]): Matrix {
  const o = j as Partial<MatrixJSON> | null;
  if (o === null || typeof o !== 'object' || !Number.isInteger(o.rows) || !Number.isInteger(o.cols) || !Array.isArray(o.data)) {
    throw new Error(`${what}: expected {rows, cols, data[]}, got ${JSON.stringify(j)?.slice(0, 80)}`);
  }
  if (shape && (o.rows !== shape[0] || o.cols !== shape[1])) {
    throw new Error(`${what} is ${o.rows}x${o.cols}, expected ${shape[0]}x${shape[1]}`);
  }
  if (o.dtype !== undefined && o.dtype !== 'float64' && o.dtype !== 'float32') {
    throw new Error(`${what}: dtype must be 'float64' or 'float32', got ${JSON.stringify(o.dtype)}`);
  }
  if (o.data.length !== o.rows! * o.cols!) {
    throw new Error(`${what}: has ${o.data.length} values, expected ${o.rows}x${o.cols} = ${o.rows! * o.cols!}`);
  }
  for (let k = 0; k < o.data.length; k++) {
    if (typeof o.data[k] !== 'number' || !Number.isFinite(o.data[k])) {
      throw new Error(`${what}: value ${k} is ${JSON.stringify(o.data[k])}, expected a finite number`);
    }
  }
  if (o.dtype !== 'float32') return new Matrix(o.rows!, o.cols!, Float64Array.from(o.data));
  const m = new Matrix(o.rows!, o.cols!, Float32Array.from(o.data));
  checkFinite(`${what} (as float32)`, m); // 1e300 is a finite float64 but no float32
  return m;
}
