/** The renderer: src/renderer → out/renderer, served by the shell from tillpoint://app/. */
import { readFileSync } from 'node:fs';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

const { version } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  root: 'src/renderer',
  // Relative asset URLs work under tillpoint://app/ and under any static server path.
  base: './',
  plugins: [react()],
  // Workspace packages resolve to their TypeScript sources (docs/decisions/0002).
  resolve: { conditions: ['@tillpoint/source', ...defaultClientConditions] },
  define: { __APP_VERSION__: JSON.stringify(version) },
  server: { port: 5173, strictPort: true },
  build: {
    outDir: '../../out/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
  },
});
