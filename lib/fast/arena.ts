/**
 * The step arena: resident storage for the temporaries of one training step (a StepWorkspace,
 * lib/fast/step_workspace.ts, owns one; Matrix.like draws from it through the step's minibatch).
 */
import { kernels, type Floats } from '../kernels/index.js';
import type { Allocator } from '../nn/matrix.js';

/**
 * A training step allocates a few dozen matrices (activations, caches, gradients) and drops
 * them all when it ends. Allocated one by one, each is an ordinary typed array that every
 * kernel call must copy into the WebAssembly memory and back out (about 3.5 µs per 100 KB,
 * as long as a ReLU over it). An arena is one resident block handed out front to back and
 * reset at the start of every step, so the kernels read and write the temporaries in place.
 *
 * Only Matrix.like draws from the arena, for matrices computed from one that carries the arena as
 * its allocator (the step's minibatch): whatever must outlive the step (parameters, running
 * statistics, optimiser state) is allocated otherwise. A step that needs more than the block
 * gets ordinary arrays for the rest, and the next step a block large enough.
 */
export class StepArena implements Allocator {
  private block: Float64Array | null = null;
  private used = 0;
  /** Bytes the current step has asked for, whether they fitted or not. */
  private wanted = 0;

  /** Starts a step: everything handed out before is free again. */
  reset(): void {
    if (this.wanted > (this.block?.byteLength ?? 0)) {
      // A quarter more than the largest step so far, so that a step a little larger (a net
      // called with varying batch sizes) does not reallocate every time.
      this.block = kernels.alloc(Math.ceil((this.wanted * 1.25) / 8));
    }
    this.used = this.wanted = 0;
  }

  /**
   * Gives the block back (see kernels.free): for an arena that will not be used for a while.
   * Everything handed out before must not be used any more; the next reset allocates anew.
   */
  release(): void {
    if (this.block !== null) kernels.free(this.block);
    this.block = null;
    this.used = this.wanted = 0;
  }

  /** `length` zeros of float32 or float64 from the block, or null when it is full. */
  take(f32: boolean, length: number): Floats | null {
    const bytes = Math.ceil((length * (f32 ? 4 : 8)) / 64) * 64; // 64-byte aligned
    const at = this.used;
    this.wanted += bytes;
    if (this.block === null || at + bytes > this.block.byteLength) return null;
    this.used = at + bytes;
    const offset = this.block.byteOffset + at;
    const view = f32 ? new Float32Array(this.block.buffer, offset, length) : new Float64Array(this.block.buffer, offset, length);
    kernels.zeros(length, view); // not view.fill(0): on the shared WebAssembly memory V8 fills element by element, ~8× slower
    return view;
  }
}
