/**
 * The training step's memory (lib/fast/step_workspace.ts, lib/fast/arena.ts): the step's temporaries come
 * from an arena that the step's input carries as its allocator, gradients go to reused
 * workspaces, and none of it changes a single bit of the results.
 */
import { describe, it, expect } from 'vitest';
import { Matrix, FullyConnectedNet, Normalization } from '../lib/index.js';
import { StepArena } from '../lib/entries/kernels.js';
import { StepWorkspace } from '../lib/fast/step_workspace.js';
import { problem } from './problems.js';

const D = 5, C = 4;

describe('StepArena and Matrix.allocator', () => {
  it('hands out zeroed storage to what is computed from a matrix carrying it, grows after a step that overflowed, and reuses its block', () => {
    const arena = new StepArena();
    const f32 = new Matrix(1, 1, new Float32Array(1), arena), f64 = new Matrix(1, 1, new Float64Array(1), arena);
    const step = () => { arena.reset(); return [Matrix.like(f32, 10, 10), Matrix.like(f64, 3, 3)]; };
    const first = step(); // no block yet: ordinary arrays
    expect(first[0].data.buffer.byteLength).toBe(400);
    const [a, b] = step();
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(b.data).toBeInstanceOf(Float64Array);
    expect(a.data.buffer).toBe(b.data.buffer); // one block
    expect(b.data.byteOffset - a.data.byteOffset).toBe(448); // 400 bytes, 64-byte aligned
    expect(a.allocator).toBe(arena); // passed on to what is computed from it
    a.data.fill(7);
    arena.reset();
    const again = Matrix.like(f32, 10, 10);
    expect(again.data.byteOffset).toBe(a.data.byteOffset); // the same storage, zeroed
    expect(Array.from(again.data)).toEqual(new Array(100).fill(0));
    const plain = Matrix.like(Matrix.zeros(1, 1, 'float32'), 10, 10);
    expect(plain.data.buffer).not.toBe(a.data.buffer); // a matrix without an allocator: ordinary storage
    expect(plain.allocator).toBeNull();
  });
});

describe('StepWorkspace', () => {
  it("a step through the workspace gives loss()'s loss and gradients bit for bit, in the step's arena, reused by the next step", () => {
    for (const normalization of ['none', 'batchnorm'] as Normalization[]) {
      for (const dtype of ['float64', 'float32'] as const) {
        const { X, y } = problem('softmax', 7, 6, D, C);
        const net = new FullyConnectedNet({ inputDim: D, hiddenDims: [6, 5], outputDim: C, normalization, reg: 0.1, seed: 3, dtype });
        const plain = net.loss(X, y);
        const workspace = new StepWorkspace();
        net.loss(workspace.begin(X, net.params), y); // the first step sizes the arena
        const input = workspace.begin(X, net.params);
        expect(input.allocator).not.toBeNull();
        const step = net.loss(input, y, undefined, { checked: true });
        expect(step.loss).toBe(plain.loss);
        expect(Object.keys(step.grads).sort()).toEqual(Object.keys(plain.grads).sort());
        for (const k of Object.keys(plain.grads)) expect(step.grads[k].data).toEqual(plain.grads[k].data);
        expect(step.grads.W1.allocator).toBe(input.allocator); // taken from the step's arena
        const stepW1 = { buffer: step.grads.W1.data.buffer, offset: step.grads.W1.data.byteOffset, values: Array.from(step.grads.W1.data) };
        const next = workspace.begin(X, net.params);
        const again = net.loss(next, y, undefined);
        expect([again.grads.W1.data.buffer, again.grads.W1.data.byteOffset]).toEqual([stepW1.buffer, stepW1.offset]); // the same storage, reused
        expect(Array.from(again.grads.W1.data)).toEqual(stepW1.values);
        expect(again.grads.W1.data).toEqual(plain.grads.W1.data);
      }
    }
  });

  it('moves parameters into its storage once, keeping their values, and reuses the minibatch buffer', () => {
    const net = new FullyConnectedNet({ inputDim: D, hiddenDims: [6], outputDim: C, seed: 1 });
    const before = Object.fromEntries(Object.entries(net.params).map(([k, m]) => [k, m.clone()]));
    const workspace = new StepWorkspace();
    const { X } = problem('softmax', 2, 6, D, C);
    const first = workspace.begin(X, net.params);
    const placed = { ...net.params };
    for (const k of Object.keys(before)) expect(net.params[k].data).toEqual(before[k].data);
    const second = workspace.begin(X, net.params);
    for (const k of Object.keys(placed)) expect(net.params[k]).toBe(placed[k]); // not moved again
    expect(second.data).toBe(first.data);
    expect(second.data).toEqual(X.data);
  });
});
