/**
 * The report as a reader sees it, in headless Chromium (Debian's chromium + playwright-core) with
 * the network blocked: every chart of every exported page renders from the one shared
 * plotly.min.js, code is folded, each page has its table of contents and previous/next links,
 * no console errors, and the index shows each notebook's headline rows; the require.js guard of
 * the inlined plotly.js; and JupyterLab itself running 01_sin_fit.ipynb. Screenshots go to
 * artifacts/screenshots/; the log gives each page's size and open time.
 *
 * Needs chromium and the project's Jupyter: without them the tests fail under CI=true and are
 * skipped locally, saying why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { figureHtml } from '../lib/display/plotly.js';
import { findJupyter } from '../lib/report/index.js';
import { ARTIFACTS, CHROMIUM_ARGS, chromiumPath, IN_CI, jupyterProblem, quickReport, REPORT_DIR, ROOT } from './notebooks.fixture.js';

const chromiumBin = chromiumPath();
const problem = chromiumBin ? jupyterProblem() : 'no chromium (apt-get install chromium, or run node scripts/setup.mjs as root)';
if (problem && !IN_CI) console.warn(`browser.test.ts: skipped: ${problem}`);

const SHOTS = path.join(ARTIFACTS, 'screenshots');

let browser: Browser;

/** A context where every request that is not a local file (or, with `allowLocalhost`, 127.0.0.1) fails. */
async function offlineContext(allowLocalhost = false): Promise<{ context: BrowserContext; blocked: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    const local = url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:') ||
      (allowLocalhost && /^(https?|wss?):\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url));
    if (local) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return { context, blocked };
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

describe.skipIf(problem !== null && !IN_CI)('in the browser', () => {
  beforeAll(async () => {
    expect(problem, problem ?? '').toBeNull();
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: chromiumBin!, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('renders every page offline: charts from the shared plotly.js, code folded, contents and previous/next links, no console errors', async () => {
    const report = await quickReport();
    const { context, blocked } = await offlineContext();
    const names = report.notebooks.map((nb) => nb.name);
    try {
      for (const [i, nb] of report.notebooks.entries()) {
        const file = path.join(REPORT_DIR, `${nb.name}.html`);
        const html = readFileSync(file, 'utf8');
        expect(html, `${nb.name}: the page inlines plotly.js`).not.toMatch(/\* plotly\.js v\d/);
        const page = await context.newPage();
        const errors = watchErrors(page);
        const t0 = Date.now();
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        const loaded = Date.now() - t0;
        const expected = nb.summary.plots;
        // A chart is rendered when plotly has drawn its SVG inside the nnlab-plot element.
        await page.waitForFunction((n) => document.querySelectorAll('.nnlab-plot.js-plotly-plot .main-svg').length >= n, expected, { timeout: 60_000 })
          .catch(() => undefined);
        console.log(`browser.test.ts: ${nb.name}.html ${(statSync(file).size / 1024).toFixed(0)} KiB: load event ${loaded} ms, all ${expected} charts drawn ${Date.now() - t0} ms`);
        await page.screenshot({ path: path.join(SHOTS, `${nb.name}.png`), fullPage: true });

        // Charts: every one drawn, by the plotly.js the page loaded from plotly.min.js beside it.
        expect(await page.locator('.nnlab-plot').count(), `${nb.name}: chart elements`).toBe(expected);
        expect(await page.locator('.nnlab-plot.js-plotly-plot').count(), `${nb.name}: charts rendered`).toBe(expected);
        expect(await page.evaluate(() => typeof (window as unknown as { Plotly?: unknown }).Plotly), `${nb.name}: window.Plotly`).toBe('object');
        expect(await page.evaluate(() => Array.from(document.scripts).filter((s) => s.src).map((s) => s.getAttribute('src'))), `${nb.name}: scripts loaded`).toEqual(['plotly.min.js']);
        expect(await page.locator('.nnlab-table').count(), `${nb.name}: tables`).toBe(nb.summary.tables);

        // Code folded, outputs shown, no prompts; the page's toggle unfolds all of it.
        const code = page.locator('details.nnlab-code');
        expect(await code.count(), `${nb.name}: one fold per code cell`).toBe(nb.summary.codeCells);
        expect(await page.locator('details.nnlab-code[open]').count(), `${nb.name}: folds open`).toBe(0);
        expect(await code.first().locator('.jp-InputArea-editor').isVisible(), `${nb.name}: code visible by default`).toBe(false);
        expect(await code.first().locator('summary').isVisible()).toBe(true);
        expect(await page.locator('.jp-InputPrompt, .jp-OutputPrompt').count(), `${nb.name}: prompts`).toBe(0);
        await page.locator('.nnlab-pager .nnlab-toggle-code').click();
        expect(await page.locator('details.nnlab-code[open]').count(), `${nb.name}: "show all code" opens every fold`).toBe(nb.summary.codeCells);
        const overflow = await code.first().locator('.jp-InputArea-editor').evaluate((el) => getComputedStyle(el).overflow);
        expect(overflow, `${nb.name}: shown code is not cut off`).not.toBe('hidden');

        // Contents: links to headings that exist on the page.
        const toc = await page.locator('.nnlab-toc a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
        expect(toc.length, `${nb.name}: table of contents`).toBeGreaterThanOrEqual(3);
        // nbconvert percent-encodes non-ASCII in the ids themselves; a browser tries the fragment as written, then decoded.
        const missing = await page.evaluate((hrefs) => hrefs.filter((h) => !document.getElementById(h.slice(1)) && !document.getElementById(decodeURIComponent(h.slice(1)))), toc);
        expect(missing, `${nb.name}: contents entries without their heading`).toEqual([]);

        // Previous/next between the pages, in order, and the index, at the top and the bottom.
        const links = async (sel: string) => page.locator(sel).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        expect(await links('.nnlab-pager a.nnlab-index'), `${nb.name}: index links`).toEqual(['index.html', 'index.html']);
        expect(await links('.nnlab-pager a[rel=prev]'), `${nb.name}: previous`).toEqual(i > 0 ? Array(2).fill(`${names[i - 1]}.html`) : []);
        expect(await links('.nnlab-pager a[rel=next]'), `${nb.name}: next`).toEqual(i < names.length - 1 ? Array(2).fill(`${names[i + 1]}.html`) : []);

        expect(errors, `${nb.name}: console errors`).toEqual([]);
        await page.close();
      }
      const index = await context.newPage();
      const errors = watchErrors(index);
      await index.goto(pathToFileURL(path.join(REPORT_DIR, 'index.html')).href);
      await index.screenshot({ path: path.join(SHOTS, 'index.png'), fullPage: true });
      const pageLinks = await index.locator('.nnlab-overview a[href$=".html"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(pageLinks).toEqual(names.map((n) => `${n}.html`));
      for (const name of names) {
        const section = index.locator(`section.nnlab-entry[data-notebook="${name}"]`);
        expect(await section.count(), `index: a section for ${name}`).toBe(1);
        expect(await section.locator('tr.nnlab-headline-row').count(), `index: headline rows of ${name}`).toBeGreaterThanOrEqual(1);
        expect(await section.locator('.entry-meta').innerText(), `index: how ${name} was made`).toMatch(/profile quick · data .+ · number type float(32|64) · seeds 0 · run time .+ · built \d{4}-/);
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    expect(blocked, 'requests to the network').toEqual([]);
  }, 30 * 60_000);

  it('draws a chart on a page where require.js defines an AMD `define`', async () => {
    const dir = path.join(ARTIFACTS, 'requirejs-page');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'index.html');
    // A stand-in for require.js: a global AMD define that records anonymous modules.
    const amd = '<script>window.__amd=[];window.define=function(){window.__amd.push(arguments.length)};window.define.amd={jQuery:true};</script>';
    writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8">${amd}</head><body>` +
      figureHtml({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }] }, { includePlotly: true }) +
      figureHtml({ data: [{ type: 'scatter', x: [1, 2], y: [2, 1] }] }) + '</body></html>');
    const { context, blocked } = await offlineContext();
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => document.querySelectorAll('.nnlab-plot.js-plotly-plot').length === 2, null, { timeout: 30_000 });
      expect(await page.evaluate(() => typeof (window as unknown as { Plotly?: unknown }).Plotly)).toBe('object');
      expect(await page.evaluate(() => (window as unknown as { __amd: unknown[] }).__amd.length)).toBe(0);
      expect(await page.evaluate(() => typeof (window as unknown as { define?: { amd?: unknown } }).define?.amd)).toBe('object');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    expect(blocked).toEqual([]);
  }, 120_000);

  describe('JupyterLab', () => {
    let server: ChildProcess | undefined;
    let url = '';
    const token = randomBytes(16).toString('hex');
    const serverLog: string[] = [];

    beforeAll(async () => {
      // A copy of the notebook inside the project (so that "nnlab" resolves from node_modules),
      // in an ignored folder (so that JupyterLab's autosave never touches notebooks/).
      const dir = path.join(ARTIFACTS, 'jupyterlab');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      copyFileSync(path.join(ROOT, 'notebooks', '01_sin_fit.ipynb'), path.join(dir, '01_sin_fit.ipynb'));
      const port = await freePort();
      const env = findJupyter(['jupyterlab'])!;
      expect(env, 'JupyterLab is installed').toBeTruthy();
      server = spawn(env.python, [
        '-m', 'jupyter', 'lab', '--no-browser', `--ServerApp.port=${port}`, '--ServerApp.ip=127.0.0.1',
        `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${dir}`, '--ServerApp.port_retries=0',
        '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
        ...(process.getuid?.() === 0 ? ['--allow-root'] : []), // CI runs as root
      ], {
        cwd: dir,
        env: { ...process.env, NNLAB_PROFILE: 'quick', NNLAB_CACHE_DIR: path.join(ARTIFACTS, 'jupyterlab-cache'), NNLAB_DATA: '', JUPYTER_CONFIG_DIR: path.join(dir, '.jupyter-config') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      server.stdout!.on('data', (d: Buffer) => serverLog.push(d.toString()));
      server.stderr!.on('data', (d: Buffer) => serverLog.push(d.toString()));
      url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          const res = await fetch(`${url}/api/status?token=${token}`);
          if (res.ok) break;
        } catch { /* not up yet */ }
        if (Date.now() > deadline || server.exitCode !== null) throw new Error(`JupyterLab did not start:\n${serverLog.join('').slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }, 180_000);

    afterAll(async () => {
      if (server && server.exitCode === null) {
        server.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 1000));
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      writeFileSync(path.join(ARTIFACTS, 'jupyterlab', 'server.log'), serverLog.join(''));
    });

    it('opens 01_sin_fit.ipynb, runs all cells, and shows a rendered Plotly chart and no error output', async () => {
      const { context, blocked } = await offlineContext(true);
      try {
        const page = await context.newPage();
        const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, name) }).catch(() => undefined);
        try {
          await page.goto(`${url}/lab/tree/01_sin_fit.ipynb?token=${token}`);
          await page.waitForSelector('.jp-Notebook .jp-CodeCell', { timeout: 120_000 });
          // Wait until the tslab kernel is connected and idle.
          await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-status]')).some((e) => e.getAttribute('data-status') === 'idle'), null, { timeout: 120_000 });
          // Run → Run All Cells, from the menu, as a user would. A click that lands while the
          // kernel session is still being attached can be lost, so try again if nothing starts.
          const started = () => page.waitForFunction(() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
            .some((p) => /\[(\*|\d+)\]/.test(p.textContent ?? '')), null, { timeout: 30_000 }).then(() => true, () => false);
          for (let attempt = 0; ; attempt++) {
            await page.waitForTimeout(3000);
            await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
            await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
            if (await started()) break;
            if (attempt === 2) throw new Error('Run All Cells did not start any cell');
          }
          // Done when every code cell shows an execution count ("[3]:") and none is queued or running ("[*]:").
          await page.waitForFunction(() => {
            const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map((p) => p.textContent ?? '');
            return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p));
          }, null, { timeout: 10 * 60_000, polling: 1000 });
          await page.waitForFunction(() => document.querySelectorAll('.jp-OutputArea .js-plotly-plot .main-svg').length > 0, null, { timeout: 60_000 });
        } catch (err) {
          await shot('jupyterlab-01_sin_fit-failed.png');
          throw err;
        }
        const charts = await page.locator('.jp-OutputArea .nnlab-plot.js-plotly-plot').count();
        const errorOutputs = await page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').allInnerTexts();
        const emptyCells = await page.evaluate(() => Array.from(document.querySelectorAll('.jp-CodeCell')).filter((c) => c.querySelectorAll('.jp-OutputArea-output').length === 0).length);
        await page.getByRole('button', { name: 'No' }).click({ timeout: 2000 }).catch(() => undefined); // the news toast
        const firstChart = page.locator('.jp-OutputArea .js-plotly-plot').first();
        await firstChart.scrollIntoViewIfNeeded();
        await page.waitForTimeout(1500);
        await shot('jupyterlab-01_sin_fit.png');
        await firstChart.screenshot({ path: path.join(SHOTS, 'jupyterlab-01_sin_fit-chart.png') }).catch(() => undefined);
        expect(charts, 'rendered Plotly charts').toBeGreaterThanOrEqual(1);
        expect(errorOutputs, 'error or stderr outputs').toEqual([]);
        expect(emptyCells, 'code cells without output').toBe(0);

        // The live sine fit works in JupyterLab too: its output's script runs, and "train" fits in a worker.
        const trainer = page.locator('.jp-OutputArea [data-nnlab-widget="sine-trainer"]');
        await trainer.scrollIntoViewIfNeeded();
        await trainer.locator('.nnlab-sine-train').click();
        await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector<HTMLElement>('.jp-OutputArea [data-nnlab-widget="sine-trainer"]')?.dataset.state ?? ''), null, { timeout: 300_000 });
        await trainer.screenshot({ path: path.join(SHOTS, 'jupyterlab-01_sin_fit-trainer.png') }).catch(() => undefined);
        expect(await trainer.getAttribute('data-state'), await trainer.locator('.nnlab-sine-status').innerText()).toBe('done');
      } finally {
        await context.close();
      }
      expect(blocked, 'requests outside localhost').toEqual([]);
    }, 20 * 60_000);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
