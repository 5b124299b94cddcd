/**
 * Batch normalisation kernels, float64 and float32 (the data type T), in f64x2 lanes across
 * the columns j of an n×d row-major batch. Every value is computed in float64 with the
 * operations, in the order, of the scalar loops of lib/nn/layers.ts (batchnormForward,
 * batchnormBackward) and of their TypeScript references (lib/kernels/js.ts:
 * columnMomentsJs, batchnormNormalizeJs, columnDotJs, batchnormInputGradJs), so all give
 * the same bits:
 *
 *     columnMoments:      mean[j] = (((0 + x[j]) + x[d+j]) + …) / n,
 *                         variance[j] = (((0 + c₀²) + c₁²) + …) / n,  cᵢ = x[i·d+j] − mean[j]
 *     batchnormNormalize: xhat[i·d+j] = T((x[i·d+j] − mean[j]) · invStd[j]),
 *                         out[i·d+j]  = T(xhat[i·d+j] · gamma[j] + beta[j])   (the stored xhat)
 *     columnDot:          c[j] = T(…T(T(0 + a[j]·b[j]) + a[d+j]·b[d+j]) + …)   (rows in order)
 *     batchnormInputGrad: dx[i·d+j] = T(k[j] · (((n · dout[i·d+j]) · gamma[j] − s1[j])
 *                                               − xhat[i·d+j] · s2[j]))
 *
 * where T(·) rounds a float64 to the data type (nothing for float64), as a JavaScript store
 * into a Float32Array does. mean, variance, k, s1 (Σ dx̂) and s2 (Σ dx̂·x̂) are always float64
 * arrays of length d; the others are of type T. float32 operands are promoted (exactly) two at
 * a time (a 64-bit load and f64x2.promote_low_f32x4) and results demoted once at the store
 * (f32x4.demote_f64x2_zero, round to nearest even like Math.fround). No fused multiply-add:
 * every mul and add is rounded, as in JavaScript.
 *
 * All four go down the rows a block of columns at a time: columnMoments and columnDot with
 * eight columns summed in four f64x2 registers (as colSums), batchnormNormalize and
 * batchnormInputGrad with four columns whose per-feature values (mean, invStd, gamma, beta;
 * gamma, k, s1, s2) stay in registers, so each element costs one load per operand array
 * (~35% faster than row by row, which reloads them for every row). The d mod 8 (mod 4) last
 * columns go in pairs, then one at a time. An output must not be one of the inputs.
 *
 * Measured (µs per call, one thread, best of 7 × 2000 calls; js = lib/kernels/js.ts, which
 * runs the loops of lib/nn/layers.ts; plain = operands in ordinary arrays, copied in and out;
 * resident = every operand allocated by allocResident/allocResident32, used in place):
 *
 *                              float64: js    plain  resident    float32: js    plain  resident
 *     128×100 columnMoments           28–61    7.5     3.8               67       6.9      4.9
 *             batchnormNormalize      25–84   16       4.5               85      13        7.4
 *             columnDot               15–38    9.8     2.6               40       8.9      5.1
 *             batchnormInputGrad      25–78   17       5.7               80      12        6.0
 *      32×100 columnMoments         7.2–16     2.3     1.2               17       2.1      1.4
 *             batchnormNormalize    6.2–21     4.5     1.4               21       4.0      2.2
 *             columnDot             3.8–9.6    2.9     0.9              9.8       2.5      1.4
 *             batchnormInputGrad    6.2–20     4.7     1.7               20       3.6      1.9
 *
 * (The float64 JavaScript loops run at the low figure when they have only ever seen one shape,
 * 2–3× slower once V8 has seen several.) float32 is bound by the conversions (f32→f64 on each
 * load, f64→f32 at each store, and columnDot's and normalize's rounding of a running value:
 * about four per pair of elements, one per cycle): sixteen columns in eight accumulators made
 * columnDot32 no faster. With plain operands the copies are most of the call, as for the
 * elementwise kernels: a 128×100 float64 array is ~3.5 µs each way.
 */

// @ts-ignore: decorator
@inline
function ld<T>(p: usize): v128 {
  if (sizeof<T>() == 8) return v128.load(p);
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Stores the two float64 lanes of v rounded to T; returns them as stored (in float64). */
// @ts-ignore: decorator
@inline
function st<T>(p: usize, v: v128): v128 {
  if (sizeof<T>() == 8) {
    v128.store(p, v);
    return v;
  }
  const r = f32x4.demote_f64x2_zero(v);
  v128.store64_lane(p, r, 0);
  return f64x2.promote_low_f32x4(r);
}

/** The two float64 lanes of v rounded to T (and back to float64). */
// @ts-ignore: decorator
@inline
function rnd<T>(v: v128): v128 {
  if (sizeof<T>() == 8) return v;
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

// @ts-ignore: decorator
@inline
function columnMomentsT<T>(n: i32, d: i32, x: usize, mean: usize, variance: usize): void {
  const E = <usize>sizeof<T>();
  const row = <usize>d * E;
  const zero = f64x2.splat(0), vn = f64x2.splat(<f64>n);
  let j = 0;
  for (; j + 8 <= d; j += 8) {
    let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
    let p = x + <usize>j * E;
    for (let i = 0; i < n; i++) {
      s0 = f64x2.add(s0, ld<T>(p));
      s1 = f64x2.add(s1, ld<T>(p + 2 * E));
      s2 = f64x2.add(s2, ld<T>(p + 4 * E));
      s3 = f64x2.add(s3, ld<T>(p + 6 * E));
      p += row;
    }
    const m0 = f64x2.div(s0, vn), m1 = f64x2.div(s1, vn), m2 = f64x2.div(s2, vn), m3 = f64x2.div(s3, vn);
    const pm = mean + (<usize>j << 3);
    v128.store(pm, m0); v128.store(pm, m1, 16); v128.store(pm, m2, 32); v128.store(pm, m3, 48);
    let v0 = zero, v1 = zero, v2 = zero, v3 = zero;
    p = x + <usize>j * E;
    for (let i = 0; i < n; i++) {
      const c0 = f64x2.sub(ld<T>(p), m0), c1 = f64x2.sub(ld<T>(p + 2 * E), m1);
      const c2 = f64x2.sub(ld<T>(p + 4 * E), m2), c3 = f64x2.sub(ld<T>(p + 6 * E), m3);
      v0 = f64x2.add(v0, f64x2.mul(c0, c0));
      v1 = f64x2.add(v1, f64x2.mul(c1, c1));
      v2 = f64x2.add(v2, f64x2.mul(c2, c2));
      v3 = f64x2.add(v3, f64x2.mul(c3, c3));
      p += row;
    }
    const pv = variance + (<usize>j << 3);
    v128.store(pv, f64x2.div(v0, vn)); v128.store(pv, f64x2.div(v1, vn), 16);
    v128.store(pv, f64x2.div(v2, vn), 32); v128.store(pv, f64x2.div(v3, vn), 48);
  }
  for (; j + 2 <= d; j += 2) {
    let s = zero;
    let p = x + <usize>j * E;
    for (let i = 0; i < n; i++) { s = f64x2.add(s, ld<T>(p)); p += row; }
    const m = f64x2.div(s, vn);
    v128.store(mean + (<usize>j << 3), m);
    let v = zero;
    p = x + <usize>j * E;
    for (let i = 0; i < n; i++) { const c = f64x2.sub(ld<T>(p), m); v = f64x2.add(v, f64x2.mul(c, c)); p += row; }
    v128.store(variance + (<usize>j << 3), f64x2.div(v, vn));
  }
  for (; j < d; j++) {
    let s: f64 = 0;
    let p = x + <usize>j * E;
    for (let i = 0; i < n; i++) { s += <f64>load<T>(p); p += row; }
    const m = s / <f64>n;
    store<f64>(mean + (<usize>j << 3), m);
    let v: f64 = 0;
    p = x + <usize>j * E;
    for (let i = 0; i < n; i++) { const c = <f64>load<T>(p) - m; v += c * c; p += row; }
    store<f64>(variance + (<usize>j << 3), v / <f64>n);
  }
}

// @ts-ignore: decorator
@inline
function batchnormNormalizeT<T>(n: i32, d: i32, x: usize, mean: usize, invStd: usize, gamma: usize, beta: usize,
                                xhat: usize, out: usize): void {
  const E = <usize>sizeof<T>();
  const row = <usize>d * E;
  let j = 0;
  // Four columns at a time down all the rows, their per-feature values held in registers.
  for (; j + 4 <= d; j += 4) {
    const q = <usize>j * E, q8 = <usize>j << 3;
    const m0 = v128.load(mean + q8), m1 = v128.load(mean + q8, 16);
    const s0 = ld<T>(invStd + q), s1 = ld<T>(invStd + q + 2 * E);
    const g0 = ld<T>(gamma + q), g1 = ld<T>(gamma + q + 2 * E);
    const b0 = ld<T>(beta + q), b1 = ld<T>(beta + q + 2 * E);
    let px = x + q, ph = xhat + q, po = out + q;
    for (let i = 0; i < n; i++) {
      const h0 = st<T>(ph, f64x2.mul(f64x2.sub(ld<T>(px), m0), s0));
      const h1 = st<T>(ph + 2 * E, f64x2.mul(f64x2.sub(ld<T>(px + 2 * E), m1), s1));
      st<T>(po, f64x2.add(f64x2.mul(h0, g0), b0));
      st<T>(po + 2 * E, f64x2.add(f64x2.mul(h1, g1), b1));
      px += row; ph += row; po += row;
    }
  }
  if (j == d) return;
  const j0 = j;
  for (let i = 0; i < n; i++) {
    const off = <usize>i * row;
    const px = x + off, ph = xhat + off, po = out + off;
    j = j0;
    for (; j + 2 <= d; j += 2) {
      const q = <usize>j * E;
      const h = st<T>(ph + q, f64x2.mul(f64x2.sub(ld<T>(px + q), v128.load(mean + (<usize>j << 3))), ld<T>(invStd + q)));
      st<T>(po + q, f64x2.add(f64x2.mul(h, ld<T>(gamma + q)), ld<T>(beta + q)));
    }
    for (; j < d; j++) {
      const q = <usize>j * E;
      const h = <T>((<f64>load<T>(px + q) - load<f64>(mean + (<usize>j << 3))) * <f64>load<T>(invStd + q));
      store<T>(ph + q, h);
      store<T>(po + q, <T>(<f64>h * <f64>load<T>(gamma + q) + <f64>load<T>(beta + q)));
    }
  }
}

// @ts-ignore: decorator
@inline
function columnDotT<T>(n: i32, d: i32, a: usize, b: usize, c: usize): void {
  const E = <usize>sizeof<T>();
  const row = <usize>d * E;
  const zero = f64x2.splat(0);
  let j = 0;
  for (; j + 8 <= d; j += 8) {
    let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
    let pa = a + <usize>j * E, pb = b + <usize>j * E;
    for (let i = 0; i < n; i++) {
      s0 = rnd<T>(f64x2.add(s0, f64x2.mul(ld<T>(pa), ld<T>(pb))));
      s1 = rnd<T>(f64x2.add(s1, f64x2.mul(ld<T>(pa + 2 * E), ld<T>(pb + 2 * E))));
      s2 = rnd<T>(f64x2.add(s2, f64x2.mul(ld<T>(pa + 4 * E), ld<T>(pb + 4 * E))));
      s3 = rnd<T>(f64x2.add(s3, f64x2.mul(ld<T>(pa + 6 * E), ld<T>(pb + 6 * E))));
      pa += row;
      pb += row;
    }
    const pc = c + <usize>j * E;
    st<T>(pc, s0); st<T>(pc + 2 * E, s1); st<T>(pc + 4 * E, s2); st<T>(pc + 6 * E, s3);
  }
  for (; j + 2 <= d; j += 2) {
    let s = zero;
    let pa = a + <usize>j * E, pb = b + <usize>j * E;
    for (let i = 0; i < n; i++) {
      s = rnd<T>(f64x2.add(s, f64x2.mul(ld<T>(pa), ld<T>(pb))));
      pa += row;
      pb += row;
    }
    st<T>(c + <usize>j * E, s);
  }
  for (; j < d; j++) {
    let s: f64 = 0;
    let pa = a + <usize>j * E, pb = b + <usize>j * E;
    for (let i = 0; i < n; i++) {
      s = <f64><T>(s + <f64>load<T>(pa) * <f64>load<T>(pb));
      pa += row;
      pb += row;
    }
    store<T>(c + <usize>j * E, <T>s);
  }
}

// @ts-ignore: decorator
@inline
function batchnormInputGradT<T>(n: i32, d: i32, dout: usize, xhat: usize, gamma: usize, k: usize, s1: usize, s2: usize,
                                dx: usize): void {
  const E = <usize>sizeof<T>();
  const row = <usize>d * E;
  const fn = <f64>n, vn = f64x2.splat(fn);
  let j = 0;
  // Four columns at a time down all the rows, their per-feature values held in registers.
  for (; j + 4 <= d; j += 4) {
    const q = <usize>j * E, q8 = <usize>j << 3;
    const g0 = ld<T>(gamma + q), g1 = ld<T>(gamma + q + 2 * E);
    const a0 = v128.load(s1 + q8), a1 = v128.load(s1 + q8, 16);
    const b0 = v128.load(s2 + q8), b1 = v128.load(s2 + q8, 16);
    const k0 = v128.load(k + q8), k1 = v128.load(k + q8, 16);
    let pd = dout + q, ph = xhat + q, px = dx + q;
    for (let i = 0; i < n; i++) {
      const t0 = f64x2.sub(f64x2.sub(f64x2.mul(f64x2.mul(vn, ld<T>(pd)), g0), a0), f64x2.mul(ld<T>(ph), b0));
      const t1 = f64x2.sub(f64x2.sub(f64x2.mul(f64x2.mul(vn, ld<T>(pd + 2 * E)), g1), a1), f64x2.mul(ld<T>(ph + 2 * E), b1));
      st<T>(px, f64x2.mul(k0, t0));
      st<T>(px + 2 * E, f64x2.mul(k1, t1));
      pd += row; ph += row; px += row;
    }
  }
  if (j == d) return;
  const j0 = j;
  for (let i = 0; i < n; i++) {
    const off = <usize>i * row;
    const pd = dout + off, ph = xhat + off, px = dx + off;
    j = j0;
    for (; j + 2 <= d; j += 2) {
      const q = <usize>j * E, q8 = <usize>j << 3;
      const t = f64x2.sub(
        f64x2.sub(f64x2.mul(f64x2.mul(vn, ld<T>(pd + q)), ld<T>(gamma + q)), v128.load(s1 + q8)),
        f64x2.mul(ld<T>(ph + q), v128.load(s2 + q8)));
      st<T>(px + q, f64x2.mul(v128.load(k + q8), t));
    }
    for (; j < d; j++) {
      const q = <usize>j * E, q8 = <usize>j << 3;
      const t = ((fn * <f64>load<T>(pd + q)) * <f64>load<T>(gamma + q) - load<f64>(s1 + q8)) - <f64>load<T>(ph + q) * load<f64>(s2 + q8);
      store<T>(px + q, <T>(load<f64>(k + q8) * t));
    }
  }
}

export function columnMoments(n: i32, d: i32, x: usize, mean: usize, variance: usize): void { columnMomentsT<f64>(n, d, x, mean, variance); }
export function columnMoments32(n: i32, d: i32, x: usize, mean: usize, variance: usize): void { columnMomentsT<f32>(n, d, x, mean, variance); }
export function batchnormNormalize(n: i32, d: i32, x: usize, mean: usize, invStd: usize, gamma: usize, beta: usize, xhat: usize, out: usize): void {
  batchnormNormalizeT<f64>(n, d, x, mean, invStd, gamma, beta, xhat, out);
}
export function batchnormNormalize32(n: i32, d: i32, x: usize, mean: usize, invStd: usize, gamma: usize, beta: usize, xhat: usize, out: usize): void {
  batchnormNormalizeT<f32>(n, d, x, mean, invStd, gamma, beta, xhat, out);
}
export function columnDot(n: i32, d: i32, a: usize, b: usize, c: usize): void { columnDotT<f64>(n, d, a, b, c); }
export function columnDot32(n: i32, d: i32, a: usize, b: usize, c: usize): void { columnDotT<f32>(n, d, a, b, c); }
export function batchnormInputGrad(n: i32, d: i32, dout: usize, xhat: usize, gamma: usize, k: usize, s1: usize, s2: usize, dx: usize): void {
  batchnormInputGradT<f64>(n, d, dout, xhat, gamma, k, s1, s2, dx);
}
export function batchnormInputGrad32(n: i32, d: i32, dout: usize, xhat: usize, gamma: usize, k: usize, s1: usize, s2: usize, dx: usize): void {
  batchnormInputGradT<f32>(n, d, dout, xhat, gamma, k, s1, s2, dx);
}
