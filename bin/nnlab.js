#!/usr/bin/env node
// The CLI is written in TypeScript (lib/cli.ts) and built to dist/ by `npm run build` (run by `npm ci`).
// Every failure ends with one line on stderr and exit code 1, never a stack trace: a bad
// argument, a bad environment variable (checked while the library loads, hence the dynamic
// import inside the handler), or a reader that closed our output (`nnlab train | head -1`).

/** One line for `err`, without repeating the "nnlab: " that some messages already carry. */
function fail(err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${message.startsWith('nnlab: ') ? message : `nnlab: ${message}`}\n`);
  process.exit(1);
}

process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') fail('the output was closed before nnlab finished writing (EPIPE); stopping');
  fail(err);
});

import('../dist/cli.js').then(({ main }) => main(process.argv)).catch(fail);
