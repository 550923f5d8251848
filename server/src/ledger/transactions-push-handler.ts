/**
 * The `transactions` push handler: insert-only, idempotent by id, applied by the ledger in the
 * push's database transaction (ledger-service.ts). A terminal writes new transactions only as
 * itself: the store and terminal on a transaction new to the server must be the ones of its
 * device token (a replay of a recorded one, whoever made it, changes nothing).
 */
import type { PushHandler } from '../sync/collection-handlers.js';
import { ingestTransactions } from './ledger-service.js';

export const transactionsPushHandler: PushHandler = async (ctx, rows) => {
  const { conflicts, recorded } = await ingestTransactions(
    {
      tx: ctx.tx,
      registry: ctx.registry,
      now: ctx.now,
      metrics: ctx.metrics,
      pusher: { terminalId: ctx.terminal.terminalId, storeId: ctx.terminal.storeId },
    },
    rows.map((row) => row.newDocumentState),
  );
  // The answer carries what was just recorded too (see `ingestTransactions`), which is no
  // conflict.
  return { documents: conflicts, conflicts: conflicts.length - recorded.length };
};
