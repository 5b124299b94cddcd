/**
 * Which large kernel jobs to share between threads, decided per job shape by measurement
 * (lib/kernels/parallel.ts asks; the job keys come from lib/kernels/jobs.ts).
 *
 * Two threads are not always faster than one. A product of a 50- or 100-wide layer at batch 32
 * takes tens of µs, and the hand-off (publish, claim, wait for the helper's chunk) is a visible
 * part of that; when another process keeps the second core busy, the helper gets little CPU
 * time, takes few chunks, the main thread waits for the ones it claimed, and the spinning helper
 * takes CPU time from the main thread's JavaScript between jobs (measured: 0.43–0.70 s instead
 * of 0.35 s per M2 epoch); and this virtual machine has periods in which two busy threads each
 * run ~40% slower. What pays depends on the shape, the CPU and the load of the moment, so it is
 * measured where it runs rather than read from a table made on another machine (AMD Zen 3 and
 * 4 and Intel Sapphire Rapids have all run this code): training repeats the same few job shapes
 * every step, so each shape is measured on its own occurrences.
 *
 * Per shape: WARM occurrences run alone (compilation, first allocations); then SAMPLES run
 * alone and up to SAMPLES shared, each timed by the caller as what it cost the main thread; the
 * shape is shared from then on only if the median shared cost is at most PAYS of the median
 * alone one (a 10% margin: a tie goes to one thread). Trying costs: on a loaded machine a
 * shared job can wait a whole time slice (milliseconds) for a helper that the system has
 * descheduled, so the shared samples stop as soon as the median can no longer pass (more than
 * half of them above the bar), and the shape stays alone. The decision holds for HOLD_MIN
 * occurrences, then is measured again (the load changes), holding twice as long each time it
 * comes out the same, up to HOLD_MAX. Which thread computes what never changes the bits (see
 * parallel.ts), so this choice changes only the time.
 *
 * One cost the per-shape samples cannot see: when the machine is oversubscribed, a helper that
 * spins between jobs takes CPU time the system would otherwise give the main thread, and that
 * loss lands in the JavaScript between later jobs of any shape. Measured at a load average of
 * 14 on 2 cores (M1, batch 32, float32): 1.37 s per epoch with 381 of 2,478 large jobs shared
 * (the main thread waited 0.2 ms for the helper in all) against 0.43 s on one thread. So before
 * a measurement starts, `busy()` (the caller's: the 1-minute load average against the cores)
 * is asked; while the machine is busy a shape is not tried at all and stays on one thread.
 */
const WARM = 2, SAMPLES = 5, HOLD_MIN = 64, HOLD_MAX = 4096, PAYS = 0.9;

/** What is known of one job shape. */
interface ShapeState {
  /** Occurrences seen while measuring (the first WARM are not sampled). */
  seen: number;
  alone: number[];
  shared: number[];
  /** Whether to share, once decided; null until the first measurement ends. */
  share: boolean | null;
  /** Occurrences the decision holds for, and how many are left. */
  hold: number;
  left: number;
  /** Median shared cost / median alone cost at the last decision. */
  ratio: number | null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

export class ThreadChooser {
  /** busy: whether the machine has no core to spare now (asked when a measurement would start). */
  constructor(private readonly busy: () => boolean = () => false) {}

  private readonly shapes = new Map<number, ShapeState>();
  /** The shape choose() was last asked about while measuring, and whether that occurrence is a sample. */
  private pendingKey = -1;
  private pendingSample = false;
  /** Decisions made in all, and how many were to share. */
  decisions = 0;
  sharedDecisions = 0;

  /** Whether to share this occurrence of a job of shape `key`; report its cost with record(). */
  choose(key: number): boolean {
    this.pendingKey = -1;
    let s = this.shapes.get(key);
    if (!s) this.shapes.set(key, (s = { seen: 0, alone: [], shared: [], share: null, hold: HOLD_MIN, left: 0, ratio: null }));
    if (s.left > 0) { // decided
      if (--s.left === 0) { s.seen = WARM; s.alone = []; s.shared = []; } // measure again from the next occurrence
      return s.share === true;
    }
    if (s.seen === WARM && s.alone.length === 0 && this.busy()) { // no spare core: do not try now
      s.share = false;
      s.left = s.hold = HOLD_MIN;
      s.ratio = null;
      return false;
    }
    this.pendingKey = key;
    this.pendingSample = s.seen++ >= WARM;
    // The alone samples first, then the shared ones.
    return this.pendingSample && s.alone.length >= SAMPLES;
  }

  /**
   * The occurrence choose() last answered for ran (shared or not) and cost `cost` ms; a cost
   * of 0 or less (not measured, see parallel.ts's cost) is left out and that side runs again.
   */
  record(key: number, shared: boolean, cost: number): void {
    if (key !== this.pendingKey || !this.pendingSample || !(cost > 0)) return;
    this.pendingKey = -1;
    const s = this.shapes.get(key)!;
    (shared ? s.shared : s.alone).push(cost);
    if (s.alone.length < SAMPLES || s.shared.length === 0) return;
    const bar = PAYS * median(s.alone);
    const hopeless = s.shared.filter((c) => c > bar).length > SAMPLES / 2;
    if (s.shared.length < SAMPLES && !hopeless) return;
    const ratio = median(s.shared) / median(s.alone);
    const share = !hopeless && ratio <= PAYS;
    s.hold = s.share === share ? Math.min(HOLD_MAX, 2 * s.hold) : HOLD_MIN;
    s.share = share;
    s.left = s.hold;
    s.ratio = ratio;
    this.decisions++;
    if (share) this.sharedDecisions++;
  }

  /** The current decision of every shape seen (null: still measuring the first time), with its ratio. */
  snapshot(): Array<{ key: number; share: boolean | null; ratio: number | null }> {
    return [...this.shapes].map(([key, s]) => ({ key, share: s.share, ratio: s.ratio }));
  }
}

/** The constants, for tests. */
export const CHOOSER = { WARM, SAMPLES, HOLD_MIN, HOLD_MAX, PAYS } as const;
