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
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { KIND_ADAM, KIND_ADAM32, gemmKey, gemmKind, adamKey } from './jobs.js';
import { ThreadChooser } from './choose.js';

/**
 * Layout of the control block (CONTROL_BYTES at `control` in the shared memory): 16 Int32 slots
 * (Slot), then 8 Float64 slots from byte F64_AT (Adam's hyperparameters, AdamHyper), then on a
 * cache line of their own, away from the words the threads spin on, the helper's status
 * (Status, from byte STATUS_AT), then the settings every thread's instance follows (Setting,
 * from byte SETTINGS_AT; the main thread writes them, a helper applies them before each job).
 */
export const CONTROL_BYTES = 256;
const F64_AT = 64, STATUS_AT = 128, SETTINGS_AT = 192;
/** The helper's status words: READY is 1 once it has instantiated the module; SLEEPS counts its Atomics.wait calls. */
const Status = { READY: 0, SLEEPS: 1 } as const;
/** The settings: SUBNORMAL_PATH is 1 when the float32 kernels detour values near underflow (assembly/tiny.ts). */
const Setting = { SUBNORMAL_PATH: 0 } as const;
/**
 * The Int32 slots: the job's sequence number (SEQ, what the helper waits on), the claim word
 * (CLAIM, see workOnJob), chunks finished (DONE), the job's KIND, its number of CHUNKS, and from
 * PARAMS on its integer parameters (GemmParam or AdamParam).
 */
const Slot = { SEQ: 0, CLAIM: 1, DONE: 2, KIND: 3, CHUNKS: 4, PARAMS: 5 } as const;
/**
 * A product's parameters (ChunkKernels.gemm's arguments, offsets in bytes), then SPLIT: rows of
 * C per chunk when positive, minus the columns per chunk when negative.
 */
const GemmParam = { N: 0, M: 1, K: 2, A: 3, A_ROW: 4, A_STEP: 5, B: 6, B_STEP: 7, B_COL: 8, C: 9, SPLIT: 10 } as const;
/** An Adam update's parameters: element count, byte offsets of w, g, m, v, and elements per chunk. */
const AdamParam = { N: 0, W: 1, G: 2, M: 3, V: 4, PER_CHUNK: 5 } as const;
/** Adam's hyperparameters, in the Float64 slots. */
const AdamHyper = { LR: 0, B1: 1, ONE_MINUS_B1: 2, B2: 3, ONE_MINUS_B2: 4, EPS: 5, C1: 6, C2: 7 } as const;
/** The layout objects, as source text for the helper (workOnJob reads them there too). */
const LAYOUT_SOURCE = `const Slot = ${JSON.stringify(Slot)}, GemmParam = ${JSON.stringify(GemmParam)}, AdamParam = ${JSON.stringify(AdamParam)}, AdamHyper = ${JSON.stringify(AdamHyper)};`;

/** The products of nnlab-fused.wasm (the `fused` numerics mode, see lib/kernels/fused.ts). */
export interface FusedChunkKernels {
  gemm: ChunkKernels['gemm'];
  gemm32: ChunkKernels['gemm32'];
}

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
 * the helper gets this function's source text, so it must use nothing but its arguments and
 * the layout objects (Slot, GemmParam, AdamParam, AdamHyper), which the helper's program declares.
 * A claim is the word (seq << 8 | next chunk): a thread still finishing an older job can never
 * claim a chunk of a newer one, whose word has a different seq.
 */
function workOnJob(ex: ChunkKernels, fx: FusedChunkKernels | null, ctl: Int32Array, f64: Float64Array, seq: number): number {
  const chunks = ctl[Slot.CHUNKS], kind = ctl[Slot.KIND];
  const p = ctl.slice(Slot.PARAMS, 16); // parameters, read before claiming (see the claim rule above)
  const tag = (seq & 0xffffff) << 8;
  let ran = 0;
  for (;;) {
    const word = Atomics.load(ctl, Slot.CLAIM);
    const i = word & 0xff;
    if ((word & ~0xff) !== tag || i >= chunks) return ran;
    if (Atomics.compareExchange(ctl, Slot.CLAIM, word, word + 1) !== word) continue;
    ran++;
    // Kinds 1 and 2 are float64 gemm and adam, 3 and 4 the float32 ones (4-byte elements), 5
    // and 6 the float64 and float32 gemm of the fused module (fx: never null for such a job).
    const es = kind === 3 || kind === 4 || kind === 6 ? 4 : 8;
    const products = kind >= 5 ? fx! : ex;
    const gemm = kind === 3 || kind === 6 ? products.gemm32 : products.gemm, adam = kind === 4 ? ex.adam32 : ex.adam;
    if (kind === 1 || kind === 3 || kind >= 5) {
      const n = p[GemmParam.N], m = p[GemmParam.M], k = p[GemmParam.K], split = p[GemmParam.SPLIT];
      const a = p[GemmParam.A], aRow = p[GemmParam.A_ROW], aStep = p[GemmParam.A_STEP];
      const b = p[GemmParam.B], bStep = p[GemmParam.B_STEP], bCol = p[GemmParam.B_COL], c = p[GemmParam.C];
      if (split > 0) { // rows [r0, r1) of C
        const r0 = i * split, r1 = Math.min(n, r0 + split);
        if (r1 > r0) gemm(r1 - r0, m, k, a + r0 * aRow * es, aRow, aStep, b, bStep, bCol, c + r0 * m * es, m);
      } else { // columns [j0, j1) of C
        const j0 = i * -split, j1 = Math.min(m, j0 - split);
        if (j1 > j0) gemm(n, j1 - j0, k, a, aRow, aStep, b + j0 * bCol * es, bStep, bCol, c + j0 * es, m);
      }
    } else {
      // adam on elements [e0, e1).
      const per = p[AdamParam.PER_CHUNK], e0 = i * per, e1 = Math.min(p[AdamParam.N], e0 + per), off = e0 * es;
      const h = AdamHyper;
      if (e1 > e0) {
        adam(e1 - e0, p[AdamParam.W] + off, p[AdamParam.G] + off, p[AdamParam.M] + off, p[AdamParam.V] + off,
             f64[h.LR], f64[h.B1], f64[h.ONE_MINUS_B1], f64[h.B2], f64[h.ONE_MINUS_B2], f64[h.EPS], f64[h.C1], f64[h.C2]);
      }
    }
    Atomics.add(ctl, Slot.DONE, 1);
  }
}

/** The helper's program: instantiate the module on the shared memory, then serve jobs forever. */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, fusedModule, memory, control, spins, packArea } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
ex.setPackArea(packArea); // the main thread's instance uses the default area: never share it
// The fused products (when the main thread has them): an instance of their module on the same
// memory, sharing this thread's packing scratch (one product at a time).
const fx = fusedModule === null ? null : new WebAssembly.Instance(fusedModule, { env: { memory } }).exports;
if (fx !== null) fx.setPackArea(packArea);
const ctl = new Int32Array(memory.buffer, control, 16);
const f64 = new Float64Array(memory.buffer, control + ${F64_AT}, 8);
const status = new Int32Array(memory.buffer, control + ${STATUS_AT}, 16);
const settings = new Int32Array(memory.buffer, control + ${SETTINGS_AT}, 16);
let subnormalPath = -1; // as this instance was last told (its own default until the first job)
${LAYOUT_SOURCE}
const workOnJob = ${workOnJob.toString()};
let seen = Atomics.load(ctl, Slot.SEQ);
Atomics.store(status, ${Status.READY}, 1);
for (;;) {
  let n = 0;
  while (Atomics.load(ctl, Slot.SEQ) === seen) {
    if (++n > spins) { Atomics.add(status, ${Status.SLEEPS}, 1); Atomics.wait(ctl, Slot.SEQ, seen); n = 0; }
  }
  seen = Atomics.load(ctl, Slot.SEQ);
  const wanted = Atomics.load(settings, ${Setting.SUBNORMAL_PATH});
  if (wanted !== subnormalPath) { ex.setSubnormalPath(wanted); subnormalPath = wanted; }
  workOnJob(ex, fx, ctl, f64, seen);
}
`;

/** Spins before sleeping: about 2 ms of Atomics.load. */
const HELPER_SPINS = 1 << 20;
/** The longest gap (ms) between two jobs that counts in a job's cost (see cost). */
const GAP = 20;

/**
 * Whether the machine has no core to spare for a helper: the 1-minute load average (which
 * counts our own threads too) above the cores by more than half a core. Windows reports 0:
 * never busy there, the per-shape measurement alone decides.
 */
function machineBusy(threads: number): boolean {
  return loadavg()[0] > cpus().length + 0.5 && threads > 1;
}

export class ParallelRunner {
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private helpers: Worker[] = [];
  private started = false;
  private seq = 0;
  /** Sharing only where it pays, decided per job shape by measurement (lib/kernels/choose.ts). */
  private readonly chooser = new ThreadChooser(() => machineBusy(this.threads));
  /** When the last large job ended (performance.now(), ms). */
  private lastEnd = 0;
  private readonly status: Int32Array;
  private readonly settings: Int32Array;

  constructor(
    private readonly ex: ChunkKernels,
    private readonly module: object,
    /** The fused products' instance on this thread and their module, or null (see lib/kernels/fused.ts). */
    private readonly fused: { exports: FusedChunkKernels; module: object } | null,
    private readonly memory: { buffer: ArrayBufferLike },
    private readonly control: number,
    /** Threads in all, the main one included. */
    readonly threads: number,
    /** Packing scratch of helper h (1, 2, …) at packStart + (h − 1)·packStride (see assembly/gemm.ts). */
    private readonly packStart: number,
    private readonly packStride: number,
  ) {
    this.ctl = new Int32Array(memory.buffer, control, 16);
    this.f64 = new Float64Array(memory.buffer, control + F64_AT, 8);
    this.status = new Int32Array(memory.buffer, control + STATUS_AT, 16);
    this.settings = new Int32Array(memory.buffer, control + SETTINGS_AT, 16);
  }

  /** Starts the helpers on first use, so that importing nnlab starts no thread. */
  private start(): void {
    this.started = true;
    for (let h = 1; h < this.threads; h++) {
      const worker = new Worker(HELPER_SOURCE, {
        eval: true,
        workerData: {
          module: this.module, fusedModule: this.fused === null ? null : this.fused.module, memory: this.memory, control: this.control, spins: HELPER_SPINS,
          packArea: this.packStart + (h - 1) * this.packStride,
        },
      });
      worker.unref(); // a spinning helper must not keep the process alive
      // If a helper dies, the main thread still completes every job alone.
      worker.on('error', (err) => process.emitWarning(`nnlab: kernel helper thread failed: ${err.message}`));
      this.helpers.push(worker);
    }
  }

  /**
   * Tells the helpers' instances whether to detour values near underflow (the main thread sets
   * its own): each applies it before its next job. Only the speed depends on it, never the bits.
   */
  setSubnormalPath(on: boolean): void {
    Atomics.store(this.settings, Setting.SUBNORMAL_PATH, on ? 1 : 0);
  }

  /** true or false: always or never share (for measurements); null: decide per job shape (ThreadChooser). */
  forced: boolean | null = null;

  /** Counters for diagnostics: jobs shared and alone, chunks, the helper's sleeps. */
  readonly stats = { shared: 0, alone: 0, chunks: 0, helperChunks: 0, workedMs: 0, waitedMs: 0, sleeps: 0 };

  /** The decisions per job shape (see ThreadChooser), for diagnostics. */
  get choices(): ThreadChooser { return this.chooser; }

  /**
   * Whether to share the next large job, of shape `key` (see ThreadChooser). When it says no,
   * the caller runs the job on this thread and reports its time with ranAlone. Nothing is
   * shared before the helper reports that it is ready.
   */
  share(key: number): boolean {
    if (this.forced !== null) return this.forced;
    if (!this.started) this.start();
    if (Atomics.load(this.status, Status.READY) !== 1) return false;
    return this.chooser.choose(key);
  }

  /** A job that share() kept on this thread ran from t0 to t1 (performance.now(), ms). */
  ranAlone(key: number, t0: number, t1: number): void {
    const cost = this.cost(t0, t1);
    this.stats.alone++;
    if (this.forced === null) this.chooser.record(key, false, cost);
  }

  /**
   * What a job cost the main thread: its own time plus the time since the previous large job
   * ended, i.e. the JavaScript work between the two (which a spinning helper can slow down
   * when the cores are busy). 0 after a long gap (more than GAP ms: not the steady rhythm of
   * training, say a validation pass), which is then left out of the comparisons.
   */
  private cost(t0: number, t1: number): number {
    const gap = t0 - this.lastEnd;
    this.lastEnd = t1;
    return gap >= 0 && gap <= GAP ? gap + (t1 - t0) : 0;
  }

  /** Runs `chunks` chunks of a job whose parameters are in the control block. */
  private run(kind: number, chunks: number, key: number): void {
    if (!this.started) this.start();
    const ctl = this.ctl;
    const seq = (this.seq = (this.seq + 1) & 0xffffff);
    const t0 = performance.now();
    ctl[Slot.KIND] = kind;
    ctl[Slot.CHUNKS] = chunks;
    Atomics.store(ctl, Slot.DONE, 0);
    Atomics.store(ctl, Slot.CLAIM, seq << 8);
    Atomics.store(ctl, Slot.SEQ, seq);
    Atomics.notify(ctl, Slot.SEQ);
    const mine = workOnJob(this.ex, this.fused === null ? null : this.fused.exports, ctl, this.f64, seq);
    const t1 = performance.now();
    // Wait only for chunks a helper has claimed and not finished.
    while (Atomics.load(ctl, Slot.DONE) < chunks) { /* spin */ }
    const t2 = performance.now();
    const st = this.stats;
    st.workedMs += t1 - t0; st.waitedMs += t2 - t1;
    st.shared++; st.chunks += chunks; st.helperChunks += chunks - mine;
    const cost = this.cost(t0, t2);
    st.sleeps = Atomics.load(this.status, Status.SLEEPS);
    if (this.forced === null) this.chooser.record(key, true, cost);
  }

  /**
   * C = A·B-style product (the arguments of ChunkKernels.gemm), split by rows of C, or for
   * A·Bᵀ by columns. The kernel packs B into a transposed copy, and each chunk packs the part
   * of B it reads: a band of columns reads only its share of B (A, packed by every chunk, is
   * small when C has few rows), where a band of rows would pack all of B.
   */
  gemm(f32: boolean, fused: boolean, n: number, m: number, k: number, a: number, aRow: number, aStep: number, b: number, bStep: number, bCol: number, c: number): void {
    const maxChunks = 4 * (this.threads - 1); // at most 4 chunks per helper-thread pair
    if (fused && this.fused === null) throw new Error('nnlab: a fused product was shared, but the fused module is not loaded');
    const kind = gemmKind(f32, fused);
    const key = gemmKey(f32, fused, n, m, k, aRow, bCol);
    const tileCols = f32 ? 8 : 4; // the kernel's tile: 4 rows × 4 float64 or 8 float32 columns
    if (bCol !== 1 && m >= tileCols * maxChunks) {
      // Columns in multiples of the tile's width.
      const cols = Math.ceil(m / maxChunks / tileCols) * tileCols;
      this.ctl.set([n, m, k, a, aRow, aStep, b, bStep, bCol, c, -cols], Slot.PARAMS); // in GemmParam order
      this.run(kind, Math.ceil(m / cols), key);
      return;
    }
    // Rows in multiples of the kernel's 4-row tile.
    const chunks = Math.min(maxChunks, Math.ceil(n / 4));
    const rows = Math.ceil(n / chunks / 4) * 4;
    this.ctl.set([n, m, k, a, aRow, aStep, b, bStep, bCol, c, rows], Slot.PARAMS); // in GemmParam order
    this.run(kind, Math.ceil(n / rows), key);
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
    this.ctl.set([n, w, g, m, v, per], Slot.PARAMS); // in AdamParam order
    this.f64.set(hyper); // in AdamHyper order
    this.run(kind, Math.ceil(n / per), adamKey(kind === KIND_ADAM32, n));
  }
}
