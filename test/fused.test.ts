/**
 * The `fused` numerics mode: the TypeScript fused multiply-adds (lib/kernels/fma.ts) against an
 * exact reference in BigInt arithmetic, and the fused WebAssembly products (nnlab-fused.wasm)
 * bit for bit against gemmFmaReference on every shape class of the micro-kernel, both number
 * types, one thread and shared. Where this machine cannot run `fused` (the probe of
 * lib/kernels/fused.ts says why), the kernel tests are skipped, except under CI, which provides it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fma, fmaf, gemmFmaReference } from '../lib/kernels/fma.js';
import { gemmNaive, type Floats } from '../lib/kernels/js.js';
import { forceThreadSharing, fusedLoadError, gemmWasm } from '../lib/kernels/wasm.js';
import { numericsMode, setKernelBackend, setNumerics } from '../lib/kernels/index.js';
import { Rng } from '../lib/nn/random.js';

// ---------------------------------------------------------------------------------------------
// An exact reference: x·y + z as a BigInt times a power of two, rounded to nearest-even once.
// ---------------------------------------------------------------------------------------------

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** A finite double as [N, E] with value N·2^E exactly. */
function exactParts(x: number): [bigint, number] {
  f64[0] = x;
  const b = u64[0];
  const sign = b >> 63n ? -1n : 1n, e = Number((b >> 52n) & 0x7ffn), frac = b & ((1n << 52n) - 1n);
  return e === 0 ? [sign * frac, -1074] : [sign * (frac | (1n << 52n)), e - 1075];
}

/** 2^q as a double, built from its bits (−1074 ≤ q ≤ 1023). */
function pow2(q: number): number {
  u64[0] = q >= -1022 ? BigInt(q + 1023) << 52n : 1n << BigInt(q + 1074);
  return f64[0];
}

/** N·2^E rounded to nearest, ties to even, with `precision` bits and smallest exponent `minExp` (of the last bit). */
function roundExact(n: bigint, e: number, precision: number, minExp: number): number {
  if (n === 0n) return 0;
  const neg = n < 0n, mag = neg ? -n : n;
  const len = mag.toString(2).length;
  const q = Math.max(e + len - precision, minExp); // exponent of the result's last bit
  let m: bigint;
  if (q <= e) m = mag << BigInt(e - q);
  else {
    const shift = BigInt(q - e), half = 1n << (shift - 1n), rest = mag & ((1n << shift) - 1n);
    m = mag >> shift;
    if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
  }
  // m ≤ 2^precision, q ≥ minExp: Number(m) is exact and the result is representable.
  const r = Number(m) * pow2(q);
  return neg ? -r : r;
}

/** x·y + z rounded once: to float64 (precision 53) or float32 (24), from exact integers. */
function exactFma(x: number, y: number, z: number, precision: 53 | 24): number {
  const [nx, ex] = exactParts(x), [ny, ey] = exactParts(y), [nz, ez] = exactParts(z);
  const ep = ex + ey, e = Math.min(ep, ez);
  const sum = ((nx * ny) << BigInt(ep - e)) + (nz << BigInt(ez - e));
  if (sum === 0n) return x * y + z; // an exact zero: its sign as IEEE 754 says (and as the sum gives it)
  return roundExact(sum, e, precision, precision === 53 ? -1074 : -149);
}

const same = (a: number, b: number) => Object.is(a, b);
const hex = (x: number) => { f64[0] = x; return `${x} (0x${u64[0].toString(16)})`; };

describe('TypeScript fused multiply-add (lib/kernels/fma.ts)', () => {
  it('the exact reference itself rounds to nearest even (checked on sums that are exact in float64)', () => {
    expect(exactFma(1, 1, 2 ** -53, 53)).toBe(1); // 1 + 2^-53: a tie, to even (1)
    expect(exactFma(1, 1 + 2 ** -52, 2 ** -53, 53)).toBe(1 + 2 * 2 ** -52); // tie, to even (up)
    expect(exactFma(3, 5, 7, 53)).toBe(22);
    expect(exactFma(2 ** -1074, 1, 0, 53)).toBe(2 ** -1074);
    expect(exactFma(1, 1, 2 ** -24, 24)).toBe(1); // a float32 tie, to even
    expect(exactFma(1 + 2 ** -23, 1, 2 ** -24, 24)).toBe(1 + 2 ** -22);
  });

  it('float64 fma: known hard cases are correctly rounded (one rounding, not two)', () => {
    const cases: [number, number, number, number][] = [
      // x² = 1 + 2^-29 + 2^-60: the fused result keeps 2^-60, a rounded product loses it.
      [1 + 2 ** -30, 1 + 2 ** -30, -(1 + 2 ** -29), 2 ** -60],
      // (1 + 2^-52)(1 - 2^-53) = 1 + 2^-53 - 2^-105: just below a tie, rounds to 1 (two roundings give 1 + 2^-52).
      [1 + 2 ** -52, 1 - 2 ** -53, 0, 1],
      // (1 + 2^-52)² − (1 + 2^-51) = 2^-104, the last bit a rounded product drops.
      [1 + 2 ** -52, 1 + 2 ** -52, -(1 + 2 ** -51), 2 ** -104],
      // (2^27 + 1)(2^27 − 1) − 2^54 = −1 exactly; a rounded product gives 0.
      [2 ** 27 + 1, 2 ** 27 - 1, -(2 ** 54), -1],
      [0.1, 10, -1, Number.NaN],
      [-0, 5, 0, 0],
      [-0, 5, -0, -0],
      [1e290, 1e-290, -1, Number.NaN],
    ];
    for (const [x, y, z, known] of cases) {
      const want = exactFma(x, y, z, 53);
      if (!Number.isNaN(known)) expect(want, `reference for ${x}·${y} + ${z}`).toBe(known);
      expect(same(fma(x, y, z), want), `fma(${x}, ${y}, ${z}) = ${hex(fma(x, y, z))}, exact ${hex(want)}`).toBe(true);
    }
    // 0.1·10 − 1 is the rounding error of 0.1: 2^-54 exactly.
    expect(fma(0.1, 10, -1)).toBe(2 ** -54);
    expect(0.1 * 10 - 1).toBe(0); // two roundings lose it
  });

  it('float64 fma: 40,000 random cases, including near-cancellation and ties, equal the exact reference', () => {
    const rng = new Rng(2027);
    for (let t = 0; t < 40_000; t++) {
      const x = rng.gaussian() * pow2(rng.int(-60, 60)), y = rng.gaussian() * pow2(rng.int(-60, 60));
      let z: number;
      switch (t % 4) {
        case 0: z = rng.gaussian() * pow2(rng.int(-120, 120)); break;
        case 1: z = -(x * y); break; // cancellation: the result is the product's rounding error
        case 2: z = -(x * y) * (1 + rng.int(-4, 4) * 2 ** -52); break;
        default: { // x, y with few bits, so that ties happen
          const a = rng.int(1, 1 << 20) * 2 ** -10, b = rng.int(1, 1 << 20) * 2 ** -10;
          z = rng.int(-(2 ** 30), 2 ** 30) * pow2(rng.int(-20, 40));
          expect(same(fma(a, b, z), exactFma(a, b, z, 53)), `fma(${a}, ${b}, ${z})`).toBe(true);
          continue;
        }
      }
      const want = exactFma(x, y, z, 53);
      const got = fma(x, y, z);
      if (!same(got, want)) expect.fail(`fma(${x}, ${y}, ${z}) = ${hex(got)}, exact ${hex(want)}`);
    }
  });

  it('float64 fma refuses operands outside the range where the emulation is proved, instead of a wrong bit', () => {
    expect(() => fma(2 ** 1000, 2, 1)).toThrow(/outside the range/);
    expect(() => fma(2 ** -500, 2 ** -500, 1)).toThrow(/outside the range/);
    expect(() => fma(2 ** -600, 2 ** -600, 1)).toThrow(/underflows/);
    expect(() => fma(Number.NaN, 1, 1)).toThrow(/outside the range/);
  });

  it('float32 fmaf: known hard cases, subnormal results, and 100,000 random cases equal the exact reference', () => {
    const f = Math.fround;
    const y = f(1 + 2 ** -12);
    expect(fmaf(y, y, f(-(1 + 2 ** -11)))).toBe(2 ** -24);
    // Double rounding: x·y = 2^-18 − 2^-64 (exact), z = 64 + 2^-17. The float64 sum rounds to
    // 64 + 2^-17 + 2^-18, exactly a float32 midpoint, which Math.fround rounds to even (up, to
    // 64 + 2^-16); the true sum lies below the midpoint, so the answer is 64 + 2^-17.
    const x = f(2 ** -18 + 2 ** -41), w = f(1 - 2 ** -23), z = f(64 + 2 ** -17);
    expect(x * w).toBe(2 ** -18 - 2 ** -64);
    expect(Math.fround(x * w + z)).toBe(64 + 2 ** -16);
    expect(fmaf(x, w, z)).toBe(64 + 2 ** -17);
    expect(exactFma(x, w, z, 24)).toBe(64 + 2 ** -17);
    const x1 = f(1 + 2 ** -12), x2 = f(1 + 2 ** -12 - 2 ** -23);
    for (const [p, q, r] of [[x1, x2, 0], [x1, x2, f(2 ** -60)], [x1, x2, f(-(2 ** -60))], [x, w, -z], [f(2 ** -75), f(2 ** -75), f(2 ** -149)], [f(2 ** -70), f(-(2 ** -70)), f(3 * 2 ** -149)]] as [number, number, number][]) {
      expect(same(fmaf(p, q, r), exactFma(p, q, r, 24)), `fmaf(${p}, ${q}, ${r})`).toBe(true);
    }
    const rng = new Rng(2028);
    for (let t = 0; t < 100_000; t++) {
      const p = f(rng.gaussian() * pow2(rng.int(-70, 40))), q = f(rng.gaussian() * pow2(rng.int(-70, 40)));
      const r = t % 3 === 0 ? f(-(p * q)) : t % 3 === 1 ? f(rng.gaussian() * pow2(rng.int(-150, 60))) : f(-(p * q) * (1 + rng.int(-3, 3) * 2 ** -23));
      const got = fmaf(p, q, r), want = exactFma(p, q, r, 24);
      if (!same(got, want)) expect.fail(`fmaf(${p}, ${q}, ${r}) = ${got}, exact ${want}`);
    }
  });

  it('float32 fmaf equals Math.fround(x·y + z) wherever that float64 sum is exact', () => {
    const rng = new Rng(2029), f = Math.fround;
    let checked = 0;
    for (let t = 0; t < 20_000; t++) {
      const p = f(rng.int(-4096, 4096) / 64), q = f(rng.int(-4096, 4096) / 64), r = f(rng.gaussian());
      const s = p * q + r;
      if (s - p * q !== r || s - r !== p * q) continue; // not exact in float64
      checked++;
      expect(fmaf(p, q, r)).toBe(f(s));
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});

// ---------------------------------------------------------------------------------------------
// The fused WebAssembly products against gemmFmaReference.
// ---------------------------------------------------------------------------------------------

type Form = 'NN' | 'TN' | 'NT';
const FORMS: Form[] = ['NN', 'TN', 'NT'];

function layout(form: Form, n: number, m: number, k: number) {
  switch (form) {
    case 'NN': return { aLen: n * k, bLen: k * m, aRow: k, aStep: 1, bStep: m, bCol: 1 };
    case 'TN': return { aLen: k * n, bLen: k * m, aRow: 1, aStep: n, bStep: m, bCol: 1 };
    case 'NT': return { aLen: n * k, bLen: m * k, aRow: k, aStep: 1, bStep: 1, bCol: k };
  }
}

function product(g: typeof gemmFmaReference, form: Form, n: number, m: number, k: number, a: Floats, b: Floats): Floats {
  const l = layout(form, n, m, k);
  const c = a instanceof Float32Array ? new Float32Array(n * m) : new Float64Array(n * m);
  c.fill(Number.NaN);
  g(n, m, k, a, l.aRow, l.aStep, b, l.bStep, l.bCol, c);
  return c;
}

function firstDifference(x: Floats, y: Floats): string | null {
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `element ${i}: ${x[i]} vs ${y[i]}`;
  return null;
}

const fusedHere = fusedLoadError === null;
/** CI provides relaxed SIMD with a fused madd (Node 20 with the flag, 22+; a CPU with FMA). */
const itFused = fusedHere || process.env.CI === 'true' ? it : it.skip;

describe(`fused WebAssembly products (${fusedHere ? 'available' : `not available here: ${fusedLoadError}`})`, () => {
  afterAll(() => {
    setNumerics('exact');
    forceThreadSharing(null);
  });

  itFused('the probe finds a fused madd, and setNumerics switches the products between the two roundings', () => {
    expect(fusedLoadError).toBeNull();
    const a = new Float64Array([1 + 2 ** -30, 1 + 2 ** -30]), b = new Float64Array([-(1 + 2 ** -30), 1 + 2 ** -30]);
    const c = new Float64Array(1);
    expect(setNumerics('fused')).toBe('fused');
    gemmWasm!(1, 1, 2, a, 2, 1, b, 1, 1, c);
    expect(c[0]).toBe(2 ** -60);
    expect(setNumerics('exact')).toBe('exact');
    gemmWasm!(1, 1, 2, a, 2, 1, b, 1, 1, c);
    expect(c[0]).toBe(0);
  });

  for (const dtype of ['float64', 'float32'] as const) {
    const random = (rng: Rng, len: number): Floats => {
      const x = dtype === 'float64' ? new Float64Array(len) : new Float32Array(len);
      for (let i = 0; i < len; i++) x[i] = rng.gaussian();
      return x;
    };
    itFused(`${dtype}: every shape class (full tiles, edges of 1-7 rows and columns, half tiles, k remainders and blocks, 3 forms) equals gemmFmaReference, on one thread and shared`, () => {
      setNumerics('fused');
      const rng = new Rng(dtype === 'float64' ? 71 : 72);
      // Edge sizes around the 4×4 (float64) and 4×8 (float32) tiles; k from 0 (an empty sum) to
      // past one block (256 steps, cut into equal blocks), blocked shapes crossing the 64-row and
      // 128-column blocks, B read in place (≤ 32 rows) or packed, and m ≡ 4 mod 8 (half tiles).
      const shapes: [number, number, number][] = [];
      for (const n of [1, 3, 4, 5, 8, 9]) for (const m of [1, 2, 4, 5, 8, 12, 13, 16]) for (const k of [0, 1, 3, 17]) shapes.push([n, m, k]);
      shapes.push([67, 133, 521], [5, 130, 600], [130, 6, 777], [32, 64, 300], [33, 64, 257], [32, 100, 784], [31, 37, 513], [64, 129, 256], [128, 100, 300]);
      for (let s = 0; s < 6; s++) shapes.push([rng.int(1, 90), rng.int(1, 150), rng.int(1, 600)]);
      try {
        for (const shared of [false, true]) {
          forceThreadSharing(shared);
          for (const [n, m, k] of shapes) {
            for (const form of FORMS) {
              const l = layout(form, n, m, k);
              const a = random(rng, l.aLen), b = random(rng, l.bLen);
              const got = product(gemmWasm!, form, n, m, k, a, b);
              const label = `${dtype} ${form} n=${n} m=${m} k=${k} shared=${shared}`;
              expect(firstDifference(got, product(gemmFmaReference, form, n, m, k, a, b)), label).toBeNull();
            }
          }
        }
      } finally {
        forceThreadSharing(null);
        setNumerics('exact');
      }
    }, 120_000);

    itFused(`${dtype}: the fused products really differ from the exact ones (so the test above can fail)`, () => {
      const rng = new Rng(73);
      const a = random(rng, 32 * 300), b = random(rng, 300 * 64);
      setNumerics('fused');
      const fusedC = product(gemmWasm!, 'NN', 32, 64, 300, a, b);
      setNumerics('exact');
      const exactC = product(gemmWasm!, 'NN', 32, 64, 300, a, b);
      expect(firstDifference(exactC, product(gemmNaive, 'NN', 32, 64, 300, a, b))).toBeNull();
      expect(firstDifference(fusedC, exactC)).not.toBeNull();
    });
  }

  it('the TypeScript backend runs exact when fused is asked for, and says why on stderr once', () => {
    const writes: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => { writes.push(String(chunk)); return true; }) as typeof process.stderr.write;
    try {
      setKernelBackend('js');
      expect(setNumerics('fused')).toBe('exact');
      expect(setNumerics('fused')).toBe('exact');
      expect(numericsMode()).toBe('exact');
    } finally {
      process.stderr.write = write;
      setNumerics('exact');
      setKernelBackend('wasm');
    }
    const told = writes.filter((w) => w.includes("numerics 'fused' is not available"));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/WebAssembly-only.*running 'exact'/);
    expect(() => setNumerics('fast' as never)).toThrow(/unknown numerics mode 'fast'/);
  });
});
