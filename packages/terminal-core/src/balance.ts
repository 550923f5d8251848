/**
 * The provisional balance a till shows: the server's account balance plus the transactions
 * the account does not include yet. Pure.
 *
 * A transaction is included in an account when its ledger sequence number is known and is at
 * most `account.appliedSeq`. The terminal learns a transaction's seq either on the pulled
 * document or, earlier, from the server's answer to a push or pull (`acks`): a push whose
 * answer was lost, or a pulled copy RxDB has not written yet, still counts as acknowledged.
 *
 * Never counting twice rests on one precondition, kept by the replication (an account is
 * written locally only after a transaction pull that started after it arrived): every
 * transaction an account includes has a seq the terminal knows. Then a transaction without
 * a known seq is not in the account, and one with a seq is in it exactly when seq ≤ appliedSeq.
 */

export interface BalanceAccount {
  readonly balance: number;
  readonly appliedSeq: number;
}

export interface BalanceTransaction {
  readonly id: string;
  readonly kind: string;
  readonly pointsEarned: number;
  readonly pointsRedeemed: number;
  readonly refundOf?: string;
  readonly seq?: number;
  readonly effects?: {
    readonly balanceDelta: number;
    readonly earned?: number;
    readonly redeemed?: number;
  };
}

/** What the server said about a transaction before its applied copy was stored locally. */
export interface LedgerAck {
  readonly seq: number;
  readonly balanceDelta: number;
}

export type LedgerAcks = Readonly<Record<string, LedgerAck>>;

/**
 * The change of balance the terminal expects from a transaction it wrote: what it earned minus
 * what it redeemed; a refund gives back what the refunded checkout redeemed and takes back what
 * it earned (as the server does, from the recorded checkout when known).
 */
export function expectedDelta(
  tx: BalanceTransaction,
  findTransaction: (id: string) => BalanceTransaction | undefined,
): number {
  if (tx.kind === 'refund') {
    const original = tx.refundOf === undefined ? undefined : findTransaction(tx.refundOf);
    if (!original) return 0;
    // The server reverses what it recorded for the checkout (a duplicate bonus it stripped is
    // not taken back), when the till knows it; else what the till wrote.
    const recorded = original.effects;
    if (recorded?.earned !== undefined && recorded.redeemed !== undefined) {
      return recorded.redeemed - recorded.earned;
    }
    return original.pointsRedeemed - original.pointsEarned;
  }
  return tx.pointsEarned - tx.pointsRedeemed;
}

/** The seq and server delta of a transaction, if the server has applied it as far as we know. */
export function knownApplication(tx: BalanceTransaction, acks: LedgerAcks): LedgerAck | undefined {
  if (tx.seq !== undefined) {
    return {
      seq: tx.seq,
      balanceDelta: tx.effects?.balanceDelta ?? acks[tx.id]?.balanceDelta ?? 0,
    };
  }
  return acks[tx.id];
}

/**
 * The provisional balance of one member: `account` (undefined when none was pulled yet) plus
 * every transaction of `transactions` the account does not include. `transactions` are the
 * member's transactions known locally (its own and any merged into it); others are ignored by
 * the caller. Refund targets are looked up in `transactions` and `findTransaction`.
 */
export function provisionalBalance(
  account: BalanceAccount | undefined,
  transactions: readonly BalanceTransaction[],
  acks: LedgerAcks,
  findTransaction: (id: string) => BalanceTransaction | undefined = () => undefined,
): number {
  const byId = new Map(transactions.map((tx) => [tx.id, tx]));
  const find = (id: string) => byId.get(id) ?? findTransaction(id);
  let balance = account?.balance ?? 0;
  const appliedSeq = account?.appliedSeq ?? 0;
  for (const tx of transactions) {
    const applied = knownApplication(tx, acks);
    if (applied === undefined) {
      balance += expectedDelta(tx, find);
    } else if (applied.seq > appliedSeq) {
      balance += applied.balanceDelta;
    }
  }
  return balance;
}

/** Whether the server has acknowledged the transaction (it has a seq we know of). */
export function isAcknowledged(tx: BalanceTransaction, acks: LedgerAcks): boolean {
  return knownApplication(tx, acks) !== undefined;
}
