/**
 * Finds a WebAssembly module that scripts/build.mjs wrote: beside the compiled kernels
 * (dist/kernels/NAME), or from the sources under tsx (lib/kernels → dist/kernels/NAME).
 */
import { readFileSync } from 'node:fs';

/** The bytes of dist/kernels/`name` and where they were read, or null with the places tried. */
export function readBuiltWasm(name: string): { bytes: Buffer; where: string } | { bytes: null; tried: string[] } {
  const tried: string[] = [];
  for (const rel of [`./${name}`, `../../dist/kernels/${name}`]) {
    const url = new URL(rel, import.meta.url);
    try {
      return { bytes: readFileSync(url), where: url.pathname };
    } catch {
      tried.push(url.pathname);
    }
  }
  return { bytes: null, tried };
}
