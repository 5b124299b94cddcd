/**
 * The live widgets in headless Chromium, offline from file://, on pages made by the same
 * functions the notebooks call (lib/display/widgets.ts) from small fixtures:
 *   - the drawing pad: a stored image drawn as pen strokes; the page's top class and
 *     probabilities equal the library's predict and classProbabilities on the drawn image;
 *   - the sine trainer: "train" runs fitSine in a Web Worker made from a Blob URL; the loss
 *     falls, and the page's fit is the one Node computes with the same options, bit for bit;
 *   - the backprop graph: every gradient's check passes, and moving the slider changes the
 *     gradient panels and the loss.
 * Needs Chromium (Debian's chromium + playwright-core): skipped locally without it, saying
 * why; under CI=true it must run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Matrix } from '../lib/nn/matrix.js';
import { Rng } from '../lib/nn/random.js';
import { classify, type CharacterClassifier } from '../lib/data/classifier.js';
import { classProbabilities } from '../lib/data/ensemble.js';
import { classifierInput } from '../lib/data/preprocess.js';
import { synthesizeCharacters } from '../lib/data/synth.js';
import { fitSine, SINE_DEFAULTS } from '../lib/tasks/sine.js';
import { PROFILES } from '../lib/experiments/profile.js';
import { loadLabData } from '../lib/experiments/data.js';
import { baselinePadCaption } from '../lib/experiments/baseline_net.js';
import { trainClassifier } from '../lib/recipe.js';
import { backpropSteps } from '../lib/experiments/backprop_steps.js';
import { backpropGraphHtml, drawingPadHtml, sineTrainerHtml } from '../lib/display/widgets.js';
import { packNet, unpackNet, type PackedNet } from '../lib/persist/packed_net.js';
import { FullyConnectedNet } from '../lib/nn/fc_net.js';
import { unpackFloats } from '../lib/util/packed_floats.js';
import type { DrawingPadSpec } from '../lib/widgets/specs.js';
import { ARTIFACTS, CHROMIUM_ARGS, chromiumPath, IN_CI, jupyterProblem, quickReport, REPORT_DIR, ROOT } from './notebooks.fixture.js';

const chromiumBin = chromiumPath();
const problem = chromiumBin ? null : 'no chromium (apt-get install chromium, or run node scripts/setup.mjs as root)';
if (problem && !IN_CI) console.warn(`widgets.test.ts: skipped: ${problem}`);

const DIR = path.join(ARTIFACTS, 'widgets');
let browser: Browser;
let context: BrowserContext;
const blocked: string[] = [];

/** Writes a page holding `body` and opens it from file://, collecting console errors. */
async function openPage(name: string, body: string): Promise<{ page: Page; errors: string[] }> {
  const file = path.join(DIR, `${name}.html`);
  writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${name}</title></head><body>${body}</body></html>`);
  console.log(`widgets.test.ts: ${name}.html ${(statSync(file).size / 1024).toFixed(0)} KiB`);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(file).href);
  return { page, errors };
}

describe('the widgets\' browser code', () => {
  it('type-checks with the DOM\'s types (lib/widgets/tsconfig.json; the library\'s own tsconfig leaves it out)', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'lib', 'widgets', 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('carries a network into the page bit for bit (packNet → JSON → unpackNet), batchnorm statistics included', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const net = new FullyConnectedNet({ inputDim: 6, hiddenDims: [5, 4], outputDim: 3, normalization: 'batchnorm', dtype, seed: 3 });
      const rng = new Rng(7);
      const X = rng.gaussianMatrix(8, 6);
      net.loss(X, Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1])); // a train-mode pass sets the running statistics
      const copy = unpackNet(JSON.parse(JSON.stringify(packNet(net))) as PackedNet);
      expect(copy.config).toEqual(net.config);
      expect(Array.from(copy.scores(X).data), dtype).toEqual(Array.from(net.scores(X).data));
      expect(() => unpackNet({ ...packNet(net), params: { ...packNet(net).params, W2: packNet(net).params.W1 } })).toThrow(/W2 must be 5x4/);
    }
  });

  it('is built into dist/widgets/ by npm run build, one script per widget', () => {
    for (const name of ['drawing-pad', 'sine-trainer', 'backprop-graph']) {
      const file = path.join(ROOT, 'dist', 'widgets', `${name}.js`);
      expect(existsSync(file), `${file} (npm run build)`).toBe(true);
      expect(statSync(file).size, `${name}.js stays small`).toBeLessThan(200 * 1024);
    }
  });
});

describe.skipIf(problem !== null && !IN_CI)('live widgets in the browser', () => {
  beforeAll(async () => {
    expect(problem, problem ?? '').toBeNull();
    mkdirSync(DIR, { recursive: true });
    browser = await chromium.launch({ executablePath: chromiumBin!, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    expect(blocked, 'requests to the network').toEqual([]);
  });

  it('drawing pad: a stored image drawn as strokes gets the top class and probabilities of the library\'s predict', async () => {
    // The notebook's path in small: lab data (synthetic), the baseline trained by a Solver, its caption.
    const profile = { ...PROFILES.quick, perClass: 40, maxPerClass: 40, baseline: { ...PROFILES.quick.baseline, numEpochs: 3 } };
    const data = loadLabData(profile, { dir: null });
    const { net, solver } = trainClassifier(profile.baseline, { ...data, numClasses: data.classNames.length });
    const caption = baselinePadCaption(net, solver, profile.baseline, data.description);
    const classifier = { net, mean: data.mean, width: data.width, height: data.height } as CharacterClassifier;
    const raw = synthesizeCharacters({ perClass: profile.perClass, seed: 0 }).X; // the images before centring
    const { page, errors } = await openPage('drawing-pad', drawingPadHtml(net, data, caption));
    const root = page.locator('[data-nnlab-widget="drawing-pad"]');
    await page.waitForSelector('.nnlab-pad-canvas');
    await page.selectOption('.nnlab-pad-pen', '1');
    const box = (await page.locator('.nnlab-pad-canvas').boundingBox())!;
    const cell = box.width / data.width;
    const at = (i: number) => box.y + (i + 0.5) * cell, atX = (j: number) => box.x + (j + 0.5) * cell;

    // The first validation image of three different classes.
    const images = [0, 5, 11].map((k) => data.yVal.indexOf(k));
    for (const image of images) {
      const row = raw.row(data.valIndices[image]);
      // The stored image as pen strokes: every horizontal run of ink ≥ ½ is one drag.
      const drawn = new Float64Array(row.length);
      await page.click('.nnlab-pad-clear');
      for (let i = 0; i < data.height; i++) {
        for (let j = 0; j < data.width; j++) {
          if (row[i * data.width + j] < 0.5) continue;
          let end = j;
          while (end + 1 < data.width && row[i * data.width + end + 1] >= 0.5) end++;
          for (let k = j; k <= end; k++) drawn[i * data.width + k] = 1;
          await page.mouse.move(atX(j), at(i));
          await page.mouse.down();
          await page.mouse.move(atX(end), at(i), { steps: Math.max(1, end - j) });
          await page.mouse.up();
          j = end;
        }
      }
      // What the canvas holds is exactly the drawn image (black ink, white paper).
      const canvasInk = await page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('.nnlab-pad-canvas')!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        return Array.from({ length: c.width * c.height }, (_, k) => 1 - d[4 * k] / 255);
      });
      expect(canvasInk, `image ${image}: the canvas`).toEqual(Array.from(drawn));

      const X = new Matrix(1, drawn.length, drawn);
      const predicted = classify(classifier, X)[0];
      const expected = Array.from(classProbabilities(net, classifierInput(X, data.mean), data.classNames.length));
      expect(Number(await root.getAttribute('data-top')), `image ${image}: top class`).toBe(predicted);
      expect(JSON.parse((await root.getAttribute('data-probabilities'))!), `image ${image}: probabilities`).toEqual(expected);
      const original = classify(classifier, new Matrix(1, row.length, Float64Array.from(row)))[0];
      console.log(`widgets.test.ts: image ${image} (class ${data.classNames[data.yVal[image]]}): page ${data.classNames[predicted]}, predict on the stored image ${data.classNames[original]}`);
      expect(await page.locator('.nnlab-pad-status').innerText()).toContain(data.classNames[predicted]);
    }
    await page.screenshot({ path: path.join(DIR, 'drawing-pad.png') });
    await page.click('.nnlab-pad-clear');
    expect(await root.getAttribute('data-top'), 'a clear pad has no top class').toBe('');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('sine trainer: "train" fits in a Web Worker, the loss falls, and the fit is Node\'s bit for bit', async () => {
    const settings = { ...SINE_DEFAULTS, epochs: 12 };
    const { page, errors } = await openPage('sine-trainer', sineTrainerHtml(settings));
    const root = page.locator('[data-nnlab-widget="sine-trainer"]');
    await page.click('.nnlab-sine-train');
    await page.waitForFunction(() => {
      const s = document.querySelector<HTMLElement>('[data-nnlab-widget="sine-trainer"]')!.dataset.state;
      return s === 'done' || s === 'error';
    }, null, { timeout: 120_000 });
    expect(await root.getAttribute('data-state'), await page.locator('.nnlab-sine-status').innerText()).toBe('done');
    const losses = JSON.parse((await root.getAttribute('data-losses'))!) as number[];
    expect(losses).toHaveLength(settings.epochs);
    expect(losses[losses.length - 1], 'the last epoch\'s loss below the first\'s').toBeLessThan(losses[0] / 2);
    expect(await page.locator('.nnlab-sine-fit polyline').count(), 'sin(x) and the network drawn').toBe(2);
    await page.screenshot({ path: path.join(DIR, 'sine-trainer.png') });
    const nodeLosses: number[] = [];
    const fit = fitSine({ ...settings, onEpoch: (e) => nodeLosses.push(e.loss) });
    expect(losses, 'the page\'s loss per epoch').toEqual(nodeLosses);
    expect(Number(await root.getAttribute('data-mean-abs-error')), 'mean |error| of the page\'s fit').toBe(fit.meanAbsError);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('backprop graph: every node with its shape, checks beside the gradients, and the slider changes the gradients', async () => {
    const rng = new Rng(42); // 04's small network, drawn as the notebook draws it
    const x = rng.gaussianMatrix(4, 5);
    const y = Int32Array.from([0, 2, 1, 2]);
    const W1 = rng.gaussianMatrix(5, 6, 0.5), b1 = rng.gaussianMatrix(1, 6, 0.1);
    const gamma = rng.uniformMatrix(1, 6, 0.5, 1.5), beta = rng.gaussianMatrix(1, 6, 0.1);
    const W2 = rng.gaussianMatrix(6, 3, 0.5), b2 = rng.gaussianMatrix(1, 3, 0.1);
    const spec = backpropSteps(x, y, { W1, b1, gamma, beta, W2, b2 }, { steps: 4 });
    expect(spec.steps[3].loss).toBeLessThan(spec.steps[0].loss);
    const { page, errors } = await openPage('backprop-graph', backpropGraphHtml(spec));
    await page.waitForSelector('.nnlab-bp-node');
    expect(await page.locator('.nnlab-bp-node').count()).toBe(13);
    expect(await page.locator('.nnlab-bp-node[data-node="W1"]').innerHTML()).toContain('5×6');
    const relErrors = (await page.locator('.nnlab-bp-relerr').evaluateAll((ts) => ts.map((t) => t.textContent ?? ''))).map((t) => Number(t.replace(/.*rel\. error /, '')));
    expect(relErrors).toHaveLength(11); // every tensor's gradient but the loss's own (1) and the labels' (none)
    for (const e of relErrors) expect(e).toBeLessThan(1e-6);
    const gradPanel = () => page.locator('.nnlab-bp-node[data-node="W1"] .nnlab-bp-grad rect').evaluateAll((rs) => rs.map((r) => r.getAttribute('fill')! + r.textContent));
    const before = await gradPanel(), loss0 = await page.locator('.nnlab-bp-loss').textContent();
    await page.screenshot({ path: path.join(DIR, 'backprop-graph.png'), fullPage: true });
    await page.locator('.nnlab-bp-step').fill('3');
    expect(await page.locator('[data-nnlab-widget="backprop-graph"]').getAttribute('data-step')).toBe('4');
    const after = await gradPanel();
    expect(after).toHaveLength(30);
    expect(after, 'the W1 gradient panel at step 4').not.toEqual(before);
    expect(Number(await page.locator('.nnlab-bp-loss').textContent())).toBeLessThan(Number(loss0));
    expect(await page.locator('.nnlab-bp-step-label').innerText()).toContain('step 4 of 4');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

const jupyter = chromiumBin ? jupyterProblem() : problem;
if (jupyter && !IN_CI) console.warn(`widgets.test.ts: the report's pages: skipped: ${jupyter}`);

describe.skipIf(jupyter !== null && !IN_CI)('live widgets in the quick report\'s pages', () => {
  let reportBrowser: Browser;
  let reportContext: BrowserContext;
  beforeAll(async () => {
    expect(jupyter, jupyter ?? '').toBeNull();
    await quickReport();
    reportBrowser = await chromium.launch({ executablePath: chromiumBin!, args: CHROMIUM_ARGS });
    reportContext = await reportBrowser.newContext({ viewport: { width: 1280, height: 900 } });
    await reportContext.route('**/*', (route) => {
      const url = route.request().url();
      return url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:') ? route.continue() : route.abort();
    });
  }, 30 * 60_000);
  afterAll(async () => {
    await reportBrowser?.close();
  });

  async function openReportPage(name: string): Promise<{ page: Page; errors: string[] }> {
    const page = await reportContext.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(path.join(REPORT_DIR, `${name}.html`)).href);
    return { page, errors };
  }

  it('02: the pad holds the report\'s baseline network; a drawn stroke gets the class its predict gives', async () => {
    const { page, errors } = await openReportPage('02_architecture');
    const root = page.locator('[data-nnlab-widget="drawing-pad"]');
    expect(await root.count()).toBe(1);
    const spec = JSON.parse((await root.locator('script[type="application/json"]').textContent())!) as DrawingPadSpec;
    const net = unpackNet(spec.net);
    expect(net.config.hiddenDims, 'the baseline: 2 hidden layers of 50').toEqual([50, 50]);
    const mean = Float64Array.from(unpackFloats(spec.mean));
    const canvas = page.locator('.nnlab-pad-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    // A cross: one horizontal and one vertical stroke.
    for (const [[x0, y0], [x1, y1]] of [[[0.2, 0.5], [0.8, 0.5]], [[0.5, 0.2], [0.5, 0.8]]]) {
      await page.mouse.move(box.x + x0 * box.width, box.y + y0 * box.height);
      await page.mouse.down();
      await page.mouse.move(box.x + x1 * box.width, box.y + y1 * box.height, { steps: 12 });
      await page.mouse.up();
    }
    const ink = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('.nnlab-pad-canvas')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return Array.from({ length: c.width * c.height }, (_, k) => 1 - d[4 * k] / 255);
    });
    expect(ink.filter((v) => v > 0).length, 'inked cells').toBeGreaterThan(20);
    const X = new Matrix(1, ink.length, Float64Array.from(ink));
    const predicted = classify({ net, mean, width: spec.width, height: spec.height } as CharacterClassifier, X)[0];
    expect(Number(await root.getAttribute('data-top'))).toBe(predicted);
    await page.screenshot({ path: path.join(DIR, 'report-02-pad.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('01: "train" refits the sine network in the page and the loss falls', async () => {
    const { page, errors } = await openReportPage('01_sin_fit');
    const root = page.locator('[data-nnlab-widget="sine-trainer"]');
    await root.locator('.nnlab-sine-train').click();
    await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector<HTMLElement>('[data-nnlab-widget="sine-trainer"]')!.dataset.state ?? ''), null, { timeout: 300_000 });
    expect(await root.getAttribute('data-state')).toBe('done');
    const losses = JSON.parse((await root.getAttribute('data-losses'))!) as number[];
    expect(losses.length).toBeGreaterThan(5);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 2);
    await root.screenshot({ path: path.join(DIR, 'report-01-sine.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);

  it('04: the backprop graph\'s checks pass and the slider changes the gradients', async () => {
    const { page, errors } = await openReportPage('04_bn_augment');
    const root = page.locator('[data-nnlab-widget="backprop-graph"]');
    await root.scrollIntoViewIfNeeded();
    const relErrors = await root.locator('.nnlab-bp-relerr').evaluateAll((ts) => ts.map((t) => Number((t.textContent ?? '').replace(/.*rel\. error /, ''))));
    expect(relErrors).toHaveLength(11);
    for (const e of relErrors) expect(e).toBeLessThan(1e-6);
    const grads = () => root.locator('.nnlab-bp-node[data-node="W2"] .nnlab-bp-grad rect').evaluateAll((rs) => rs.map((r) => r.getAttribute('fill')! + r.textContent));
    const before = await grads();
    const slider = root.locator('.nnlab-bp-step');
    await slider.fill(await slider.getAttribute('max') ?? '1');
    expect(await grads()).not.toEqual(before);
    // The cell shows the graph only: the steps it returns are not printed below it as an object.
    expect(await page.locator('body').innerText()).not.toMatch(/op: 'parameter'/);
    await root.screenshot({ path: path.join(DIR, 'report-04-backprop.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
