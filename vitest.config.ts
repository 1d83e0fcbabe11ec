import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'test/**/*.test.ts', 'renderer/src/**/*.test.ts'],
    // Timeouts are a safety net against hangs, not a speed check: the
    // multi-process tests (daemon load, cluster, engine restarts) take 25-35 s
    // on a loaded 2-core machine, and CI machines run them slower still.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Polled UI state (browser tests) may take a few seconds under load.
    expect: { poll: { timeout: 30_000 } },
    // Tests spawn processes and share the two cores; files run in parallel, tests in a file in order.
    pool: 'forks',
  },
});
