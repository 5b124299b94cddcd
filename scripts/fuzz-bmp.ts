/**
 * `npm run fuzz [-- COUNT [SEED]]`: the BMP decoder against COUNT (default 100,000) mutated files
 * from test/bmp-mutations.ts, for longer checks than the test suite's few thousand. Prints the
 * outcome and every file that broke the property (decoded, or an error naming the file); exits
 * 1 if any did. Run the same COUNT and SEED again to get the same files.
 */
import { performance } from 'node:perf_hooks';
import { fuzzBmpDecoder } from '../test/bmp-mutations.js';

const count = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: npm run fuzz -- [COUNT] [SEED]  (positive whole numbers)');
  process.exit(2);
}
const t0 = performance.now();
const { decoded, rejected, bugs } = fuzzBmpDecoder(count, seed);
const seconds = ((performance.now() - t0) / 1000).toFixed(1);
console.log(`BMP fuzz, seed ${seed}: ${count} mutated files in ${seconds} s: ${decoded} decoded, ${rejected} rejected naming the file, ${bugs.length} bugs`);
for (const bug of bugs.slice(0, 20)) console.log(`  ${bug}`);
if (bugs.length > 20) console.log(`  … and ${bugs.length - 20} more`);
process.exit(bugs.length > 0 ? 1 : 0);
