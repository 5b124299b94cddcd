/**
 * Nothing lost: `data synth --force` replaces only a folder it wrote and never the root, home
 * or working folder; temporaries of a killed save are removed by the next save to that place.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileAtomic } from '../lib/util/io.js';
import { SYNTH_MANIFEST } from '../lib/commands/data.js';
import { runNnlab } from './cli-helpers.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nnlab-safe-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The id of a process that has run and exited: no process has it now (short of reuse). */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('nnlab data synth --force', () => {
  const synth = (out: string, ...more: string[]) => runNnlab('data', 'synth', '--out', out, '--per-class', '1', ...more);

  it('refuses an empty --out, ., .., /, the home folder, with or without --force, before writing anything', async () => {
    const before = readdirSync('.').sort();
    for (const out of ['', ' ', '.', '..', '/', homedir(), process.cwd()]) {
      await expect(synth(out, '--force'), `--out '${out}'`).rejects.toThrow(/^--out.*(empty path|refusing to write the dataset into)/);
      await expect(synth(out), `--out '${out}'`).rejects.toThrow(/^--out/);
    }
    expect(readdirSync('.').sort()).toEqual(before);
  });

  it('--force replaces a folder data synth wrote, and refuses any other, keeping its files', async () => {
    const mine = join(root, 'mine');
    await synth(mine);
    expect(existsSync(join(mine, SYNTH_MANIFEST))).toBe(true);
    await synth(mine, '--force', '--seed', '9');
    expect(existsSync(join(mine, '12', '1.bmp'))).toBe(true);

    const theirs = join(root, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'thesis.tex'), 'years of work');
    await expect(synth(theirs, '--force')).rejects.toThrow(/--out .*theirs was not written by nnlab data synth \(it has no \.nnlab-synth\.json\); --force replaces only such a folder/);
    expect(readdirSync(theirs)).toEqual(['thesis.tex']);
    // An empty folder needs no --force.
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await synth(empty);
    expect(readdirSync(empty)).toContain(SYNTH_MANIFEST);
  });

  it('removes the temporary and old folders of an interrupted synth to the same place', async () => {
    const dead = deadPid();
    const out = join(root, 'chars');
    mkdirSync(join(root, `.chars.tmp-${dead}-1`, '1'), { recursive: true });
    mkdirSync(join(root, `.chars.old-${dead}-2`));
    mkdirSync(join(root, `.chars.tmp-${process.ppid}-3`)); // a live process's: left alone
    await synth(out);
    const left = readdirSync(root).filter((n) => n.startsWith('.chars.'));
    expect(left).toEqual([`.chars.tmp-${process.ppid}-3`]);
  });
});

describe('temporaries of interrupted saves', () => {
  it('the next save to the same path removes those of processes that are gone, and only those', () => {
    const dir = join(root, 'saves');
    mkdirSync(dir);
    const dead = deadPid();
    writeFileSync(join(dir, `.model.json.${dead}.1700000000000.tmp`), 'half a model');
    writeFileSync(join(dir, `.model.json.${process.ppid}.1700000000001.tmp`), 'a save in progress elsewhere');
    writeFileSync(join(dir, `.other.json.${dead}.1700000000002.tmp`), 'another file\'s: its own next save cleans it');
    writeFileSync(join(dir, '.model.json.bak'), 'not ours');
    writeFileAtomic(join(dir, 'model.json'), '{}');
    expect(readdirSync(dir).sort()).toEqual([
      `.model.json.${process.ppid}.1700000000001.tmp`, '.model.json.bak', `.other.json.${dead}.1700000000002.tmp`, 'model.json',
    ].sort());
  });

  it('after kill -9 during saves, one more save leaves no temporary behind', async () => {
    const dir = join(root, 'killed');
    mkdirSync(dir);
    const target = join(dir, 'big.json');
    // A child saving a 40 MB file over and over, killed mid-write.
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      import { writeFileAtomic } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', 'util', 'io.js')).href)};
      const text = 'x'.repeat(40 * 2 ** 20);
      process.stdout.write('ready\\n');
      for (;;) writeFileAtomic(${JSON.stringify(target)}, text);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    writeFileAtomic(target, '{}');
    expect(readdirSync(dir)).toEqual(['big.json']);
  });
});
