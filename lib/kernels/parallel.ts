/**
 * Splitting one kernel call across two threads that share the WebAssembly memory.
 *
 * A job (one matrix product or one Adam update) is cut into independent chunks: row ranges of
 * C for a product, element ranges for Adam. Every value is still computed by one thread with
 * the same operations in the same order, so the result is bit-for-bit the one of a
 * single-threaded call, whichever thread takes which chunk.
 *
 * The main thread publishes a job in a small control block of the shared memory, then takes
 * chunks itself; a helper worker that spins on the block takes chunks too. Chunks are claimed
 * one at a time with an atomic compare-and-swap, so when the helper is busy elsewhere, asleep
 * or not started yet, the main thread simply does all the work and never waits for it (only
 * for a chunk the helper has already claimed). Waking a sleeping thread through
 * Atomics.wait/notify costs about 50 µs, as much as a whole batch-32 product, which is why
 * the helper spins for a couple of milliseconds after each job before it sleeps: during
 * training, jobs follow each other much faster than that.
 *
 * Only the main thread of a process starts a helper (NNLAB_THREADS=1 turns it off): when
 * training runs in worker threads, one per core (parallel sweeps), a helper per worker would
 * only fight them for the cores.
 */
import { Worker, isMainThread } from 'node:worker_threads';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

/** Layout of the control block: Int32 slots, then Float64 slots from byte 64. */
export const CONTROL_BYTES = 128;
const SEQ = 0, CLAIM = 1, DONE = 2, KIND = 3, CHUNKS = 4, P = 5; // P: first integer parameter
export const KIND_GEMM = 1, KIND_ADAM = 2, KIND_GEMM32 = 3, KIND_ADAM32 = 4;

/** The exports of the WebAssembly module the chunks call (see lib/kernels/wasm.ts). */
export interface ChunkKernels {
  gemm(n: number, m: number, k: number, a: number, aRow: number, aStep: number, b: number, bStep: number, bCol: number, c: number, cStride: number): void;
  adam(n: number, w: number, g: number, m: number, v: number, lr: number, b1: number, oneMinusB1: number,
       b2: number, oneMinusB2: number, eps: number, c1: number, c2: number): void;
  gemm32(n: number, m: number, k: number, a: number, aRow: number, aStep: number, b: number, bStep: number, bCol: number, c: number, cStride: number): void;
  adam32(n: number, w: number, g: number, m: number, v: number, lr: number, b1: number, oneMinusB1: number,
         b2: number, oneMinusB2: number, eps: number, c1: number, c2: number): void;
}

/**
 * Claims and runs chunks of the job numbered `seq` until none is left, and returns how many it
 * ran. Runs on both threads:
 * the helper gets this function's source text, so it must use nothing but its arguments.
 * A claim is the word (seq << 8 | next chunk): a thread still finishing an older job can never
 * claim a chunk of a newer one, whose word has a different seq.
 */
export function workOnJob(ex: ChunkKernels, ctl: Int32Array, f64: Float64Array, seq: number): number {
  const chunks = ctl[4], kind = ctl[3];
  const p = ctl.slice(5, 16); // parameters, read before claiming (see the claim rule above)
  const tag = (seq & 0xffffff) << 8;
  let ran = 0;
  for (;;) {
    const word = Atomics.load(ctl, 1);
    const i = word & 0xff;
    if ((word & ~0xff) !== tag || i >= chunks) return ran;
    if (Atomics.compareExchange(ctl, 1, word, word + 1) !== word) continue;
    ran++;
    // Kinds 1 and 2 are float64 gemm and adam, 3 and 4 the float32 ones (4-byte elements).
    const es = kind >= 3 ? 4 : 8;
    const gemm = kind === 3 ? ex.gemm32 : ex.gemm, adam = kind === 4 ? ex.adam32 : ex.adam;
    if (kind === 1 || kind === 3) {
      // gemm: p = n, m, k, a, aRow, aStep, b, bStep, bCol, c, then rows per chunk (> 0: the
      // chunk is rows [r0, r1) of C) or minus the columns per chunk (< 0: columns [j0, j1)).
      if (p[10] > 0) {
        const r0 = i * p[10], r1 = Math.min(p[0], r0 + p[10]);
        if (r1 > r0) gemm(r1 - r0, p[1], p[2], p[3] + r0 * p[4] * es, p[4], p[5], p[6], p[7], p[8], p[9] + r0 * p[1] * es, p[1]);
      } else {
        const j0 = i * -p[10], j1 = Math.min(p[1], j0 - p[10]);
        if (j1 > j0) gemm(p[0], j1 - j0, p[2], p[3], p[4], p[5], p[6] + j0 * p[8] * es, p[7], p[8], p[9] + j0 * es, p[1]);
      }
    } else {
      // adam on elements [e0, e1): p = n, w, g, m, v, perChunk; f64 = lr, b1, 1-b1, b2, 1-b2, eps, c1, c2.
      const e0 = i * p[5], e1 = Math.min(p[0], e0 + p[5]), off = e0 * es;
      if (e1 > e0) adam(e1 - e0, p[1] + off, p[2] + off, p[3] + off, p[4] + off, f64[0], f64[1], f64[2], f64[3], f64[4], f64[5], f64[6], f64[7]);
    }
    Atomics.add(ctl, 2, 1);
  }
}

/** The helper's program: instantiate the module on the shared memory, then serve jobs forever. */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, spins, packArea } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
ex.setPackArea(packArea); // the main thread's instance uses the default area: never share it
const ctl = new Int32Array(memory.buffer, control, 16);
const f64 = new Float64Array(memory.buffer, control + 64, 8);
const workOnJob = ${workOnJob.toString()};
let seen = Atomics.load(ctl, 0);
for (;;) {
  let n = 0;
  while (Atomics.load(ctl, 0) === seen) {
    if (++n > spins) { Atomics.wait(ctl, 0, seen); n = 0; }
  }
  seen = Atomics.load(ctl, 0);
  workOnJob(ex, ctl, f64, seen);
}
`;

/** Spins before sleeping: about 2 ms of Atomics.load. */
const HELPER_SPINS = 1 << 20;
/** Jobs per measurement window, and jobs run alone after a window with too much waiting. */
const WINDOW = 32, PAUSE = 8192;

/** How many threads kernels use: NNLAB_THREADS, else 2 on a multi-core main thread, else 1. */
export function threadsWanted(): number {
  const env = process.env.NNLAB_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`nnlab: NNLAB_THREADS must be a positive integer, got '${env}'`);
    return n;
  }
  return isMainThread && cpus().length > 1 ? 2 : 1;
}

export class ParallelRunner {
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private helpers: Worker[] = [];
  private started = false;
  private seq = 0;
  // Backing off under load. When another process keeps the second core busy, the helper gets
  // little CPU time: it takes few chunks, the main thread sometimes waits for one it claimed,
  // and its spinning takes turns on the cores with the main thread. Then one thread is faster
  // (measured here: 0.43–0.70 s instead of 0.35 s per M2 epoch). So jobs are measured in windows
  // of WINDOW; after a window in which the helpers ran fewer than a quarter of the chunks, or
  // the main thread waited more than a quarter of the time it worked, sharing stops for PAUSE
  // jobs (the helper falls asleep) and is then tried again.
  private windowJobs = 0;
  private windowChunks = 0;
  private helperChunks = 0;
  private worked = 0;
  private waited = 0;
  private pausedJobs = 0;

  constructor(
    private readonly ex: ChunkKernels,
    private readonly module: object,
    private readonly memory: { buffer: ArrayBufferLike },
    private readonly control: number,
    /** Threads in all, the main one included. */
    readonly threads: number,
    /** Packing scratch of helper h (1, 2, …) at packStart + (h − 1)·packStride (see assembly/gemm.ts). */
    private readonly packStart: number,
    private readonly packStride: number,
  ) {
    this.ctl = new Int32Array(memory.buffer, control, 16);
    this.f64 = new Float64Array(memory.buffer, control + 64, 8);
  }

  /** Starts the helpers on first use, so that importing nnlab starts no thread. */
  private start(): void {
    this.started = true;
    for (let h = 1; h < this.threads; h++) {
      const worker = new Worker(HELPER_SOURCE, {
        eval: true,
        workerData: {
          module: this.module, memory: this.memory, control: this.control, spins: HELPER_SPINS,
          packArea: this.packStart + (h - 1) * this.packStride,
        },
      });
      worker.unref(); // a spinning helper must not keep the process alive
      // If a helper dies, the main thread still completes every job alone.
      worker.on('error', (err) => process.emitWarning(`nnlab: kernel helper thread failed: ${err.message}`));
      this.helpers.push(worker);
    }
  }

  /** true or false: always or never share (for measurements); null: decide as above. */
  forced: boolean | null = null;

  /** Whether to share the next large job (false while backing off, see above). */
  share(): boolean {
    if (this.forced !== null) return this.forced;
    if (this.pausedJobs === 0) return true;
    this.pausedJobs--;
    return false;
  }

  /** Runs `chunks` chunks of a job whose parameters are in the control block. */
  private run(kind: number, chunks: number): void {
    if (!this.started) this.start();
    const ctl = this.ctl;
    const seq = (this.seq = (this.seq + 1) & 0xffffff);
    ctl[KIND] = kind;
    ctl[CHUNKS] = chunks;
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, CLAIM, seq << 8);
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    const t0 = performance.now();
    const mine = workOnJob(this.ex, ctl, this.f64, seq);
    const t1 = performance.now();
    // Wait only for chunks a helper has claimed and not finished.
    while (Atomics.load(ctl, DONE) < chunks) { /* spin */ }
    this.worked += t1 - t0;
    this.waited += performance.now() - t1;
    this.windowChunks += chunks;
    this.helperChunks += chunks - mine;
    if (++this.windowJobs === WINDOW) {
      if (this.helperChunks < 0.25 * this.windowChunks || this.waited > 0.25 * this.worked) this.pausedJobs = PAUSE;
      this.windowJobs = this.windowChunks = this.helperChunks = this.worked = this.waited = 0;
    }
  }

  /**
   * C = A·B-style product (the arguments of ChunkKernels.gemm), split by rows of C, or for
   * A·Bᵀ by columns. The kernel packs B into a transposed copy, and each chunk packs the part
   * of B it reads: a band of columns reads only its share of B (A, packed by every chunk, is
   * small when C has few rows), where a band of rows would pack all of B.
   */
  gemm(f32: boolean, n: number, m: number, k: number, a: number, aRow: number, aStep: number, b: number, bStep: number, bCol: number, c: number): void {
    const maxChunks = 4 * (this.threads - 1); // at most 4 chunks per helper-thread pair
    const kind = f32 ? KIND_GEMM32 : KIND_GEMM;
    const tileCols = f32 ? 8 : 4; // the kernel's tile: 4 rows × 4 float64 or 8 float32 columns
    if (bCol !== 1 && m >= tileCols * maxChunks) {
      // Columns in multiples of the tile's width.
      const cols = Math.ceil(m / maxChunks / tileCols) * tileCols;
      this.ctl.set([n, m, k, a, aRow, aStep, b, bStep, bCol, c, -cols], P);
      this.run(kind, Math.ceil(m / cols));
      return;
    }
    // Rows in multiples of the kernel's 4-row tile.
    const chunks = Math.min(maxChunks, Math.ceil(n / 4));
    const rows = Math.ceil(n / chunks / 4) * 4;
    this.ctl.set([n, m, k, a, aRow, aStep, b, bStep, bCol, c, rows], P);
    this.run(kind, Math.ceil(n / rows));
  }

  /** Adam over n float64 elements, split into ranges of an even length (whole SIMD pairs). */
  adam(n: number, w: number, g: number, m: number, v: number, lr: number, b1: number, oneMinusB1: number,
       b2: number, oneMinusB2: number, eps: number, c1: number, c2: number): void {
    this.adamJob(KIND_ADAM, 2, n, w, g, m, v, [lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2]);
  }

  /** Adam over n float32 elements, in ranges of a multiple of 4 (whole f32x4 vectors). */
  adam32(n: number, w: number, g: number, m: number, v: number, lr: number, b1: number, oneMinusB1: number,
         b2: number, oneMinusB2: number, eps: number, c1: number, c2: number): void {
    this.adamJob(KIND_ADAM32, 4, n, w, g, m, v, [lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2]);
  }

  private adamJob(kind: number, lanes: number, n: number, w: number, g: number, m: number, v: number, hyper: number[]): void {
    const chunks = 4 * (this.threads - 1);
    const per = Math.ceil(n / chunks / lanes) * lanes;
    this.ctl.set([n, w, g, m, v, per], P);
    this.f64.set(hyper);
    this.run(kind, Math.ceil(n / per));
  }
}
