/**
 * Resident matrices: storage that lives where the kernels compute (WebAssembly memory when that
 * backend is in use), for the fast path (lib/fast/step_workspace.ts, lib/fast/eval_workspace.ts).
 */
import { Matrix, floatsOf, type DType } from '../nn/matrix.js';
import { checkMatrixSize } from '../util/limits.js';
import { kernels } from './index.js';


/**
 * A zero matrix whose storage lives where the kernels compute (WebAssembly memory when that
 * backend is in use), so products and updates read and write it in place instead of copying
 * it in and out on every call. Meant for long-lived data touched every step: parameters and
 * optimiser state. It behaves as any Matrix, with one caveat: `data.buffer` is the kernels'
 * whole memory, so code that reads raw bytes must use data.byteOffset and data.byteLength.
 * Falls back to an ordinary matrix when the resident area is full or the backend is 'js'.
 */
export function residentMatrix(rows: number, cols: number, dtype: DType = 'float64'): Matrix {
  if (dtype !== 'float64' && dtype !== 'float32') floatsOf(dtype, 0); // throws, naming the bad dtype
  checkMatrixSize('residentMatrix', rows, cols);
  return new Matrix(rows, cols, dtype === 'float32' ? kernels.alloc32(rows * cols) : kernels.alloc(rows * cols));
}

/** A resident copy of `m` (see residentMatrix), converted to `dtype` (by default m's own). */
export function toResident(m: Matrix, dtype: DType = m.dtype): Matrix {
  const r = residentMatrix(m.rows, m.cols, dtype);
  r.data.set(m.data);
  return r;
}
