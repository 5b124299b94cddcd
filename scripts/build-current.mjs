// Is dist/ built from the sources as they are now? setup.mjs uses it to skip the build on a rerun.
//
// scripts/build.mjs leaves dist/.build-stamp with the time the build *started*, so a source saved
// during a build still counts as newer. dist/ is current when nothing the build reads is newer than
// the stamp: lib/ and assembly/ (directories included, since adding, deleting or renaming a file
// changes its directory's time), the compiler settings, and the package files (the build scripts,
// the compiler versions).
//
//   node scripts/build-current.mjs [PROJECT_ROOT]   exits 0 if current; else prints why not, exits 1
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const INPUTS = ['lib', 'assembly', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json'];
const OUTPUTS = ['dist/.build-stamp', 'dist/index.js', 'dist/cli.js', 'dist/kernels/nnlab.wasm', 'dist/kernels/nnlab-fused.wasm'];

/** The first file or directory under `p` (itself included) modified after `time`, or null. */
function firstNewer(p, time) {
  const stat = statSync(p);
  if (stat.mtimeMs > time) return p;
  if (!stat.isDirectory()) return null;
  for (const name of readdirSync(p)) {
    const found = firstNewer(path.join(p, name), time);
    if (found) return found;
  }
  return null;
}

/** Why dist/ under `root` is not current (a sentence), or null when it is. Paths use '/'. */
export function whyStale(root) {
  for (const out of OUTPUTS) {
    if (!existsSync(path.join(root, out))) return `no ${out}`;
  }
  const stamp = statSync(path.join(root, 'dist', '.build-stamp')).mtimeMs;
  for (const input of INPUTS) {
    const full = path.join(root, input);
    if (!existsSync(full)) continue;
    const newer = firstNewer(full, stamp);
    if (newer) return `${path.relative(root, newer).split(path.sep).join('/')} changed since the last build`;
  }
  return null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
  const why = whyStale(root);
  if (why) {
    console.log(why);
    process.exit(1);
  }
}
