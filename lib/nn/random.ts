/**
 * Seeded randomness. Every random choice in nnlab (weight init, shuffles, dropout masks,
 * augmentation, synthetic data) draws from an `Rng` made here, so a seed reproduces a run.
 * The generator itself is pure-rand's xoroshiro128+; this module only adds the distributions
 * a neural-network library needs.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { mustBeSeed } from '../util/validate.js';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { Matrix } from './matrix.js';
import { cos, log, sin } from '../math/elementary.js';

type Generator = ReturnType<typeof xoroshiro128plus>;

export class Rng {
  private readonly gen: Generator;
  private spareGaussian: number | null = null;

  constructor(seed: number) {
    mustBeSeed('Rng: seed', seed); // 0 … 2³² − 1: one seed, one stream (no two seeds wrap onto one)
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    return uniformInt(this.gen, lo, hi);
  }

  /** Standard normal, by the Box–Muller transform (the second value is kept for the next call). */
  gaussian(): number {
    if (this.spareGaussian !== null) {
      const g = this.spareGaussian;
      this.spareGaussian = null;
      return g;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * log(u));
    this.spareGaussian = r * sin(2 * Math.PI * v);
    return r * cos(2 * Math.PI * v);
  }

  /** A rows×cols matrix of N(0, std²) values. */
  gaussianMatrix(rows: number, cols: number, std = 1): Matrix {
    const m = new Matrix(rows, cols);
    for (let k = 0; k < m.data.length; k++) m.data[k] = std * this.gaussian();
    return m;
  }

  /** A rows×cols matrix of values uniform in [lo, hi). */
  uniformMatrix(rows: number, cols: number, lo = 0, hi = 1): Matrix {
    const m = new Matrix(rows, cols);
    for (let k = 0; k < m.data.length; k++) m.data[k] = this.uniformIn(lo, hi);
    return m;
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** A new generator seeded from this one: independent streams for sub-tasks. */
  fork(): Rng {
    return new Rng(this.int(-0x80000000, 0x7fffffff) >>> 0); // the same 32 bits, as a seed
  }
}

/** Derives a seed for a named sub-task from a base seed (stable across runs and worker counts). */
export function deriveSeed(base: number, ...parts: (string | number)[]): number {
  let h = (base | 0) ^ 0x9e3779b9;
  for (const part of parts) {
    const s = String(part);
    for (let i = 0; i < s.length; i++) {
      h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b);
      h ^= h >>> 13;
    }
    h = Math.imul(h ^ 0x2f, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0; // a seed (0 … 2³² − 1); Rng uses the same 32 bits as before
}
