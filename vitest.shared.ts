import { defineConfig } from 'vitest/config';

/** Workspace packages resolve to their TypeScript sources in tests (see docs/decisions). */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@tillpoint/source'] },
  ssr: { resolve: { conditions: ['@tillpoint/source'] } },
  test: {
    pool: 'forks',
    maxWorkers: 2,
    // Property-based tests and real-database tests run long on a busy 2-core machine; a slow
    // run is not a failure. Benchmarks, not tests, measure speed.
    testTimeout: 20_000,
  },
});
