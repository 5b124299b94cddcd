/**
 * `nnlab report --pdf`: without Chromium it stops at once with how to install it; with Chromium
 * the quick report prints to one PDF whose page count is in range and whose text (pdftotext,
 * Debian poppler-utils) holds the title page, the contents, every page's headings and every table
 * caption, each heading on the page the contents give it. Needs the quick report (Jupyter),
 * Chromium and pdftotext: skipped locally without them, saying why; run under CI=true.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumCandidates, findChromium, noChromiumMessage, writeReportPdf } from '../lib/report/pdf.js';
import { ARTIFACTS, chromiumPath, IN_CI, jupyterProblem, quickReport, REPORT_DIR, ROOT } from './notebooks.fixture.js';

describe('finding Chromium', () => {
  it('looks where each system installs it, and says how to install it when it is not there', () => {
    const env = { PROGRAMFILES: 'C:\\Program Files', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' };
    expect(chromiumCandidates('win32', env)).toContain('C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe');
    expect(chromiumCandidates('darwin', {})).toContain('/Applications/Chromium.app/Contents/MacOS/Chromium');
    expect(chromiumCandidates('linux', {})).toContain('/usr/bin/chromium');
    expect(noChromiumMessage('linux', {})).toMatch(/apt-get install chromium/);
    expect(noChromiumMessage('darwin', {})).toMatch(/\/Applications\/Chromium\.app/);
    expect(noChromiumMessage('win32', env)).toMatch(/Program Files.*chrome\.exe/);
    // $NNLAB_CHROMIUM is the only place looked at when set: a wrong path is not covered up.
    const missing = path.join(os.tmpdir(), 'no-such-chromium');
    expect(chromiumCandidates('linux', { NNLAB_CHROMIUM: missing })).toEqual([missing]);
    expect(findChromium('linux', { NNLAB_CHROMIUM: missing })).toBeNull();
  });

  it('`nnlab report --pdf` without Chromium fails at once, before building anything, saying how to install it', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'nnlab-pdf-'));
    try {
      const target = path.join(out, 'report');
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'nnlab.js'), 'report', '--pdf', '--out', target], {
        env: { ...process.env, NNLAB_CHROMIUM: path.join(out, 'no-such-chromium') }, encoding: 'utf8', timeout: 60_000,
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/--pdf: needs Chromium.*apt-get install chromium/s);
      expect(r.stderr).toContain('no-such-chromium');
      expect(existsSync(target)).toBe(false); // nothing built
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

function pdftotextProblem(): string | null {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'no pdftotext (apt-get install poppler-utils, or run node scripts/setup.mjs as root)';
  }
}

const chromiumBin = chromiumPath();
const problem = jupyterProblem() ?? (chromiumBin ? null : 'no chromium (apt-get install chromium, or run node scripts/setup.mjs as root)') ?? pdftotextProblem();
if (problem && !IN_CI) console.warn(`report-pdf.test.ts: the PDF: skipped: ${problem}`);

/** Text without markup, entities decoded, as a comparison key: NFKC, no whitespace. */
const key = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');
const stripTags = (html: string) => html.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#0?39;|&#x27;/g, "'").replace(/&amp;/g, '&').replace(/¶/g, '').trim();

/** What the PDF must hold from a page: its markdown headings (h1–h3) and its tables' captions. */
function expectedTexts(html: string): string[] {
  const headings = [...html.matchAll(/<h([1-3])\b[^>]*>([\s\S]*?)<a class="anchor-link"[\s\S]*?<\/h\1>/g)].map((m) => stripTags(m[2]));
  const captions = [...html.matchAll(/<caption>([\s\S]*?)<\/caption>/g)].map((m) => stripTags(m[1]));
  return [...headings, ...captions].filter((t) => t.length > 0);
}

const pdftotext = (file: string, page?: number): string =>
  execFileSync('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-enc', 'UTF-8', file, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });

describe.skipIf(problem !== null && !IN_CI)('the PDF', () => {
  it('has a title page, contents with the real page numbers, every page heading and table caption, and charts drawn', async () => {
    expect(problem, problem ?? '').toBeNull();
    const report = await quickReport();
    const file = path.join(ARTIFACTS, 'report-quick.pdf');
    rmSync(file, { force: true });
    const result = await writeReportPdf({ reportDir: REPORT_DIR, chromium: chromiumBin!, out: file });
    expect(statSync(file).size).toBeGreaterThan(50_000);
    console.log(`report-pdf.test.ts: ${result.pages} pages, ${(statSync(file).size / 1e6).toFixed(2)} MB, printed in ${result.seconds.toFixed(1)} s`);

    const pages = report.notebooks.filter((nb) => nb.html);
    expect(result.chapters.map((c) => c.title)).toEqual(['Summary of the results', ...pages.map((p) => p.title)]);
    // Title page + contents + at least one page per chapter; a chapter of the quick report is not 40 pages.
    expect(result.pages).toBeGreaterThanOrEqual(2 + result.chapters.length);
    expect(result.pages).toBeLessThanOrEqual(2 + 40 * result.chapters.length);
    const pageCount = /Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }));
    expect(Number(pageCount?.[1])).toBe(result.pages);

    const all = key(pdftotext(file));
    expect(pdftotext(file, 1)).toMatch(/Lab 1 Part 1/);
    expect(pdftotext(file, 2)).toMatch(/Contents/);
    for (const nb of pages) {
      const html = readFileSync(path.join(REPORT_DIR, nb.html), 'utf8');
      const texts = expectedTexts(html);
      expect(texts.length, nb.name).toBeGreaterThan(2);
      for (const t of texts) expect(all.includes(key(t)), `${nb.name}: "${t}" is not in the PDF's text`).toBe(true);
    }
    // The contents' page numbers are real: each chapter's and section's heading is on its page.
    const contents = key(pdftotext(file, 2) + pdftotext(file, 3));
    for (const c of result.chapters) {
      expect(contents).toContain(key(c.title));
      for (const s of [{ title: c.title, page: c.page }, ...c.sections]) {
        if (s.title === 'Summary of the results') continue; // the index's own h1 says "Lab 1 Part 1…"
        expect(key(pdftotext(file, s.page)), `"${s.title}" on page ${s.page}`).toContain(key(s.title));
      }
    }
    // Charts are drawn (plotly's SVG text, e.g. axis titles, is in the PDF), not blank boxes.
    const chartTitles = pages.flatMap((nb) => [...readFileSync(path.join(REPORT_DIR, nb.html), 'utf8').matchAll(/"xaxis":\{[^}]*?"title":\{"text":"([^"\\]{4,40})"/g)].map((m) => m[1]));
    expect(chartTitles.length).toBeGreaterThan(3);
    for (const t of chartTitles) expect(all.includes(key(t)), `axis title "${t}" is not in the PDF's text`).toBe(true);
    // Written by a rename: no temporary file is left beside it.
    expect(readdirSync(ARTIFACTS).filter((f) => f.includes('report-quick.pdf') && f !== 'report-quick.pdf')).toEqual([]);
    // The first pages as pictures, for a reader of the test's output (artifacts/screenshots/pdf-page-NN.png).
    const shots = path.join(ARTIFACTS, 'screenshots');
    mkdirSync(shots, { recursive: true });
    execFileSync('pdftoppm', ['-r', '60', '-png', '-f', '1', '-l', '4', file, path.join(shots, 'pdf-page')]);
  }, 1_800_000);
});
