/**
 * The HTML lab report: executes each notebook (nbclient, the tslab kernel, the project's Jupyter;
 * see ./driver.ts) in a temporary folder, exports it to an offline page that loads the shared
 * `plotly.min.js`, and writes `report/index.html`, the report's summary, from `summary.json`,
 * which keeps the entries of notebooks not rebuilt this time, and `results.json`, its numbers
 * (./results.ts).
 *
 * Every file in the report folder is written to a temporary file and renamed into place, so an
 * interrupted build leaves the previous pages whole. The executed notebooks are not kept there
 * unless asked for (`keepNotebooks`): each inlines plotly.js and weighs about 5 MB.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jupyterCandidates, projectRoot, ensureSelfLink, type JupyterEnv } from './jupyter.js';
import { NotebookDriver } from './driver.js';
import { emptySummary, inspectNotebook, readNotebook, type Notebook, type NotebookProblem } from './inspect.js';
import { writeTemplate } from './template.js';
import { notebookFacts, notebookTitle } from './facts.js';
import { fillNavigation, refreshNavigation, withSharedPlotly, writeSharedPlotly, type PageLink } from './page.js';
import { insertMath, withMathPlaceholders, writeKatexAssets } from './math.js';
import { entryOk, mergeEntries, readSummary, writeSummary, type NotebookEntry } from './summary.js';
import { indexHtml } from './index_page.js';
import { withCompactProgress } from './compact.js';
import { notebookResults, writeResults, type NotebookResults } from './results.js';
import { createConsole, followProgress, NotebookProgress, type Console } from './progress.js';
import { writeFileAtomic } from '../util/io.js';
import { getProfile } from '../experiments/profile.js';
import { pageInputs } from './inputs.js';
import { claimOutFolder, removeExecuted, withOutFolderLock, writeExecuted } from './out_folder.js';
import { cleanupOnSignals, makeWorkFolder, removeStaleWorkFolders } from './work_folder.js';

export { inspectNotebook, readNotebook, type NotebookSummary, type NotebookProblem, type Notebook } from './inspect.js';
export { findJupyter, requireJupyter, hasTslabKernel, projectRoot, ensureSelfLink, type JupyterEnv } from './jupyter.js';
export { writeTemplate, TEMPLATE_NAME } from './template.js';
export { notebookFacts, type HeadlineRow } from './facts.js';
export { readSummary, type NotebookEntry } from './summary.js';
export { createConsole, NotebookProgress, type Console } from './progress.js';

export interface ReportOptions {
  /** Notebooks to run (paths); default: notebooks/*.ipynb of the project, in name order. */
  notebooks?: string[];
  /** Output folder; default <project>/report. */
  outDir?: string;
  /** Inactivity timeout in seconds (default 1800): a notebook that shows no progress for this long is stopped. */
  cellTimeoutSec?: number;
  /** Plain lines (default: stdout). Giving it turns the redrawn status line off unless `isTTY`. */
  log?: (line: string) => void;
  /** Redraw one status line in place (default: stdout is a terminal and no `log` was given). */
  isTTY?: boolean;
  /** Raw output for the status line (default: stdout). */
  write?: (text: string) => void;
  /** Environment for the kernels (default: process.env). NNLAB_PROFILE / NNLAB_DATA pass through it. */
  env?: NodeJS.ProcessEnv;
  jupyter?: JupyterEnv;
  /** Also write the executed notebooks (`<name>.ipynb`, plotly.js inlined) into the report folder. */
  keepNotebooks?: boolean;
  /** Execute every notebook even when its page is up to date (same notebook, library, profile and data). */
  rebuild?: boolean;
}

/** One notebook of this build: its summary entry, and where its executed copy was kept, if it was. */
export interface NotebookResult extends NotebookEntry {
  executed: string | null;
  /** Its part of results.json (./results.ts); null when the page was kept or did not execute. */
  results?: NotebookResults | null;
}

export interface ReportResult {
  index: string;
  /** The notebooks built this time. */
  notebooks: NotebookResult[];
  /** Every entry of the index, including those kept from earlier builds. */
  entries: NotebookEntry[];
  seconds: number;
  /** Whether every notebook of this build executed and exported without problems. */
  ok: boolean;
}

export function defaultNotebooks(): string[] {
  const dir = path.join(projectRoot(), 'notebooks');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** What every notebook's build shares. */
interface BuildContext {
  driver: NotebookDriver;
  env: NodeJS.ProcessEnv;
  timeoutSec: number;
  /** The temporary folder: executed notebooks, exports, progress files. */
  work: string;
  templates: string;
  outDir: string;
  /** The report's pages once this build is done, for the navigation. */
  pages: PageLink[];
  /** Entries of the previous build, for the time estimates. */
  previous: Map<string, NotebookEntry>;
  profile: string;
  keepNotebooks: boolean;
  rebuild: boolean;
  out: Console;
}

const nameOf = (file: string) => path.basename(file, '.ipynb');

/** Executes the notebooks and writes the report. */
export async function buildReport(options: ReportOptions = {}): Promise<ReportResult> {
  const started = Date.now();
  const out = createConsole({ log: options.log, isTTY: options.isTTY, write: options.write });
  const notebooks = options.notebooks ?? defaultNotebooks();
  if (notebooks.length === 0) throw new Error('buildReport: no notebooks to build');
  const env = { ...(options.env ?? process.env) };
  const profile = getProfile(env.NNLAB_PROFILE).name; // also checks NNLAB_PROFILE before Jupyter starts
  const outDir = path.resolve(options.outDir ?? path.join(projectRoot(), 'report'));
  claimOutFolder(options.outDir ?? outDir, notebooks); // before anything is written: never beside the user's own files
  ensureSelfLink();
  const previous = readSummary(outDir, out.line).filter((e) => !e.html || existsSync(path.join(outDir, e.html)));
  for (const stale of removeStaleWorkFolders()) out.line(`report: removed ${stale}, left by a build that was killed`);
  const work = makeWorkFolder();
  let driver: NotebookDriver | undefined;
  const removeSignalHandlers = cleanupOnSignals(() => {
    driver?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  try {
    driver = await NotebookDriver.start(options.jupyter ? [options.jupyter] : jupyterCandidates(), work, env, (l) => {
      if (/error|Traceback/i.test(l)) out.line(`  ${l}`);
    });
    const ctx: BuildContext = {
      driver, env, work, outDir, profile, out,
      timeoutSec: options.cellTimeoutSec ?? 1800,
      templates: writeTemplate(path.join(work, 'templates')),
      pages: plannedPages(previous, notebooks),
      previous: new Map(previous.map((e) => [e.name, e])),
      keepNotebooks: options.keepNotebooks ?? false,
      rebuild: options.rebuild ?? false,
    };
    writeSharedPlotly(outDir);
    writeKatexAssets(outDir);
    const results: NotebookResult[] = [];
    for (const [i, file] of notebooks.entries()) {
      const inputs = pageInputs(file, env, profile);
      const kept = upToDatePage(nameOf(file), inputs, ctx);
      if (kept) {
        out.line(`report: ${kept.name} is up to date (same notebook, library, profile and data as its build of ${kept.builtAt.replace('T', ' ').slice(0, 19)} UTC): page kept; --rebuild executes it anyway`);
        results.push({ ...kept, executed: null });
        continue;
      }
      out.line(`report: executing ${nameOf(file)} (${i + 1} of ${notebooks.length}, profile ${profile}) …`);
      results.push({ ...(await buildNotebook(file, ctx)), inputs });
    }
    const index = path.join(outDir, 'index.html');
    const cited = Object.fromEntries(results.flatMap((r) => (r.results ? [[r.name, r.results]] : [])));
    const entries = await publishEntries(outDir, results.map(({ executed: _, results: __, ...entry }) => entry), out.line, cited);
    const seconds = (Date.now() - started) / 1000;
    const ok = results.every(entryOk);
    out.line(`report: ${ok ? 'written' : 'written WITH PROBLEMS'} to ${index} in ${seconds.toFixed(0)} s`);
    return { index, notebooks: results, entries, seconds, ok };
  } finally {
    removeSignalHandlers();
    driver?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Adds this build's entries to the report's summary.json, index and navigation, under the
 * folder's lock and over the summary as it is now: another build into the same folder may have
 * added its pages since this one started. Returns every entry of the index.
 */
export async function publishEntries(outDir: string, built: NotebookEntry[], warn: (line: string) => void, results: Record<string, NotebookResults> = {}): Promise<NotebookEntry[]> {
  return withOutFolderLock(outDir, () => {
    const current = readSummary(outDir, warn).filter((e) => !e.html || existsSync(path.join(outDir, e.html)));
    const merged = mergeEntries(current, built);
    refreshNavigation(outDir, pageLinks(merged));
    writeSummary(outDir, merged);
    const written = writeResults(outDir, results, merged.map((e) => e.name), warn);
    writeFileAtomic(path.join(outDir, 'index.html'), indexHtml(merged, new Date(), written.notebooks));
    return merged;
  });
}

/** The previous build's entry for `name` when its page can be kept as it is, else null. */
function upToDatePage(name: string, inputs: string | null, ctx: BuildContext): NotebookEntry | null {
  if (ctx.rebuild || ctx.keepNotebooks || inputs === null) return null;
  const last = ctx.previous.get(name);
  if (!last || last.inputs !== inputs || !entryOk(last) || !last.html || !existsSync(path.join(ctx.outDir, last.html))) return null;
  return last;
}

function pageLinks(entries: Array<Pick<NotebookEntry, 'name' | 'title' | 'html'>>): PageLink[] {
  return entries.filter((e) => e.html).map((e) => ({ name: e.name, title: e.title, href: e.html }));
}

/** The pages the report will hold: the earlier ones and this build's, titled from the source notebooks. */
function plannedPages(previous: NotebookEntry[], notebooks: string[]): PageLink[] {
  const planned = notebooks.map((file) => {
    const name = nameOf(file);
    let title = name;
    try {
      title = notebookTitle(readNotebook(file), name);
    } catch { /* unreadable: nbconvert will say why */ }
    return { name, title, href: `${name}.html` };
  });
  return mergeEntries(pageLinks(previous), planned);
}

/** Executes one notebook, exports its page and returns its entry. */
async function buildNotebook(file: string, ctx: BuildContext): Promise<NotebookResult> {
  const name = nameOf(file);
  const builtAt = new Date().toISOString();
  const { code, error, seconds } = await executeNotebook(file, ctx);
  const executedFile = path.join(ctx.work, `${name}.ipynb`);
  let nb: Notebook;
  try {
    nb = readNotebook(executedFile);
  } catch {
    ctx.out.line(`report: ${name} did not execute: ${error ?? 'no executed notebook was written'}`);
    return {
      name, title: name, html: '', seconds, builtAt, profile: null, data: null, dtype: null, seeds: null, headlines: [],
      summary: { ...emptySummary(), problems: [{ cell: -1, kind: 'error', message: `notebook did not execute: ${error ?? 'no executed notebook was written'}` }] },
      exitCode: code || 1, executed: null, inputs: null,
    };
  }
  const facts = notebookFacts(nb, name);
  const results = notebookResults(nb, builtAt);
  const summary = inspectNotebook(nb);
  // A cell that timed out or a kernel that died stopped the run: say so before what it left undone.
  if (error) summary.problems.unshift({ cell: -1, kind: 'error', message: `execution stopped: ${error}` });
  summary.problems.push(...[...facts.headlineProblems, ...results.problems].map((message): NotebookProblem => ({ cell: -1, kind: 'headline', message })));
  const exported = await exportPage(nb, name, ctx);
  if (!exported.ok) summary.problems.push({ cell: -1, kind: 'export', message: exported.message });
  const executed = keepExecuted(executedFile, name, ctx);
  const { headlineProblems: _, ...entryFacts } = facts;
  const problems = summary.problems.length ? `, ${summary.problems.length} problem(s)` : '';
  ctx.out.line(`report: ${name} done in ${seconds.toFixed(0)} s: ${summary.plots} charts, ${summary.tables} tables, ${facts.headlines.length} headline results${problems}`);
  for (const p of summary.problems) ctx.out.line(`  cell ${p.cell}: ${p.kind}: ${p.message}`);
  return { ...entryFacts, name, html: exported.ok ? `${name}.html` : '', seconds, builtAt, summary, exitCode: code, executed, inputs: null, results: results.results };
}

/**
 * Runs the notebook into the temporary folder, showing the progress its grids report meanwhile.
 * The timeout is one of inactivity: a notebook whose kernel shows no progress (no cell started
 * or ended, no run of a grid done) for `timeoutSec` is stopped by killing its kernel; a long
 * notebook that keeps making progress runs as long as it needs.
 */
async function executeNotebook(file: string, ctx: BuildContext): Promise<{ code: number; error: string | null; seconds: number }> {
  const name = nameOf(file);
  const progressFile = path.join(ctx.work, `${name}.progress.jsonl`);
  writeFileSync(progressFile, '');
  const last = ctx.previous.get(name);
  const t0 = Date.now();
  const progress = new NotebookProgress(name, t0, last && last.profile === ctx.profile && entryOk(last) ? last.seconds : null);
  let lastActivity = Date.now();
  let kernelPid: number | null = null;
  let stalled = false;
  const follower = followProgress(progressFile, progress, ctx.out, 250, () => { lastActivity = Date.now(); });
  ctx.driver.onEvent = (event) => {
    lastActivity = Date.now();
    if (event.kernelPid) kernelPid = event.kernelPid;
  };
  const watchdog = setInterval(() => {
    if (stalled || kernelPid === null || Date.now() - lastActivity < ctx.timeoutSec * 1000) return;
    stalled = true;
    try {
      process.kill(kernelPid, 'SIGKILL'); // nbclient then reports the kernel dead, and the notebook is kept as far as it ran
    } catch { /* already gone */ }
  }, 1000);
  try {
    const run = await ctx.driver.execute(file, path.join(ctx.work, `${name}.ipynb`), { ...ctx.env, NNLAB_PROGRESS_FILE: progressFile });
    const error = stalled ? `no progress for ${ctx.timeoutSec} s (--timeout): the kernel was stopped` : run.error;
    return { code: run.ok && !stalled ? 0 : 1, error, seconds: (Date.now() - t0) / 1000 };
  } finally {
    clearInterval(watchdog);
    ctx.driver.onEvent = () => {};
    follower.stop();
  }
}

/**
 * Exports the executed notebook to `<outDir>/<name>.html` with its navigation: plotly.js shared,
 * progress boards in one line (./compact.ts), equations typeset by KaTeX (./math.ts).
 */
async function exportPage(nb: Notebook, name: string, ctx: BuildContext): Promise<{ ok: true } | { ok: false; message: string }> {
  const dir = path.join(ctx.work, 'export');
  mkdirSync(dir, { recursive: true });
  const source = path.join(dir, `${name}.ipynb`);
  const { notebook, formulas } = withMathPlaceholders(withSharedPlotly(withCompactProgress(nb))); // formulas typeset by KaTeX below
  writeFileSync(source, JSON.stringify(notebook));
  const exported = path.join(dir, `${name}.html`);
  const conv = await ctx.driver.exportHtml(source, exported, ctx.templates);
  if (!conv.ok) return { ok: false, message: `the export to HTML failed: ${conv.error}` };
  let html: string;
  try {
    html = insertMath(readFileSync(exported, 'utf8'), formulas);
  } catch (err) {
    return { ok: false, message: `the equations: ${(err as Error).message}` };
  }
  const page = fillNavigation(html, ctx.pages, name, { toc: true });
  writeFileAtomic(path.join(ctx.outDir, `${name}.html`), page);
  return { ok: true };
}

/** Copies the executed notebook into the report when asked; otherwise removes a copy an earlier build kept. */
function keepExecuted(executedFile: string, name: string, ctx: BuildContext): string | null {
  const target = path.join(ctx.outDir, `${name}.ipynb`);
  if (!ctx.keepNotebooks) {
    removeExecuted(target); // only a copy an earlier build kept, never a notebook of the user's
    return null;
  }
  writeExecuted(target, executedFile);
  return target;
}
