/**
 * Everything that differs between Windows, macOS and Linux for setup and the report, in one
 * place: a function of the platform and the environment, so that the Windows answers are tested
 * on Linux (test/platform.test.ts) and not only on a Windows machine.
 *
 * The rest of the code takes paths from the returned `path` (node:path's win32 or posix flavour)
 * and spawns the returned commands without a shell.
 */
import path from 'node:path';

/** A program and the arguments that come before the caller's, e.g. `py -3`. */
export interface Command {
  command: string;
  args: string[];
}

export interface PlatformChoices {
  /** node:path for that platform (path.win32 or path.posix). */
  path: path.PlatformPath;
  /** The Python inside the project's `.venv`: `Scripts\python.exe` on Windows, `bin/python` elsewhere. */
  venvPython(root: string): string;
  /**
   * The ways to start a system Python 3, in order: NNLAB_PYTHON when set, then `python3`; on
   * Windows the `py -3` launcher (python.org's installer adds py, and often no python3), then `python`.
   */
  pythonCommands: Command[];
  /**
   * How to link node_modules/nnlab to the project: a directory junction on Windows (a symlink
   * there needs administrator rights or developer mode; a junction does not), a symlink elsewhere.
   */
  selfLinkType: 'junction' | 'dir';
  /** The tslab launcher a Jupyter kernel spec can start (npm's `.cmd` wrapper on Windows). */
  tslabBinary(root: string): string;
  /** Whether setup may install Debian's chromium with apt-get (Linux only, unless NNLAB_SKIP_CHROMIUM is set). */
  mayInstallChromium: boolean;
  /** Where to get a missing tool, for the error message that names it. */
  installHint: { python: string; git: string };
}

/** The platform-dependent choices for `platform` (process.platform's values) and `env`. */
export function platformChoices(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): PlatformChoices {
  const windows = platform === 'win32';
  const p = windows ? path.win32 : path.posix;
  const configured: Command[] = env.NNLAB_PYTHON ? [{ command: env.NNLAB_PYTHON, args: [] }] : [];
  const onPath: Command[] = windows
    ? [{ command: 'python3', args: [] }, { command: 'py', args: ['-3'] }, { command: 'python', args: [] }]
    : [{ command: 'python3', args: [] }];
  const installHint = windows
    ? { python: 'install Python 3.10 or newer from https://www.python.org/downloads/windows/ (it adds the `py` launcher)', git: 'install Git for Windows from https://git-scm.com/download/win' }
    : platform === 'darwin'
      ? { python: 'install Python 3.10 or newer: `brew install python` or https://www.python.org/downloads/macos/', git: 'install git: `xcode-select --install` or `brew install git`' }
      : { python: 'install Python 3.10 or newer with its venv module, e.g. `sudo apt-get install python3 python3-venv`', git: 'install git, e.g. `sudo apt-get install git`' };
  return {
    path: p,
    venvPython: (root) => (windows ? p.join(root, '.venv', 'Scripts', 'python.exe') : p.join(root, '.venv', 'bin', 'python')),
    pythonCommands: [...configured, ...onPath],
    selfLinkType: windows ? 'junction' : 'dir',
    tslabBinary: (root) => p.join(root, 'node_modules', '.bin', windows ? 'tslab.cmd' : 'tslab'),
    mayInstallChromium: platform === 'linux' && !env.NNLAB_SKIP_CHROMIUM,
    installHint,
  };
}
