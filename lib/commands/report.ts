/**
 * `nnlab report`: executes the notebooks and writes the HTML report (report/index.html).
 * `nnlab lab`: opens JupyterLab on the notebooks, with the project's Jupyter and tslab kernel.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildReport, defaultNotebooks } from '../report/index.js';
import { findChromium, loadPlaywright, noChromiumMessage, writeReportPdf } from '../report/pdf.js';
import { ensureSelfLink, projectRoot, requireJupyter } from '../report/jupyter.js';
import { PROFILES } from '../experiments/profile.js';
import { parseInteger, parsePositiveNumber } from './options.js';
import { parseQueueUrl } from '../queue/url.js';

/**
 * The queue the notebooks' grids go through (--queue, else NNLAB_QUEUE; none: this machine), checked
 * here, before any notebook runs: a typo or an unreachable Redis is one clear line, not five failed pages.
 */
async function checkQueue(option: string | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const url = option ?? env.NNLAB_QUEUE;
  if (!url) return;
  const address = parseQueueUrl(url, option !== undefined ? '--queue' : 'NNLAB_QUEUE');
  const { probeRedis } = await import('../queue/connection.js'); // ioredis loads only with a queue
  await probeRedis(address);
  env.NNLAB_QUEUE = url;
}

function parseProfile(text: string): string {
  const name = text.trim().toLowerCase();
  if (!Object.hasOwn(PROFILES, name)) throw new Error(`--profile: expected one of ${Object.keys(PROFILES).join(', ')}, got '${text}'`);
  return name;
}

/** The notebooks `--notebook` names (file names or prefixes); an unknown name is an error listing the known ones. */
function selectNotebooks(all: string[], wanted: string[] | undefined): string[] {
  if (!wanted) return all;
  for (const w of wanted) {
    if (!all.some((f) => path.basename(f).startsWith(w))) {
      throw new Error(`--notebook: no notebook named '${w}…' (have ${all.map((f) => path.basename(f, '.ipynb')).join(', ')})`);
    }
  }
  return all.filter((f) => wanted.some((w) => path.basename(f).startsWith(w)));
}

/** What to do with the report once it is written: the last lines of `npm run report`. */
function closingLines(index: string, ok: boolean): string[] {
  return [
    `report: ${pathToFileURL(index).href}`,
    ok
      ? 'Next: open that link in a browser; `npm test` runs the tests; `npm run lab` opens the notebooks in JupyterLab.'
      : 'Next: the index lists each failing page\'s problems; fix them and rebuild just that page with `npm run nnlab -- report --notebook NN`.',
  ];
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('execute all notebooks (tslab kernel, nbconvert) and write the HTML report to report/index.html')
    .option('-o, --out <dir>', 'output folder', 'report')
    .option('-p, --profile <profile>', "experiment profile: full (the report's settings, 3 seeds) or quick (a smoke run) (default: $NNLAB_PROFILE, else full)")
    .option('-d, --data <dir>', 'course dataset folder (default: $NNLAB_DATA, else the built-in synthetic data)')
    .option('-n, --notebook <name...>', 'only these notebooks (file names or prefixes, e.g. 01); the index keeps the other pages')
    .option('--timeout <seconds>', 'stop a notebook that shows no progress (no cell started or ended, no run of a grid done) for this long', '1800')
    .option('-w, --workers <n>', 'worker threads for the experiment grids (default: $NNLAB_WORKERS, else one per core)')
    .option('-q, --queue <url>', 'train the grids on `nnlab worker`s through Redis: redis://[:password@]host:port[/db] or rediss://… (default: $NNLAB_QUEUE)')
    .option('--budget <seconds>', 'seconds of training notebook 05\'s search may take on each worker (with --queue, give --workers as the number of queue workers); more budget or workers buy more configurations and rungs (default: $NNLAB_BUDGET, else the profile\'s: 240 full, 4 quick)')
    .option('--keep-notebooks', 'also keep the executed notebooks (<name>.ipynb, about 5 MB each) in the output folder')
    .option('--rebuild', 'execute every notebook, even one whose page is up to date (same notebook, library, profile and data)')
    .option('--pdf', 'also print the report to one PDF, <out>/report.pdf, with headless Chromium ($NNLAB_CHROMIUM, else the usual install locations)')
    .action(async (opts: { out: string; profile?: string; data?: string; notebook?: string[]; timeout: string; workers?: string; queue?: string; budget?: string; keepNotebooks?: boolean; rebuild?: boolean; pdf?: boolean }) => {
      // The browser is checked before the build, which can take an hour.
      const chromium = opts.pdf ? findChromium() : null;
      if (opts.pdf && !chromium) throw new Error(noChromiumMessage());
      if (opts.pdf) await loadPlaywright();
      const env = { ...process.env };
      if (opts.profile !== undefined) env.NNLAB_PROFILE = parseProfile(opts.profile);
      if (opts.data) env.NNLAB_DATA = path.resolve(opts.data);
      if (opts.workers !== undefined) env.NNLAB_WORKERS = String(parseInteger('--workers', opts.workers, 0));
      if (opts.budget !== undefined) env.NNLAB_BUDGET = String(parsePositiveNumber('--budget', opts.budget));
      const cellTimeoutSec = parseInteger('--timeout', opts.timeout, 1);
      await checkQueue(opts.queue, env);
      const notebooks = selectNotebooks(defaultNotebooks(), opts.notebook);
      const result = await buildReport({ outDir: opts.out, env, notebooks, cellTimeoutSec, keepNotebooks: opts.keepNotebooks === true, rebuild: opts.rebuild === true });
      if (chromium) {
        const pdf = await writeReportPdf({ reportDir: opts.out, chromium, log: (l) => console.log(l) });
        console.log(`pdf: ${pdf.pages} pages (${pdf.chapters.length} chapters) written to ${pdf.file} in ${pdf.seconds.toFixed(0)} s`);
      }
      for (const line of closingLines(result.index, result.ok)) console.log(line);
      if (!result.ok) process.exitCode = 1;
    });

  program
    .command('lab')
    .description('open JupyterLab on the notebooks (run `node scripts/setup.mjs` once first)')
    .option('-p, --profile <profile>', 'experiment profile for the notebooks: quick or full')
    .option('-d, --data <dir>', 'course dataset folder (default: $NNLAB_DATA, else the built-in synthetic data)')
    .option('--port <port>', 'port (default: JupyterLab chooses)')
    .option('-w, --workers <n>', 'worker threads for the experiment grids (default: $NNLAB_WORKERS, else one per core)')
    .option('-q, --queue <url>', 'train the notebooks\' grids on `nnlab worker`s through Redis (default: $NNLAB_QUEUE)')
    .allowUnknownOption(true)
    .action(async (opts: { profile?: string; data?: string; port?: string; workers?: string; queue?: string }, cmd: Command) => {
      const jupyter = requireJupyter(['jupyterlab']);
      ensureSelfLink();
      const env = { ...process.env };
      if (opts.profile) env.NNLAB_PROFILE = opts.profile;
      if (opts.data) env.NNLAB_DATA = path.resolve(opts.data);
      if (opts.workers !== undefined) env.NNLAB_WORKERS = String(parseInteger('--workers', opts.workers, 0));
      await checkQueue(opts.queue, env);
      const args = ['-m', 'jupyter', 'lab', `--ServerApp.root_dir=${path.join(projectRoot(), 'notebooks')}`];
      if (opts.port) args.push(`--ServerApp.port=${opts.port}`);
      if (process.getuid?.() === 0) args.push('--allow-root'); // containers and CI run as root
      args.push(...cmd.args);
      const child = spawn(jupyter.python, args, { stdio: 'inherit', env });
      await new Promise<void>((resolve) => child.on('close', (code) => { process.exitCode = code ?? 0; resolve(); }));
    });
}
