/**
 * Deterministic math (lib/math/elementary.ts): no engine-approximated Math function on a path that
 * makes a number, the module's edge cases, and its accuracy against mpmath (when the project's
 * .venv has it: scripts/setup.mjs installs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cos, exp, log, powInt, sigmoid, sin, tanh } from '../lib/math/elementary.js';
import { nodeLineWarning } from '../lib/versions.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Files allowed to call an engine-approximated function, and why: none of them makes a result. */
const EXEMPT: Record<string, string> = {
  'lib/display/charts.ts': 'Math.log10 places a chart axis: display only',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : /\.(ts|mjs|js)$/.test(name) ? [full] : [];
  });
}

/** The code of a file without its comments (a comment may name Math.exp). */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('no engine-approximated math outside lib/math/', () => {
  const ENGINE_MATH = /\bMath\.(exp|expm1|log|log1p|log2|log10|pow|sin|cos|tan|tanh|sinh|cosh|asin|acos|atan|atan2|asinh|acosh|atanh|hypot|cbrt)\b/;
  // `a ** b` is Math.pow; only exact powers of two written as literals are allowed (2 ** 20).
  // (Markdown's **bold** in a string has no operand right before or after it.)
  const POWER = { test: (line: string) => [...line.matchAll(/([\w.)\]]+)\s*\*\*\s*([\w(])/g)].some(([, a, b]) => !(a === '2' && /\d/.test(b))) };
  const files = [...sourceFiles(path.join(ROOT, 'lib')), ...sourceFiles(path.join(ROOT, 'assembly'))]
    .filter((f) => !f.includes(`${path.sep}math${path.sep}`));

  it('finds the files it checks', () => expect(files.length).toBeGreaterThan(50));

  it('calls no Math.exp/log/pow/sin/cos/tanh/hypot/… and no ** in lib/ and assembly/', () => {
    const found: string[] = [];
    for (const file of files) {
      const rel = path.relative(ROOT, file).split(path.sep).join('/');
      if (rel in EXEMPT) continue;
      code(file).split('\n').forEach((line, i) => {
        if (ENGINE_MATH.test(line) || POWER.test(line)) found.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('the check itself catches both forms', () => {
    expect(ENGINE_MATH.test('const e = Math.exp(x);')).toBe(true);
    expect(POWER.test('const c = beta ** t;')).toBe(true);
    expect(POWER.test('const n = 2 ** 27;')).toBe(false);
    expect(POWER.test('x = y * z;')).toBe(false);
    expect(POWER.test('`Step ${n} chooses **${label}**: `')).toBe(false);
    expect(POWER.test('q += (v - mean) ** 2;')).toBe(true);
  });
});

describe('the elementary functions', () => {
  it('keep IEEE special values', () => {
    expect(exp(-Infinity)).toBe(0);
    expect(exp(Infinity)).toBe(Infinity);
    expect(exp(1000)).toBe(Infinity);
    expect(log(0)).toBe(-Infinity);
    expect(log(-1)).toBeNaN();
    expect(Object.is(tanh(-0), -0)).toBe(true);
    expect(tanh(-Infinity)).toBe(-1);
    expect(tanh(NaN)).toBeNaN();
    expect(sin(Infinity)).toBeNaN();
    expect(cos(NaN)).toBeNaN();
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
  });

  it('powInt multiplies exactly where the result is exact, and handles the edges', () => {
    expect(powInt(0.5, 10)).toBe(1 / 1024);
    expect(powInt(3, 20)).toBe(3486784401);
    expect(powInt(1.5, 10)).toBe(57.6650390625);
    expect(powInt(0.9, 0)).toBe(1);
    expect(powInt(NaN, 0)).toBe(1);
    expect(powInt(2, 1024)).toBe(Infinity);
    expect(powInt(-2, 1025)).toBe(-Infinity);
    expect(Object.is(powInt(-0, 3), -0)).toBe(true);
    // 0.9⁴: the correctly rounded value is 0.6561; Math.pow gives 0.6561000000000001 on Node 20.
    expect(powInt(0.9, 4)).toBe(0.6561);
    expect(() => powInt(0.9, 1.5)).toThrow(/non-negative integer/);
    expect(() => powInt(0.9, -1)).toThrow(/non-negative integer/);
  });

  it('sigmoid is the same formula on both sides of 0', () => {
    for (const x of [-30, -2.5, -1e-9, 1e-9, 2.5, 30]) expect(sigmoid(x) + sigmoid(-x)).toBeCloseTo(1, 15);
  });

  // The project's .venv (bin/ on Linux and macOS, Scripts\ on Windows), as setup makes it.
  const python = [path.join(ROOT, '.venv', 'bin', 'python'), path.join(ROOT, '.venv', 'Scripts', 'python.exe')].find((p) => existsSync(p)) ?? null;
  const mpmath = python !== null && spawnSync(python, ['-c', 'import mpmath'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!mpmath)('are within their ulp bounds of mpmath on 20,000 points each (scripts/elementary-accuracy.py)', () => {
    if (!existsSync(path.join(ROOT, 'dist', 'math', 'elementary.js'))) throw new Error('run npm run build first');
    const run = spawnSync(python!, [path.join(ROOT, 'scripts', 'elementary-accuracy.py'), '--points', '20000', '--node', process.execPath], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^exp\s+\d+\s+0\.\d+/m);
    expect(run.status).toBe(0);
  }, 120_000);
});

describe('supported Node lines', () => {
  it('warns on an end-of-life line, an odd line and an unsupported one; not on an LTS line', () => {
    expect(nodeLineWarning('20.20.2', '2026-12-06')).toMatch(/Node 20 reached its end of life on 2026-04-30/);
    expect(nodeLineWarning('20.20.2', '2026-04-01')).toBeNull();
    expect(nodeLineWarning('23.1.0', '2026-12-06')).toMatch(/odd-numbered/);
    expect(nodeLineWarning('18.20.0', '2026-12-06')).toMatch(/older than nnlab supports/);
    expect(nodeLineWarning('v24.22.3', '2026-12-06')).toBeNull();
    expect(nodeLineWarning('26.12.1', '2026-12-06')).toBeNull();
  });

  it('package.json engines says the same range', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=20 <27');
  });
});
