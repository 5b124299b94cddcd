/**
 * The notebooks' equations in the exported pages, typeset with KaTeX when the page is built.
 *
 * In JupyterLab a markdown cell's `$…$` (inline) and `$$…$$` (display) render natively. For the
 * export, each formula of a markdown cell is swapped for a plain placeholder word before nbconvert
 * sees the cell (its markdown renderer would otherwise leave the `$` for a MathJax we do not load,
 * and would read the `_` and `*` of TeX as emphasis), and the placeholder in the exported HTML
 * is then replaced by `katex.renderToString`'s output. The page links KaTeX's CSS, copied with its
 * fonts into `katex/` beside the pages (see writeKatexAssets), so the formulas need no network.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import katex from 'katex';
import { writeFileAtomic } from '../util/io.js';
import type { Notebook } from './inspect.js';

/** KaTeX's CSS and fonts, relative to the pages. */
export const KATEX_DIR = 'katex';
export const KATEX_CSS = `${KATEX_DIR}/katex.min.css`;

/** One formula of a markdown cell. */
export interface Formula {
  tex: string;
  display: boolean;
  /** The markdown cell it came from (index in the notebook), for error messages. */
  cell: number;
}

const placeholder = (i: number): string => `NNLABMATH${i}Z`;
const PLACEHOLDER = /NNLABMATH(\d+)Z/g;

/**
 * Splits markdown into text and formulas, as JupyterLab reads them: `$$…$$` is display math
 * (it may span lines), `$…$` inline math within one paragraph; `\$` is a dollar sign, and code
 * (fenced blocks, backtick spans) is left alone. `replace` gives the text that stands for each.
 */
export function replaceMath(markdown: string, replace: (tex: string, display: boolean) => string): string {
  let out = '';
  let i = 0;
  const n = markdown.length;
  let lineStart = true;
  while (i < n) {
    const ch = markdown[i];
    // A fenced code block: copied up to its closing fence.
    if (lineStart) {
      const fence = /^ {0,3}(`{3,}|~{3,})/.exec(markdown.slice(i, i + 200));
      if (fence) {
        const close = markdown.indexOf('\n' + fence[1], i + fence[0].length);
        const eol = close < 0 ? -1 : markdown.indexOf('\n', close + 1);
        const end = eol < 0 ? n : eol;
        out += markdown.slice(i, end);
        i = end;
        continue;
      }
    }
    lineStart = ch === '\n';
    if (ch === '\\' && i + 1 < n) {
      out += markdown.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === '`') {
      const run = /^`+/.exec(markdown.slice(i))![0];
      const close = markdown.indexOf(run, i + run.length);
      const end = close < 0 ? i + run.length : close + run.length;
      out += markdown.slice(i, end);
      i = end;
      continue;
    }
    if (ch === '$') {
      const display = markdown[i + 1] === '$';
      const open = display ? 2 : 1;
      const close = findClosingDollar(markdown, i + open, display);
      if (close >= 0) {
        out += replace(markdown.slice(i + open, close).trim(), display);
        i = close + open;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out;
}

/** Where the `$` (or `$$`) that closes the formula starting at `from` is, or -1. */
function findClosingDollar(text: string, from: number, display: boolean): number {
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') {
      j++;
      continue;
    }
    // Inline math ends at a blank line (a new paragraph) without closing.
    if (!display && c === '\n' && /^\n[ \t]*\n/.test(text.slice(j, j + 40))) return -1;
    if (c !== '$') continue;
    if (display) {
      if (text[j + 1] === '$') return j > from ? j : -1;
    } else {
      return j > from ? j : -1;
    }
  }
  return -1;
}

/** The formulas of a notebook's markdown cells, in order. */
export function notebookFormulas(nb: Notebook): Formula[] {
  const formulas: Formula[] = [];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'markdown') return;
    replaceMath(sourceText(cell.source), (tex, display) => {
      formulas.push({ tex, display, cell: index });
      return '';
    });
  });
  return formulas;
}

const sourceText = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');

/**
 * A copy of the notebook whose markdown cells hold placeholders instead of formulas, and the
 * formulas (the i-th formula's placeholder is `NNLABMATH<i>Z`).
 */
export function withMathPlaceholders(nb: Notebook): { notebook: Notebook; formulas: Formula[] } {
  const formulas: Formula[] = [];
  const cells = nb.cells.map((cell, index) => {
    if (cell.cell_type !== 'markdown') return cell;
    const text = sourceText(cell.source);
    const replaced = replaceMath(text, (tex, display) => {
      formulas.push({ tex, display, cell: index });
      const word = placeholder(formulas.length - 1);
      // Display math is a paragraph of its own, as in JupyterLab.
      return display ? `\n\n${word}\n\n` : word;
    });
    return replaced === text ? cell : { ...cell, source: replaced };
  });
  return { notebook: { ...nb, cells }, formulas };
}

/** One formula as KaTeX HTML (with MathML for screen readers); a TeX error names the cell. */
export function renderFormula(f: Formula): string {
  try {
    return katex.renderToString(f.tex, { displayMode: f.display, throwOnError: true, output: 'htmlAndMathml', strict: 'error' });
  } catch (err) {
    throw new Error(`markdown cell ${f.cell}: the formula ${JSON.stringify(f.tex.length > 60 ? f.tex.slice(0, 60) + '…' : f.tex)} does not typeset: ${(err as Error).message}`);
  }
}

/**
 * The exported page with each placeholder replaced by its typeset formula. A display formula
 * sits alone in a `<p>`, which becomes a `<div class="nnlab-math">` (KaTeX's display block is
 * a span and may sit in a p, but a div keeps margins out of the paragraph's).
 */
export function insertMath(html: string, formulas: Formula[]): string {
  const rendered = formulas.map(renderFormula);
  const seen = new Set<number>();
  const out = html
    .replace(/<p>\s*NNLABMATH(\d+)Z\s*<\/p>/g, (whole, i: string) => {
      const f = formulas[Number(i)];
      if (!f?.display) return whole;
      seen.add(Number(i));
      return `<div class="nnlab-math">${rendered[Number(i)]}</div>`;
    })
    .replace(PLACEHOLDER, (whole, i: string) => {
      if (formulas[Number(i)] === undefined) return whole;
      seen.add(Number(i));
      return rendered[Number(i)];
    });
  const missing = formulas.map((_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new Error(`${missing.length} formula(s) were lost in the export to HTML (first: ${JSON.stringify(formulas[missing[0]].tex)})`);
  return out;
}

/** KaTeX as installed (a dependency). */
function katexDist(): string {
  return path.dirname(createRequire(import.meta.url).resolve('katex/dist/katex.min.css'));
}

/**
 * Copies KaTeX's CSS and its WOFF2 fonts (every browser the report targets reads WOFF2; the CSS
 * lists WOFF and TTF after it as fallbacks only) to `katex/` in the report folder; files
 * already there with the same bytes are not rewritten.
 */
export function writeKatexAssets(outDir: string): void {
  const dist = katexDist();
  const target = path.join(outDir, KATEX_DIR);
  mkdirSync(path.join(target, 'fonts'), { recursive: true });
  const files = ['katex.min.css', ...readdirSync(path.join(dist, 'fonts')).filter((f) => f.endsWith('.woff2')).map((f) => `fonts/${f}`)];
  for (const f of files) {
    const bytes = readFileSync(path.join(dist, f));
    const to = path.join(target, f);
    if (existsSync(to) && readFileSync(to).equals(bytes)) continue;
    writeFileAtomic(to, bytes);
  }
}
