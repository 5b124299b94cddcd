/**
 * The HTML lab report: executes every notebook with nbconvert (the tslab kernel, the project's
 * Jupyter), exports each to an offline HTML page, and writes `report/index.html` linking them,
 * with the profile and data each notebook says it used, timings and any problems.
 */
import { mkdirSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { requireJupyter, runJupyter, projectRoot, ensureSelfLink, type JupyterEnv } from './jupyter.js';
import { inspectNotebook, readNotebook, type NotebookSummary } from './inspect.js';
import { writeTemplate, TEMPLATE_NAME } from './template.js';
import { escapeHtml } from '../html.js';

export { inspectNotebook, readNotebook, type NotebookSummary, type NotebookProblem, type Notebook } from './inspect.js';
export { findJupyter, requireJupyter, hasTslabKernel, runJupyter, projectRoot, ensureSelfLink, type JupyterEnv } from './jupyter.js';
export { writeTemplate, TEMPLATE_NAME } from './template.js';

export interface ReportOptions {
  /** Notebooks to run (paths); default: notebooks/*.ipynb of the project, in name order. */
  notebooks?: string[];
  /** Output folder; default <project>/report. */
  outDir?: string;
  /** Per-cell timeout in seconds (default 1800). */
  cellTimeoutSec?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Environment for the kernels (default: process.env). NNLAB_PROFILE / NNLAB_DATA pass through it. */
  env?: NodeJS.ProcessEnv;
  jupyter?: JupyterEnv;
}

export interface NotebookResult {
  name: string;
  title: string;
  html: string;
  executed: string;
  seconds: number;
  /** What the notebook printed at its top (lab.start). */
  profile: string | null;
  data: string | null;
  summary: NotebookSummary;
  exitCode: number;
}

export interface ReportResult {
  index: string;
  notebooks: NotebookResult[];
  seconds: number;
  ok: boolean;
}

export function defaultNotebooks(): string[] {
  const dir = path.join(projectRoot(), 'notebooks');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => path.join(dir, f));
}


/** The notebook's title: its first markdown heading. */
function notebookTitle(nb: ReturnType<typeof readNotebook>, fallback: string): string {
  for (const c of nb.cells) {
    if (c.cell_type !== 'markdown') continue;
    const src = Array.isArray(c.source) ? c.source.join('') : c.source;
    const m = /^#\s+(.+)$/m.exec(src);
    if (m) return m[1].trim();
  }
  return fallback;
}

/** The profile and data a notebook announced (lab.start writes data-nnlab-* attributes). */
function announced(nb: ReturnType<typeof readNotebook>): { profile: string | null; data: string | null } {
  for (const c of nb.cells) {
    for (const o of c.outputs ?? []) {
      const html = o.data?.['text/html'];
      const s = Array.isArray(html) ? html.join('') : html ?? '';
      const p = /data-nnlab-profile="([^"]*)"/.exec(s);
      const d = /data-nnlab-data="([^"]*)"/.exec(s);
      if (p || d) return { profile: p ? p[1] : null, data: d ? d[1] : null };
    }
  }
  return { profile: null, data: null };
}

/** Executes the notebooks and writes the report. */
export async function buildReport(options: ReportOptions = {}): Promise<ReportResult> {
  const started = Date.now();
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const jupyter = options.jupyter ?? requireJupyter();
  ensureSelfLink();
  const outDir = path.resolve(options.outDir ?? path.join(projectRoot(), 'report'));
  mkdirSync(outDir, { recursive: true });
  const templates = writeTemplate(path.join(outDir, '.templates'));
  const notebooks = options.notebooks ?? defaultNotebooks();
  const env = { ...(options.env ?? process.env) };
  const timeout = String(options.cellTimeoutSec ?? 1800);
  const results: NotebookResult[] = [];

  for (const file of notebooks) {
    const name = path.basename(file, '.ipynb');
    const t0 = Date.now();
    log(`report: executing ${name} ...`);
    const exec = await runJupyter(
      jupyter,
      [
        'nbconvert', '--to', 'notebook', '--execute', '--allow-errors',
        '--ExecutePreprocessor.kernel_name=tslab', `--ExecutePreprocessor.timeout=${timeout}`,
        '--output-dir', outDir, '--output', name, file,
      ],
      { env, onLine: (l) => { if (/error|Traceback/i.test(l)) log(`  ${l}`); } },
    );
    const executed = path.join(outDir, `${name}.ipynb`);
    const seconds = (Date.now() - t0) / 1000;
    let exitCode = exec.code;
    let nb: ReturnType<typeof readNotebook> | null = null;
    try {
      nb = readNotebook(executed);
    } catch {
      exitCode = exitCode || 1;
    }
    if (!nb) {
      log(exec.output.slice(-4000));
      results.push({ name, title: name, html: '', executed, seconds, profile: null, data: null, exitCode, summary: { codeCells: 0, plots: 0, expectedPlots: 0, tables: 0, expectedTables: 0, plotlyInlined: 0, problems: [{ cell: -1, kind: 'error', message: 'notebook did not execute' }] } });
      continue;
    }
    const conv = await runJupyter(jupyter, [
      'nbconvert', '--to', 'html', '--template', TEMPLATE_NAME,
      `--TemplateExporter.extra_template_basedirs=${templates}`,
      '--output-dir', outDir, '--output', name, executed,
    ]);
    if (conv.code !== 0) log(conv.output.slice(-4000));
    const summary = inspectNotebook(nb);
    const { profile, data } = announced(nb);
    results.push({
      name, title: notebookTitle(nb, name), html: `${name}.html`, executed, seconds, profile, data, summary,
      exitCode: exitCode || conv.code,
    });
    const problems = summary.problems.length ? `, ${summary.problems.length} problem(s)` : '';
    log(`report: ${name} done in ${seconds.toFixed(0)} s: ${summary.plots} charts, ${summary.tables} tables${problems}`);
    for (const p of summary.problems) log(`  cell ${p.cell}: ${p.kind}: ${p.message}`);
  }

  const total = (Date.now() - started) / 1000;
  const index = path.join(outDir, 'index.html');
  writeFileSync(index, indexHtml(results, total));
  writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify({ seconds: total, notebooks: results }, null, 2));
  rmSync(path.join(outDir, '.templates'), { recursive: true, force: true });
  const ok = results.every((r) => r.exitCode === 0 && r.summary.problems.length === 0);
  log(`report: ${ok ? 'written' : 'written WITH PROBLEMS'} to ${index} in ${total.toFixed(0)} s`);
  return { index, notebooks: results, seconds: total, ok };
}

function indexHtml(results: NotebookResult[], seconds: number): string {
  const profiles = [...new Set(results.map((r) => r.profile).filter(Boolean))].join(', ') || 'unknown';
  const datas = [...new Set(results.map((r) => r.data).filter(Boolean))].join('; ') || 'unknown';
  const rows = results
    .map((r) => {
      const status = r.exitCode === 0 && r.summary.problems.length === 0 ? 'ok' : `${r.summary.problems.length || 'failed'} problem(s)`;
      const link = r.html ? `<a href="${escapeHtml(r.html)}">${escapeHtml(r.title)}</a>` : escapeHtml(r.title);
      return `<tr><td>${link}<div class="file">${escapeHtml(r.name)}.ipynb</div></td><td>${r.summary.plots}</td><td>${r.summary.tables}</td><td>${r.seconds.toFixed(0)} s</td><td>${escapeHtml(status)}</td></tr>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nnlab — the lab report, rerun</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#1f2328}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 10px;text-align:left}th{background:#f6f8fa}
.file{color:#57606a;font-size:12px}.meta{background:#f6f8fa;border:1px solid #d0d7de;padding:8px 12px;border-radius:6px}
</style></head>
<body>
<h1>Lab 1 Part 1, rerun with nnlab</h1>
<p>The lab report's experiments, rerun section by section with nnlab, a neural-network library written by hand in TypeScript. Each page is an executed notebook; charts are interactive (hover for values) and work offline.</p>
<div class="meta">
<div><b>Profile:</b> ${escapeHtml(profiles)}${profiles === 'quick' ? ' — a smoke run on small data with few epochs and one seed; <code>NNLAB_PROFILE=full npm run report</code> reruns everything with the report\'s settings (full dataset, 20 epochs, 3 seeds, mean ± std)' : profiles === 'full' ? ' — the report\'s settings: full dataset, 20 epochs, 3 seeds per configuration (mean ± std)' : ''}</div>
<div><b>Data:</b> ${escapeHtml(datas)}</div>
<div><b>Generated:</b> ${escapeHtml(new Date().toISOString().replace('T', ' ').slice(0, 19))} UTC, in ${seconds.toFixed(0)} s</div>
</div>
<h2>Notebooks</h2>
<table><thead><tr><th>Notebook</th><th>Charts</th><th>Tables</th><th>Run time</th><th>Status</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
