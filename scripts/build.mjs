// `npm run build`: the WebAssembly kernels (AssemblyScript) and the library (TypeScript) into
// dist/, between the two build stamps (scripts/build-stamp.mjs).
//
// Both compilers run from their own package's entry point with this Node, not through
// node_modules/.bin: there `tsc` is tslab's TypeScript 5.0 (@tslab/typescript-for-tslab), not the
// TypeScript that package.json declares; and .bin holds shell and .cmd wrappers, which need a
// shell (Windows' cmd.exe for the .cmd ones).
//
//   node scripts/build.mjs            stamp, kernels, library, page widgets (build-widgets.mjs), stamp
//   node scripts/build.mjs --wasm     the kernels only (dist/kernels/nnlab.wasm)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stampDone, stampStart } from './build-stamp.mjs';
import { buildWidgets } from './build-widgets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The compilers' entry points: the packages package.json declares, at the top of node_modules. */
export function compilers(root = ROOT) {
  return {
    asc: path.join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js'),
    tsc: path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  };
}

const WASM_COMMON = [
  'assembly/index.ts', '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--enable', 'threads',
  '--importMemory', '--sharedMemory', '--maximumMemory', '16384',
];
/**
 * The kernels are built twice from the same source: nnlab.wasm with plain SIMD (numerics
 * `exact`), and nnlab-fused.wasm with relaxed SIMD too, where the product's multiply-adds are
 * relaxed_madd (numerics `fused`, see madd in assembly/gemm.ts and lib/kernels/fused.ts). Two
 * files, so that `exact` never depends on an engine that knows relaxed SIMD.
 */
const WASM_BUILDS = [
  [...WASM_COMMON, '-o', 'dist/kernels/nnlab.wasm'],
  [...WASM_COMMON, '--enable', 'relaxed-simd', '-o', 'dist/kernels/nnlab-fused.wasm'],
];

function run(script, args) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`build: ${path.relative(ROOT, script)} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wasmOnly = process.argv.includes('--wasm');
  const { asc, tsc } = compilers();
  if (!wasmOnly) stampStart();
  for (const args of WASM_BUILDS) run(asc, args);
  if (!wasmOnly) {
    run(tsc, ['-p', 'tsconfig.build.json']);
    await buildWidgets();
    stampDone();
  }
}
