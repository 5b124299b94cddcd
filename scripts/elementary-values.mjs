// Evaluates one of nnlab's elementary functions (lib/math/elementary.ts, built to dist/) on the
// float64 arguments in a file, for scripts/elementary-accuracy.py.
//   usage: node scripts/elementary-values.mjs FUNCTION ARGS.f64 OUT.f64   (powInt: ARGS holds base, n pairs)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [name, argsFile, outFile] = process.argv.slice(2);
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'math', 'elementary.js');
const elementary = await import(pathToFileURL(dist).href);
const f = elementary[name];
if (typeof f !== 'function') throw new Error(`elementary-values: no function '${name}' in ${dist}`);
const bytes = readFileSync(argsFile);
const args = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
const out = name === 'powInt'
  ? Float64Array.from({ length: args.length / 2 }, (_, i) => f(args[2 * i], args[2 * i + 1]))
  : args.map((x) => f(x));
writeFileSync(outFile, new Uint8Array(out.buffer));
