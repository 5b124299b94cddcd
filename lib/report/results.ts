/**
 * `report/results.json`: the report's numbers as numbers, for a reader to cite and a test to read.
 *
 *   { format, nnlab, node, numerics, profile, data: {kind, fingerprint},
 *     sine: {meanAbsError}, baseline: {valAcc: {mean, std}}, beyond: {singleTestAcc: {mean, std}, ensembleTestAcc},
 *     notebooks: { "02_architecture": { builtAt, profile, nnlab, node, numerics, data, cited,
 *                                       tables: [{label, id, caption, columns, rows}], figures: [{label, id, caption}] } } }
 *
 * Each notebook's part comes from its executed outputs: the banner (lab.ts), what it cited
 * (lib/experiments/cite.ts) and its numbered tables and figures (lib/display/numbering.ts). The
 * top-level keys merge what the notebooks cited; `nnlab`, `node`, `numerics` and `profile` are
 * the notebooks' when they all agree, else null (each notebook keeps its own); `data` is the one
 * most pages share (sharedData).
 * A partial rebuild replaces its notebooks' parts and keeps the others'. Read back, the file is
 * checked against its schema (lib/persist/schema.ts); written, it goes to a temp file, then renamed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { writeFileAtomic } from '../util/io.js';
import { firstProblem, parseRecord, resultsFileSchema, type CitedValue, type NotebookResultsJson, type ResultsFile } from '../persist/schema.js';
import { unescapeHtml } from './facts.js';
import type { Notebook } from './inspect.js';

export const RESULTS_FILE = 'results.json';
const FORMAT = 1;

export type NotebookResults = NotebookResultsJson;

const join = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');

function htmlOutputs(nb: Notebook): string[] {
  return nb.cells.flatMap((c) => (c.outputs ?? []).map((o) => join(o.data?.['text/html'])).filter((h) => h !== ''));
}

const attr = (html: string, name: string): string | null => {
  const m = new RegExp(`data-nnlab-${name}="([^"]*)"`).exec(html);
  return m ? unescapeHtml(m[1]) : null;
};

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `b` merged into `a`, objects key by key, `b` winning elsewhere. */
function deepMerge(a: Record<string, CitedValue>, b: Record<string, CitedValue>): Record<string, CitedValue> {
  const out: Record<string, CitedValue> = { ...a };
  for (const [k, bv] of Object.entries(b)) {
    const av = out[k];
    out[k] = isObject(av) && isObject(bv) ? deepMerge(av as Record<string, CitedValue>, bv as Record<string, CitedValue>) : bv;
  }
  return out;
}

/** What an executed notebook adds to results.json; a malformed output is a problem, named. */
export function notebookResults(nb: Notebook, builtAt: string): { results: NotebookResults; problems: string[] } {
  const outputs = htmlOutputs(nb);
  const banner = outputs.find((h) => /class="[^"]*\bnnlab-banner\b/.test(h)) ?? '';
  const numerics = attr(banner, 'numerics');
  const kind = attr(banner, 'data-kind');
  const fingerprint = attr(banner, 'fingerprint');
  const problems: string[] = [];
  let cited: Record<string, CitedValue> = {};
  const tables: NotebookResults['tables'] = [];
  const figures: NotebookResults['figures'] = [];
  for (const html of outputs) {
    for (const m of html.matchAll(/data-nnlab-results="([^"]*)"/g)) {
      try {
        const value = JSON.parse(unescapeHtml(m[1])) as unknown;
        if (!isObject(value)) throw new Error('expected an object');
        cited = deepMerge(cited, value as Record<string, CitedValue>);
      } catch (err) {
        problems.push(`nnlab-results: ${(err as Error).message}`);
      }
    }
    for (const m of html.matchAll(/data-nnlab-numbered="([^"]*)"/g)) {
      try {
        const n = JSON.parse(unescapeHtml(m[1])) as { kind: string; label: string; id: string | null; caption: string | null; columns?: string[]; rows?: unknown[][] };
        if (n.kind === 'table') tables.push({ label: n.label, id: n.id, caption: n.caption ?? '', columns: n.columns ?? [], rows: (n.rows ?? []) as NotebookResults['tables'][number]['rows'] });
        else figures.push({ label: n.label, id: n.id, caption: n.caption ?? '' });
      } catch (err) {
        problems.push(`nnlab-numbered: ${(err as Error).message}`);
      }
    }
  }
  const results: NotebookResults = {
    builtAt,
    profile: attr(banner, 'profile'),
    nnlab: attr(banner, 'version'),
    node: attr(banner, 'node'),
    numerics: numerics === null ? null : Number(numerics),
    data: kind === 'synthetic' || kind === 'course' ? { kind, fingerprint: fingerprint ?? '' } : null,
    cited, tables, figures,
  };
  // What goes into the file must read back: check it now, naming the first problem.
  const checked = v.safeParse(resultsFileSchema, { format: FORMAT, notebooks: { x: results } });
  if (!checked.success) problems.push(`results: ${firstProblem(checked.issues)}`);
  return { results, problems };
}

/** The notebooks of an earlier results.json in `outDir`, checked; an unreadable file is reported and ignored. */
export function readResults(outDir: string, warn: (line: string) => void = () => {}): ResultsFile | null {
  const file = path.join(outDir, RESULTS_FILE);
  if (!existsSync(file)) return null;
  try {
    return parseRecord(resultsFileSchema, JSON.parse(readFileSync(file, 'utf8')), file);
  } catch (err) {
    warn(`report: ignoring ${file}: ${(err as Error).message}`);
    return null;
  }
}

/** The value the notebooks agree on, or null. */
function agreed<T>(values: T[]): T | null {
  const keys = [...new Set(values.map((x) => JSON.stringify(x)))];
  return keys.length === 1 && values[0] !== null ? values[0] : null;
}

/**
 * The data most pages were built from: 05_beyond splits a test set off the same images, so its
 * fingerprint differs from the other pages' (it keeps its own under notebooks); null when the
 * pages used different kinds of data (built-in and the course's).
 */
function sharedData(datas: Array<NotebookResults['data']>): NotebookResults['data'] {
  const known = datas.filter((d): d is NonNullable<NotebookResults['data']> => d !== null);
  if (known.length === 0 || new Set(known.map((d) => d.kind)).size > 1) return null;
  const votes = new Map<string, number>();
  for (const d of known) votes.set(d.fingerprint, (votes.get(d.fingerprint) ?? 0) + 1);
  const fingerprint = [...votes].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  return { kind: known[0].kind, fingerprint };
}

/** The file's content for these notebooks (see the module comment). */
export function resultsOf(notebooks: Record<string, NotebookResults>): ResultsFile {
  const parts = Object.keys(notebooks).sort().map((k) => notebooks[k]);
  const cited = parts.reduce<Record<string, CitedValue>>((all, p) => deepMerge(all, p.cited), {});
  return {
    ...cited,
    format: FORMAT,
    nnlab: agreed(parts.map((p) => p.nnlab)),
    node: agreed(parts.map((p) => p.node)),
    numerics: agreed(parts.map((p) => p.numerics)),
    profile: agreed(parts.map((p) => p.profile)),
    data: sharedData(parts.map((p) => p.data)),
    notebooks: Object.fromEntries(Object.keys(notebooks).sort().map((k) => [k, notebooks[k]])),
  };
}

/**
 * Writes results.json: this build's notebooks over the earlier file's, keeping only notebooks the
 * report still has (`keep`). Returns what was written.
 */
export function writeResults(outDir: string, built: Record<string, NotebookResults>, keep: string[], warn: (line: string) => void = () => {}): ResultsFile {
  const earlier = readResults(outDir, warn)?.notebooks ?? {};
  const merged: Record<string, NotebookResults> = {};
  for (const name of keep) {
    const part = built[name] ?? earlier[name];
    if (part) merged[name] = part;
  }
  const file = resultsOf(merged);
  writeFileAtomic(path.join(outDir, RESULTS_FILE), JSON.stringify(file, null, 2) + '\n');
  return file;
}
