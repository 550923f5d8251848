/**
 * What the terminal knows of one member's points: the server's account (if pulled) and every
 * local transaction of the member and of members merged into them, folded into a provisional
 * balance, lifetime, tier and progress.
 */
import {
  DEFAULT_PROGRAM,
  birthdayBonusYearAt,
  emptyAccount,
  tierProgress,
  upgradeTier,
} from '@tillpoint/loyalty';
import type { Account, ProgramSettings, TierProgress } from '@tillpoint/loyalty';
import type { AccountDoc, MemberDoc, TransactionDoc } from '@tillpoint/protocol';
import { knownApplication, provisionalBalance } from './balance.js';
import type { LedgerAcks } from './balance.js';

export interface LedgerView {
  readonly member: MemberDoc;
  /** The server's account as last pulled; undefined before the first sync of this member. */
  readonly account: AccountDoc | undefined;
  readonly balance: number;
  readonly lifetime: number;
  readonly tierId: string;
  readonly tierName: string;
  readonly tierProgress: TierProgress;
  /** The member's transactions known on this terminal, newest first. */
  readonly transactions: readonly TransactionDoc[];
  /** Transactions the account does not include yet. */
  readonly unapplied: readonly TransactionDoc[];
  /** No checkout yet (neither in the account nor locally). */
  readonly firstPurchase: boolean;
  readonly birthdayBonusYears: readonly number[];
  readonly couponUses: Readonly<Record<string, number>>;
}

export function buildLedgerView(
  program: ProgramSettings,
  member: MemberDoc,
  account: AccountDoc | undefined,
  transactions: readonly TransactionDoc[],
  acks: LedgerAcks,
): LedgerView {
  const base: Account = account ?? emptyAccount(member.id, program ?? DEFAULT_PROGRAM);
  const byId = new Map(transactions.map((tx) => [tx.id, tx]));
  const find = (id: string) => byId.get(id);
  const appliedSeq = account?.appliedSeq ?? 0;
  const unapplied = transactions.filter((tx) => {
    const applied = knownApplication(tx, acks);
    return applied === undefined || applied.seq > appliedSeq;
  });
  const balance = provisionalBalance(account, transactions, acks, find);

  let lifetime = base.lifetime;
  let spend = base.spend;
  let visits = base.visits;
  const couponUses: Record<string, number> = { ...base.couponUses };
  const years = new Set(base.birthdayBonusYears);
  for (const tx of unapplied) {
    const refused = tx.outcome?.status === 'refused';
    if (refused) continue;
    if (tx.effects) {
      lifetime += tx.effects.earned - tx.effects.reversed;
      spend += tx.effects.spend;
      visits += tx.effects.visits;
    } else if (tx.kind === 'refund') {
      const original = tx.refundOf === undefined ? undefined : find(tx.refundOf);
      // What the server recorded for the checkout, when known (see balance.ts).
      lifetime -= original?.effects?.earned ?? original?.pointsEarned ?? 0;
      spend -= original?.effects?.spend ?? original?.amountPaid ?? 0;
      visits -= original ? (original.effects?.visits ?? 1) : 0;
    } else {
      lifetime += tx.pointsEarned;
      if (tx.kind === 'checkout') {
        spend += tx.amountPaid ?? 0;
        visits += 1;
      }
    }
    if (tx.couponId !== undefined) couponUses[tx.couponId] = (couponUses[tx.couponId] ?? 0) + 1;
    if (member.birthday && tx.bonuses?.some((bonus) => bonus.kind === 'birthday')) {
      const year = birthdayBonusYearAt(member.birthday, tx.occurredAt, program);
      if (year !== undefined) years.add(year);
    }
  }
  const stats = { lifetime, spend, orders: visits };
  const tierId = upgradeTier(program, base.tierId, stats);
  const tier = program.tiers.list.find((candidate) => candidate.id === tierId);
  const firstPurchase =
    base.firstPurchaseAt === undefined &&
    !transactions.some((tx) => tx.kind === 'checkout' && tx.outcome?.status !== 'refused');
  return {
    member,
    account,
    balance,
    lifetime,
    tierId,
    tierName: tier?.name ?? tierId,
    tierProgress: tierProgress(program, stats, tierId),
    transactions: [...transactions].sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : -1)),
    unapplied,
    firstPurchase,
    birthdayBonusYears: [...years].sort(),
    couponUses,
  };
}
