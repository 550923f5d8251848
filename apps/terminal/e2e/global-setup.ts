/**
 * Once per run: build the renderer as the app ships it and serve it on a loopback port. Each test
 * then starts its own sync server (fixtures.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { serveStatic } from './support/static-server.js';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env['TILLPOINT_E2E_SKIP_BUILD'] !== '1') {
    // The renderer exactly as `npm run build` makes it (vite.config.ts).
    await build({
      configFile: path.join(appDir, 'vite.config.ts'),
      root: path.join(appDir, 'src', 'renderer'),
      logLevel: 'warn',
    });
  }
  const server = await serveStatic(path.join(appDir, 'out', 'renderer'));
  process.env['TILLPOINT_E2E_APP_URL'] = server.url;
  return server.close;
}
