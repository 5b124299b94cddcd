/**
 * `nnlab report`: executes the notebooks and writes the HTML report (report/index.html).
 * `nnlab lab`: opens JupyterLab on the notebooks, with the project's Jupyter and tslab kernel.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildReport, defaultNotebooks } from '../report/index.js';
import { ensureSelfLink, projectRoot, requireJupyter } from '../report/jupyter.js';
import { parseInteger } from './options.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('execute all notebooks (tslab kernel, nbconvert) and write the HTML report to report/index.html')
    .option('-o, --out <dir>', 'output folder', 'report')
    .option('-p, --profile <profile>', 'experiment profile: quick or full (default: $NNLAB_PROFILE or quick)')
    .option('-d, --data <dir>', 'course dataset folder (default: $NNLAB_DATA, else the built-in synthetic data)')
    .option('-n, --notebook <name...>', 'only these notebooks (file names or prefixes, e.g. 01)')
    .option('--timeout <seconds>', 'per-cell timeout', '1800')
    .option('-w, --workers <n>', 'worker threads for the experiment grids (default: $NNLAB_WORKERS, else one per core)')
    .action(async (opts: { out: string; profile?: string; data?: string; notebook?: string[]; timeout: string; workers?: string }) => {
      const env = { ...process.env };
      if (opts.profile) env.NNLAB_PROFILE = opts.profile;
      if (opts.data) env.NNLAB_DATA = path.resolve(opts.data);
      if (opts.workers !== undefined) env.NNLAB_WORKERS = String(parseInteger('--workers', opts.workers, 0));
      let notebooks = defaultNotebooks();
      if (opts.notebook) notebooks = notebooks.filter((f) => opts.notebook!.some((n) => path.basename(f).startsWith(n)));
      const result = await buildReport({ outDir: opts.out, env, notebooks, cellTimeoutSec: Number(opts.timeout) });
      if (!result.ok) process.exitCode = 1;
    });

  program
    .command('lab')
    .description('open JupyterLab on the notebooks (run `bash scripts/setup.sh` once first)')
    .option('-p, --profile <profile>', 'experiment profile for the notebooks: quick or full')
    .option('-d, --data <dir>', 'course dataset folder (default: $NNLAB_DATA, else the built-in synthetic data)')
    .option('--port <port>', 'port (default: JupyterLab chooses)')
    .option('-w, --workers <n>', 'worker threads for the experiment grids (default: $NNLAB_WORKERS, else one per core)')
    .allowUnknownOption(true)
    .action(async (opts: { profile?: string; data?: string; port?: string; workers?: string }, cmd: Command) => {
      const jupyter = requireJupyter(['jupyterlab']);
      ensureSelfLink();
      const env = { ...process.env };
      if (opts.profile) env.NNLAB_PROFILE = opts.profile;
      if (opts.data) env.NNLAB_DATA = path.resolve(opts.data);
      if (opts.workers !== undefined) env.NNLAB_WORKERS = String(parseInteger('--workers', opts.workers, 0));
      const args = ['-m', 'jupyter', 'lab', `--ServerApp.root_dir=${path.join(projectRoot(), 'notebooks')}`];
      if (opts.port) args.push(`--ServerApp.port=${opts.port}`);
      if (process.getuid?.() === 0) args.push('--allow-root'); // containers and CI run as root
      args.push(...cmd.args);
      const child = spawn(jupyter.python, args, { stdio: 'inherit', env });
      await new Promise<void>((resolve) => child.on('close', (code) => { process.exitCode = code ?? 0; resolve(); }));
    });
}
