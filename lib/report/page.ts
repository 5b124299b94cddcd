/**
 * The exported pages around their content: plotly.js shared instead of inlined, the navigation
 * bar (index, previous/next) and the table of contents.
 *
 * The executed notebooks inline plotly.js in the output tagged `data-nnlab="plotly-loader"` (they
 * need it inside JupyterLab); before export that output is cut out of the notebook's JSON, and
 * every page loads the one `plotly.min.js` beside it instead (see ./template.ts). The navigation
 * depends on which pages the report holds, which a partial rebuild (`--notebook 03`) changes
 * only in part: it sits between comments so that every page's copy can be refreshed in place.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { escapeHtml } from '../util/html.js';
import { writeFileAtomic } from '../util/io.js';
import type { Notebook } from './inspect.js';
import { pagerSlot, tocSlot, PLOTLY_FILE } from './template.js';

/** The inlined loader written by lib/display/plotly.ts: its marker div and the script after it. */
const INLINE_LOADER = /<div class="nnlab-plotly-loader"[^>]*data-nnlab="plotly-loader"[^>]*><\/div>\s*<script[^>]*>[\s\S]*?<\/script>/g;

/** What replaces it: a marker that the page loads the shared plotly.js (tests look for it). */
const SHARED_MARKER = '<div class="nnlab-plotly-loader" style="display:none" data-nnlab="plotly-shared"></div>';

const join = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');

/** A copy of the notebook whose outputs no longer inline plotly.js (the charts stay). */
export function withSharedPlotly(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((cell) => ({
      ...cell,
      outputs: cell.outputs?.map((o) => {
        const html = o.data?.['text/html'];
        if (html === undefined) return o;
        const text = join(html);
        if (!text.includes('data-nnlab="plotly-loader"')) return o;
        return { ...o, data: { ...o.data, 'text/html': text.replace(INLINE_LOADER, SHARED_MARKER) } };
      }),
    })),
  };
}

/** The path of plotly.js as installed (plotly.js-dist-min, a dependency). */
export function plotlyBundlePath(): string {
  return createRequire(import.meta.url).resolve('plotly.js-dist-min/plotly.min.js');
}

/** Writes `plotly.min.js` into the report folder, unless the same file is already there. */
export function writeSharedPlotly(outDir: string): void {
  const bundle = readFileSync(plotlyBundlePath());
  const target = path.join(outDir, PLOTLY_FILE);
  if (existsSync(target) && readFileSync(target).equals(bundle)) return;
  writeFileAtomic(target, bundle);
}

/** A page of the report, for the navigation. */
export interface PageLink {
  name: string;
  title: string;
  /** File name of the page, relative to the report folder. */
  href: string;
}

interface Heading {
  level: number;
  href: string;
  /** Inner HTML without the anchor link: already escaped, used as is. */
  label: string;
}

/**
 * The markdown headings of an exported page. nbconvert renders a markdown heading as
 * `<hN id="…">text<a class="anchor-link" href="#…">¶</a></hN>`; outputs' own headings have no
 * anchor link and stay out of the contents.
 */
export function pageHeadings(html: string): Heading[] {
  const out: Heading[] = [];
  const re = /<h([1-6])\b[^>]*>([\s\S]*?)<a class="anchor-link" href="([^"]*)">[\s\S]*?<\/a>\s*<\/h\1>/g;
  for (const m of html.matchAll(re)) {
    const label = m[2].replace(/<[^>]*>/g, '').trim();
    if (label) out.push({ level: Number(m[1]), href: m[3], label });
  }
  return out;
}

/** The table of contents: the page's h2 and h3 headings (its h1 is the title, shown above them). */
function tocHtml(html: string): string {
  const headings = pageHeadings(html);
  const title = headings.find((h) => h.level === 1);
  const items = headings
    .filter((h) => h.level === 2 || h.level === 3)
    .map((h) => `<li class="nnlab-toc-h${h.level}"><a href="${escapeHtml(h.href)}">${h.label}</a></li>`);
  if (items.length === 0) return '';
  return `<nav class="nnlab-toc" aria-label="Contents"><div class="nnlab-toc-title">${title ? `<a href="${escapeHtml(title.href)}">${title.label}</a>` : 'Contents'}</div><ol>${items.join('')}</ol></nav>`;
}

/** The navigation bar of page `name`: the index, the previous and next pages, the code toggle. */
function pagerHtml(pages: PageLink[], name: string, where: 'top' | 'bottom'): string {
  const i = pages.findIndex((p) => p.name === name);
  const link = (p: PageLink | undefined, rel: 'prev' | 'next') => {
    const [before, after] = rel === 'prev' ? ['&larr; previous', ''] : ['next', ' &rarr;'];
    if (!p) return `<span class="nnlab-${rel} nnlab-disabled">${before}${after}</span>`;
    return `<a class="nnlab-${rel}" rel="${rel}" href="${escapeHtml(p.href)}">${before}: ${escapeHtml(p.title)}${after}</a>`;
  };
  return (
    `<nav class="nnlab-pager${where === 'bottom' ? ' nnlab-bottom' : ''}" aria-label="Report pages">` +
    `<a class="nnlab-index" href="index.html">&#8962; report index</a>` +
    link(i > 0 ? pages[i - 1] : undefined, 'prev') +
    link(i >= 0 ? pages[i + 1] : undefined, 'next') +
    `<span class="nnlab-spacer"></span>` +
    (where === 'top' ? '<button type="button" class="nnlab-toggle-code" aria-pressed="false">show all code</button>' : '') +
    `</nav>`
  );
}

const PAGER_SLOT = /<!--nnlab:pager (top|bottom)-->[\s\S]*?<!--\/nnlab:pager-->/g;
const TOC_SLOT = /<!--nnlab:toc-->[\s\S]*?<!--\/nnlab:toc-->/;

/** Fills (or refills) a page's navigation bars; the table of contents too when `toc` is set. */
export function fillNavigation(html: string, pages: PageLink[], name: string, options: { toc?: boolean } = {}): string {
  let out = html.replace(PAGER_SLOT, (_, where: 'top' | 'bottom') => pagerSlot(where, pagerHtml(pages, name, where)));
  if (options.toc) out = out.replace(TOC_SLOT, () => tocSlot(tocHtml(html)));
  return out;
}

/**
 * Refreshes the navigation of the report's other pages after a build (the list of pages may
 * have changed); a page whose navigation is already right is not rewritten.
 */
export function refreshNavigation(outDir: string, pages: PageLink[]): void {
  for (const page of pages) {
    const file = path.join(outDir, page.href);
    if (!existsSync(file)) continue;
    const html = readFileSync(file, 'utf8');
    const updated = fillNavigation(html, pages, page.name);
    if (updated !== html) writeFileAtomic(file, updated);
  }
}
