/**
 * A dense, row-major matrix of float64 (or float32): the type, its constructors and the checks
 * of its arguments. The operations on matrices are in lib/nn/ops.ts.
 *
 * float64 is the default and what gradient checks need. float32 is an optional training path:
 * the WebAssembly kernels then work on four numbers per instruction instead of two. A result
 * has the type of its operands (see Matrix.like), so a network whose parameters are float32
 * computes in float32 all the way through; the operations refuse to mix the two types.
 */
import { kernels, type Floats } from '../kernels/index.js';
import { checkMatrixSize } from '../util/limits.js';

export type DType = 'float64' | 'float32';
/** The storage of a Matrix (the kernels' operand type, defined in lib/kernels/js.ts). */
export type { Floats };
export const DTYPES: readonly DType[] = ['float64', 'float32'];

/** A zero-filled array of `length` numbers of type `dtype`. */
export function floatsOf(dtype: DType, length: number): Floats {
  checkMatrixSize('floatsOf', 1, length);
  if (dtype === 'float64') return new Float64Array(length);
  if (dtype === 'float32') return new Float32Array(length);
  throw new Error(`dtype must be 'float64' or 'float32', got '${String(dtype)}'`);
}

/**
 * Where Matrix.like takes the storage of results computed from a matrix that carries one: a
 * training step's temporaries, or an update rule's state (see lib/fast/step_workspace.ts). `take`
 * hands out `length` zeros of float32 or float64, or null when it has no room (Matrix.like
 * then allocates as usual).
 */
export interface Allocator {
  take(f32: boolean, length: number): Floats | null;
}

export class Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Element (i, j) is data[i * cols + j]. */
  readonly data: Floats;
  /**
   * Where the results computed from this matrix get their storage (null: ordinary arrays).
   * Matrix.like passes it on, so everything computed from a training step's minibatch lives
   * exactly as long as the step's own storage. A matrix made any other way has none.
   */
  readonly allocator: Allocator | null;

  constructor(rows: number, cols: number, data?: Floats, allocator: Allocator | null = null) {
    checkMatrixSize('Matrix', rows, cols);
    if (data !== undefined && data.length !== rows * cols) {
      throw new Error(`Matrix: data has ${data.length} elements, expected ${rows}x${cols} = ${rows * cols}`);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data ?? new Float64Array(rows * cols);
    this.allocator = allocator;
  }

  static zeros(rows: number, cols: number, dtype: DType = 'float64'): Matrix {
    checkMatrixSize('Matrix', rows, cols);
    return new Matrix(rows, cols, floatsOf(dtype, rows * cols));
  }

  static filled(rows: number, cols: number, value: number, dtype: DType = 'float64'): Matrix {
    const m = Matrix.zeros(rows, cols, dtype);
    m.data.fill(value);
    return m;
  }

  /**
   * A zero matrix of the same number type as `m`, by default also of its shape. This is how
   * layers allocate their outputs: from m's allocator when it has one (and the result carries
   * it on), else from the garbage-collected heap.
   */
  static like(m: Matrix, rows = m.rows, cols = m.cols): Matrix {
    checkMatrixSize('Matrix.like', rows, cols);
    const f32 = m.data instanceof Float32Array;
    const data = m.allocator?.take(f32, rows * cols) ?? (f32 ? new Float32Array(rows * cols) : new Float64Array(rows * cols));
    return new Matrix(rows, cols, data, m.allocator);
  }

  /** 'float64' or 'float32': the type of the numbers in `data`. */
  get dtype(): DType {
    return this.data instanceof Float32Array ? 'float32' : 'float64';
  }

  /** This matrix if it already holds `dtype` numbers, else a converted copy (float32 rounds to nearest). */
  astype(dtype: DType): Matrix {
    if (dtype === this.dtype) return this;
    const m = Matrix.zeros(this.rows, this.cols, dtype);
    m.data.set(this.data);
    return m;
  }

  /** Builds a matrix from nested arrays, e.g. `Matrix.from([[1, 2], [3, 4]])`. */
  static from(rows: ArrayLike<ArrayLike<number>>): Matrix {
    const n = rows.length;
    const d = n > 0 ? rows[0].length : 0;
    const m = new Matrix(n, d);
    for (let i = 0; i < n; i++) {
      if (rows[i].length !== d) throw new Error(`Matrix.from: row ${i} has ${rows[i].length} values, expected ${d}`);
      for (let j = 0; j < d; j++) m.data[i * d + j] = rows[i][j];
    }
    return m;
  }

  /** A 1×n row vector. */
  static rowVector(values: ArrayLike<number>): Matrix {
    return new Matrix(1, values.length, Float64Array.from(values));
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get size(): number {
    return this.rows * this.cols;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  /** Row i as a view (no copy). */
  row(i: number): Floats {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /**
   * The rows listed in `indices`, copied into a new matrix of the same type (minibatch
   * gathering), or into `out`, converting if `out` holds the other type.
   */
  selectRows(indices: ArrayLike<number>, out?: Matrix): Matrix {
    const c = this.cols;
    const res = out ?? Matrix.like(this, indices.length, c);
    checkShape('selectRows out', res, indices.length, c);
    // Converting float64 rows into float32 WebAssembly memory (a float32 net's minibatch), V8
    // converts element by element into the shared buffer: 128×784 values took ~330 µs, against
    // ~170 µs converting each row into an ordinary array first, then copying it over.
    const row = res.dtype === this.dtype ? null : floatsOf(res.dtype, c);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      const from = this.data.subarray(i * c, (i + 1) * c);
      if (row === null) res.data.set(from, k * c);
      else {
        row.set(from);
        res.data.set(row, k * c);
      }
    }
    return res;
  }

  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }

  toString(): string {
    return `Matrix(${this.rows}x${this.cols})`;
  }
}

/** Throws unless `m` is rows×cols; `what` names the argument in the message. */
export function checkShape(what: string, m: Matrix, rows: number, cols: number): void {
  if (m.rows !== rows || m.cols !== cols) {
    throw new Error(`${what}: expected shape ${rows}x${cols}, got ${m.rows}x${m.cols}`);
  }
}

/** Throws unless every value of `m` is finite; `what` names the argument in the message. */
export function checkFinite(what: string, m: Matrix): void {
  const d = m.data;
  if (allFinite(d)) return;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k])) {
      const i = Math.floor(k / m.cols);
      throw new Error(`${what}: expected finite values, found ${d[k]} at (${i}, ${k - i * m.cols})`);
    }
  }
}

/**
 * Whether every value is finite: the allFinite kernel (lib/kernels/elementwise.ts), on pieces
 * of at most FINITE_CHUNK values, so that a large dataset outside the kernels' memory is
 * copied in a piece at a time rather than whole.
 */
function allFinite(d: Floats): boolean {
  for (let s = 0; s < d.length; s += FINITE_CHUNK) {
    const piece = d.subarray(s, Math.min(s + FINITE_CHUNK, d.length));
    if (kernels.allFinite(piece.length, piece) === 0) return false;
  }
  return true;
}
const FINITE_CHUNK = 1 << 20;

/** Throws unless all the named matrices hold the same number type. */
export function checkSameDType(what: string, ...named: [string, Matrix][]): void {
  const [first, m0] = named[0];
  for (const [name, m] of named) {
    if (m.dtype !== m0.dtype) throw new Error(`${what}: ${first} is ${m0.dtype} but ${name} is ${m.dtype} (convert one with .astype())`);
  }
}
