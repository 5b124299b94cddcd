/**
 * What the browser bundles get for the few Node built-ins the core's modules import
 * (scripts/build-widgets.mjs maps node:os and node:perf_hooks here): the page runs one thread.
 */
export const performance = globalThis.performance;
export function availableParallelism(): number { return 1; }
export function cpus(): unknown[] { return [{}]; }
export const isMainThread = true;

/** `process` for the modules that read it (lib/kernels/index.ts: NNLAB_KERNELS, a warning): no settings, nothing printed. */
export const process = { env: {} as Record<string, string | undefined>, emitWarning(_message: string): void {} };
