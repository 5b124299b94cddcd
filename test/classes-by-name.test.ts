/**
 * Classes are matched by their folder names, everywhere: the loader refuses ambiguous or
 * out-of-range class folders and symbolic links out of the data folder; a saved classifier
 * keeps its class folders; predict maps folders to outputs by name.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, renameSync, rmSync, symlinkSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCharacterFolder, loadImageFolder } from '../lib/data/loader.js';
import { loadClassifier } from '../lib/data/classifier.js';
import { COURSE_CLASS_NAMES } from '../lib/data/classes.js';
import { runNnlab, runNnlabJson } from './cli-helpers.js';

let root: string;
/** A course-layout folder with classes 1..12, 6 images each. */
let full: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nnlab-classes-'));
  full = join(root, 'full');
  await runNnlab('data', 'synth', '--out', full, '--per-class', '6');
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A copy of `full` with only the class folders `keep`. */
function subset(name: string, keep: string[]): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const c of keep) cpSync(join(full, c), join(dir, c), { recursive: true });
  return dir;
}

describe('the loader refuses ambiguous class folders', () => {
  it('folder 0 is no class: an error naming it', () => {
    const dir = subset('zero', ['1', '2']);
    renameSync(join(dir, '2'), join(dir, '0'));
    expect(() => loadCharacterFolder(dir)).toThrow(/[/\\]0: class folder '0' is not a class number; classes are numbered from 1/);
  });

  it('07 beside 7 is an error naming both; 07 alone is class 7', () => {
    const dir = subset('seven', ['1', '7']);
    cpSync(join(dir, '7'), join(dir, '07'), { recursive: true });
    expect(() => loadCharacterFolder(dir)).toThrow(/class folders '0?7' and '0?7' both name class 7/);
    rmSync(join(dir, '7'), { recursive: true });
    const data = loadCharacterFolder(dir);
    expect(data.classFolders).toEqual(['1', '07']);
    expect(data.classNames).toEqual([COURSE_CLASS_NAMES[0], COURSE_CLASS_NAMES[6]]);
  });

  it('folder 13 is outside the course\'s twelve classes', () => {
    const dir = subset('thirteen', ['1', '2']);
    renameSync(join(dir, '2'), join(dir, '13'));
    expect(() => loadCharacterFolder(dir)).toThrow(/[/\\]13: class folder 13 is outside the dataset's classes 1\.\.12/);
  });

  // Windows creates symbolic links only with administrator rights or developer mode (and Wine's
  // do not behave like Windows' at all): checked on Linux and macOS.
  it.skipIf(process.platform === 'win32')('does not follow a symbolic link out of the data folder (13 -> ., or a folder or file elsewhere)', () => {
    const dir = subset('links', ['1', '2']);
    symlinkSync('.', join(dir, '3'));
    expect(() => loadCharacterFolder(dir)).toThrow(/[/\\]3: is a symbolic link to .*, which is not inside the data folder/);
    rmSync(join(dir, '3'));
    symlinkSync(join(full, '4'), join(dir, '4'));
    expect(() => loadCharacterFolder(dir)).toThrow(/[/\\]4: is a symbolic link to .*full[/\\]4, which is not inside the data folder/);
    expect(loadCharacterFolder(dir, { skipBad: true }).classFolders).toEqual(['1', '2']);
    rmSync(join(dir, '4'));
    symlinkSync(join(full, '5', '1.bmp'), join(dir, '2', '99.bmp'));
    expect(() => loadCharacterFolder(dir)).toThrow(/[/\\]2[/\\]99\.bmp: is a symbolic link .*not inside the data folder/);
    // A link that stays inside is fine.
    rmSync(join(dir, '2', '99.bmp'));
    symlinkSync(join(dir, '2', '1.bmp'), join(dir, '2', '99.bmp'));
    expect(loadCharacterFolder(dir).X.rows).toBe(13);
    const flat = join(root, 'flat-link');
    mkdirSync(flat);
    symlinkSync(join(full, '5', '1.bmp'), join(flat, 'a.bmp'));
    expect(() => loadImageFolder(flat)).toThrow(/a\.bmp: is a symbolic link .*not inside the data folder/);
  });
});

describe('train and predict agree on classes by name', () => {
  const train = ['--epochs', '1', '--hidden', '16', '--json'];

  it('a model trained on folders 1, 2, 4 stores them and is evaluated on its own folder and on a subset', async () => {
    const data = subset('gap', ['1', '2', '4']);
    const model = join(root, 'gap.json');
    await runNnlab('train', '--data', data, ...train, '--save', model);
    const c = loadClassifier(model);
    expect(c.classFolders).toEqual(['1', '2', '4']);
    expect(c.classNames).toEqual([COURSE_CLASS_NAMES[0], COURSE_CLASS_NAMES[1], COURSE_CLASS_NAMES[3]]);

    const own = await runNnlabJson('predict', '--model', model, '--data', data, '--json');
    expect(own.total).toBe(18);
    expect(own.perClass.map((p: { total: number }) => p.total)).toEqual([6, 6, 6]);

    // Only folder 4: its images are the model's third class, not a class "4".
    const only4 = subset('only4', ['4']);
    const r = await runNnlabJson('predict', '--model', model, '--data', only4, '--json');
    expect(r.perClass.map((p: { total: number }) => p.total)).toEqual([0, 0, 6]);
    expect(r.confusion.map((row: number[]) => row.reduce((s, v) => s + v, 0))).toEqual([0, 0, 6]);
  });

  it('refuses folders the model does not know, naming them', async () => {
    const data = subset('known', ['1', '2', '4']);
    const model = join(root, 'known.json');
    await runNnlab('train', '--data', data, ...train, '--save', model);
    const other = subset('unknown', ['1', '3', '5']);
    await expect(runNnlab('predict', '--model', model, '--data', other)).rejects
      .toThrow(/class folder\(s\) 3, 5 are not classes of the model, which was trained on folders 1, 2, 4/);
  });

  it('a model trained on all twelve scores its own data the same whichever folders are left out', async () => {
    const model = join(root, 'all.json');
    await runNnlab('train', '--data', full, ...train, '--save', model);
    const all = await runNnlabJson('predict', '--model', model, '--data', full, '--json');
    const part = await runNnlabJson('predict', '--model', model, '--data', subset('part', ['3', '9', '12']), '--json');
    for (const t of [2, 8, 11]) expect(part.perClass[t].correct, `class ${t + 1}`).toBe(all.perClass[t].correct);
    expect(part.total).toBe(18);
  });

  it('reads a version 1 classifier file as trained on folders 1..K', async () => {
    const model = join(root, 'v1.json');
    await runNnlab('train', '--data', subset('v1', ['1', '2']), ...train, '--save', model);
    const json = JSON.parse(readFileSync(model, 'utf8'));
    delete json.classFolders;
    json.version = 1;
    writeFileSync(model, JSON.stringify(json));
    expect(loadClassifier(model).classFolders).toEqual(['1', '2']);
    json.version = 2;
    json.classFolders = ['1', '01'];
    writeFileSync(model, JSON.stringify(json));
    expect(() => loadClassifier(model)).toThrow(/classFolders names a class twice: 1, 01/);
  });
});
