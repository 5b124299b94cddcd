/**
 * Where rich output goes. Inside a tslab kernel, `require('tslab')` returns the kernel's own
 * module (same file in node_modules, same module cache), whose `display` sends a Jupyter
 * display_data message. Outside a kernel (CLI, tests) `display.*` throws "Not ready", and
 * output falls back to a sink: by default plain text on stdout, or whatever a test installs.
 */
import { createRequire } from 'node:module';

/** The subset of tslab's Display that nnlab uses. Each call sends one mimetype. */
export interface DisplayLike {
  html(s: string): void;
  text(s: string): void;
  markdown(s: string): void;
}

interface TslabModule {
  display: DisplayLike;
  newDisplay(): DisplayLike;
}

/** Receives output when no kernel is there. `id` is set for updating outputs (newDisplay). */
export type Sink = (mime: 'text/html' | 'text/plain' | 'text/markdown', content: string, id?: string) => void;

let tslabCache: TslabModule | null | undefined;
let sinkOverride: Sink | null = null;
let nextId = 1;

function loadTslab(): TslabModule | null {
  if (tslabCache !== undefined) return tslabCache;
  try {
    const req = createRequire(import.meta.url);
    tslabCache = req('tslab') as TslabModule;
  } catch {
    tslabCache = null;
  }
  return tslabCache;
}

const defaultSink: Sink = (mime, content) => {
  if (mime === 'text/html') return; // nothing sensible to print; text and markdown are printed
  process.stdout.write(content.endsWith('\n') ? content : content + '\n');
};

/** Installs a sink that receives all output (tests, or a host other than tslab). `null` restores the default. */
export function setOutputSink(sink: Sink | null): void {
  sinkOverride = sink;
}

/** True when running inside a tslab kernel that can display rich output. */
export function inKernel(): boolean {
  if (sinkOverride) return false;
  if (!loadTslab()) return false;
  try {
    // tslab sets this when its kernel starts; `display.*` throws "Not ready" while it is null.
    const jupyter = createRequire(import.meta.url)('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
    return jupyter.lastWriteDisplayData != null;
  } catch {
    return false;
  }
}

/** An output area: `display` sends a new output each call, `newDisplay()` one that later calls replace. */
export interface Output {
  html(s: string): void;
  text(s: string): void;
  markdown(s: string): void;
}

function sinkOutput(id?: string): Output {
  const sink = (): Sink => sinkOverride ?? defaultSink;
  return {
    html: (s) => sink()('text/html', s, id),
    text: (s) => sink()('text/plain', s, id),
    markdown: (s) => sink()('text/markdown', s, id),
  };
}

/** The notebook's main output (each call adds an output). */
export function output(): Output {
  if (inKernel()) return loadTslab()!.display;
  return sinkOutput();
}

/** One output that later calls replace (live progress). */
export function newOutput(): Output {
  if (inKernel()) return loadTslab()!.newDisplay();
  return sinkOutput(`display-${nextId++}`);
}
