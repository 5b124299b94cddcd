#!/usr/bin/env node
// The CLI is written in TypeScript (lib/cli.ts) and built to dist/ by `npm run build` (run by `npm ci`).
import { main } from '../dist/cli.js';

main(process.argv).catch((err) => {
  process.stderr.write(`nnlab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
