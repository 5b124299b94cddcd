/**
 * The `nnlab` command line. Each sub-command lives in its own module under lib/commands/ and
 * registers itself on the commander program here.
 */
import { Command } from 'commander';
import { registerSin } from './commands/sin.js';
import { registerReport } from './commands/report.js';
import { registerBench } from './commands/bench.js';
import { registerCharacterCommands } from './commands/characters.js';
import { registerDigest } from './commands/digest.js';
import { versionLines, warnAboutNodeLine } from './versions.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('nnlab')
    .description('A small neural-network library written by hand, and the lab report rerun with it.')
    // One line of error and a hint, not the whole help (up to 43 lines) after a typo.
    .showHelpAfterError('(add --help to see the options)')
    .version(versionLines().join('\n'), '-V, --version', 'print the versions of nnlab, its numerics, Node and V8')
    .exitOverride();
  registerSin(program);
  registerReport(program);
  registerBench(program);
  registerCharacterCommands(program);
  registerDigest(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  warnAboutNodeLine();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    // commander signals --help/--version and its own usage errors by throwing after printing.
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return;
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit((err as { exitCode?: number }).exitCode ?? 1);
    throw err;
  }
}
