/**
 * File output that never leaves a half-written file behind: write a temporary file beside the
 * target, then rename it over the target (a rename within one folder is atomic on POSIX).
 */
import { writeFileSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`could not write ${path}: ${(err as Error).message}`);
  }
}
