import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared';

// The shell's unit tests; the browser suite (e2e/) runs under Playwright instead.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      include: ['src/main/**/*.test.ts', 'src/shared/**/*.test.ts', 'src/renderer/**/*.test.ts'],
      environment: 'node',
    },
  }),
);
