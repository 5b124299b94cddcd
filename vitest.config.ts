import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The commands warn once on an end-of-life Node line (lib/versions.ts); tests of their exact
    // output run on every line, so the suite silences it (test/deterministic-math.test.ts tests it).
    env: { NNLAB_NODE_WARNING: '0' },
  },
});
