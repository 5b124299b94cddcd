// `npm run build`'s prebuild and postbuild: leaves dist/.build-stamp with the time the last
// successful build started, which scripts/build-current.sh compares with the sources' times.
//   node scripts/build-stamp.mjs start [DIST]   (before the build: dist/.build-started, time = now)
//   node scripts/build-stamp.mjs done [DIST]    (after it succeeded: renamed to dist/.build-stamp)
// `start` removes the previous stamp: a build that fails or is interrupted (no postbuild) leaves
// none, and the next setup builds again. When two builds overlap, the first to finish places it.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = process.argv[3] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const started = path.join(dist, '.build-started');
const stamp = path.join(dist, '.build-stamp');

const step = process.argv[2];
if (step === 'start') {
  mkdirSync(dist, { recursive: true });
  rmSync(stamp, { force: true });
  closeSync(openSync(started, 'w'));
  const now = new Date();
  utimesSync(started, now, now);
} else if (step === 'done') {
  try {
    renameSync(started, stamp);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err; // an overlapping build has placed the stamp already
  }
} else {
  console.error('usage: node scripts/build-stamp.mjs start|done [DIST]');
  process.exit(2);
}
