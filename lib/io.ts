/**
 * File output that never leaves a half-written file behind: write a temporary file beside the
 * target, then rename it over the target (a rename within one folder is atomic on POSIX).
 * And the matching input: a JSON file read only after its size is checked.
 */
import { writeFileSync, renameSync, rmSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { MAX_JSON_FILE_BYTES } from './limits.js';

/**
 * Reads and parses the JSON file `path`. `what` (e.g. "model file") starts the errors: a
 * missing file, one larger than MAX_JSON_FILE_BYTES (refused before it is read), invalid JSON.
 */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_JSON_FILE_BYTES) {
      throw new Error(`is ${(size / 2 ** 20).toFixed(0)} MiB, more than the limit of ${MAX_JSON_FILE_BYTES / 2 ** 20} MiB`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`cannot read ${what} ${path}: ${path} does not exist`);
    throw new Error(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${path} is not valid JSON (corrupt or truncated?): ${(err as Error).message}`);
  }
}

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
