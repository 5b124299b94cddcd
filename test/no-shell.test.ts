/**
 * Nothing a user runs needs bash or sh (Windows has neither): every npm script is `node <file>`
 * or `npm run <script>`, joined by `&&` (which Windows' cmd.exe runs too), with no VAR=value
 * prefix; no child process in lib/, bin/, scripts/ or test/ is a shell or is started through one.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** Node options that take the next word as their value. */
const NODE_OPTIONS_WITH_VALUE = new Set(['--import', '--require', '-r', '--loader']);

/** Why an npm script's command line needs more than Node and npm, or null when it does not. */
function scriptProblem(line: string, scripts: Record<string, string>, root = ROOT): string | null {
  for (const command of line.split(' && ')) {
    const words = command.trim().split(/\s+/);
    if (words[0] === 'npm' && words[1] === 'run') {
      if (!(words[2] in scripts)) return `'${command}' runs an npm script that does not exist`;
      continue;
    }
    if (words[0] !== 'node') return `'${command}' runs ${words[0]}, not node`;
    let i = 1;
    while (i < words.length && words[i].startsWith('-')) i += NODE_OPTIONS_WITH_VALUE.has(words[i]) ? 2 : 1;
    const file = words[i];
    if (!file || file.includes('\\') || !existsSync(path.join(root, file))) return `'${command}' does not run a file of the project (with '/' separators)`;
  }
  return null;
}

const SHELLS = /^(?:.*[\\/])?(?:bash|sh|zsh|dash|cmd|cmd\.exe|powershell|pwsh)$/;
const SPAWN = /\b(?:spawn|spawnSync|execFile|execFileSync|fork)\(\s*(['"`])([^'"`]+)\1/g;

/** The shell uses in a source file: a shell spawned by name, `shell: true`, exec/execSync (always a shell), a bash script. */
function shellUses(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SPAWN)) if (SHELLS.test(m[2])) found.push(`spawns ${m[2]}`);
  if (/\bshell\s*:\s*(?:true|['"`])/.test(text)) found.push('shell: true');
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](?:node:)?child_process['"]/g)) {
    for (const name of m[1].split(',').map((s) => s.trim().split(/\s+as\s+/)[0])) {
      if (name === 'exec' || name === 'execSync') found.push(`imports ${name} (runs its command through a shell)`);
    }
  }
  if (/^#!.*\b(?:ba)?sh\b/.test(text)) found.push('is a shell script');
  return found;
}

function sourceFiles(dir: string): string[] {
  const full = path.join(ROOT, dir);
  return readdirSync(full).flatMap((name) => {
    const p = path.join(full, name);
    const rel = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : sourceFiles(rel);
    return [rel];
  });
}

describe('npm scripts', () => {
  it('the check sees an env prefix, bash, rm and a .bin shim (it can fail)', () => {
    const scripts = { build: 'node scripts/build.mjs' };
    expect(scriptProblem('NNLAB_SKIP_CHROMIUM=1 bash scripts/setup.sh --quiet', scripts)).toMatch(/runs NNLAB_SKIP_CHROMIUM=1/);
    expect(scriptProblem('bash scripts/setup.sh', scripts)).toMatch(/runs bash/);
    expect(scriptProblem('node scripts/build.mjs && rm -rf dist', scripts)).toMatch(/runs rm/);
    expect(scriptProblem('tsc -p tsconfig.json', scripts)).toMatch(/runs tsc/);
    expect(scriptProblem('node scripts\\build.mjs', scripts)).toMatch(/does not run a file/);
    expect(scriptProblem('npm run nope', scripts)).toMatch(/does not exist/);
    expect(scriptProblem('npm run build && node --import tsx scripts/fuzz-bmp.ts', scripts)).toBeNull();
  });

  for (const [name, line] of Object.entries(pkg.scripts)) {
    it(`"${name}" needs only node and npm`, () => {
      expect(scriptProblem(line, pkg.scripts)).toBeNull();
    });
  }
});

describe('child processes', () => {
  it('the check sees a shell spawned by name, shell: true, exec and a bash script (it can fail)', () => {
    expect(shellUses("spawnSync('bash', [script])")).toEqual(['spawns bash']);
    expect(shellUses("execFileSync('sh', ['-c', clean])")).toEqual(['spawns sh']);
    expect(shellUses("spawn(cmd, args, { shell: true })")).toEqual(['shell: true']);
    expect(shellUses("import { execSync, spawn } from 'node:child_process';")).toEqual(['imports execSync (runs its command through a shell)']);
    expect(shellUses('#!/usr/bin/env bash\nset -e\n')).toEqual(['is a shell script']);
    expect(shellUses("spawnSync(process.execPath, ['x.mjs']); /a/.exec(s)")).toEqual([]);
  });

  for (const dir of ['lib', 'bin', 'scripts', 'test']) {
    it(`no file in ${dir}/ uses a shell`, () => {
      const files = sourceFiles(dir).filter((f) => /\.(?:[cm]?[jt]s|sh)$/.test(f) && f !== path.join('test', 'no-shell.test.ts'));
      expect(files.length).toBeGreaterThan(0);
      const uses = files.flatMap((f) => shellUses(readFileSync(path.join(ROOT, f), 'utf8')).map((u) => `${f}: ${u}`));
      expect(uses).toEqual([]);
    });
  }
});

/**
 * Module paths given to import(): on Windows an absolute path (`C:\…`) is not an import specifier
 * ("received protocol 'c:'"), so code written for a child Node, or a dynamic import of a path,
 * goes through pathToFileURL. Two tests failed under Windows Node for this.
 */
function pathImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/from \$\{JSON\.stringify\((?!pathToFileURL)([^)]*)/g)) found.push(`imports from a path: ${m[1]}`);
  for (const m of text.matchAll(/\bimport\(\s*(?:path\.)?(?:join|resolve)\(/g)) found.push(`imports a path: ${m[0]}`);
  return found;
}

describe('modules imported by path', () => {
  it('the check sees a path in generated code and in import() (it can fail)', () => {
    expect(pathImports("`import { f } from ${JSON.stringify(path.join(ROOT, 'lib', 'a.ts'))};`")).toHaveLength(1);
    expect(pathImports("await import(path.join(dir, 'x.js'))")).toHaveLength(1);
    expect(pathImports("`import { f } from ${JSON.stringify(pathToFileURL(join(ROOT, 'a.js')).href)};`")).toEqual([]);
  });

  for (const dir of ['lib', 'bin', 'scripts', 'test']) {
    it(`every one in ${dir}/ is a file URL`, () => {
      const files = sourceFiles(dir).filter((f) => /\.[cm]?[jt]s$/.test(f) && f !== path.join('test', 'no-shell.test.ts'));
      const uses = files.flatMap((f) => pathImports(readFileSync(path.join(ROOT, f), 'utf8')).map((u) => `${f}: ${u}`));
      expect(uses).toEqual([]);
    });
  }
});
