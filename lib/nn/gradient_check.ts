/**
 * Numerical gradients by centred differences, to check every analytic backward pass
 * (CS231n's gradient_check.py). Each function perturbs `x` in place and restores it.
 */
import { Matrix } from './matrix.js';
import { Rng } from './random.js';

/**
 * ∂f/∂x for a scalar function f of the matrix x, entry by entry, by centred differences:
 * 2-point (f(x+h) − f(x−h)) / 2h, error O(h²); or the 4-point stencil
 * (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h, error O(h⁴), which allows a larger h and so
 * less rounding noise — useful where gradients are tiny (deep sigmoid networks).
 */
export function evalNumericalGradient(f: (x: Matrix) => number, x: Matrix, h = 1e-5, stencil: 2 | 4 = 2): Matrix {
  const grad = new Matrix(x.rows, x.cols);
  const at = (k: number, v: number): number => { x.data[k] = v; return f(x); };
  for (let k = 0; k < x.data.length; k++) {
    const old = x.data[k];
    grad.data[k] = stencil === 2
      ? (at(k, old + h) - at(k, old - h)) / (2 * h)
      : (-at(k, old + 2 * h) + 8 * at(k, old + h) - 8 * at(k, old - h) + at(k, old - 2 * h)) / (12 * h);
    x.data[k] = old;
  }
  return grad;
}

/**
 * The gradient that flows back to x through a matrix-valued f, given the upstream gradient df:
 * ∂/∂x Σ f(x) ⊙ df. This is what a layer's backward pass returns for `dout = df`.
 * The two outputs are subtracted entry by entry before the sum, which keeps the rounding error
 * of the difference proportional to each entry rather than to the whole sum.
 */
export function evalNumericalGradientArray(f: (x: Matrix) => Matrix, x: Matrix, df: Matrix, h = 1e-5): Matrix {
  const grad = new Matrix(x.rows, x.cols);
  for (let k = 0; k < x.data.length; k++) {
    const old = x.data[k];
    x.data[k] = old + h;
    const pos = f(x).data.slice();
    x.data[k] = old - h;
    const neg = f(x).data;
    x.data[k] = old;
    let s = 0;
    for (let i = 0; i < pos.length; i++) s += (pos[i] - neg[i]) * df.data[i];
    grad.data[k] = s / (2 * h);
  }
  return grad;
}

/**
 * Checks `numChecks` randomly chosen entries of an analytic gradient against centred
 * differences (for parameters too large to check entry by entry). Returns each entry's
 * relative error.
 */
export function gradCheckSparse(f: (x: Matrix) => number, x: Matrix, analytic: Matrix, numChecks = 10, rng = new Rng(0), h = 1e-5): number[] {
  const errors: number[] = [];
  for (let c = 0; c < numChecks; c++) {
    const k = rng.int(0, x.data.length - 1);
    const old = x.data[k];
    x.data[k] = old + h;
    const fp = f(x);
    x.data[k] = old - h;
    const fm = f(x);
    x.data[k] = old;
    const numeric = (fp - fm) / (2 * h);
    const a = analytic.data[k];
    errors.push(Math.abs(numeric - a) / Math.max(1e-8, Math.abs(numeric) + Math.abs(a)));
  }
  return errors;
}

/** max over entries of |a − b| / max(1e-8, |a| + |b|). */
export function relError(a: Matrix, b: Matrix): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`relError: shapes differ, ${a.rows}x${a.cols} vs ${b.rows}x${b.cols}`);
  let worst = 0;
  for (let k = 0; k < a.data.length; k++) {
    const e = Math.abs(a.data[k] - b.data[k]) / Math.max(1e-8, Math.abs(a.data[k]) + Math.abs(b.data[k]));
    if (e > worst) worst = e;
  }
  return worst;
}
