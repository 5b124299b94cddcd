/**
 * The `nnlab` command line. Each sub-command lives in its own module under lib/commands/ and
 * registers itself on the commander program here.
 */
import { Command, Option } from 'commander';
import { registerSin } from './commands/sin.js';
import { registerReport } from './commands/report.js';
import { registerBench } from './commands/bench.js';
import { registerCharacterCommands } from './commands/characters.js';
import { registerDigest } from './commands/digest.js';
import { registerWorker } from './commands/worker.js';
import { versionLines, warnAboutNodeLine } from './versions.js';
import { NUMERICS_MODES, setNumerics, type Numerics } from './kernels/index.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('nnlab')
    .description('A small neural-network library written by hand, and the lab report rerun with it.')
    // One line of error and a hint, not the whole help (up to 43 lines) after a typo.
    .showHelpAfterError('(add --help to see the options)')
    .version(versionLines().join('\n'), '-V, --version', 'print the versions of nnlab, its numerics, Node and V8')
    .addOption(new Option('--numerics <mode>', "how products round: 'exact' (multiply, round, add, round; the default) or 'fused' (fused multiply-add, WebAssembly with relaxed SIMD only; where unavailable, said once and 'exact' runs). Also NNLAB_NUMERICS").choices(NUMERICS_MODES))
    .exitOverride();
  // Before any command runs: the mode for the whole process (and, through NNLAB_NUMERICS, its workers).
  program.hook('preAction', () => {
    const mode = program.opts<{ numerics?: Numerics }>().numerics;
    if (mode !== undefined) setNumerics(mode);
  });
  registerSin(program);
  registerReport(program);
  registerBench(program);
  registerCharacterCommands(program);
  registerDigest(program);
  registerWorker(program);
  return program;
}

/**
 * The folder relative paths are meant from. `npm run nnlab -- …` runs the script from the
 * package root, but the user typed the paths in the folder npm was started from, which npm
 * passes as INIT_CWD. Only for our own script (npm_lifecycle_event 'nnlab'): under another
 * script (`npm test`) INIT_CWD is inherited by every child and says nothing about its paths.
 */
function userFolder(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.npm_lifecycle_event === 'nnlab' && env.INIT_CWD ? env.INIT_CWD : null;
}

export async function main(argv: string[]): Promise<void> {
  warnAboutNodeLine();
  const folder = userFolder();
  if (folder !== null && folder !== process.cwd()) process.chdir(folder);
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
