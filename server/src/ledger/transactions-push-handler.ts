/**
 * The `transactions` push handler: insert-only, idempotent by id, applied by the ledger in the
 * push's database transaction (ledger-service.ts). A terminal writes transactions only as
 * itself: the store and terminal on a new transaction must be the ones of its device token.
 */
import { ServiceError } from '../errors.js';
import type { PushHandler } from '../sync/collection-handlers.js';
import { ingestTransactions } from './ledger-service.js';

export const transactionsPushHandler: PushHandler = async (ctx, rows) => {
  const states = rows.map((row) => row.newDocumentState);
  for (const [index, state] of states.entries()) {
    if (
      state['terminalId'] !== ctx.terminal.terminalId ||
      state['storeId'] !== ctx.terminal.storeId
    ) {
      throw new ServiceError(
        'invalid-document',
        `row ${index}: a transaction carries the pushing terminal's terminalId and storeId`,
        { row: index, collection: 'transactions' },
      );
    }
  }
  const { conflicts } = await ingestTransactions(
    { tx: ctx.tx, registry: ctx.registry, now: ctx.now, metrics: ctx.metrics },
    states,
  );
  return conflicts;
};
