/**
 * What an executed notebook says about itself, for the report's index: its title (first markdown
 * heading), the banner lab.start writes at the top (`<div class="nnlab-banner"
 * data-nnlab-profile=… data-nnlab-data=… data-nnlab-dtype=… data-nnlab-seeds=…>`), and its
 * headline results (`<div class="nnlab-headline" data-nnlab-headline="{json}">`, the JSON
 * HTML-escaped in the attribute). Anything missing is null: an older notebook still gets a row.
 */
import type { Notebook } from './inspect.js';

/** One headline result: our number beside the report's (both already formatted). */
export interface HeadlineRow {
  measure: string;
  ours: string;
  report: string | null;
  note?: string;
}

export interface NotebookFacts {
  title: string;
  profile: string | null;
  data: string | null;
  dtype: string | null;
  /** As announced, e.g. "0,1,2". */
  seeds: string | null;
  headlines: HeadlineRow[];
  /** Headline outputs that could not be read, each saying why. */
  headlineProblems: string[];
}

const join = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');

/** The text/html of every output, in order. */
function htmlOutputs(nb: Notebook): string[] {
  return nb.cells.flatMap((c) => (c.outputs ?? []).map((o) => join(o.data?.['text/html'])).filter((h) => h !== ''));
}

/** Undoes lib/util/html.ts's escapeHtml (and numeric character references) in an attribute value. */
export function unescapeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, ref: string) => {
    const r = ref.toLowerCase();
    if (r.startsWith('#x')) return String.fromCodePoint(parseInt(r.slice(2), 16));
    if (r.startsWith('#')) return String.fromCodePoint(parseInt(r.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[r];
  });
}

/** The value of `data-nnlab-<name>` in an HTML fragment, unescaped, or null. */
function attribute(html: string, name: string): string | null {
  const m = new RegExp(`data-nnlab-${name}="([^"]*)"`).exec(html);
  return m ? unescapeHtml(m[1]) : null;
}

/** The notebook's title: its first markdown heading. */
export function notebookTitle(nb: Notebook, fallback: string): string {
  for (const c of nb.cells) {
    if (c.cell_type !== 'markdown') continue;
    const m = /^#\s+(.+)$/m.exec(join(c.source));
    if (m) return m[1].trim();
  }
  return fallback;
}

/** The rows of one headline output; a malformed one is an error naming what is wrong. */
export function parseHeadline(json: string): HeadlineRow[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`nnlab-headline: not JSON (${(err as Error).message}): ${json.slice(0, 120)}`);
  }
  const rows = (value as { rows?: unknown })?.rows;
  if (!Array.isArray(rows)) throw new Error(`nnlab-headline: expected {"rows": [...]}, got ${json.slice(0, 120)}`);
  return rows.map((r: Record<string, unknown>, i) => {
    if (typeof r?.measure !== 'string' || typeof r.ours !== 'string') {
      throw new Error(`nnlab-headline: row ${i + 1} needs "measure" and "ours" strings, got ${JSON.stringify(r).slice(0, 120)}`);
    }
    const row: HeadlineRow = { measure: r.measure, ours: r.ours, report: typeof r.report === 'string' ? r.report : null };
    if (typeof r.note === 'string' && r.note !== '') row.note = r.note;
    return row;
  });
}

/** All headline rows of a notebook, in order of appearance; a malformed output is a problem, not a failed build. */
function notebookHeadlines(nb: Notebook): { rows: HeadlineRow[]; problems: string[] } {
  const rows: HeadlineRow[] = [];
  const problems: string[] = [];
  for (const html of htmlOutputs(nb)) {
    for (const m of html.matchAll(/data-nnlab-headline="([^"]*)"/g)) {
      try {
        rows.push(...parseHeadline(unescapeHtml(m[1])));
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  return { rows, problems };
}

/** The title, banner attributes and headlines of an executed notebook. */
export function notebookFacts(nb: Notebook, fallbackTitle: string): NotebookFacts {
  const banner = htmlOutputs(nb).find((h) => /class="[^"]*\bnnlab-banner\b/.test(h)) ?? '';
  const headlines = notebookHeadlines(nb);
  return {
    title: notebookTitle(nb, fallbackTitle),
    profile: attribute(banner, 'profile'),
    data: attribute(banner, 'data'),
    dtype: attribute(banner, 'dtype'),
    seeds: attribute(banner, 'seeds'),
    headlines: headlines.rows,
    headlineProblems: headlines.problems,
  };
}
