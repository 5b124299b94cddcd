/**
 * The direction of the imports in lib/, as the README's picture of the architecture draws it:
 * every file sits in one layer, and imports only from its own layer or the ones below. Beside
 * test/core-imports.test.ts (what the core may import from outside lib/) and
 * test/import-cycles.test.ts (no cycle at all). Type-only imports count too.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname, resolve, relative, sep } from 'node:path';

const LIB = resolve(__dirname, '../lib');

/** The layers, bottom first: a file's layer is the first whose pattern matches its path under lib/. */
const LAYERS: [name: string, pattern: RegExp][] = [
  ['utilities', /^(util|math)\//],
  ['kernels', /^kernels\/(?!resident\.ts$)/],
  ['matrix', /^(nn\/(matrix|ops|random)\.ts|kernels\/resident\.ts)$/],
  ['core and fast path', /^(nn|fast)\//],
  ['task', /^(recipe\.ts|data\/|tasks\/|persist\/)/],
  ['tools', /^(experiments|display|report|bench|queue|widgets)\//],
  ['entry points', /^(entries\/|commands\/|cli\.ts$|index\.ts$|versions\.ts$)/],
];

/** The teaching files: they reach the fast path only through its seam, lib/fast/engine.ts. */
const TEACHING = ['nn/layers.ts', 'nn/layer_utils.ts', 'nn/fc_net.ts', 'nn/optim.ts', 'nn/solver.ts'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** Path under lib/ with forward slashes. */
const under = (file: string) => relative(LIB, file).split(sep).join('/');

/** The lib/ files `file` imports or re-exports (relative specifiers only, dynamic import() too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => under(resolve(dirname(file), s.replace(/\.js$/, '.ts'))));
}

function layerOf(path: string): number {
  const i = LAYERS.findIndex(([, pattern]) => pattern.test(path));
  if (i < 0) throw new Error(`lib/${path} is in no layer of the picture`);
  return i;
}

describe('import direction', () => {
  const files = sources(LIB).map(under);

  it('places every file of lib/ in a layer, and the check sees imports', () => {
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) layerOf(f);
    expect(layerOf('nn/solver.ts')).toBeGreaterThan(layerOf('nn/matrix.ts'));
    expect(importsOf(join(LIB, 'nn', 'solver.ts'))).toContain('fast/engine.ts');
  });

  it('imports point down the layers (or stay in their own)', () => {
    const upward = files.flatMap((f) => importsOf(join(LIB, f))
      .filter((g) => layerOf(g) > layerOf(f))
      .map((g) => `lib/${f} (${LAYERS[layerOf(f)][0]}) imports lib/${g} (${LAYERS[layerOf(g)][0]})`));
    expect(upward).toEqual([]);
  });

  it('the teaching files reach the fast path through its seam only, and the fast path knows of them only the engine contract', () => {
    const bad = TEACHING.flatMap((f) => importsOf(join(LIB, f)).filter((g) => g.startsWith('fast/') && g !== 'fast/engine.ts').map((g) => `${f} -> ${g}`));
    const back = files.filter((f) => f.startsWith('fast/'))
      .flatMap((f) => importsOf(join(LIB, f)).filter((g) => TEACHING.includes(g)).map((g) => `${f} -> ${g}`));
    expect([...bad, ...back]).toEqual([]);
  });

  it('the teaching files name no workspace, arena, resident memory or gradient buffer', () => {
    const words = /Workspace|arena|resident|gradOut|\boutFor/;
    const hits = TEACHING.flatMap((f) => readFileSync(join(LIB, f), 'utf8').split('\n')
      .map((line, i) => (words.test(line) ? `lib/${f}:${i + 1}: ${line.trim()}` : null)).filter((x) => x !== null));
    expect(hits).toEqual([]);
  });
});
