/**
 * What the bench says about the machine: the CPU read from /proc/cpuinfo text, the 128-bit FMA
 * ceiling derived from it, and the reference's environment without OpenBLAS's pinning variables.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cpuInfo, describeCpu } from '../lib/bench/cpu.js';
import { describeBlas, PINNING_VARIABLES, referenceEnv } from '../lib/bench/reference.js';

const zen3 = `processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 1
model name\t: AMD EPYC
cpu MHz\t\t: 2445.432
flags\t\t: fpu sse sse2 fma avx avx2

processor\t: 1
vendor_id\t: GenuineIntel
`;

describe('bench machine facts', () => {
  it('reads the first processor of /proc/cpuinfo and derives the 128-bit FMA ceiling from its clock', () => {
    const c = cpuInfo(zen3);
    expect(c).toMatchObject({ model: 'AMD EPYC', vendor: 'AuthenticAMD', family: 25, modelNumber: 1, microarchitecture: 'Zen 3', fma: true, avx512: false });
    expect(c.ghz).toBeCloseTo(2.445432, 9);
    // 2 FMA units × 4 lanes × 2 flops × GHz; half the lanes in float64.
    expect(c.ceiling.float32).toBeCloseTo(2 * 4 * 2 * 2.445432, 9);
    expect(c.ceiling.float64).toBeCloseTo(2 * 2 * 2 * 2.445432, 9);
    expect(describeCpu(c)).toMatch(/^AMD EPYC \(Zen 3\) family 25 model 1, \d+ cores, 2\.45 GHz, AVX2\+FMA, no AVX-512$/);
  });

  it('gives no ceiling without the fma flag, and names Intel parts by model number', () => {
    const noFma = cpuInfo(zen3.replace(' fma', ''));
    expect(noFma.ceiling.float32).toBeNull();
    expect(noFma.ceiling.derivation).toMatch(/no fma flag/);
    const spr = cpuInfo(zen3.replace('AuthenticAMD', 'GenuineIntel').replace('cpu family\t: 25', 'cpu family\t: 6').replace('model\t\t: 1', 'model\t\t: 143') + ' avx512f');
    expect(spr.microarchitecture).toBe('Sapphire Rapids');
  });

  const saved = Object.fromEntries(PINNING_VARIABLES.map((v) => [v, process.env[v]]));
  afterEach(() => {
    for (const v of PINNING_VARIABLES) if (saved[v] === undefined) delete process.env[v]; else process.env[v] = saved[v];
  });

  it('runs the reference without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, leaving our own environment as it was', () => {
    process.env.OPENBLAS_CORETYPE = 'Haswell';
    process.env.OPENBLAS_L2_SIZE = '1048576';
    const env = referenceEnv({ BENCH_OUT: '/tmp/x' });
    expect(env.OPENBLAS_CORETYPE).toBeUndefined();
    expect(env.OPENBLAS_L2_SIZE).toBeUndefined();
    expect(env.BENCH_OUT).toBe('/tmp/x');
    expect(env.PATH).toBe(process.env.PATH);
    expect(process.env.OPENBLAS_CORETYPE).toBe('Haswell');
  });

  it('names the BLAS kernel, or says why it cannot', () => {
    expect(describeBlas([{ internal_api: 'openblas', version: '0.3.27', architecture: 'SkylakeX', num_threads: 2 }])).toBe('OpenBLAS 0.3.27, SkylakeX kernel');
    expect(describeBlas(null)).toMatch(/threadpoolctl not installed/);
  });
});
