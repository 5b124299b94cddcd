// The build stamp: dist/.build-stamp carries the time the last successful build started, which
// scripts/build-current.mjs compares with the sources' times. scripts/build.mjs calls
// stampStart before compiling and stampDone after both compilers succeeded.
//   node scripts/build-stamp.mjs start [DIST]   (before the build: dist/.build-started, time = now)
//   node scripts/build-stamp.mjs done [DIST]    (after it succeeded: renamed to dist/.build-stamp)
// `start` removes the previous stamp: a build that fails or is interrupted leaves none, and the
// next setup builds again. When two builds overlap, the first to finish places it.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');

export function stampStart(dist = DIST) {
  mkdirSync(dist, { recursive: true });
  rmSync(path.join(dist, '.build-stamp'), { force: true });
  const started = path.join(dist, '.build-started');
  closeSync(openSync(started, 'w'));
  const now = new Date();
  utimesSync(started, now, now);
}

export function stampDone(dist = DIST) {
  try {
    renameSync(path.join(dist, '.build-started'), path.join(dist, '.build-stamp'));
  } catch (err) {
    if (err.code !== 'ENOENT') throw err; // an overlapping build has placed the stamp already
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [step, dist] = process.argv.slice(2);
  if (step === 'start') stampStart(dist);
  else if (step === 'done') stampDone(dist);
  else {
    console.error('usage: node scripts/build-stamp.mjs start|done [DIST]');
    process.exit(2);
  }
}
