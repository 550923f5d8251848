/**
 * The authoritative ledger. Transactions are insert-only and idempotent by id; each new one is
 * applied in server order inside the database transaction of the push that brought it:
 *
 *   lock the members' ledgers → read, in one statement, the merge chains (merged → survivor),
 *   what exists by id, the accounts, the program and the ledger numbers (ledger_seq) → lock
 *   and read again only if a survivor was not locked yet → decideOutcome → applyEffects →
 *   write, in one statement, the transactions (seq, receivedAt, outcome, effects), the
 *   accounts (appliedSeq = seq) and coupon and reward usage; reviews as they arise.
 *
 * The same rules code (`@tillpoint/loyalty`) decides on the terminal (provisionally) and here.
 * See docs/decisions/0004-ledger-ordering.md.
 */
import { createHash } from 'node:crypto';
import {
  emptyAccount,
  applyEffects,
  decideOutcome,
  foldAccount,
  sameTransactionBody,
} from '@tillpoint/loyalty';
import type {
  Account,
  AppliedTransaction,
  CouponUsage,
  LedgerTransaction,
  OutcomeContext,
  ProgramSettings,
  SequencedTransaction,
  TransactionOutcome,
} from '@tillpoint/loyalty';
import { APPLIED_FIELDS, canonicalJson } from '@tillpoint/protocol';
import type { AccountDoc, CouponDoc, RewardDoc, TransactionDoc } from '@tillpoint/protocol';
import type { DbTransaction } from '../db/database.js';
import { ServiceError } from '../errors.js';
import { logger } from '../logger.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { CollectionRegistry } from '../sync/collection-handlers.js';
import { assertServerOwnedFieldsUnchanged, jsonEqual } from '../sync/collection-handlers.js';
import {
  primaryKeyOf,
  readDocuments,
  writeDocument,
  writeDocumentSets,
} from '../sync/document-store.js';
import type { WrittenBookkeeping } from '../sync/document-store.js';
import type { DocumentState, SyncDocument } from '../sync/sync-types.js';
import {
  currentProgram,
  ledgerOf,
  lockMembers,
  mergedMemberIds,
  readLedgerSnapshot,
  refundedCheckouts,
} from './ledger-repository.js';
import type { LedgerSnapshot } from './ledger-repository.js';
import { openReview } from './reviews.js';

export interface LedgerContext {
  readonly tx: DbTransaction;
  readonly registry: CollectionRegistry;
  /** The server time of the push: every transaction of it is received at this instant. */
  readonly now: Date;
  readonly metrics?: ServerMetrics | undefined;
  /**
   * The terminal pushing (from its token): a transaction new to the server must carry its
   * terminalId and storeId. Absent for the server's own writes (the demo loader).
   */
  readonly pusher?: { readonly terminalId: string; readonly storeId: string } | undefined;
}

/** What a push of transactions did, row by row. */
export interface IngestResult {
  /**
   * Current master states to answer with (RxDB conflicts): those of replays whose copy lacks
   * what the server added and of changed bodies, and every transaction just recorded, as
   * recorded (the terminal adopts it at once).
   */
  readonly conflicts: SyncDocument[];
  /** Transactions recorded by this call, with their seq and outcome. */
  readonly recorded: SyncDocument[];
}

/** Bookkeeping keys a pushed state may carry that are not part of the transaction. */
const BOOKKEEPING = new Set(['rev', 'updatedAt', '_deleted']);

function terminalBody(state: DocumentState): LedgerTransaction {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    if (!BOOKKEEPING.has(key) && !(APPLIED_FIELDS as readonly string[]).includes(key))
      body[key] = value;
  }
  return body as unknown as LedgerTransaction;
}

function sameAsMaster(master: SyncDocument, state: DocumentState): boolean {
  const strip = (doc: Readonly<Record<string, unknown>>) =>
    Object.fromEntries(Object.entries(doc).filter(([key]) => !BOOKKEEPING.has(key)));
  return jsonEqual(strip(master), strip(state));
}

/**
 * Ingests pushed transaction states (validated against the collection schema). Throws
 * 'server-owned-field' (nothing is written) when a state sets seq, receivedAt, outcome or
 * effects other than as stored. Same id and body → nothing happens; same id, different body →
 * the original stands, a 'rejected-transaction' review is opened, and the original is the
 * conflict; new ids are applied in order.
 */
export async function ingestTransactions(
  ctx: LedgerContext,
  states: readonly DocumentState[],
): Promise<IngestResult> {
  const collection = ctx.registry.require('transactions');
  for (const [index, state] of states.entries()) {
    if (state['_deleted'] === true) {
      throw new ServiceError(
        'invalid-document',
        'transactions are insert-only and cannot be deleted',
        {
          collection: collection.name,
          id: state['id'],
          row: index,
        },
      );
    }
  }
  const ids = states.map((state) => primaryKeyOf(collection, state));
  if (ids.length === 0) return { conflicts: [], recorded: [] };

  // Lock the ledgers first, then read everything in one statement: what is recorded among the
  // pushed ids (anything recorded meanwhile by a concurrent push of the same id is a replay
  // now), the survivors, their accounts, the program and the ledger numbers. A merge may have
  // moved a member while we waited for its lock: lock the new survivors and read again.
  const memberIds = states.map((state) => state['memberId'] as string);
  const locked = new Set<string>();
  let wanted = [...new Set(memberIds)];
  let snapshot: LedgerSnapshot;
  for (let round = 0; ; round++) {
    if (round > 8) throw new Error('member merges kept moving while locking ledgers');
    // The read is sent right behind the locks without waiting (one round trip on a pipelined
    // connection). PostgreSQL runs it once the locks are granted, and at READ COMMITTED it takes
    // its snapshot then, so it sees every push that held these locks before. If the locks fail
    // (a deadlock), the read fails too and the locks' error is the one thrown.
    [, snapshot] = await Promise.all([
      lockMembers(ctx.tx, wanted),
      readLedgerSnapshot(ctx.tx, memberIds, ids),
    ]);
    for (const id of wanted) locked.add(id);
    wanted = [...new Set(snapshot.survivors.values())].filter((id) => !locked.has(id));
    if (wanted.length === 0) break;
  }
  const stored = snapshot.stored;

  // Server-owned fields are checked before anything is written: a refusal changes nothing.
  // A new transaction carries none, and is written by the pushing terminal as itself; a known
  // one may echo the stored values and whatever revision it last saw. It may also be another
  // till's: a till that stopped between storing a pulled transaction and noting that it came
  // from the server pushes it back after its restart (RxDB writes the two apart). Such a replay
  // changes nothing, as any replay; refusing it would stop the till's pushes for good.
  for (const [index, state] of states.entries()) {
    const master = stored.get(ids[index] as string);
    if (master === undefined) {
      if (
        ctx.pusher &&
        (state['terminalId'] !== ctx.pusher.terminalId || state['storeId'] !== ctx.pusher.storeId)
      ) {
        throw new ServiceError(
          'invalid-document',
          `row ${index}: a new transaction carries the pushing terminal's terminalId and storeId`,
          { row: index, collection: collection.name },
        );
      }
      assertServerOwnedFieldsUnchanged(collection, undefined, state, index);
      continue;
    }
    const changed = APPLIED_FIELDS.filter(
      (field) => state[field] !== undefined && !jsonEqual(state[field], master[field]),
    );
    if (changed.length > 0) {
      throw new ServiceError(
        'server-owned-field',
        `transactions: terminals may not write ${changed.join(', ')}`,
        {
          collection: collection.name,
          fields: changed,
          row: index,
        },
      );
    }
  }

  const firstNew = new Map<string, LedgerTransaction>();
  for (const [index, state] of states.entries()) {
    const id = ids[index] as string;
    if (!stored.has(id) && !firstNew.has(id)) firstNew.set(id, terminalBody(state));
  }
  const recorded =
    firstNew.size > 0 ? await applyNewTransactions(ctx, [...firstNew.values()], snapshot) : [];
  const recordedById = new Map(recorded.map((doc) => [doc['id'] as string, doc]));

  const conflicts: SyncDocument[] = [];
  const acknowledged = new Set<string>();
  for (const [index, state] of states.entries()) {
    const id = ids[index] as string;
    const master = stored.get(id) as SyncDocument;
    const justRecorded = recordedById.get(id);
    if (justRecorded && !acknowledged.has(id)) {
      // The row just recorded goes back as recorded (seq, outcome, effects), for the terminal
      // to adopt now. A pull that overtook this answer brought it already, and the terminal
      // skipped it, its own copy not yet acknowledged; the server never changes a recorded
      // transaction, so no later pull would bring it again (decision 0014).
      acknowledged.add(id);
      conflicts.push(justRecorded);
      continue;
    }
    if (sameTransactionBody(terminalBody(state), master as unknown as LedgerTransaction)) {
      // A retry or replay: applied once already. Answer with the master when the terminal's
      // copy lacks what the server added, so it adopts seq and outcome.
      if (!sameAsMaster(master, state)) conflicts.push(master);
      continue;
    }
    await rejectChangedBody(ctx, master, state);
    conflicts.push(master);
  }
  return { conflicts, recorded };
}

async function rejectChangedBody(ctx: LedgerContext, master: SyncDocument, state: DocumentState) {
  const id = master['id'] as string;
  const digest = createHash('sha256')
    .update(canonicalJson(terminalBody(state)))
    .digest('hex');
  const opened = await openReview(
    ctx.tx,
    ctx.registry,
    {
      id: `rejected-transaction:${id}:${digest.slice(0, 6)}`,
      kind: 'rejected-transaction',
      summary: `Transaction ${id} was pushed again with a different body; the original stands.`,
      memberId: master['memberId'] as string,
      transactionId: id,
      storeId: master['storeId'] as string,
      details: {
        reason: 'duplicate-id-different-body',
        pushedBody: terminalBody(state),
        pushedByTerminal: state['terminalId'],
      },
    },
    ctx.now,
  );
  const pushed = terminalBody(state) as unknown as Record<string, unknown>;
  const original = terminalBody(master) as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(pushed), ...Object.keys(original)])]
    .filter((field) => !jsonEqual(pushed[field], original[field]))
    .sort();
  logger.warn('transaction refused: same id, different body; the original stands', {
    transactionId: id,
    terminalId: state['terminalId'],
    // Names only: the values may be personal.
    fields,
    reviewOpened: opened,
  });
  ctx.tx.afterCommit(() =>
    ctx.metrics?.outcomes.inc({ status: 'refused', reason: 'duplicate-id-different-body' }),
  );
}

interface MemberLedger {
  account: Account;
  changed: boolean;
  mergedIds?: string[];
}

/**
 * Applies transactions the server has not recorded, in the given order, with the snapshot read
 * under the ledger locks. `snapshot.stored` is updated with every recorded document.
 */
async function applyNewTransactions(
  ctx: LedgerContext,
  fresh: readonly LedgerTransaction[],
  snapshot: LedgerSnapshot,
): Promise<SyncDocument[]> {
  const { tx, registry, now } = ctx;
  const transactions = registry.require('transactions');
  const { survivors, members, stored, program, seqs } = snapshot;
  if (seqs.length < fresh.length) throw new Error('ledger numbers missing for new transactions');
  const receivedAt = now.toISOString();

  const ledgers = new Map<string, MemberLedger>();
  for (const survivorId of new Set(survivors.values())) {
    const doc = snapshot.accounts.get(survivorId);
    ledgers.set(survivorId, {
      account: doc ? accountOf(doc) : emptyAccount(survivorId, program),
      changed: false,
    });
  }

  const couponIds = fresh.flatMap((candidate) => (candidate.couponId ? [candidate.couponId] : []));
  const coupons = await readDocuments(tx, registry.require('coupons'), couponIds, {
    forUpdate: true,
  });
  const couponsUsed = new Map<string, number>();
  const rewardIds = fresh.flatMap((candidate) =>
    candidate.kind === 'reward-redemption' && candidate.rewardId ? [candidate.rewardId] : [],
  );
  const rewards = await readDocuments(tx, registry.require('rewards'), rewardIds, {
    forUpdate: true,
  });
  const rewardsRedeemed = new Map<string, number>();

  const refundTargetIds = fresh.flatMap((candidate) =>
    candidate.kind === 'refund' && candidate.refundOf ? [candidate.refundOf] : [],
  );
  const refundTargets = await readDocuments(tx, transactions, refundTargetIds);
  const refunded = await refundedCheckouts(tx, refundTargetIds);

  const docs: TransactionDoc[] = [];
  const outcomeCounts = new Map<string, number>();
  for (const [index, candidate] of fresh.entries()) {
    const seq = seqs[index] as number;
    const survivorId = survivors.get(candidate.memberId) ?? candidate.memberId;
    const ledger = ledgers.get(survivorId) as MemberLedger;
    const needsMergedIds = candidate.memberId !== survivorId || candidate.kind === 'refund';
    if (needsMergedIds && ledger.mergedIds === undefined) {
      ledger.mergedIds = await mergedMemberIds(tx, survivorId);
    }
    const member = members.get(survivorId);
    let target = candidate.refundOf
      ? (stored.get(candidate.refundOf) ?? refundTargets.get(candidate.refundOf))
      : undefined;
    if (
      target &&
      (ledger.mergedIds?.length ?? 0) > 0 &&
      typeof target['seq'] === 'number' &&
      target['seq'] < (seqs[0] as number)
    ) {
      // A merge re-decided the survivor's ledger (a second first-purchase bonus stripped, …)
      // without changing the stored effects; the account holds the re-decided ones, and so
      // must what the refund reverses.
      target = await asFolded(ctx, survivorId, ledger.mergedIds ?? [], target, program);
    }
    const coupon = candidate.couponId ? coupons.get(candidate.couponId) : undefined;
    const context: OutcomeContext = {
      program,
      receivedAt,
      member: {
        ...(member?.status !== undefined ? { status: member.status } : {}),
        mergedMemberIds: ledger.mergedIds ?? [],
      },
      ...(target && target['seq'] !== undefined
        ? {
            refundTarget: {
              transaction: target as unknown as AppliedTransaction,
              alreadyRefunded: refunded.has(target['id'] as string),
            },
          }
        : {}),
      ...(coupon && candidate.couponId
        ? { coupon: couponUsage(coupon, couponsUsed.get(candidate.couponId) ?? 0) }
        : {}),
    };
    const decision = decideOutcome(ledger.account, candidate, context);
    // Not recorded happens only for a known id, which was filtered out above.
    const account = decision.record
      ? applyEffects(ledger.account, candidate, decision.effects, seq, receivedAt, program)
      : ledger.account;
    ledger.account = account;
    ledger.changed = true;

    const doc: TransactionDoc = {
      ...(candidate as TransactionDoc),
      seq,
      receivedAt,
      outcome: decision.outcome as TransactionDoc['outcome'] & TransactionOutcome,
      effects: decision.effects as TransactionDoc['effects'] & object,
    };
    docs.push(doc);
    // Visible to later transactions of this push (a refund of a checkout in the same batch).
    stored.set(candidate.id, { ...doc, rev: 1, updatedAt: receivedAt, _deleted: false });

    if (decision.effects.couponUse) {
      const id = decision.effects.couponUse.couponId;
      couponsUsed.set(id, (couponsUsed.get(id) ?? 0) + 1);
    }
    if (
      candidate.kind === 'reward-redemption' &&
      candidate.rewardId &&
      decision.outcome.status !== 'refused'
    ) {
      rewardsRedeemed.set(candidate.rewardId, (rewardsRedeemed.get(candidate.rewardId) ?? 0) + 1);
    }
    if (
      candidate.kind === 'refund' &&
      candidate.refundOf &&
      decision.outcome.status !== 'refused'
    ) {
      refunded.add(candidate.refundOf);
    }
    await openOutcomeReviews(ctx, candidate, survivorId, decision.outcome, seq);
    const outcomeKey = `${decision.outcome.status}\u0000${decision.outcome.reason ?? 'none'}`;
    outcomeCounts.set(outcomeKey, (outcomeCounts.get(outcomeKey) ?? 0) + 1);
  }
  if (ctx.metrics) {
    const metrics = ctx.metrics;
    ctx.tx.afterCommit(() => {
      for (const [key, count] of outcomeCounts) {
        const [status, reason] = key.split('\u0000') as [string, string];
        metrics.outcomes.inc({ status, reason }, count);
      }
    });
  }

  const couponUpdates: DocumentState[] = [];
  for (const [couponId, uses] of couponsUsed) {
    const coupon = coupons.get(couponId);
    if (!coupon) continue; // a coupon the server does not know (yet): its usage starts when it arrives
    const usage = coupon['usage'] as CouponDoc['usage'];
    couponUpdates.push({ ...coupon, usage: { ...usage, used: usage.used + uses } });
  }
  const rewardUpdates: DocumentState[] = [];
  for (const [rewardId, units] of rewardsRedeemed) {
    const reward = rewards.get(rewardId);
    if (!reward) continue;
    const usage = reward['usage'] as RewardDoc['usage'];
    rewardUpdates.push({ ...reward, usage: { ...usage, redeemed: usage.redeemed + units } });
  }
  // Transactions, accounts and usage in one statement (one round trip).
  const written = await writeDocumentSets(tx, [
    { collection: transactions, states: docs, onlyIfAbsent: true },
    {
      collection: registry.require('accounts'),
      states: [...ledgers]
        .filter(([, ledger]) => ledger.changed)
        .map(([id, ledger]) => accountDocument(id, ledger.account)),
    },
    { collection: registry.require('coupons'), states: couponUpdates },
    { collection: registry.require('rewards'), states: rewardUpdates },
  ]);
  const writtenTransactions = written.get(transactions.name);
  if ((writtenTransactions?.size ?? 0) !== docs.length) {
    // The same id with another member, inserted by a concurrent push under another lock. Retry
    // the whole push (a serialization failure): it then sees the original, as for any replay.
    throw Object.assign(new Error('a transaction of this push was recorded concurrently'), {
      code: '40001',
    });
  }
  const recorded = docs.map((doc): SyncDocument => {
    const row = writtenTransactions?.get(doc.id) as WrittenBookkeeping;
    return { ...doc, rev: row.rev, updatedAt: row.updatedAt, _deleted: row.deleted };
  });
  for (const doc of recorded) stored.set(doc['id'] as string, doc);
  return recorded;
}

/**
 * A recorded transaction of a survivor with merged duplicates, with the effects and outcome the
 * fold of their ledgers gives it (what the survivor's account holds since the merge).
 */
async function asFolded(
  ctx: LedgerContext,
  survivorId: string,
  mergedIds: readonly string[],
  recorded: SyncDocument,
  program: ProgramSettings,
): Promise<SyncDocument> {
  const { applied } = await foldLedgers(ctx, survivorId, mergedIds, program);
  const folded = applied.find((entry) => entry.id === recorded['id']);
  return folded ? { ...recorded, effects: folded.effects, outcome: folded.outcome } : recorded;
}

/** The fold (foldAccount of @tillpoint/loyalty) of a survivor's ledger and its duplicates'. */
async function foldLedgers(
  ctx: LedgerContext,
  survivorId: string,
  mergedIds: readonly string[],
  program: ProgramSettings,
) {
  const ledger = await ledgerOf(ctx.tx, [survivorId, ...mergedIds]);
  const couponIds = [
    ...new Set(ledger.flatMap((entry) => (entry.couponId ? [entry.couponId] : []))),
  ];
  const couponDocs = await readDocuments(ctx.tx, ctx.registry.require('coupons'), couponIds);
  const limits: Record<string, { usageLimit: number | null; perMemberLimit: number | null }> = {};
  for (const [id, doc] of couponDocs) {
    const coupon = doc as unknown as CouponDoc;
    limits[id] = {
      usageLimit: coupon.usageLimit ?? null,
      perMemberLimit: coupon.perMemberLimit ?? null,
    };
  }
  const folded = foldAccount(
    survivorId,
    ledger as unknown as SequencedTransaction[],
    program,
    { mergedMemberIds: [...mergedIds], coupons: limits },
    ctx.now.toISOString(),
  );
  return { ledger, ...folded };
}

function couponUsage(coupon: SyncDocument, usedInBatch: number): CouponUsage {
  const doc = coupon as unknown as CouponDoc;
  return {
    usageLimit: doc.usageLimit ?? null,
    perMemberLimit: doc.perMemberLimit ?? null,
    usedCount: doc.usage.used + usedInBatch,
  };
}

async function openOutcomeReviews(
  ctx: LedgerContext,
  transaction: LedgerTransaction,
  survivorId: string,
  outcome: TransactionOutcome,
  seq: number,
): Promise<void> {
  const flags =
    outcome.flags && outcome.flags.length > 0
      ? outcome.flags
      : outcome.review
        ? [
            {
              reason: outcome.reason ?? outcome.status,
              message: outcome.message ?? '',
              review: outcome.review,
            },
          ]
        : [];
  for (const flag of flags) {
    await openReview(
      ctx.tx,
      ctx.registry,
      {
        id: `${flag.review}:${transaction.id}`,
        kind: flag.review,
        summary: flag.message || `${flag.reason}: transaction ${transaction.id}`,
        memberId: survivorId,
        transactionId: transaction.id,
        storeId: transaction.storeId,
        ...(transaction.couponId ? { couponId: transaction.couponId } : {}),
        details: {
          reason: flag.reason,
          status: outcome.status,
          seq,
          kind: transaction.kind,
          pointsRedeemed: transaction.pointsRedeemed,
          pointsEarned: transaction.pointsEarned,
          terminalId: transaction.terminalId,
          ...(transaction.memberId !== survivorId
            ? { writtenForMemberId: transaction.memberId }
            : {}),
        },
      },
      ctx.now,
    );
  }
}

function accountOf(doc: SyncDocument): Account {
  const { id: _id, rev: _rev, updatedAt: _updatedAt, _deleted, ...account } = doc;
  return account as unknown as Account;
}

export function accountDocument(
  memberId: string,
  account: Account,
): Omit<AccountDoc, 'rev' | 'updatedAt'> {
  return { ...(account as Omit<AccountDoc, 'id' | 'rev' | 'updatedAt'>), id: memberId, memberId };
}

/**
 * Re-folds a survivor's account from the union of its ledger and the ledgers of every member
 * merged into it, in seq order (foldAccount of @tillpoint/loyalty), and zeroes each merged
 * member's own account. The caller holds the ledger locks of all of them.
 */
export async function refoldSurvivor(
  ctx: LedgerContext,
  survivorId: string,
  program?: ProgramSettings,
): Promise<{ account: Account; mergedIds: string[]; mismatched: string[] }> {
  const { tx, registry } = ctx;
  const settings = program ?? (await currentProgram(tx, registry));
  const mergedIds = await mergedMemberIds(tx, survivorId);
  const { ledger, account, applied } = await foldLedgers(ctx, survivorId, mergedIds, settings);
  // Outcomes decided when each transaction arrived stay on it (the ledger is immutable); the
  // merge review lists the ones the fold over both ledgers decides differently.
  // A flag the fold raises now (a coupon's per-member limit passed by the two duplicates
  // together) opens its review as it would have on arrival.
  const byId = new Map(ledger.map((entry) => [entry.id, entry]));
  const redecided = applied.filter(
    (entry) =>
      !jsonEqual(entry.effects, byId.get(entry.id)?.effects) ||
      !jsonEqual(entry.outcome, byId.get(entry.id)?.outcome),
  );
  for (const entry of redecided) {
    await openOutcomeReviews(ctx, entry, survivorId, entry.outcome, entry.seq);
  }
  const mismatched = redecided.map((entry) => entry.id);
  const lastSeq = ledger.reduce((max, entry) => Math.max(max, entry.seq ?? 0), 0);
  const survivorAccount = { ...account, appliedSeq: Math.max(account.appliedSeq, lastSeq) };
  const accounts = registry.require('accounts');
  await writeDocument(tx, accounts, accountDocument(survivorId, survivorAccount));
  for (const mergedId of mergedIds) {
    await writeDocument(
      tx,
      accounts,
      accountDocument(mergedId, { ...emptyAccount(mergedId, settings), appliedSeq: lastSeq }),
    );
  }
  return { account: survivorAccount, mergedIds, mismatched };
}
