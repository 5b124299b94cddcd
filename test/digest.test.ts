/**
 * The reproducibility digest (lib/experiments/digest.ts): the same bits under both kernel
 * backends and both thread counts as the recorded test/fixtures/digest.json, which CI also checks
 * under Node 20, 22, 24 and 26 (.ci/run).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeDigest, digestDifferences, type Digest } from '../lib/experiments/digest.js';
import { NUMERICS_VERSION } from '../lib/math/elementary.js';
import { fusedLoadError } from '../lib/kernels/wasm.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const recorded = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'digest.json'), 'utf8')) as Digest;
const recordedFused = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'digest-fused.json'), 'utf8')) as Digest;
/** Where `fused` cannot run (lib/kernels/fused.ts's probe says why) its digest cannot be checked; CI provides it. */
const itFused = fusedLoadError === null || process.env.CI === 'true' ? it : it.skip;

describe('the reproducibility digest', () => {
  it('is recorded for the current numerics version', () => {
    expect(recorded.numerics).toBe(NUMERICS_VERSION);
    expect(recorded.lines.length).toBeGreaterThanOrEqual(7);
  });

  it('is reproduced in this process', () => {
    expect(digestDifferences(recorded, computeDigest())).toEqual([]);
  });

  for (const kernels of ['js', 'wasm']) {
    for (const threads of ['1', '2']) {
      it(`is reproduced by nnlab digest --check with NNLAB_KERNELS=${kernels}, NNLAB_THREADS=${threads}`, () => {
        const run = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'nnlab.js'), 'digest', '--check'], {
          encoding: 'utf8', env: { ...process.env, NNLAB_KERNELS: kernels, NNLAB_THREADS: threads },
        });
        expect(run.stderr).toContain('identical to the recorded one');
        // The TypeScript kernels run on one thread whatever NNLAB_THREADS says.
        expect(run.stdout).toContain(`kernels ${kernels}, ${kernels === 'js' ? 1 : threads} thread(s)`);
        expect(run.status).toBe(0);
      }, 60_000);
    }
  }

  it('the fused digest is recorded for the current numerics version, and differs from the exact one in every run that trains', () => {
    expect(recordedFused.numerics).toBe(NUMERICS_VERSION);
    expect(recordedFused.mode).toBe('fused');
    expect(recorded.mode ?? 'exact').toBe('exact');
    expect(recordedFused.lines.map((l) => l.run)).toEqual(recorded.lines.map((l) => l.run));
    const differing = recordedFused.lines.filter((l, i) => l.sha256 !== recorded.lines[i].sha256).map((l) => l.run);
    // Only the synthetic data (no product) is the same in both modes.
    expect(differing).toEqual(recorded.lines.map((l) => l.run).filter((run) => !run.startsWith('synthetic characters')));
    expect(digestDifferences(recordedFused, recorded)).toContain('numerics mode: expected fused, got exact');
  });

  for (const threads of ['1', '2']) {
    itFused(`is reproduced in the fused mode by nnlab --numerics fused digest --check with NNLAB_THREADS=${threads}`, () => {
      const run = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'nnlab.js'), '--numerics', 'fused', 'digest', '--check'], {
        encoding: 'utf8', env: { ...process.env, NNLAB_KERNELS: 'wasm', NNLAB_THREADS: threads },
      });
      expect(run.stderr).toContain('identical to the recorded one');
      expect(run.stderr).not.toContain('not available');
      expect(run.stdout).toContain(`numerics ${NUMERICS_VERSION} (fused)`);
      expect(run.stdout).toContain(`kernels wasm, ${threads} thread(s)`);
      expect(run.status).toBe(0);
    }, 60_000);
  }

  it('asked for fused, the TypeScript kernels say once that it is not available and reproduce the exact digest', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'nnlab.js'), 'digest', '--check'], {
      encoding: 'utf8', env: { ...process.env, NNLAB_KERNELS: 'js', NNLAB_NUMERICS: 'fused' },
    });
    expect(run.stderr.match(/numerics 'fused' is not available/g)).toHaveLength(1);
    expect(run.stderr).toContain("running 'exact'");
    expect(run.stderr).toContain('identical to the recorded one');
    expect(run.stdout).toContain(`numerics ${NUMERICS_VERSION} (exact)`);
    expect(run.status).toBe(0);
  }, 60_000);

  it('names each run whose bits differ, and a numerics version that differs', () => {
    const changed: Digest = { numerics: recorded.numerics + 1, lines: recorded.lines.map((l, i) => (i === 1 ? { ...l, sha256: '0'.repeat(64) } : l)) };
    const differences = digestDifferences(recorded, changed);
    expect(differences).toHaveLength(2);
    expect(differences[0]).toMatch(/numerics version/);
    expect(differences[1]).toContain(recorded.lines[1].run);
  });

  it('nnlab digest --check --against FILE exits 1 and names the run whose bits differ', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nnlab-digest-'));
    try {
      const other = path.join(dir, 'other.json');
      writeFileSync(other, JSON.stringify({ ...recorded, lines: recorded.lines.map((l, i) => (i === 2 ? { ...l, sha256: 'f'.repeat(64) } : l)) }));
      const run = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'nnlab.js'), 'digest', '--check', '--against', other], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${recorded.lines[2].run}: expected ffffffffffffffff…`);
      writeFileSync(other, '{"numerics": 2}');
      const bad = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'nnlab.js'), 'digest', '--check', '--against', other], { encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/other\.json is not a digest/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
