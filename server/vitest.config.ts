import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../vitest.shared.ts';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    // Starting PGlite, migrating and listening takes seconds on a busy 2-core machine.
    test: { include: ['src/**/*.test.ts'], hookTimeout: 30_000, testTimeout: 30_000 },
  }),
);
