import { isoMs, msIso } from './instants.js';
import { expirePointsLots } from './expiry.js';
import type { Account, LedgerTransaction } from './ledger-types.js';
import { zonedClock } from './offer-calendar.js';
import type { ProgramSettings } from './program.js';
import type { TierStats } from './tiers.js';
import { requalifyTier, tierProgress } from './tiers.js';

/**
 * The ledger clock of an account: the instant up to which points expiry and tier
 * re-qualification have been processed. It is the latest effective time of the transactions
 * applied so far and, when an account is read, the reading instant. It never goes back, so
 * a transaction made offline long ago cannot bring expired points back.
 */

/**
 * When a transaction counts for expiry and re-qualification: when it happened at the till, but
 * never later than when the server received it, so a terminal clock running ahead cannot
 * expire a member's points early.
 */
export function effectiveTime(
  tx: Pick<LedgerTransaction, 'occurredAt'>,
  receivedAt: string,
): string {
  const occurred = isoMs(tx.occurredAt);
  const received = isoMs(receivedAt);
  return msIso(Number.isNaN(received) || occurred <= received ? occurred : received);
}

/** The figures tiers are evaluated on. */
export function accountTierStats(account: Account): TierStats {
  return {
    lifetime: account.lifetime,
    spend: account.spend,
    orders: account.visits,
    periodLifetime: account.qualification?.lifetime ?? 0,
    periodSpend: account.qualification?.spend ?? 0,
    periodOrders: account.qualification?.orders ?? 0,
  };
}

/**
 * Moves the ledger clock forward to `at`: crosses qualification period boundaries (when tiers
 * re-qualify) and expires lots. An `at` not after the clock changes nothing.
 */
export function advanceAccount(account: Account, program: ProgramSettings, at: string): Account {
  // Deciding a transaction and applying it advance the same account to the same instant, one
  // after the other: the second gets the first's result (accounts and programs are immutable).
  if (
    lastAdvance?.account === account &&
    lastAdvance.program === program &&
    lastAdvance.at === at
  ) {
    return lastAdvance.result;
  }
  const result = advance(account, program, at);
  lastAdvance = { account, program, at, result };
  return result;
}

let lastAdvance:
  { account: Account; program: ProgramSettings; at: string; result: Account } | undefined;

function advance(account: Account, program: ProgramSettings, at: string): Account {
  const atMs = isoMs(at);
  if (Number.isNaN(atMs)) return account;
  if (account.clock !== undefined && isoMs(account.clock) >= atMs) return account;
  const { requalification } = program.tiers;
  const { tierId, qualification } = requalification.enabled
    ? requalifyTier(program, account.tierId, account.qualification, atMs)
    : { tierId: account.tierId, qualification: undefined };
  const { lots, expired } = expirePointsLots(account.lots, program.expiry.months, atMs);
  const advanced: Account = {
    ...account,
    tierId,
    qualification,
    lots,
    balance: account.balance - expired,
    expired: account.expired + expired,
    clock: msIso(atMs),
  };
  return { ...advanced, tierProgress: tierProgress(program, accountTierStats(advanced), tierId) };
}

/** The calendar year of an instant in the program's time zone (birthday bonuses are per year). */
export function calendarYear(iso: string, timeZone: string): number {
  return zonedClock(isoMs(iso), timeZone).year;
}
