// Sets up everything the notebooks, `npm run lab` and `npm run report` need, on Windows, macOS
// and Linux. Safe to rerun: every step checks first and does nothing when it is already done (a
// rerun takes a few seconds).
//
//   1. builds the library (scripts/build.mjs -> dist/) unless dist/ is newer than its sources
//      (scripts/build-current.mjs), and links it as node_modules/nnlab (a junction on Windows), so
//      that notebooks can `import { Solver } from "nnlab"` (tslab cannot import a relative path
//      outside the notebook folder);
//   2. creates a project-local Python environment .venv/ with JupyterLab, nbconvert, nbclient,
//      nbstripout (and numpy, for the NumPy reference benchmark) from PyPI, with the first Python
//      3.10+ found (python3; on Windows also the `py -3` launcher, then python);
//   3. registers the tslab kernel ("TypeScript") in that environment, pointing at this project's
//      own node_modules/.bin/tslab, and sets JupyterLab's defaults there (no Jupyter news pop-up);
//   4. registers nbstripout as this git checkout's filter for notebooks (.gitattributes), so that
//      outputs saved in JupyterLab are never committed (skipped outside a git checkout);
//   5. on Linux, installs Debian's chromium (used by the browser tests and `nnlab report --pdf`) and
//      poppler-utils (pdftotext, which the PDF test reads the PDF with) when missing and we are root.
// What differs between the platforms comes from platformChoices (lib/util/platform.ts).
//
// Usage: node scripts/setup.mjs [--quiet] [--no-chromium]
//   --quiet         print only what is being done, not the closing "Next:" line
//   --no-chromium   do not try to install chromium (`npm run report` and `npm run lab` pass both)
// Environment:
//   NNLAB_PYTHON=/path/to/python   use an existing Python (with or without Jupyter) instead of
//                                  creating .venv; the kernel is registered in its sys.prefix.
//   NNLAB_SKIP_CHROMIUM=1          same as --no-chromium.
//
// It assumes node_modules is installed (npm ci).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { whyStale } from './build-current.mjs';
import { registerNbstripout } from './git-nbstripout.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node scripts/setup.mjs [--quiet] [--no-chromium]';
const MIN_PYTHON = [3, 10];
/** The Python modules setup installs, with the version range pip gets. */
const PYTHON_PACKAGES = {
  jupyterlab: 'jupyterlab>=4,<5',
  nbconvert: 'nbconvert>=7,<8',
  nbclient: 'nbclient>=0.10',
  ipykernel: 'ipykernel>=6',
  numpy: 'numpy>=1.24',
  nbstripout: 'nbstripout>=0.7',
  // The accuracy test of the deterministic math (scripts/elementary-accuracy.py) measures against it.
  mpmath: 'mpmath>=1.3',
  // Tells which BLAS kernel NumPy runs on (OpenBLAS's architecture), printed by `nnlab bench`.
  threadpoolctl: 'threadpoolctl>=3',
};
/** The ones the notebooks and the report cannot run without (nbstripout only guards commits). */
const REQUIRED = ['jupyterlab', 'nbconvert', 'nbclient', 'ipykernel', 'numpy'];

const say = (line) => console.log(`\x1b[1msetup:\x1b[0m ${line}`);
function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(1);
}

/** Runs a program without a shell; returns its trimmed stdout, or null when it cannot start or fails. */
function output(command, args) {
  const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  return r.error || r.status !== 0 ? null : r.stdout.trim();
}

/** Runs a program without a shell, its output shown; exits with `message` when it fails. */
function runOrFail(command, args, message) {
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.error || r.status !== 0) fail(`${message}${r.error ? ` (${r.error.message})` : ''}`);
}

const VERSION_PROGRAM = 'import sys; print("%d.%d" % sys.version_info[:2])';
const isRecent = (version) => {
  const [major, minor] = version.split('.').map(Number);
  return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
};

/** The first Python 3.10+ among the platform's commands, or exits naming what is missing. */
function systemPython(platform) {
  const tried = [];
  for (const { command, args } of platform.pythonCommands) {
    const name = [command, ...args].join(' ');
    const version = output(command, [...args, '-c', VERSION_PROGRAM]);
    if (version && isRecent(version)) return { command, args };
    tried.push(version ? `${name} is ${version}` : `no ${name}`);
  }
  return fail(`Python ${MIN_PYTHON.join('.')}+ is needed for JupyterLab and none was found (${tried.join(', ')}): ${platform.installHint.python}`);
}

function main(argv) {
  const options = { quiet: false, chromium: !process.env.NNLAB_SKIP_CHROMIUM };
  for (const arg of argv) {
    if (arg === '--quiet') options.quiet = true;
    else if (arg === '--no-chromium') options.chromium = false;
    else {
      console.error(`setup: unknown argument '${arg}' (${USAGE})`);
      process.exit(2);
    }
  }
  process.chdir(ROOT);
  if (!existsSync(path.join(ROOT, 'node_modules'))) fail("node_modules is missing; run 'npm ci' first");
  return options;
}

const options = main(process.argv.slice(2));

// 1. Build and link ------------------------------------------------------------------------------
const why = whyStale(ROOT);
if (why) {
  say(`building the library (${why})`);
  runOrFail(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], 'the library build failed (see above)');
}
const dist = (file) => pathToFileURL(path.join(ROOT, 'dist', file)).href;
const { platformChoices } = await import(dist('util/platform.js'));
const { ensureSelfLink, hasTslabKernel } = await import(dist('report/jupyter.js'));
const platform = platformChoices(process.platform, process.env);
if (ensureSelfLink(ROOT)) say('linked node_modules/nnlab -> project root');

// 2. Python environment with Jupyter -------------------------------------------------------------
const configured = process.env.NNLAB_PYTHON;
const py = configured ?? platform.venvPython(ROOT);
if (configured) {
  const version = output(py, ['-c', VERSION_PROGRAM]);
  if (!version) fail(`NNLAB_PYTHON=${py} does not run`);
  if (!isRecent(version)) fail(`NNLAB_PYTHON=${py} is Python ${version}; Python ${MIN_PYTHON.join('.')}+ is needed: ${platform.installHint.python}`);
} else if (!existsSync(py)) {
  const system = systemPython(platform);
  say(`creating .venv (${[system.command, ...system.args].join(' ')})`);
  const r = spawnSync(system.command, [...system.args, '-m', 'venv', '.venv'], { cwd: ROOT, stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    fail(`'${[system.command, ...system.args].join(' ')} -m venv' failed; ${platform.installHint.python}`);
  }
}
const prefix = output(py, ['-c', 'import sys; print(sys.prefix)']);
if (prefix === null) fail(`${py} does not run`);
const where = configured ? prefix : '.venv';

// Which of the packages are missing (find_spec does not import them: a check in milliseconds).
const missing = output(py, ['-c', 'import importlib.util, sys; print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))', ...Object.keys(PYTHON_PACKAGES)]);
if (missing === null) fail(`${py} could not check its packages`);
if (missing) {
  const names = missing.split(' ');
  say(`installing ${names.join(', ')} into ${where} (PyPI)`);
  const r = spawnSync(py, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...names.map((m) => PYTHON_PACKAGES[m])], { cwd: ROOT, stdio: 'inherit' });
  if (r.error || output(py, ['-c', `import ${REQUIRED.join(', ')}`]) === null) {
    fail(`pip could not install ${REQUIRED.join(', ')} into ${where} (see above)`);
  }
}

// The project's package.json says "type": "module", which Node would apply to the JavaScript
// files inside .venv too (JupyterLab runs a few with node); mark the venv as CommonJS.
const venvPackage = path.join(ROOT, '.venv', 'package.json');
if (!configured && !existsSync(venvPackage)) writeFileSync(venvPackage, '{"type": "commonjs"}\n');

// 3. tslab kernel, JupyterLab defaults -----------------------------------------------------------
const kernelJson = path.join(prefix, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
const tslab = platform.tslabBinary(ROOT);
const registeredBinary = () => {
  try {
    return JSON.parse(readFileSync(kernelJson, 'utf8')).argv?.[0];
  } catch {
    return undefined;
  }
};
if (registeredBinary() !== tslab) {
  say(`registering the tslab kernel in ${where}`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tslab', 'bin', 'tslab'), 'install', '--python', py, '--binary', tslab, '--sys-prefix'], { cwd: ROOT, encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    fail("'tslab install' failed");
  }
  if (!hasTslabKernel({ python: py, source: where })) fail('tslab kernel not registered');
}

const settings = spawnSync(py, [path.join('scripts', 'jupyterlab-settings.py')], { cwd: ROOT, encoding: 'utf8' });
const settingsOut = `${settings.stdout ?? ''}${settings.stderr ?? ''}`.trim();
if (settings.error || settings.status !== 0) say(`warning: ${settingsOut || settings.error?.message}`);
else if (settingsOut) say(settingsOut);

// 4. Notebooks are committed without outputs -----------------------------------------------------
try {
  const out = registerNbstripout(py, ROOT);
  if (out.startsWith('no git')) say(`warning: ${out} (${platform.installHint.git})`);
  else if (out) say(out);
} catch (err) {
  say(`warning: ${err.message}`);
}

// 5. Chromium for the browser tests (and a font with the Chinese character labels) ------------------
if (options.chromium && platform.mayInstallChromium) {
  const wanted = [];
  if (output('chromium', ['--version']) === null) wanted.push('chromium');
  if (output('pdftotext', ['-v']) === null) wanted.push('poppler-utils'); // the PDF test reads the PDF's text
  const fonts = output('fc-list', [':lang=zh']);
  if (fonts === '') wanted.push('fonts-wqy-zenhei');
  if (wanted.length > 0) {
    if (process.getuid?.() === 0 && output('apt-get', ['--version']) !== null) {
      say(`installing Debian ${wanted.join(' ')} (browser tests)`);
      runOrFail('apt-get', ['update', '-qq'], 'apt-get update failed');
      const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...wanted], {
        cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      if (r.error || r.status !== 0) fail(`apt-get install ${wanted.join(' ')} failed`);
    } else {
      say(`missing for the browser tests: ${wanted.join(' ')} (sudo apt-get install ${wanted.join(' ')})`);
    }
  }
}

if (!options.quiet) {
  say("done. Next: 'npm run lab' (JupyterLab on notebooks/) or 'npm run report' (HTML report in report/)");
}
