import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { provisionalBalance } from './balance.js';
import type { BalanceTransaction, LedgerAck } from './balance.js';

/**
 * A member's ledger: transactions written offline by the terminal (with the delta it expects),
 * which the server applies in some order with its own delta (an overdraft or a refusal can make
 * it differ). The terminal sees, in any order: account versions (after the first k applied, in
 * server order) and the seq of each transaction (on the pulled copy or as an ack). The
 * replication guarantees one thing only: an account is stored after the seqs of the
 * transactions it includes are known.
 */
const ledger = fc
  .array(
    fc.record({
      earned: fc.integer({ min: 0, max: 500 }),
      redeemed: fc.integer({ min: 0, max: 500 }),
      serverDiffers: fc.boolean(),
      serverDelta: fc.integer({ min: -500, max: 500 }),
      viaAck: fc.boolean(),
    }),
    { minLength: 0, maxLength: 12 },
  )
  .chain((txs) =>
    fc.record({
      txs: fc.constant(txs),
      order: fc.shuffledSubarray(
        txs.map((_, i) => i),
        { minLength: txs.length, maxLength: txs.length },
      ),
      startBalance: fc.integer({ min: 0, max: 10_000 }),
      firstSeq: fc.integer({ min: 1, max: 1000 }),
      events: fc.array(fc.nat(), { maxLength: 40 }),
    }),
  );

describe('provisionalBalance', () => {
  it('never counts a transaction twice, in any arrival order of accounts and seqs', () => {
    fc.assert(
      fc.property(ledger, ({ txs, order, startBalance, firstSeq, events }) => {
        const ids = txs.map((_, i) => `tx-${i}`);
        const serverDelta = txs.map((tx) =>
          tx.serverDiffers ? tx.serverDelta : tx.earned - tx.redeemed,
        );
        // seq of each transaction in server order; other members' transactions leave gaps.
        const seqOf = new Map<number, number>();
        order.forEach((index, position) => seqOf.set(index, firstSeq + position * 3));
        const accountAfter = (k: number) => ({
          balance: startBalance + order.slice(0, k).reduce((sum, i) => sum + serverDelta[i]!, 0),
          appliedSeq: k === 0 ? firstSeq - 1 : seqOf.get(order[k - 1]!)!,
        });

        // What the terminal knows, advanced by random events.
        let accountK: number | undefined;
        const known = new Set<number>();
        const check = () => {
          const local: BalanceTransaction[] = txs.map((tx, i) => ({
            id: ids[i]!,
            kind: 'checkout',
            pointsEarned: tx.earned,
            pointsRedeemed: tx.redeemed,
            ...(known.has(i) && !tx.viaAck
              ? { seq: seqOf.get(i)!, effects: { balanceDelta: serverDelta[i]! } }
              : {}),
          }));
          const acks: Record<string, LedgerAck> = {};
          for (const i of known) {
            if (txs[i]!.viaAck)
              acks[ids[i]!] = { seq: seqOf.get(i)!, balanceDelta: serverDelta[i]! };
          }
          const account = accountK === undefined ? undefined : accountAfter(accountK);
          const expected =
            (account?.balance ?? 0) +
            txs.reduce((sum, tx, i) => {
              const included = accountK !== undefined && order.indexOf(i) < accountK;
              if (included) return sum;
              return sum + (known.has(i) ? serverDelta[i]! : tx.earned - tx.redeemed);
            }, 0);
          expect(provisionalBalance(account, local, acks)).toBe(expected);
        };
        check();
        for (const event of events) {
          if (txs.length === 0) break;
          if (event % 2 === 0) {
            known.add(event % txs.length);
          } else {
            // The newest account whose transactions are all known (the replication's gate).
            const k = (event >> 1) % (txs.length + 1);
            const allowed = order.slice(0, k).every((i) => known.has(i));
            if (allowed && (accountK === undefined || k >= accountK)) accountK = k;
          }
          check();
        }
        // Once everything has arrived, the terminal agrees with the server.
        order.forEach((i) => known.add(i));
        accountK = txs.length;
        check();
        expect(
          provisionalBalance(
            accountAfter(txs.length),
            txs.map((tx, i) => ({
              id: ids[i]!,
              kind: 'checkout',
              pointsEarned: tx.earned,
              pointsRedeemed: tx.redeemed,
              seq: seqOf.get(i)!,
              effects: { balanceDelta: serverDelta[i]! },
            })),
            {},
          ),
        ).toBe(accountAfter(txs.length).balance);
      }),
      { numRuns: 300 },
    );
  });

  it('reverses a refunded checkout the way the server does', () => {
    const checkout = { id: 'c', kind: 'checkout', pointsEarned: 120, pointsRedeemed: 500 };
    const refund = { id: 'r', kind: 'refund', pointsEarned: 0, pointsRedeemed: 0, refundOf: 'c' };
    expect(provisionalBalance({ balance: 1000, appliedSeq: 0 }, [checkout, refund], {})).toBe(1000);
    // The checkout is in the account already; only the refund is pending.
    expect(
      provisionalBalance(
        { balance: 620, appliedSeq: 7 },
        [{ ...checkout, seq: 7, effects: { balanceDelta: -380 } }, refund],
        {},
      ),
    ).toBe(1000);
  });

  it('reverses what the server recorded for the checkout, not what the till wrote', () => {
    // The till wrote a first-purchase bonus the server stripped (another till had the first
    // purchase): the checkout earned 10, not 210, and its refund takes back 10.
    const checkout = {
      id: 'c2',
      kind: 'checkout',
      pointsEarned: 210,
      pointsRedeemed: 0,
      seq: 9,
      effects: { balanceDelta: 10, earned: 10, redeemed: 0 },
    };
    const refund = { id: 'r2', kind: 'refund', pointsEarned: 0, pointsRedeemed: 0, refundOf: 'c2' };
    expect(provisionalBalance({ balance: 220, appliedSeq: 9 }, [checkout, refund], {})).toBe(210);
  });
});
