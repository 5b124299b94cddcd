/**
 * The equations: formulas read from markdown as JupyterLab reads them, every formula of the
 * notebooks typesets with KaTeX, each backprop step's formula sits just before the code cell that
 * computes (and checks) it, and the exported pages carry KaTeX's HTML and its CSS and fonts, so
 * that a formula renders from file:// in Chromium. The last two need the quick report (Jupyter)
 * and Chromium: skipped locally without them, saying why; run under CI=true.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { insertMath, KATEX_CSS, notebookFormulas, renderFormula, replaceMath, withMathPlaceholders, writeKatexAssets } from '../lib/report/math.js';
import type { Notebook } from '../lib/report/inspect.js';
import { CHROMIUM_ARGS, chromiumPath, IN_CI, jupyterProblem, quickReport, REPORT_DIR, ROOT } from './notebooks.fixture.js';

const readNb = (name: string): Notebook => JSON.parse(readFileSync(path.join(ROOT, 'notebooks', `${name}.ipynb`), 'utf8')) as Notebook;
const text = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);
const marks = (md: string) => replaceMath(md, (tex, display) => (display ? `[D:${tex}]` : `[I:${tex}]`));

describe('formulas in markdown', () => {
  it('finds inline and display math as JupyterLab does, and leaves code, escaped dollars and lone dollars alone', () => {
    expect(marks('a $x_1$ and $$\\frac{a}{b}$$ end')).toBe('a [I:x_1] and [D:\\frac{a}{b}] end');
    expect(marks('$$\na_1 = x W_1\n$$')).toBe('[D:a_1 = x W_1]');
    expect(marks('costs \\$5 and `$x$` stays')).toBe('costs \\$5 and `$x$` stays');
    expect(marks('```\n$x$\n```\nthen $y$')).toBe('```\n$x$\n```\nthen [I:y]');
    expect(marks('a $ lone dollar')).toBe('a $ lone dollar');
    expect(marks('$a\n\nb$')).toBe('$a\n\nb$'); // inline math does not cross paragraphs
    expect(marks('$\\$x$')).toBe('[I:\\$x]');
  });

  it('puts each formula back where its placeholder is, and refuses to lose one', () => {
    const nb = { cells: [{ cell_type: 'markdown', source: ['see $x^2$:\n', '\n', '$$y = x^2$$\n'] }], metadata: {} } as unknown as Notebook;
    const { notebook, formulas } = withMathPlaceholders(nb);
    const source = text(notebook.cells[0].source);
    expect(source).not.toContain('$');
    expect(formulas.map((f) => f.display)).toEqual([false, true]);
    // What nbconvert makes of it: the words stay, each display formula a paragraph of its own.
    const html = `<p>see ${source.match(/NNLABMATH0Z/)![0]}:</p>\n<p>NNLABMATH1Z</p>`;
    const out = insertMath(html, formulas);
    expect(out).not.toMatch(/NNLABMATH/);
    expect(out.match(/class="katex"/g)).toHaveLength(2);
    expect(out).toContain('<div class="nnlab-math"><span class="katex-display">');
    expect(() => insertMath('<p>nothing</p>', formulas)).toThrow(/2 formula\(s\) were lost/);
    expect(() => renderFormula({ tex: '\\frac{1}{', display: true, cell: 7 })).toThrow(/markdown cell 7/);
  });

  it('every formula of the notebooks typesets with KaTeX in strict mode', () => {
    const names = ['01_sin_fit', '02_architecture', '03_hyperparams', '04_bn_augment', '05_beyond'];
    const counts = Object.fromEntries(names.map((n) => [n, notebookFormulas(readNb(n)).length]));
    for (const n of names) for (const f of notebookFormulas(readNb(n))) expect(renderFormula(f)).toContain('class="katex');
    expect(counts['04_bn_augment']).toBeGreaterThan(20);
    expect(counts['03_hyperparams']).toBeGreaterThan(5);
  });

  it("puts each step's formula just before the code cell that computes it, and each backward formula before its numerical check", () => {
    const cells = readNb('04_bn_augment').cells;
    const steps: Array<[string, RegExp]> = [
      ['affineForward(x, W1, b1)', /a_1 = x\\,W_1 \+ b_1/],
      ['batchnormForward(a1, gamma, beta', /\\hat a_\{ij\} = \\frac\{a_\{ij\} - \\mu_j\}\{\\sqrt\{\\sigma_j\^2 \+ \\varepsilon\}\}/],
      ['reluForward(z1)', /h_1 = \\max\(0, z_1\)/],
      ['softmaxLoss(scores, y)', /\\frac\{p_\{ic\} - \[c = y_i\]\}\{N\}/],
      ['affineBackward(dscores, affine2Cache)', /h_1\^\{\\top\} G/],
      ['reluBackward(g2.dx, reluCache)', /\[z_\{1,ij\} > 0\]/],
      ['batchnormBackward(dz1, bnCache)', /N\\,\\mathrm\{d\}\\hat a_\{ij\} - \\sum_\{k=1\}\^\{N\} \\mathrm\{d\}\\hat a_\{kj\} - \\hat a_\{ij\}/],
      ['affineBackward(gbn.dx, affine1Cache)', /x\^\{\\top\}\\,\\mathrm\{BN\}/],
    ];
    for (const [call, formula] of steps) {
      const at = cells.findIndex((c) => c.cell_type === 'code' && text(c.source).includes(call));
      expect(at, call).toBeGreaterThan(0);
      const before = cells[at - 1];
      expect(before.cell_type, `the cell before ${call}`).toBe('markdown');
      expect(text(before.source), `the formula before ${call}`).toMatch(formula);
      if (call.includes('Backward')) expect(text(cells[at].source), `${call} is checked in its cell`).toMatch(/check\(/);
    }
    const rules = readNb('03_hyperparams').cells.filter((c) => c.cell_type === 'markdown').map((c) => text(c.source)).join('\n');
    expect(rules).toMatch(/w \\leftarrow w - \\eta\\,\\nabla_w L/); // SGD
    expect(rules).toMatch(/v \\leftarrow \\mu\\,v - \\eta\\,\\nabla_w L, \\qquad w \\leftarrow w \+ v/); // momentum
    expect(rules).toMatch(/\\hat m = \\frac\{m\}\{1 - \\beta_1\^\{\\,t\}\}/); // Adam's bias correction
  });

  it('copies KaTeX\'s CSS and every WOFF2 font it names beside the pages', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-katex-'));
    try {
      writeKatexAssets(dir);
      const css = readFileSync(path.join(dir, KATEX_CSS), 'utf8');
      const fonts = [...css.matchAll(/url\((fonts\/[^)]+\.woff2)\)/g)].map((m) => m[1]);
      expect(fonts.length).toBeGreaterThan(10);
      for (const f of fonts) expect(existsSync(path.join(dir, 'katex', f)), f).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const jupyter = jupyterProblem();
const browserBin = chromiumPath();
const pageProblem = jupyter ?? (browserBin ? null : 'no chromium (apt-get install chromium, or run node scripts/setup.mjs as root)');
if (pageProblem && !IN_CI) console.warn(`report-math.test.ts: the exported pages' equations: skipped: ${pageProblem}`);

describe.skipIf(pageProblem !== null && !IN_CI)('the exported pages', () => {
  let browser: import('playwright-core').Browser | undefined;
  afterAll(async () => { await browser?.close(); });

  it('carry every formula as KaTeX HTML, no raw $$, the CSS and fonts beside them, and the formulas render from file://', async () => {
    expect(pageProblem, pageProblem ?? '').toBeNull();
    await quickReport();
    expect(existsSync(path.join(REPORT_DIR, KATEX_CSS))).toBe(true);
    for (const name of ['03_hyperparams', '04_bn_augment']) {
      const html = readFileSync(path.join(REPORT_DIR, `${name}.html`), 'utf8');
      const formulas = notebookFormulas(readNb(name));
      expect(html.match(/<span class="katex">/g)?.length, name).toBe(formulas.length);
      expect(html.match(/<span class="katex-display">/g)?.length, name).toBe(formulas.filter((f) => f.display).length);
      expect(html, name).not.toContain('$$');
      expect(html, name).not.toMatch(/NNLABMATH\d+Z/);
      expect(html, name).toContain(`href="${KATEX_CSS}"`);
    }
    browser = await chromium.launch({ executablePath: browserBin!, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await page.route('**/*', (route) => (/^(file|data|blob):/.test(route.request().url()) ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(path.join(REPORT_DIR, '04_bn_augment.html')).href, { waitUntil: 'load' });
    await page.evaluate('document.fonts.ready.then(() => true)');
    const sizes = await page.evaluate(`Array.from(document.querySelectorAll('.katex-display .katex-html')).map((el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; })`) as Array<[number, number]>;
    expect(sizes.length).toBeGreaterThan(5);
    for (const [w, h] of sizes) {
      expect(w).toBeGreaterThan(50);
      expect(h).toBeGreaterThan(10);
    }
    // KaTeX's own font (from katex/fonts/, not a system fallback) draws the formulas.
    expect(await page.evaluate(`document.fonts.check('16px KaTeX_Main') && Array.from(document.fonts).some((f) => f.family.includes('KaTeX_Main') && f.status === 'loaded')`)).toBe(true);
    // The KaTeX stylesheet applies: MathML is visually hidden, the HTML rendering shown.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('.katex-mathml')).position`)).toBe('absolute');
  }, 1_800_000);
});
