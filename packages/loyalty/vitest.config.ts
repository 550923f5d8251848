import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', 'src/**/test-support/**'],
        reporter: ['text-summary', 'text'],
        thresholds: { lines: 90, statements: 90, functions: 90, branches: 80 },
      },
    },
  }),
);
