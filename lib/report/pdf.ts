/**
 * `nnlab report --pdf`: the built report as one PDF, printed by headless Chromium (through
 * playwright-core) from the pages on disk.
 *
 * Each page (the index, then the notebooks' pages in the report's order) is printed on its own,
 * once its charts are drawn (Plotly draws SVG, so they print as vectors) and its fonts (KaTeX's)
 * are loaded; pdf-lib then counts the pages of each print, which gives the table of contents its
 * real page numbers, and joins the title page with the contents and every chapter into one file,
 * numbering the pages at their foot. Chromium cannot compute page numbers for a table of contents
 * itself (it has no CSS `target-counter`), so the pages are printed separately rather than as one
 * combined document; the headings inside a chapter get their page from the outline Chromium
 * writes into each print (see headingPages).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PDFDocument, PDFArray, PDFDict, PDFName, PDFRef, PDFString, PDFHexString, StandardFonts, rgb } from 'pdf-lib';
import type { Browser, Page } from 'playwright-core';
import { escapeHtml } from '../util/html.js';
import { writeFileAtomic } from '../util/io.js';
import { readSummary } from './summary.js';

/**
 * Where Chromium (or Chrome, or Edge on Windows) is looked for, in order. `$NNLAB_CHROMIUM`, when
 * set, is the only place: the user chose that browser, and another one found instead would hide
 * a typo in the path.
 */
export function chromiumCandidates(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.NNLAB_CHROMIUM) return [env.NNLAB_CHROMIUM];
  const fromEnv = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : [];
  if (platform === 'darwin') {
    const apps = ['Chromium.app/Contents/MacOS/Chromium', 'Google Chrome.app/Contents/MacOS/Google Chrome', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'];
    return [...fromEnv, ...apps.map((a) => path.join('/Applications', a)), ...apps.map((a) => path.join(os.homedir(), 'Applications', a))];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((p): p is string => Boolean(p));
    const exes = [['Chromium', 'Application', 'chrome.exe'], ['Google', 'Chrome', 'Application', 'chrome.exe'], ['Microsoft', 'Edge', 'Application', 'msedge.exe']];
    return [...fromEnv, ...roots.flatMap((r) => exes.map((e) => path.win32.join(r, ...e)))];
  }
  return [...fromEnv, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
}

/** The first Chromium found, or null. */
export function findChromium(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string | null {
  return chromiumCandidates(platform, env).find((p) => existsSync(p)) ?? null;
}

/** What to do when there is no Chromium: how to install one, and where nnlab looked. */
export function noChromiumMessage(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const how = platform === 'darwin'
    ? 'install Chromium or Google Chrome into /Applications (e.g. `brew install --cask chromium`)'
    : platform === 'win32'
      ? 'install Google Chrome or Microsoft Edge (Edge comes with Windows 10 and 11)'
      : 'install it with `sudo apt-get install chromium` (Debian/Ubuntu; `sudo dnf install chromium` on Fedora)';
  return `--pdf: needs Chromium to print the pages, and none was found: ${how}, or set NNLAB_CHROMIUM to its executable. Looked in: ${chromiumCandidates(platform, env).join(', ')}`;
}

/** playwright-core (a development dependency: a clone of the project has it), or an error saying how to get it. */
export async function loadPlaywright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch {
    throw new Error('--pdf: needs the npm package playwright-core to drive Chromium; run `npm ci` in the project (or `npm install playwright-core`)');
  }
}

/** The chapters of the PDF: the index, then each page of the report, as listed in summary.json. */
export function reportChapters(reportDir: string): Array<{ title: string; file: string }> {
  const index = path.join(reportDir, 'index.html');
  if (!existsSync(index)) throw new Error(`--pdf: ${reportDir} holds no report (no index.html): build it first with \`nnlab report\``);
  const pages = readSummary(reportDir, () => {})
    .filter((e) => e.html && existsSync(path.join(reportDir, e.html)))
    .map((e) => ({ title: e.title, file: path.join(reportDir, e.html) }));
  return [{ title: 'Summary of the results', file: index }, ...pages];
}

/** Print-only styles added to every page: no navigation or buttons, nothing cut at a page break. */
const PRINT_CSS = `
  .nnlab-pager, .nnlab-toc, .nnlab-toggle-code, details.nnlab-code, .modebar-container { display: none !important; }
  main { max-width: none !important; padding: 0 !important; }
  .nnlab-plot, table, .nnlab-math, .katex-display, img, svg { break-inside: avoid; }
  h1, h2, h3, h4, caption { break-after: avoid; }
  .jp-OutputArea-output { overflow: visible !important; }
`;

/** The A4 page, and the width of its printable area in CSS pixels (the viewport pages are laid out in). */
const MARGIN = { top: '16mm', bottom: '18mm', left: '14mm', right: '14mm' };
const CONTENT_WIDTH_PX = Math.round(((210 - 28) / 25.4) * 96);

export interface PdfResult {
  file: string;
  pages: number;
  chapters: Array<{ title: string; page: number; sections: Array<{ title: string; page: number }> }>;
  seconds: number;
}

/**
 * Prints the report in `reportDir` to `out` (default `<reportDir>/report.pdf`), written
 * atomically. `chromium` is the browser's executable (see findChromium).
 */
export async function writeReportPdf(options: { reportDir: string; chromium: string; out?: string; log?: (line: string) => void }): Promise<PdfResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const reportDir = path.resolve(options.reportDir);
  const out = path.resolve(options.out ?? path.join(reportDir, 'report.pdf'));
  const chapters = reportChapters(reportDir);
  const { chromium } = await loadPlaywright();
  const browser = await chromium.launch({ executablePath: options.chromium, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const printed: Array<{ title: string; pdf: PDFDocument; sections: Array<{ title: string; page: number }> }> = [];
    for (const chapter of chapters) {
      log(`pdf: printing ${path.basename(chapter.file)} …`);
      const bytes = await printPage(browser, pathToFileURL(chapter.file).href, chapter.file);
      const pdf = await PDFDocument.load(bytes);
      printed.push({ title: chapter.title, pdf, sections: headingPages(pdf) });
    }
    const title = reportTitle(path.join(reportDir, 'index.html'));
    const built = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    const facts = buildFacts(reportDir);
    // The front matter's length does not depend on the page numbers in it: print it once to
    // count its pages, then again with the numbers.
    const frontHtml = (first: number[]) => frontMatterHtml(title, [`Printed ${built} from the report's HTML pages.`, ...facts], printed.map((p, i) => ({
      title: p.title, page: first[i], sections: p.sections.map((s) => ({ title: s.title, page: first[i] + s.page - 1 })),
    })));
    const draft = await PDFDocument.load(await printHtml(browser, frontHtml(printed.map(() => 888))));
    const firstPages: number[] = [];
    let next = draft.getPageCount() + 1;
    for (const p of printed) {
      firstPages.push(next);
      next += p.pdf.getPageCount();
    }
    const front = await PDFDocument.load(await printHtml(browser, frontHtml(firstPages)));
    if (front.getPageCount() !== draft.getPageCount()) throw new Error(`--pdf: the contents took ${front.getPageCount()} pages with page numbers and ${draft.getPageCount()} without`);

    const doc = await PDFDocument.create();
    for (const part of [front, ...printed.map((p) => p.pdf)]) {
      for (const page of await doc.copyPages(part, part.getPageIndices())) doc.addPage(page);
    }
    await numberPages(doc);
    doc.setTitle(title);
    doc.setCreator('nnlab report --pdf');
    doc.setProducer('nnlab (Chromium, pdf-lib)');
    const bytes = await doc.save();
    writeFileAtomic(out, Buffer.from(bytes));
    const chaptersOut = printed.map((p, i) => ({ title: p.title, page: firstPages[i], sections: p.sections.map((s) => ({ title: s.title, page: firstPages[i] + s.page - 1 })) }));
    return { file: out, pages: doc.getPageCount(), chapters: chaptersOut, seconds: (Date.now() - started) / 1000 };
  } finally {
    await browser.close();
  }
}

/** Opens a page at the print width, waits until its charts and fonts are ready, and prints it. */
async function printPage(browser: Browser, url: string, file: string): Promise<Buffer> {
  const page = await browser.newPage({ viewport: { width: CONTENT_WIDTH_PX, height: 1100 } });
  try {
    await page.goto(url, { waitUntil: 'load' });
    await waitForCharts(page, file);
    await page.addStyleTag({ content: PRINT_CSS });
    await page.evaluate('document.fonts.ready.then(() => true)');
    return await page.pdf({ format: 'A4', margin: MARGIN, printBackground: true, outline: true, tagged: true });
  } finally {
    await page.close();
  }
}

/** In the page (the library is compiled without the DOM's types): the charts plotly has not drawn yet. */
const UNDRAWN_CHARTS = "Array.from(document.querySelectorAll('.nnlab-plot')).filter((el) => !el.querySelector('.main-svg')).length";

/**
 * Waits until every chart on the page is drawn (plotly.js is loaded after the page, then each
 * chart draws its SVG), failing with the page's name after a minute: a blank box in the PDF
 * would be a wrong answer that looks right.
 */
async function waitForCharts(page: Page, file: string): Promise<void> {
  try {
    await page.waitForFunction(`${UNDRAWN_CHARTS} === 0`, undefined, { timeout: 60_000, polling: 200 });
  } catch {
    const missing = await page.evaluate(UNDRAWN_CHARTS);
    throw new Error(`--pdf: ${path.basename(file)}: ${missing} chart(s) were not drawn within 60 s (is plotly.min.js beside the page?)`);
  }
  // Plotly draws, then lays out its legend and annotations in a later frame.
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))');
}

async function printHtml(browser: Browser, html: string): Promise<Buffer> {
  const page = await browser.newPage({ viewport: { width: CONTENT_WIDTH_PX, height: 1100 } });
  try {
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({ format: 'A4', margin: MARGIN, printBackground: true, tagged: true });
  } finally {
    await page.close();
  }
}

/** The index page's h1, the report's title. */
function reportTitle(indexFile: string): string {
  const m = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(readFileSync(indexFile, 'utf8'));
  const text = m ? m[1].replace(/<[^>]*>/g, '').trim() : '';
  return decodeEntities(text) || 'nnlab report';
}

const decodeEntities = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'").replace(/&amp;/g, '&');

/** How the pages were built, for the title page: their profile(s) and data, as summary.json gives them. */
function buildFacts(reportDir: string): string[] {
  const entries = readSummary(reportDir, () => {}).filter((e) => e.html);
  const distinct = (values: Array<string | null>) => [...new Set(values.map((v) => v ?? 'unknown'))];
  const profiles = distinct(entries.map((e) => e.profile));
  const lines = [`Profile: ${profiles.join(', ')}${profiles.includes('quick') ? ' (a smoke run: its numbers are not comparable with the report\'s)' : ''}.`];
  for (const d of distinct(entries.map((e) => e.data))) lines.push(`Data: ${d.replace(/\.$/, '')}.`);
  return lines;
}

/** The title page (under the title, `lines`) and the table of contents, as one HTML document. */
function frontMatterHtml(title: string, lines: string[], chapters: PdfResult['chapters']): string {
  const row = (cls: string, label: string, page: number) =>
    `<li class="${cls}"><span class="label">${escapeHtml(label)}</span><span class="dots"></span><span class="page">${page}</span></li>`;
  const items = chapters.flatMap((c) => [row('chapter', c.title, c.page), ...c.sections.map((s) => row('section', s.title, s.page))]);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>
  body { font: 12pt/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; color: #1f2328; margin: 0; }
  .title-page { height: 250mm; display: flex; flex-direction: column; justify-content: center; break-after: page; }
  .title-page h1 { font-size: 28pt; margin: 0 0 12pt; }
  .title-page p { margin: 4pt 0; color: #57606a; }
  h2 { font-size: 18pt; margin: 0 0 12pt; }
  ol { list-style: none; padding: 0; margin: 0; }
  li { display: flex; align-items: baseline; gap: 6pt; break-inside: avoid; }
  li.chapter { font-weight: 600; margin-top: 8pt; }
  li.section { margin-left: 16pt; font-size: 10.5pt; }
  .dots { flex: 1; border-bottom: 1px dotted #8c959f; }
</style></head><body>
<section class="title-page"><h1>${escapeHtml(title)}</h1>
<p>The notebooks of the lab report, executed by nnlab, with their tables, figures and equations.</p>
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}</section>
<section class="contents"><h2>Contents</h2><ol>${items.join('')}</ol></section>
</body></html>`;
}

/**
 * The page (1-based, within its own print) of each top-level heading of a printed page, from the
 * document outline Chromium writes (`outline: true`): each entry's destination names the page
 * object it points into. The outline's first level is the page's h1; its children, the h2s,
 * are the sections listed in the contents. An outline in another form gives no sections.
 */
export function headingPages(pdf: PDFDocument): Array<{ title: string; page: number }> {
  const pageIndex = new Map(pdf.getPages().map((p, i) => [p.ref.toString(), i + 1]));
  const outlines = pdf.catalog.lookupMaybe(PDFName.of('Outlines'), PDFDict);
  const entries = (first: PDFDict | undefined): PDFDict[] => {
    const list: PDFDict[] = [];
    for (let e = first; e && list.length < 10_000; e = e.lookupMaybe(PDFName.of('Next'), PDFDict)) list.push(e);
    return list;
  };
  const top = entries(outlines?.lookupMaybe(PDFName.of('First'), PDFDict));
  // One h1 per page: its children are the sections; without an h1, the top level is.
  const level = top.length === 1 ? entries(top[0].lookupMaybe(PDFName.of('First'), PDFDict)) : top;
  const out: Array<{ title: string; page: number }> = [];
  for (const e of level) {
    const t = e.lookup(PDFName.of('Title'));
    const dest = e.lookupMaybe(PDFName.of('Dest'), PDFArray);
    const ref = dest?.get(0);
    const page = ref instanceof PDFRef ? pageIndex.get(ref.toString()) : undefined;
    if ((t instanceof PDFString || t instanceof PDFHexString) && page !== undefined) out.push({ title: t.decodeText().trim(), page });
  }
  return out;
}

/** "3" at the foot of every page but the title page. */
async function numberPages(doc: PDFDocument): Promise<void> {
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.getPages().forEach((page, i) => {
    if (i === 0) return;
    const text = String(i + 1);
    const size = 9;
    page.drawText(text, { x: (page.getWidth() - font.widthOfTextAtSize(text, size)) / 2, y: 24, size, font, color: rgb(0.35, 0.38, 0.42) });
  });
}
