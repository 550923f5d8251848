import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    // These tests talk to a real server over HTTP and wait for replication.
    test: { include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
  }),
);
