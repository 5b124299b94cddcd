/** `nnlab report`: executes the notebooks and writes the HTML report (report/index.html). */
import type { Command } from 'commander';
import path from 'node:path';
import { buildReport } from '../report/index.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('execute all notebooks (tslab kernel, nbconvert) and write the HTML report to report/index.html')
    .option('-o, --out <dir>', 'output folder', 'report')
    .option('-p, --profile <profile>', 'experiment profile: quick or full (default: $NNLAB_PROFILE or quick)')
    .option('-d, --data <dir>', 'course dataset folder (default: $NNLAB_DATA, else the built-in synthetic data)')
    .option('-n, --notebook <name...>', 'only these notebooks (file names or prefixes, e.g. 01)')
    .option('--timeout <seconds>', 'per-cell timeout', '1800')
    .action(async (opts: { out: string; profile?: string; data?: string; notebook?: string[]; timeout: string }) => {
      const env = { ...process.env };
      if (opts.profile) env.NNLAB_PROFILE = opts.profile;
      if (opts.data) env.NNLAB_DATA = path.resolve(opts.data);
      const { defaultNotebooks } = await import('../report/index.js');
      let notebooks = defaultNotebooks();
      if (opts.notebook) notebooks = notebooks.filter((f) => opts.notebook!.some((n) => path.basename(f).startsWith(n)));
      const result = await buildReport({ outDir: opts.out, env, notebooks, cellTimeoutSec: Number(opts.timeout) });
      if (!result.ok) process.exitCode = 1;
    });
}
