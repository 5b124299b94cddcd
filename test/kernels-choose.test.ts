/**
 * ThreadChooser (lib/kernels/choose.ts): which job shapes the kernels share between threads,
 * decided from measured costs. Driven here with synthetic costs, so the decisions are exact.
 */
import { describe, expect, it } from 'vitest';
import { CHOOSER, ThreadChooser } from '../lib/kernels/choose.js';

/** Runs `n` occurrences of shape `key`, each costing alone/shared ms as given; returns how many were shared. */
function drive(c: ThreadChooser, key: number, n: number, costs: { alone: number; shared: number }): number {
  let shared = 0;
  for (let i = 0; i < n; i++) {
    const s = c.choose(key);
    if (s) shared++;
    c.record(key, s, s ? costs.shared : costs.alone);
  }
  return shared;
}

const measuring = CHOOSER.WARM + 2 * CHOOSER.SAMPLES;

describe('ThreadChooser', () => {
  it('shares a shape whose shared cost is clearly lower, after measuring both sides', () => {
    const c = new ThreadChooser();
    const sides = Array.from({ length: measuring }, () => { const s = c.choose(1); c.record(1, s, s ? 0.5 : 1); return s; });
    // WARM alone, then SAMPLES alone, then SAMPLES shared.
    expect(sides).toEqual([...Array(CHOOSER.WARM + CHOOSER.SAMPLES).fill(false), ...Array(CHOOSER.SAMPLES).fill(true)]);
    expect(c.snapshot()).toEqual([{ key: 1, share: true, ratio: 0.5 }]);
    expect(drive(c, 1, CHOOSER.HOLD_MIN, { alone: 1, shared: 0.5 })).toBe(CHOOSER.HOLD_MIN);
  });

  it('keeps a shape on one thread when sharing gains less than the margin, and decides each shape on its own', () => {
    const c = new ThreadChooser();
    drive(c, 1, measuring, { alone: 1, shared: 0.95 }); // 5% better: not enough
    drive(c, 2, measuring, { alone: 1, shared: 0.6 });
    expect(c.snapshot()).toEqual([{ key: 1, share: false, ratio: 0.95 }, { key: 2, share: true, ratio: 0.6 }]);
    expect(drive(c, 1, 50, { alone: 1, shared: 0.95 })).toBe(0);
    expect(c.decisions).toBe(2);
    expect(c.sharedDecisions).toBe(1);
  });

  it('measures again after the decision has held, and follows a change (the load of the moment)', () => {
    const c = new ThreadChooser();
    drive(c, 7, measuring, { alone: 1, shared: 0.5 });
    drive(c, 7, CHOOSER.HOLD_MIN, { alone: 1, shared: 0.5 });
    // Now sharing costs more (another process took the second core): the next measurement says alone.
    drive(c, 7, 2 * CHOOSER.SAMPLES, { alone: 1, shared: 2 });
    expect(c.snapshot()[0]).toEqual({ key: 7, share: false, ratio: 2 });
    expect(drive(c, 7, CHOOSER.HOLD_MIN, { alone: 1, shared: 2 })).toBe(0);
  });

  it('stops trying as soon as sharing cannot pass any more (more than half the shared samples above the bar)', () => {
    const c = new ThreadChooser();
    const sides = Array.from({ length: measuring }, () => { const s = c.choose(5); c.record(5, s, s ? 8 : 1); return s; });
    const tried = Math.floor(CHOOSER.SAMPLES / 2) + 1;
    expect(sides.filter(Boolean)).toHaveLength(tried);
    expect(c.snapshot()).toEqual([{ key: 5, share: false, ratio: 8 }]);
  });

  it('does not try sharing while the machine is busy, and tries again once it is not', () => {
    let busy = true;
    const c = new ThreadChooser(() => busy);
    expect(drive(c, 6, CHOOSER.WARM + CHOOSER.HOLD_MIN + 1, { alone: 1, shared: 0.5 })).toBe(0);
    expect(c.snapshot()).toEqual([{ key: 6, share: false, ratio: null }]);
    busy = false;
    drive(c, 6, 2 * CHOOSER.SAMPLES + CHOOSER.HOLD_MIN, { alone: 1, shared: 0.5 });
    expect(c.snapshot()).toEqual([{ key: 6, share: true, ratio: 0.5 }]);
  });

  it('holds a decision twice as long each time it comes out the same', () => {
    const c = new ThreadChooser();
    drive(c, 3, measuring + CHOOSER.HOLD_MIN + 2 * CHOOSER.SAMPLES, { alone: 1, shared: 0.5 });
    expect(c.decisions).toBe(2);
    // The second decision (the same) holds 2 × HOLD_MIN: no third measurement before that.
    drive(c, 3, 2 * CHOOSER.HOLD_MIN, { alone: 1, shared: 0.5 });
    expect(c.decisions).toBe(2);
    drive(c, 3, 2 * CHOOSER.SAMPLES, { alone: 1, shared: 0.5 });
    expect(c.decisions).toBe(3);
  });

  it('leaves out unmeasured costs (a long gap before the job): that side runs again', () => {
    const c = new ThreadChooser();
    for (let i = 0; i < CHOOSER.WARM + CHOOSER.SAMPLES - 1; i++) c.record(4, c.choose(4), 1);
    expect(c.choose(4)).toBe(false);
    c.record(4, false, 0); // not measured
    expect(c.choose(4)).toBe(false); // alone again
    c.record(4, false, 1);
    expect(c.choose(4)).toBe(true);
    c.record(4, true, 0); // not measured: the shared side runs again
    expect(c.choose(4)).toBe(true);
  });
});
