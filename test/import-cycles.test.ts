/**
 * No import cycle in lib/: a module graph a reader can follow from the bottom up (matrix.ts
 * needs the kernels, never the reverse). Type-only imports count too: they are a dependency a
 * reader has to follow all the same.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';

const LIB = resolve(__dirname, '../lib');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** The lib/ files `file` imports or re-exports (relative specifiers only). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;'"]*?from\s*['"](\.[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Every cycle found by a depth-first search, as a list of paths relative to lib/. */
function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push(stack.slice(stack.indexOf(g)).concat(g).map((p) => relative(LIB, p)));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe('lib/ module graph', () => {
  it('has no import cycle', () => {
    const files = sources(LIB);
    expect(files.length).toBeGreaterThan(20);
    expect(importsOf(join(LIB, 'nn', 'solver.ts'))).toContain(join(LIB, 'fast', 'engine.ts')); // the parser sees imports
    expect(cycles(files)).toEqual([]);
  });
});
