/**
 * `nnlab digest`: the reproducibility digest (lib/experiments/digest.ts), to compare machines.
 * --check compares it with the recorded one and exits 1 on any difference; --write records it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { computeDigest, digestDifferences, type Digest } from '../experiments/digest.js';
import { forceThreadSharing, kernelBackend, kernelThreadCount, numericsMode } from '../kernels/index.js';
import { writeFileAtomic } from '../util/io.js';
import { versionLines } from '../versions.js';

/**
 * The recorded digest of the numerics mode that runs: test/fixtures/digest.json (`exact`) or
 * digest-fused.json (`fused`) in the project (not part of an installed package).
 */
function recordedDigestPath(): string {
  const name = numericsMode() === 'exact' ? 'digest.json' : `digest-${numericsMode()}.json`;
  return path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', name);
}

function readRecorded(file: string): Digest {
  if (!existsSync(file)) throw new Error(`digest --check: no recorded digest at ${file} (it comes with a clone of the nnlab repository)`);
  let d: Partial<Digest>;
  try {
    d = JSON.parse(readFileSync(file, 'utf8')) as Partial<Digest>;
  } catch (err) {
    throw new Error(`digest --check: ${file} is not JSON (${(err as Error).message})`);
  }
  const ok = typeof d.numerics === 'number' && (d.mode === undefined || d.mode === 'exact' || d.mode === 'fused') && Array.isArray(d.lines)
    && d.lines.every((l) => typeof l?.run === 'string' && typeof l?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(l.sha256));
  if (!ok) throw new Error(`digest --check: ${file} is not a digest ({numerics, mode?, lines: [{run, sha256}]}, as \`nnlab digest --json\` prints)`);
  return d as Digest;
}

export function registerDigest(program: Command): void {
  program
    .command('digest')
    .description('train a fixed set of small runs and print a SHA-256 of each one\'s parameters and losses: machines that print the same lines compute the same bits')
    .option('--json', 'print the digest as one JSON object')
    .option('--check', 'compare with the recorded digest of the numerics mode (test/fixtures/digest.json, or digest-fused.json with --numerics fused) and exit 1 on any difference')
    .option('--against <file>', 'with --check: compare with this digest instead (another machine\'s `nnlab digest --json`)')
    .option('--write', 'record this digest as the reference (after a deliberate change of numerics: bump NUMERICS_VERSION first)')
    .action((opts: { json?: boolean; check?: boolean; write?: boolean; against?: string }) => {
      if (opts.check && opts.write) throw new Error('digest: --check and --write exclude each other');
      if (opts.against !== undefined && !opts.check) throw new Error('digest: --against needs --check');
      // With 2 threads or more, every product that can be shared is shared, so that the digest
      // covers the threaded path however small its runs are.
      if (kernelThreadCount() > 1) forceThreadSharing(true);
      const digest = computeDigest();
      forceThreadSharing(null);
      if (opts.json) console.log(JSON.stringify(digest));
      else {
        for (const line of versionLines()) console.log(line);
        console.log(`kernels ${kernelBackend()}, ${kernelThreadCount()} thread(s)`);
        for (const { run, sha256 } of digest.lines) console.log(`${sha256.slice(0, 16)}  ${run}`);
      }
      const file = opts.against === undefined ? recordedDigestPath() : path.resolve(opts.against);
      if (opts.write) {
        writeFileAtomic(file, `${JSON.stringify(digest, null, 2)}\n`);
        console.error(`digest: recorded in ${file}`);
      }
      if (opts.check) {
        const differences = digestDifferences(readRecorded(file), digest);
        if (differences.length > 0) throw new Error(`digest differs from ${file}:\n  ${differences.join('\n  ')}`);
        console.error(`digest: identical to the recorded one (${digest.lines.length} runs)`);
      }
    });
}
