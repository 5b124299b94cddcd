/**
 * The report as a reader sees it, in headless Chromium (Debian's chromium + playwright-core) with
 * the network blocked: every chart of every exported page renders, no console errors; the
 * require.js guard of the inlined plotly.js; and JupyterLab itself running 01_sin_fit.ipynb.
 * Screenshots go to artifacts/screenshots/.
 *
 * Needs chromium and the project's Jupyter: without them the tests fail under CI=true and are
 * skipped locally, saying why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
const problem = chromiumBin ? jupyterProblem() : 'no chromium (apt-get install chromium, or run bash scripts/setup.sh as root)';
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

  it('renders every chart of every exported notebook offline, without console errors', async () => {
    const report = await quickReport();
    const { context, blocked } = await offlineContext();
    try {
      for (const nb of report.notebooks) {
        const page = await context.newPage();
        const errors = watchErrors(page);
        await page.goto(pathToFileURL(path.join(REPORT_DIR, `${nb.name}.html`)).href);
        const expected = nb.summary.plots;
        // A chart is rendered when plotly has drawn its SVG inside the nnlab-plot element.
        await page.waitForFunction((n) => document.querySelectorAll('.nnlab-plot.js-plotly-plot .main-svg').length >= n, expected, { timeout: 60_000 })
          .catch(() => undefined);
        const divs = await page.locator('.nnlab-plot').count();
        const rendered = await page.locator('.nnlab-plot.js-plotly-plot').count();
        await page.screenshot({ path: path.join(SHOTS, `${nb.name}.png`), fullPage: true });
        expect(divs, `${nb.name}: chart elements`).toBe(expected);
        expect(rendered, `${nb.name}: charts rendered`).toBe(expected);
        expect(await page.locator('.nnlab-table').count(), `${nb.name}: tables`).toBe(nb.summary.tables);
        expect(errors, `${nb.name}: console errors`).toEqual([]);
        await page.close();
      }
      const index = await context.newPage();
      const errors = watchErrors(index);
      await index.goto(pathToFileURL(path.join(REPORT_DIR, 'index.html')).href);
      expect(await index.locator('a[href$=".html"]').count()).toBe(report.notebooks.length);
      await index.screenshot({ path: path.join(SHOTS, 'index.png'), fullPage: true });
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
