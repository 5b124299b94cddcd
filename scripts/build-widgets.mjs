// The browser side of the live widgets (lib/widgets/): nnlab's own network code compiled by
// esbuild into one self-contained script per widget, dist/widgets/<name>.js, which
// lib/display/widgets.ts inlines into a notebook output (and so into the exported page: it
// works from file://, with no request). The core's few Node-only imports are swapped for
// browser stand-ins (lib/widgets/shims/): the WebAssembly kernels for "unavailable" (the
// TypeScript kernels compute the same values bit for bit), node:os and node:perf_hooks.
//
//   node scripts/build-widgets.mjs      (scripts/build.mjs runs it after the library)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Widget name → its entry point. */
export const WIDGETS = {
  'drawing-pad': 'lib/widgets/drawing_pad.ts',
  'sine-trainer': 'lib/widgets/sine_trainer.ts',
  'backprop-graph': 'lib/widgets/backprop_graph.ts',
};

const SHIMS = path.join(ROOT, 'lib', 'widgets', 'shims');

/** Resolves the Node-only imports of the core to the browser stand-ins. */
const browserShims = {
  name: 'nnlab-browser-shims',
  setup(b) {
    b.onResolve({ filter: /^node:(os|perf_hooks)$/ }, () => ({ path: path.join(SHIMS, 'node_builtins.ts') }));
    b.onResolve({ filter: /^\.\/wasm\.js$/ }, (args) =>
      (path.basename(args.importer) === 'index.ts' && path.basename(args.resolveDir) === 'kernels'
        ? { path: path.join(SHIMS, 'no_wasm.ts') } : undefined));
    b.onResolve({ filter: /^node:/ }, (args) => ({ errors: [{ text: `${args.path} (imported by ${path.relative(ROOT, args.importer)}) has no browser stand-in: keep it out of lib/widgets/` }] }));
  },
};

export async function buildWidgets(root = ROOT) {
  const sizes = {};
  for (const [name, entry] of Object.entries(WIDGETS)) {
    const outfile = path.join(root, 'dist', 'widgets', `${name}.js`);
    const result = await build({
      entryPoints: [path.join(root, entry)],
      outfile,
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2020'],
      minify: true,
      legalComments: 'none',
      inject: [path.join(SHIMS, 'node_builtins.ts')],
      plugins: [browserShims],
      metafile: true,
      logLevel: 'warning',
    });
    sizes[name] = Object.values(result.metafile.outputs)[0].bytes;
  }
  return sizes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await buildWidgets();
  for (const [name, bytes] of Object.entries(sizes)) console.log(`widgets: dist/widgets/${name}.js ${(bytes / 1024).toFixed(1)} KiB`);
}
