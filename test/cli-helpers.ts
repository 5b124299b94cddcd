/**
 * Running `nnlab` in-process for tests: what it printed to stdout and stderr, and the error it
 * threw (the CLI wrapper bin/nnlab.js turns that into one line and exit code 1).
 */
import { vi } from 'vitest';
import { buildProgram } from '../lib/cli.js';

export interface CliRun {
  stdout: string[];
  stderr: string;
}

export async function runNnlab(...args: string[]): Promise<CliRun> {
  const stdout: string[] = [];
  let stderr = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => { stdout.push(parts.join(' ')); });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
  try {
    await buildProgram().parseAsync(['node', 'nnlab', ...args]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}

/** The JSON object a `--json` run printed on its last line. */
export async function runNnlabJson(...args: string[]): Promise<any> {
  const { stdout } = await runNnlab(...args);
  return JSON.parse(stdout[stdout.length - 1]);
}
