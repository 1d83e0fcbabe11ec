import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'test/**/*.test.ts', 'renderer/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Polled UI state (browser tests) may take a second or two under load.
    expect: { poll: { timeout: 10_000 } },
    // Tests spawn processes and share the two cores; files run in parallel, tests in a file in order.
    pool: 'forks',
  },
});
