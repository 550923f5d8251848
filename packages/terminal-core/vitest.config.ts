import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared';

/**
 * RxDB's replication, cancelled when a terminal closes, can reject one of its own internal waits
 * (`firstValueFrom` on a subject that cancelling completed: rxjs `EmptyError`) with nothing to
 * catch it. It happens after the terminal has stopped syncing and changes nothing; the terminal
 * lets running pushes finish before cancelling (replication.ts, `stop`), which made it rare but
 * not impossible on a loaded machine (seen in 1 of about 10 full runs here, always at a close).
 * Only that error is let through: an EmptyError whose recorded stack (Node keeps 10 frames) lies
 * wholly inside rxjs and RxDB. terminal-core's own `firstValueFrom` calls handle their
 * rejections; any other unhandled error still fails the run.
 */
function isRxdbCancelRace(error: Error): boolean {
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s*at /.test(line));
  return (
    error.name === 'EmptyError' &&
    frames.length > 0 &&
    frames.every((frame) => /\/node_modules\/(rxjs|rxdb)\//.test(frame))
  );
}

export default mergeConfig(
  sharedConfig,
  defineConfig({
    // These tests talk to a real server over HTTP and wait for replication.
    test: {
      include: ['src/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      onUnhandledError: (error) => (isRxdbCancelRace(error) ? false : undefined),
      // Every test on memory storage, and again on the renderer's Dexie storage (over
      // fake-indexeddb), which the bulk loads write below RxDB (bulk-insert.ts).
      projects: [
        { extends: true, test: { name: 'memory' } },
        {
          extends: true,
          test: {
            name: 'dexie',
            env: { TERMINAL_TEST_STORAGE: 'dexie' },
            exclude: ['src/dexie-storage.test.ts'],
          },
        },
      ],
    },
  }),
);
