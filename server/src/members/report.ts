/**
 * The chain's figures for a manager or an operator (the CLI's `report`): members by tier and
 * status, what the period's ledger issued, redeemed and took in, the members worth the most, and
 * the birthdays and anniversaries coming up. Read from the server's documents: only what the
 * ledger accepted counts (refused transactions are recorded, with no effects).
 */
import type { Queryable } from '../db/database.js';
import { currentProgram } from '../ledger/ledger-repository.js';

export interface ReportOptions {
  /** Only this store: its transactions, and members whose home store it is. */
  readonly storeId?: string | undefined;
  /** The period the ledger figures cover, ending now. */
  readonly days: number;
  /** How far ahead to list birthdays and anniversaries. */
  readonly upcomingDays: number;
  readonly now?: Date;
}

export interface ChainReport {
  readonly generatedAt: string;
  readonly storeId: string | null;
  readonly period: { readonly from: string; readonly to: string; readonly days: number };
  readonly members: {
    readonly live: number;
    readonly byStatus: Readonly<Record<string, number>>;
    readonly byTier: Readonly<Record<string, number>>;
  };
  readonly ledger: {
    readonly orders: number;
    /** Minor units paid, refunds taken off. */
    readonly revenue: number;
    readonly averageOrder: number;
    readonly pointsIssued: number;
    /** Points redeemed, less what refunds gave back. */
    readonly pointsRedeemed: number;
    /** Redeemed ÷ issued in the period (0 when nothing was issued). */
    readonly redemptionRate: number;
  };
  /** Average lifetime spend of a live member (minor units), all time. */
  readonly lifetimeValue: number;
  readonly topMembers: readonly {
    readonly id: string;
    readonly name: string;
    readonly tierId: string;
    readonly spend: number;
    readonly visits: number;
    readonly balance: number;
  }[];
  readonly upcoming: readonly {
    readonly date: string;
    readonly occasion: 'birthday' | 'anniversary';
    readonly memberId: string;
    readonly name: string;
  }[];
}

const LIVE = `m.collection = 'members' AND NOT m.deleted
  AND m.body ->> 'status' NOT IN ('merged', 'erased')`;

const DAY_MS = 86_400_000;

export async function chainReport(db: Queryable, options: ReportOptions): Promise<ChainReport> {
  const now = options.now ?? new Date();
  const from = new Date(now.getTime() - options.days * DAY_MS);
  const store = options.storeId ?? null;
  const program = await currentProgram(db);

  const statuses = await db.query<{ status: string; n: number }>(
    `SELECT m.body ->> 'status' AS status, count(*)::int AS n FROM sync_documents m
      WHERE m.collection = 'members' AND NOT m.deleted
        AND ($1::text IS NULL OR m.body ->> 'homeStoreId' = $1)
      GROUP BY 1 ORDER BY 1`,
    [store],
  );
  const tiers = await db.query<{ tier: string; n: number }>(
    `SELECT coalesce(a.body ->> 'tierId', $2) AS tier, count(*)::int AS n
       FROM sync_documents m
       LEFT JOIN sync_documents a ON a.collection = 'accounts' AND a.id = m.id
      WHERE ${LIVE} AND ($1::text IS NULL OR m.body ->> 'homeStoreId' = $1)
      GROUP BY 1 ORDER BY 2 DESC, 1`,
    [store, program.tiers.list[0]?.id ?? 'none'],
  );
  const ledger = await db.query<{
    orders: number;
    revenue: string;
    issued: string;
    redeemed: string;
  }>(
    `SELECT count(*) FILTER (WHERE t.body ->> 'kind' = 'checkout')::int AS orders,
            coalesce(sum((t.body -> 'effects' ->> 'spend')::bigint), 0)::text AS revenue,
            coalesce(sum((t.body -> 'effects' ->> 'earned')::bigint), 0)::text AS issued,
            coalesce(sum((t.body -> 'effects' ->> 'redeemed')::bigint), 0)::text AS redeemed
       FROM sync_documents t
      WHERE t.collection = 'transactions' AND t.body -> 'outcome' ->> 'status' <> 'refused'
        AND t.body ->> 'occurredAt' >= $1 AND t.body ->> 'occurredAt' <= $2
        AND ($3::text IS NULL OR t.body ->> 'storeId' = $3)`,
    [from.toISOString(), now.toISOString(), store],
  );
  const value = await db.query<{ average: string | null }>(
    `SELECT round(avg((a.body ->> 'spend')::bigint))::text AS average
       FROM sync_documents m JOIN sync_documents a ON a.collection = 'accounts' AND a.id = m.id
      WHERE ${LIVE} AND ($1::text IS NULL OR m.body ->> 'homeStoreId' = $1)`,
    [store],
  );
  const top = await db.query<{
    id: string;
    name: string;
    tier: string;
    spend: string;
    visits: number;
    balance: string;
  }>(
    `SELECT m.id, m.body ->> 'name' AS name, a.body ->> 'tierId' AS tier,
            (a.body ->> 'spend')::bigint::text AS spend, (a.body ->> 'visits')::int AS visits,
            (a.body ->> 'balance')::bigint::text AS balance
       FROM sync_documents m JOIN sync_documents a ON a.collection = 'accounts' AND a.id = m.id
      WHERE ${LIVE} AND ($1::text IS NULL OR m.body ->> 'homeStoreId' = $1)
      ORDER BY (a.body ->> 'spend')::bigint DESC, m.id
      LIMIT 10`,
    [store],
  );
  const dated = await db.query<{
    id: string;
    name: string;
    birthday: string | null;
    anniversary: string | null;
  }>(
    `SELECT m.id, m.body ->> 'name' AS name, m.body ->> 'birthday' AS birthday,
            m.body ->> 'anniversary' AS anniversary
       FROM sync_documents m
      WHERE ${LIVE} AND ($1::text IS NULL OR m.body ->> 'homeStoreId' = $1)
        AND (m.body ? 'birthday' OR m.body ? 'anniversary')`,
    [store],
  );

  const totals = ledger.rows[0];
  const orders = totals?.orders ?? 0;
  const revenue = Number(totals?.revenue ?? 0);
  const issued = Number(totals?.issued ?? 0);
  const redeemed = Number(totals?.redeemed ?? 0);
  const byStatus = Object.fromEntries(statuses.rows.map((row) => [row.status, row.n]));
  return {
    generatedAt: now.toISOString(),
    storeId: store,
    period: { from: from.toISOString(), to: now.toISOString(), days: options.days },
    members: {
      live: tiers.rows.reduce((sum, row) => sum + row.n, 0),
      byStatus,
      byTier: Object.fromEntries(tiers.rows.map((row) => [row.tier, row.n])),
    },
    ledger: {
      orders,
      revenue,
      averageOrder: orders > 0 ? Math.round(revenue / orders) : 0,
      pointsIssued: issued,
      pointsRedeemed: redeemed,
      redemptionRate: issued > 0 ? Math.round((redeemed / issued) * 1_000) / 1_000 : 0,
    },
    lifetimeValue: Number(value.rows[0]?.average ?? 0),
    topMembers: top.rows.map((row) => ({
      id: row.id,
      name: row.name,
      tierId: row.tier,
      spend: Number(row.spend),
      visits: row.visits,
      balance: Number(row.balance),
    })),
    upcoming: upcomingOccasions(dated.rows, now, options.upcomingDays, program.timeZone),
  };
}

/** The month and day of a calendar date ('YYYY-MM-DD' or '--MM-DD'). */
function monthDay(date: string): string {
  return date.slice(-5);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Birthdays and anniversaries in the next `days` days (today first), by the program's time
 * zone; a 29 February one is kept on the 28th in other years.
 */
export function upcomingOccasions(
  members: readonly {
    id: string;
    name: string;
    birthday: string | null;
    anniversary: string | null;
  }[],
  now: Date,
  days: number,
  timeZone: string,
): ChainReport['upcoming'] {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const byDay = new Map<string, string>();
  for (let offset = 0; offset < days; offset++) {
    const date = format.format(new Date(now.getTime() + offset * DAY_MS));
    byDay.set(date.slice(5), date);
    if (date.slice(5) === '02-28' && !isLeapYear(Number(date.slice(0, 4)))) {
      byDay.set('02-29', date);
    }
  }
  const found: {
    date: string;
    occasion: 'birthday' | 'anniversary';
    memberId: string;
    name: string;
  }[] = [];
  for (const member of members) {
    for (const occasion of ['birthday', 'anniversary'] as const) {
      const value = member[occasion];
      const date = value ? byDay.get(monthDay(value)) : undefined;
      if (date) found.push({ date, occasion, memberId: member.id, name: member.name });
    }
  }
  return found.sort((a, b) =>
    a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.name.localeCompare(b.name),
  );
}
