/**
 * `npm run build` compiles with the TypeScript that package.json declares. node_modules/.bin/tsc
 * is tslab's TypeScript 5.0 (@tslab/typescript-for-tslab), so the build must not go through it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript module without types
import { compilers } from '../scripts/build.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };

describe('the build\'s compiler', () => {
  it('npm run build (and prepare) is scripts/build.mjs, which runs the compilers it names', () => {
    expect(pkg.scripts.build).toBe('node scripts/build.mjs');
    expect(pkg.scripts.prepare).toBe('node scripts/build.mjs');
    const build = readFileSync(path.join(ROOT, 'scripts', 'build.mjs'), 'utf8');
    expect(build).toContain('const { asc, tsc } = compilers();');
    expect(build).toContain("run(tsc, ['-p', 'tsconfig.build.json'])");
  });

  it('is the TypeScript package.json declares, as tsc itself reports', () => {
    const { tsc } = compilers() as { tsc: string };
    expect(path.relative(ROOT, tsc).split(path.sep)).toEqual(['node_modules', 'typescript', 'bin', 'tsc']);
    const declared = pkg.devDependencies.typescript; // e.g. "5.9": any 5.9.x
    const reported = spawnSync(process.execPath, [tsc, '--version'], { encoding: 'utf8' }).stdout.trim();
    expect(reported).toMatch(new RegExp(`^Version ${declared.replace(/\./g, '\\.')}\\.\\d+$`));
  });
});
