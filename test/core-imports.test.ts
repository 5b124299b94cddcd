/**
 * The core a learner reads imports no Node module (no file system, no crypto): files and
 * checkpoints live in lib/persist/, so the core could run in a browser. (The kernels it
 * computes with load their WebAssembly with node:fs; lib/util/limits.ts reads the core count
 * from node:os. Those are outside this list on purpose.)
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';

const CORE = ['lib/nn/fc_net.ts', 'lib/nn/solver.ts', 'lib/nn/layers.ts', 'lib/nn/layer_utils.ts', 'lib/nn/optim.ts', 'lib/nn/matrix.ts'];

/** Every module specifier a file imports or re-exports, statically or with import(). */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
  return specifiers.concat([...text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]));
}

describe('the core files', () => {
  it('finds the imports it looks for (the check itself works)', () => {
    expect(importsOf('lib/util/io.ts')).toContain('node:fs');
    expect(importsOf('lib/nn/fc_net.ts')).toContain('./layers.js');
  });

  for (const file of CORE) {
    it(`${file} imports no node: module and nothing from lib/persist`, () => {
      const bad = importsOf(file).filter((s) => s.startsWith('node:') || /^(fs|path|os|crypto|worker_threads|perf_hooks)$/.test(s) || s.includes('persist/') || s.endsWith('/io.js'));
      expect(bad).toEqual([]);
    });
  }
});
