/**
 * The platform-dependent choices (lib/util/platform.ts) for Windows, macOS and Linux, checked here on
 * whatever machine runs the tests, with node:path's win32 and posix flavours.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { platformChoices } from '../lib/util/platform.js';

describe('platformChoices', () => {
  it('win32: Scripts\\python.exe in the venv, a junction, the py -3 launcher after python3, npm\'s .cmd wrapper', () => {
    const c = platformChoices('win32', {});
    expect(c.path).toBe(path.win32);
    expect(c.venvPython('C:\\Users\\ana\\nnlab')).toBe('C:\\Users\\ana\\nnlab\\.venv\\Scripts\\python.exe');
    expect(c.selfLinkType).toBe('junction');
    expect(c.pythonCommands).toEqual([
      { command: 'python3', args: [] },
      { command: 'py', args: ['-3'] },
      { command: 'python', args: [] },
    ]);
    expect(c.tslabBinary('C:\\Users\\ana\\nnlab')).toBe('C:\\Users\\ana\\nnlab\\node_modules\\.bin\\tslab.cmd');
    expect(c.mayInstallChromium).toBe(false);
    expect(c.installHint.python).toMatch(/python\.org.*windows/);
    expect(c.installHint.git).toMatch(/Git for Windows/);
  });

  it.each(['darwin', 'linux'] as const)('%s: bin/python in the venv, a symlink, python3', (platform) => {
    const c = platformChoices(platform, {});
    expect(c.path).toBe(path.posix);
    expect(c.venvPython('/home/ana/nnlab')).toBe('/home/ana/nnlab/.venv/bin/python');
    expect(c.selfLinkType).toBe('dir');
    expect(c.pythonCommands).toEqual([{ command: 'python3', args: [] }]);
    expect(c.tslabBinary('/home/ana/nnlab')).toBe('/home/ana/nnlab/node_modules/.bin/tslab');
  });

  it('installs chromium only on Linux, and not when NNLAB_SKIP_CHROMIUM is set', () => {
    expect(platformChoices('linux', {}).mayInstallChromium).toBe(true);
    expect(platformChoices('linux', { NNLAB_SKIP_CHROMIUM: '1' }).mayInstallChromium).toBe(false);
    expect(platformChoices('darwin', {}).mayInstallChromium).toBe(false);
  });

  it('names where to get Python and git on each platform', () => {
    expect(platformChoices('darwin', {}).installHint.python).toMatch(/brew install python/);
    expect(platformChoices('linux', {}).installHint.python).toMatch(/python3-venv/);
    for (const p of ['win32', 'darwin', 'linux'] as const) expect(platformChoices(p, {}).installHint.python).toMatch(/3\.10/);
  });

  it('tries NNLAB_PYTHON first when it is set', () => {
    for (const p of ['win32', 'darwin', 'linux'] as const) {
      expect(platformChoices(p, { NNLAB_PYTHON: 'X:/py/python' }).pythonCommands[0]).toEqual({ command: 'X:/py/python', args: [] });
    }
  });
});
