/**
 * The report's output folder is the report's own: a marker file says nnlab made it, and a build
 * refuses a folder holding files it did not write (the notebooks folder above all: its
 * `<name>.ipynb` are the user's notebooks, and a build writes and removes `<name>.ipynb` there).
 * A lock on the folder (proper-lockfile) lets two builds into one folder merge their entries
 * into summary.json one after the other instead of each rewriting it whole.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { writeFileAtomic } from '../util/io.js';
import { SUMMARY_FILE } from './summary.js';

/** The file that says a folder is an nnlab report. */
export const MARKER_FILE = '.nnlab-report';
const LOCK_FILE = '.nnlab-report.lock';
/** A tag in the metadata of the executed notebooks the report keeps, so that it removes only its own. */
const EXECUTED_TAG = 'nnlab_report_executed';

/** What a report folder made before the marker existed holds: its pages, summary and plotly. */
function reportFile(name: string): boolean {
  return name === SUMMARY_FILE || name === 'plotly.min.js' || name === MARKER_FILE || name === LOCK_FILE || name.endsWith('.html');
}

/**
 * Makes `outDir` the report's folder, or throws naming `--out` and why: it is the folder of
 * the notebooks built, or it holds files the report did not write. A folder the
 * report made carries the marker; an empty or new folder gets it.
 */
export function claimOutFolder(outDir: string, notebooks: string[]): void {
  const out = path.resolve(outDir);
  for (const dir of new Set(notebooks.map((f) => path.dirname(path.resolve(f))))) {
    if (path.relative(dir, out) === '') {
      throw new Error(`--out ${outDir}: is the notebooks' folder ${dir}; the report would write (and remove) files beside your notebooks. Choose a folder of its own (default: report/)`);
    }
  }
  if (existsSync(out) && !statSync(out).isDirectory()) throw new Error(`--out ${outDir}: is a file, expected a folder`);
  mkdirSync(out, { recursive: true });
  if (existsSync(path.join(out, MARKER_FILE))) return;
  const names = readdirSync(out);
  // A report written before the marker existed: its own kinds of files and its summary.
  const earlierReport = names.includes(SUMMARY_FILE) && names.every(reportFile);
  if (names.length > 0 && !earlierReport) {
    const foreign = names.filter((n) => !reportFile(n) || !names.includes(SUMMARY_FILE));
    throw new Error(`--out ${outDir}: holds files the report did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); choose an empty folder or one an earlier \`nnlab report\` made`);
  }
  writeFileSync(path.join(out, MARKER_FILE), JSON.stringify({ madeBy: 'nnlab report', created: new Date().toISOString() }) + '\n');
}

/**
 * Runs `work` holding the folder's lock: a second build waits (up to about a minute) for the
 * first to finish writing its summary and index. A lock left by a killed build goes stale
 * after 30 s and is taken over.
 */
export async function withOutFolderLock<T>(outDir: string, work: () => T | Promise<T>): Promise<T> {
  const release = await lockfile.lock(outDir, {
    lockfilePath: path.join(outDir, LOCK_FILE), stale: 30_000, retries: { retries: 60, minTimeout: 200, maxTimeout: 2000 },
  });
  try {
    return await work();
  } finally {
    await release();
  }
}

/** Writes an executed notebook into the report, tagged as the report's (see removeExecuted). */
export function writeExecuted(target: string, executedFile: string): void {
  const nb = JSON.parse(readFileSync(executedFile, 'utf8')) as { metadata?: Record<string, unknown> };
  nb.metadata = { ...nb.metadata, [EXECUTED_TAG]: true };
  writeFileAtomic(target, JSON.stringify(nb));
}

/** Removes a copy of an executed notebook an earlier build kept, never a notebook it did not tag. */
export function removeExecuted(target: string): void {
  if (!existsSync(target)) return;
  try {
    const nb = JSON.parse(readFileSync(target, 'utf8')) as { metadata?: Record<string, unknown> };
    if (nb.metadata?.[EXECUTED_TAG] !== true) return;
  } catch {
    return; // not a notebook the report wrote
  }
  rmSync(target, { force: true });
}
