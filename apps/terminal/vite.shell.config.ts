/**
 * The Electron shell, bundled for its two runtimes:
 * - `--mode main`: src/main → out/main/index.js, an ES module for Electron's Node (zod bundled
 *   in, so the packaged app needs no node_modules);
 * - `--mode preload`: src/preload → out/preload/index.cjs, one CommonJS file, because a
 *   sandboxed preload can neither load ES modules nor require anything but `electron`.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';
import type { UserConfig } from 'vite';

const { version } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const external = ['electron', ...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

const main: UserConfig = {
  define: { __APP_VERSION__: JSON.stringify(version) },
  ssr: { noExternal: true, external: ['electron'], target: 'node' },
  build: {
    ssr: 'src/main/index.ts',
    outDir: 'out/main',
    emptyOutDir: true,
    target: 'node22',
    sourcemap: true,
    minify: false,
    rolldownOptions: {
      external,
      output: { format: 'es', entryFileNames: 'index.js' },
    },
  },
};

const preload: UserConfig = {
  build: {
    outDir: 'out/preload',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: 'inline',
    minify: false,
    lib: {
      entry: 'src/preload/index.ts',
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    rolldownOptions: { external: ['electron'] },
  },
};

export default defineConfig(({ mode }) => {
  if (mode === 'main') return main;
  if (mode === 'preload') return preload;
  throw new Error(`vite.shell.config.ts: build with --mode main or --mode preload, not ${mode}`);
});
