/** Entry point: `npm start -w server`. */
import { ConfigError, describeConfig, loadConfig } from './config.js';
import { logger, setLogLevel } from './logger.js';
import { logStarted, startServer } from './server.js';
import { createSyncCollections } from './sync/sync-collections.js';

async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.logLevel);
  logger.info('starting', describeConfig(config));
  const server = await startServer(config, { registry: createSyncCollections() });
  logStarted(server);

  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    // A second signal while draining, either of them, means "now".
    process.once('SIGTERM', () => process.exit(1));
    process.once('SIGINT', () => process.exit(1));
    // A database that stopped answering must not keep the process up for ever.
    setTimeout(() => {
      logger.error('shutdown did not finish within 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    shutdown(signal);
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logger.error('start-up failed', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  process.exit(1);
});
