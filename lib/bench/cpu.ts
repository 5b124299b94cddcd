/**
 * Which CPU the bench ran on, and the physical ceiling of 128-bit SIMD with fused multiply-add
 * on it: the most a WebAssembly SIMD kernel (f32x4 / f64x2, relaxed madd) could reach.
 *
 *     ceiling per core = FMA units × lanes per 128-bit vector × 2 flops (multiply and add) × GHz
 *
 * FMA units: every x86-64 core with the `fma` flag that the bench has met issues two vector FMAs
 * per cycle at 128 bits (Intel Haswell to Emerald Rapids: ports 0 and 1; AMD Zen 1 to 5: pipes
 * FP0 and FP1), so the count is 2 wherever /proc/cpuinfo lists `fma`, and unknown otherwise.
 * GHz: the clock /proc/cpuinfo reports (`cpu MHz`; under a hypervisor often the nominal clock:
 * a boosting core can exceed the ceiling derived from it).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuInfo {
  /** As the kernel names it (`model name`), e.g. "AMD EPYC" under KVM. */
  model: string;
  vendor: string | null;
  family: number | null;
  modelNumber: number | null;
  /** The microarchitecture the family and model numbers say, when known (e.g. "Zen 3"). */
  microarchitecture: string | null;
  /** Clock in GHz as reported (see the header). */
  ghz: number | null;
  cores: number;
  fma: boolean;
  avx512: boolean;
  /** 128-bit SIMD FMA ceiling in GFLOP/s per core, by number type (null when unknown). */
  ceiling: { float32: number | null; float64: number | null; fmaUnits: number | null; derivation: string };
}

/** Family/model ranges to names, the common server and desktop parts. */
function microarchitecture(vendor: string | null, family: number | null, model: number | null): string | null {
  if (family === null || model === null) return null;
  if (vendor === 'AuthenticAMD') {
    if (family === 0x17) return model >= 0x30 ? 'Zen 2' : 'Zen / Zen+';
    if (family === 0x19) return (model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0xaf) ? 'Zen 4' : 'Zen 3';
    if (family === 0x1a) return 'Zen 5';
  }
  if (vendor === 'GenuineIntel' && family === 6) {
    const intel: Record<number, string> = {
      0x3f: 'Haswell', 0x4f: 'Broadwell', 0x55: 'Skylake-SP / Cascade Lake', 0x6a: 'Ice Lake-SP',
      0x8f: 'Sapphire Rapids', 0xcf: 'Emerald Rapids', 0xad: 'Granite Rapids',
    };
    return intel[model] ?? null;
  }
  return null;
}

/** The fields of the first processor in /proc/cpuinfo text. */
export function parseCpuinfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' && fields.size > 0) break;
    const at = line.indexOf(':');
    if (at > 0) fields.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return fields;
}

/** CpuInfo from /proc/cpuinfo's text (Linux) or, without it, from os.cpus(). */
export function cpuInfo(cpuinfoText: string | null = readCpuinfo()): CpuInfo {
  const f = cpuinfoText ? parseCpuinfo(cpuinfoText) : new Map<string, string>();
  const num = (key: string) => (f.has(key) && Number.isFinite(Number(f.get(key))) ? Number(f.get(key)) : null);
  const flags = new Set((f.get('flags') ?? '').split(/\s+/));
  const vendor = f.get('vendor_id') ?? null, family = num('cpu family'), modelNumber = num('model');
  const mhz = num('cpu MHz') ?? (cpus()[0]?.speed || null);
  const ghz = mhz ? mhz / 1000 : null;
  const fma = flags.has('fma');
  const fmaUnits = fma ? 2 : null;
  const peak = (lanes: number) => (fmaUnits !== null && ghz !== null ? fmaUnits * lanes * 2 * ghz : null);
  return {
    model: f.get('model name') ?? cpus()[0]?.model ?? 'unknown',
    vendor, family, modelNumber,
    microarchitecture: microarchitecture(vendor, family, modelNumber),
    ghz, cores: cpus().length, fma, avx512: flags.has('avx512f'),
    ceiling: {
      float32: peak(4), float64: peak(2), fmaUnits,
      derivation: fmaUnits !== null && ghz !== null
        ? `${fmaUnits} FMA units × 4 float32 (2 float64) lanes × 2 flops × ${ghz.toFixed(3)} GHz (cpu MHz in /proc/cpuinfo) per core`
        : `unknown: ${fma ? '' : 'no fma flag in /proc/cpuinfo; '}${ghz === null ? 'no clock reported' : ''}`.replace(/; $/, ''),
    },
  };
}

function readCpuinfo(): string | null {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}

/** One line: model, microarchitecture, family/model numbers, clock, SIMD. */
export function describeCpu(c: CpuInfo): string {
  const id = c.family !== null ? ` family ${c.family} model ${c.modelNumber}` : '';
  const arch = c.microarchitecture ? ` (${c.microarchitecture})` : '';
  return `${c.model}${arch}${id}, ${c.cores} cores, ${c.ghz?.toFixed(2) ?? '?'} GHz, ${c.avx512 ? 'AVX-512' : c.fma ? 'AVX2+FMA, no AVX-512' : 'no FMA'}`;
}
