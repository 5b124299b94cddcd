/**
 * The package's entry points (package.json `exports`): the core `nnlab` stays small and light,
 * and every subpath resolves the three ways it is reached — Node's `import`, CommonJS `require`
 * (how tslab runs notebook cells), and TypeScript 5.0 with node10 resolution (how tslab compiles
 * them, which reads `typesVersions`, not `exports`). Runs against dist/ (`npm run build`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ts from 'typescript';
import { platformChoices } from '../lib/util/platform.js';
import { ROOT } from './notebooks.fixture.js';

// --import and import() take URLs: a Windows path (C:\…) would read as the protocol 'c:'.
const RECORDER = pathToFileURL(path.join(ROOT, 'test', 'fixtures', 'record-loads.mjs')).href;
const HEAVY_PACKAGES = ['danfojs-node', '@tensorflow/tfjs-node', '@tensorflow/tfjs-core', 'piscina', 'plotly.js-dist-min'];
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>; typesVersions: Record<string, Record<string, string[]>>;
};
const SUBPATHS = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => k.replace(/^\.\/?/, ''));
const specifierOf = (subpath: string) => (subpath ? `nnlab/${subpath}` : 'nnlab');

let tmp: string;
beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('the library is not built (npm run build)');
  tmp = mkdtempSync(path.join(tmpdir(), 'nnlab-entries-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The packages a fresh Node process loads for `import(specifier)`, run in the project folder. */
function packagesLoadedBy(specifier: string): string[] {
  const log = path.join(tmp, `loads-${specifier.replace(/\W/g, '_')}.txt`);
  writeFileSync(log, '');
  execFileSync(process.execPath, ['--import', RECORDER, '--input-type=module', '-e', `await import(${JSON.stringify(specifier)});`], {
    cwd: ROOT, env: { ...process.env, NNLAB_LOAD_LOG: log }, stdio: 'pipe',
  });
  const packages = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n')) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) packages.add(m[1]);
  }
  return [...packages].sort();
}

describe('nnlab (the core)', () => {
  it('loads no data-frame, TensorFlow.js, worker-pool or plotting package', () => {
    const loaded = packagesLoadedBy('nnlab');
    expect(loaded.filter((p) => HEAVY_PACKAGES.includes(p))).toEqual([]);
    // pure-rand (the seeded generator) and stdlib's fdlibm ports with their small helper packages
    // (lib/math/elementary.ts: the deterministic exp, log, sin, cos, expm1).
    expect(loaded.filter((p) => !p.startsWith('@stdlib/'))).toEqual(['pure-rand']);
    expect(loaded).toEqual(expect.arrayContaining(['@stdlib/math-base-special-exp', '@stdlib/math-base-special-ln']));
  });

  it('the same check sees those packages when an entry does load them (nnlab/notebook)', () => {
    const loaded = packagesLoadedBy('nnlab/notebook');
    expect(loaded).toContain('danfojs-node');
    expect(loaded).toContain('piscina');
  });

  it('exports at most 80 names, types included', () => {
    const program = ts.createProgram([path.join(ROOT, 'dist', 'index.d.ts')], { skipLibCheck: true, types: [] });
    const checker = program.getTypeChecker();
    const entry = checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, 'dist', 'index.d.ts'))!)!;
    const names = checker.getExportsOfModule(entry).map((s) => s.name);
    expect(names).toContain('FullyConnectedNet');
    expect(names.length).toBeGreaterThan(40);
    expect(names.length).toBeLessThanOrEqual(80);
  });
});

describe('every entry point', () => {
  it.each(SUBPATHS)('"%s" loads through import and require alike', async (subpath) => {
    const specifier = specifierOf(subpath);
    const imported = await import(/* @vite-ignore */ pathToFileURL(path.join(ROOT, 'dist', subpath ? `entries/${subpath}.js` : 'index.js')).href);
    const byName = execFileSync(process.execPath, ['--input-type=module', '-e',
      `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).sort().join(','));`], { cwd: ROOT, encoding: 'utf8' });
    expect(byName.trim()).toBe(Object.keys(imported).sort().join(','));
    // tslab's cells call require(); require() of an ES module needs one without top-level await.
    const required = createRequire(path.join(ROOT, 'notebooks', 'cell.js'))(specifier) as Record<string, unknown>;
    expect(Object.keys(required).sort()).toEqual(Object.keys(imported).sort());
  });

  it('has a typesVersions entry beside its exports entry', () => {
    expect(Object.keys(pkg.typesVersions['*']).sort()).toEqual(SUBPATHS.filter(Boolean).sort());
  });

  // Under Wine (.ci/wine sets NNLAB_UNDER_WINE) a junction does not resolve as on Windows; the
  // choice of link is tested in platform.test.ts.
  it.skipIf(process.env.NNLAB_UNDER_WINE)("type-checks in tslab's compiler: TypeScript 5.0, node10 resolution, CommonJS", () => {
    // What setup.mjs makes for the notebooks: node_modules/nnlab, a link to the project.
    const project = path.join(tmp, 'cells');
    mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, path.join(project, 'node_modules', 'nnlab'), platformChoices().selfLinkType); // a junction on Windows
    const cell = path.join(project, 'cell.ts');
    writeFileSync(cell, [
      'import { Matrix, FullyConnectedNet } from "nnlab";',
      'import { startLab, showTable } from "nnlab/notebook";',
      'import { synthesizeCharacters, fitSine } from "nnlab/data";',
      'import { setKernelBackend, StepArena } from "nnlab/kernels";',
      'import { runBench } from "nnlab/bench";',
      'const m: Matrix = new Matrix(1, 1);',
      'export const uses = [m, FullyConnectedNet, startLab, showTable, synthesizeCharacters, fitSine, setKernelBackend, StepArena, runBench];',
    ].join('\n'));
    const tslabTs = createRequire(path.join(ROOT, 'node_modules', 'tslab', 'package.json'))('@tslab/typescript-for-tslab') as typeof ts;
    expect(tslabTs.version).toMatch(/^5\.0\./);
    const program = tslabTs.createProgram([cell], {
      module: tslabTs.ModuleKind.CommonJS, moduleResolution: tslabTs.ModuleResolutionKind.Node10,
      esModuleInterop: true, strict: true, noEmit: true, skipLibCheck: true, target: tslabTs.ScriptTarget.ES2022,
      types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    });
    const problems = tslabTs.getPreEmitDiagnostics(program)
      .map((d) => tslabTs.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });
});
