import { defineConfig } from 'vitest/config';

/** Workspace packages resolve to their TypeScript sources in tests (see docs/decisions). */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@tillpoint/source'] },
  ssr: { resolve: { conditions: ['@tillpoint/source'] } },
  test: {
    pool: 'forks',
    maxWorkers: 2,
  },
});
