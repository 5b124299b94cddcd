/**
 * One Python process that executes and exports every notebook of a report build, instead of a
 * `jupyter nbconvert` process per step: starting Python with nbconvert costs 2.5–5 s on this
 * 2-core machine, and a build used to pay it twice per notebook.
 *
 * The process reads one JSON job per line on stdin and answers each with one line on stdout,
 * prefixed so that nothing else printed there is taken for an answer; its stderr (nbclient's and
 * the kernel's messages) goes to `onLine`. It executes with nbclient (tslab kernel, errors kept
 * in the outputs as `nbconvert --execute --allow-errors` does) and exports with nbconvert's
 * HTMLExporter and the report's template, without prompts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { NO_JUPYTER, noTslab, type JupyterEnv } from './jupyter.js';
import { TEMPLATE_NAME } from './template.js';

const ANSWER = 'nnlab-driver:';
/** Prefix of the lines that say what the execution is doing (a cell started or ended; the kernel's process id). */
const EVENT = 'nnlab-driver-event:';

const DRIVER_PY = `
import json, os, signal, sys, threading, time, traceback

# SIGTERM (the build was interrupted) and the death of the Node process that started this one
# (kill -9: this process is re-parented) end it through SystemExit, so that nbclient shuts the
# kernel down and removes its connection file on the way out instead of leaving them behind.
def _stop(signum, frame):
    raise SystemExit(128 + signum)
signal.signal(signal.SIGTERM, _stop)
_parent = os.getppid()
def _watch_parent():
    while True:
        time.sleep(1)
        if os.getppid() != _parent:
            os.kill(os.getpid(), signal.SIGTERM)
            return
threading.Thread(target=_watch_parent, daemon=True).start()

def answer(value):
    sys.stdout.write(${JSON.stringify(ANSWER)} + json.dumps(value) + "\\n")
    sys.stdout.flush()

try:
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from jupyter_client.kernelspec import KernelSpecManager
except ImportError as e:
    answer({"ready": False, "error": str(e)})
    sys.exit(0)

def event(value):
    sys.stdout.write(${JSON.stringify(EVENT)} + json.dumps(value) + "\\n")
    sys.stdout.flush()

def kernel_pid(client):
    try:
        return client.km.provisioner.process.pid
    except Exception:
        return None

def execute(job):
    nb = nbformat.read(job["notebook"], as_version=4)
    cwd = os.path.dirname(os.path.abspath(job["notebook"]))
    # No wall-time limit per cell: the caller stops a kernel that shows no progress (an
    # inactivity timeout), told of every cell that starts and ends, and of the kernel's pid.
    client = NotebookClient(nb, kernel_name="tslab", timeout=None, allow_errors=True,
                            resources={"metadata": {"path": cwd}},
                            on_cell_start=lambda cell, cell_index: event({"cell": cell_index, "kernelPid": kernel_pid(client)}),
                            on_cell_executed=lambda cell, cell_index, execute_reply: event({"cellDone": cell_index}))
    error = None
    try:
        client.execute(env=job["env"], cwd=cwd)
    except Exception as e:
        # A cell timed out or the kernel died: the notebook is kept as far as it ran.
        error = "%s: %s" % (type(e).__name__, e)
        traceback.print_exc()
    nbformat.write(nb, job["out"])
    return {"ok": error is None, "error": error}

def export(job):
    exporter = HTMLExporter(template_name=job["template"], extra_template_basedirs=[job["templates"]],
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_filename(job["notebook"])
    with open(job["out"], "w", encoding="utf-8") as f:
        f.write(body)
    return {"ok": True, "error": None}

answer({"ready": True, "kernels": sorted(KernelSpecManager().find_kernel_specs())})
for line in sys.stdin:
    job = json.loads(line)
    try:
        answer((execute if job["kind"] == "execute" else export)(job))
    except Exception as e:
        traceback.print_exc()
        answer({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
`;

export interface DriverAnswer {
  ok: boolean;
  /** What went wrong (the traceback went to `onLine`). */
  error: string | null;
}

/** The driver's first line: whether it could import Jupyter, and the kernels Jupyter knows. */
interface ReadyAnswer {
  ready: boolean;
  kernels?: string[];
  error?: string;
}

export class NotebookDriver {
  private readonly child: ChildProcess;
  private readonly waiting: Array<{ resolve: (answer: unknown) => void; reject: (e: Error) => void }> = [];
  private stderrTail = '';
  private exited: Error | null = null;
  /** The first answer, once Python has imported nbclient and nbconvert (or failed to). */
  private readonly ready: Promise<ReadyAnswer>;

  /**
   * Starts the driver with the first of `candidates` (see jupyterCandidates) that has Jupyter,
   * and checks that Jupyter knows the tslab kernel: the checks cost no Python process of their own.
   * Its script is written into `workDir`; `env` is its environment, where Jupyter looks for kernels.
   */
  static async start(candidates: JupyterEnv[], workDir: string, env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<NotebookDriver> {
    const script = path.join(workDir, 'nnlab_driver.py');
    writeFileSync(script, DRIVER_PY);
    for (const jupyter of candidates) {
      const driver = new NotebookDriver(jupyter, script, env, onLine);
      const ready = await driver.ready.catch(() => null); // e.g. no such python
      if (!ready?.ready) {
        driver.close();
        continue;
      }
      if (!ready.kernels?.includes('tslab')) {
        driver.close();
        throw new Error(noTslab(jupyter));
      }
      return driver;
    }
    throw new Error(NO_JUPYTER);
  }

  private constructor(jupyter: JupyterEnv, script: string, env: NodeJS.ProcessEnv, private readonly onLine: (line: string) => void = () => {}) {
    this.child = spawn(jupyter.python, ['-u', script], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.ready = new Promise((resolve, reject) => this.waiting.push({ resolve: (a) => resolve(a as ReadyAnswer), reject }));
    this.follow(this.child.stdout!, (line) => this.onAnswer(line));
    this.follow(this.child.stderr!, (line) => {
      this.stderrTail = (this.stderrTail + line + '\n').slice(-4000);
      this.onLine(line);
    });
    this.child.stdin!.on('error', () => undefined); // a driver that died is reported by 'close'
    this.child.on('error', (err) => this.fail(err));
    this.child.on('close', (code) => this.fail(new Error(`the notebook driver (${jupyter.python}) exited with code ${code}:\n${this.stderrTail}`)));
  }

  /** Called for each event of an execution: a cell started (with the kernel's process id) or ended. */
  onEvent: (event: { cell?: number; cellDone?: number; kernelPid?: number | null }) => void = () => {};

  /** Executes `notebook` into `out` with the kernel's environment `env` (no time limit: see executeNotebook). */
  execute(notebook: string, out: string, env: NodeJS.ProcessEnv): Promise<DriverAnswer> {
    return this.send({ kind: 'execute', notebook, out, env });
  }

  /** Exports `notebook` to the HTML file `out` with the report's template found in `templates`. */
  exportHtml(notebook: string, out: string, templates: string): Promise<DriverAnswer> {
    return this.send({ kind: 'export', notebook, out, templates, template: TEMPLATE_NAME });
  }

  /** Ends the process (it exits when its input closes). */
  close(): void {
    this.child.stdin?.end();
  }

  /** Stops the process now, mid-notebook: it shuts its kernel down on the way out (SIGTERM). */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }

  private send(job: Record<string, unknown>): Promise<DriverAnswer> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve: (a) => resolve(a as DriverAnswer), reject });
      this.child.stdin!.write(JSON.stringify(job) + '\n');
    });
  }

  private onAnswer(line: string): void {
    if (line.startsWith(EVENT)) {
      this.onEvent(JSON.parse(line.slice(EVENT.length)));
      return;
    }
    if (!line.startsWith(ANSWER)) return; // not an answer: something a library printed
    this.waiting.shift()?.resolve(JSON.parse(line.slice(ANSWER.length)));
  }

  private fail(err: Error): void {
    this.exited ??= err;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  /** Calls `onLine` for each complete line of a stream. */
  private follow(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    stream.on('end', () => { if (partial) onLine(partial); });
  }
}
