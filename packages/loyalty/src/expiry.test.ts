import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addPointsLot,
  consumePointsLots,
  expirePointsLots,
  pointsInLots,
  pointsLotExpiresAt,
} from './expiry.js';
import type { PointsLot } from './ledger-types.js';

const lot = (earnedAt: string, remaining: number): PointsLot => ({ earnedAt, remaining });

describe('pointsLotExpiresAt (calendar months, end of month clamped)', () => {
  it.each([
    ['2024-01-15T10:30:00.000Z', 12, '2025-01-15T10:30:00.000Z'],
    ['2024-01-31T08:00:00.000Z', 1, '2024-02-29T08:00:00.000Z'],
    ['2023-01-31T08:00:00.000Z', 1, '2023-02-28T08:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', 12, '2025-02-28T00:00:00.000Z'],
    ['2024-03-31T23:59:59.999Z', 6, '2024-09-30T23:59:59.999Z'],
    ['2024-11-30T00:00:00.000Z', 3, '2025-02-28T00:00:00.000Z'],
    ['2024-05-31T00:00:00.000Z', 24, '2026-05-31T00:00:00.000Z'],
  ])('a lot earned %s with %i-month expiry expires %s', (earnedAt, months, expiresAt) => {
    expect(pointsLotExpiresAt(lot(earnedAt, 1), months)).toBe(expiresAt);
  });

  it('never expires with 0 months', () => {
    expect(pointsLotExpiresAt(lot('2024-01-15T00:00:00.000Z', 1), 0)).toBeUndefined();
  });
});

describe('lots', () => {
  const lots = [
    lot('2024-01-01T00:00:00.000Z', 100),
    lot('2024-03-01T00:00:00.000Z', 200),
    lot('2024-06-01T00:00:00.000Z', 300),
  ];

  it('adds lots in the order they were earned, a late one in its place', () => {
    expect(addPointsLot(lots, '2024-02-01T00:00:00.000Z', 50).map((l) => l.remaining)).toEqual([
      100, 50, 200, 300,
    ]);
    expect(addPointsLot(lots, '2024-07-01T00:00:00.000Z', 50).map((l) => l.remaining)).toEqual([
      100, 200, 300, 50,
    ]);
    expect(addPointsLot(lots, '2024-03-05T00:00:00.000Z', 50).map((l) => l.remaining)).toEqual([
      100, 200, 50, 300,
    ]);
    // The same instant as a lot is the same day: the points join that lot.
    expect(addPointsLot(lots, '2024-03-01T00:00:00.000Z', 50).map((l) => l.remaining)).toEqual([
      100, 250, 300,
    ]);
    expect(addPointsLot(lots, '2024-07-01T00:00:00.000Z', 0)).toEqual(lots);
  });

  it('keeps one lot per UTC day: a later earning that day joins it and moves its stamp', () => {
    const merged = addPointsLot(lots, '2024-03-01T18:30:00.000Z', 25);
    expect(merged).toEqual([
      lot('2024-01-01T00:00:00.000Z', 100),
      lot('2024-03-01T18:30:00.000Z', 225),
      lot('2024-06-01T00:00:00.000Z', 300),
    ]);
    // An earlier earning of the same day (made offline) joins it without moving the stamp.
    expect(addPointsLot(merged, '2024-03-01T01:00:00.000Z', 5)[1]).toEqual(
      lot('2024-03-01T18:30:00.000Z', 230),
    );
    // The next UTC day is a new lot.
    expect(addPointsLot(lots, '2024-03-02T00:00:00.000Z', 5)).toHaveLength(4);
  });

  it('holds at most one lot per day however many earnings', () => {
    let current: PointsLot[] = [];
    for (let i = 0; i < 1_000; i++) {
      current = addPointsLot(
        current,
        new Date(Date.UTC(2024, 0, 1) + i * 600_000).toISOString(),
        1,
      );
    }
    // 1,000 earnings ten minutes apart span 7 days.
    expect(current).toHaveLength(7);
    expect(pointsInLots(current)).toBe(1_000);
    expect(current.map((l) => l.earnedAt)).toEqual([...current.map((l) => l.earnedAt)].sort());
  });

  it('consumes the oldest lots first', () => {
    expect(consumePointsLots(lots, 250)).toEqual({
      lots: [lot('2024-03-01T00:00:00.000Z', 50), lot('2024-06-01T00:00:00.000Z', 300)],
      consumed: 250,
    });
  });

  it('consumes no more than the lots hold (an overdraft has no lots)', () => {
    expect(consumePointsLots(lots, 1_000)).toEqual({ lots: [], consumed: 600 });
    expect(consumePointsLots(lots, -5)).toEqual({ lots, consumed: 0 });
  });

  it('expires what remains of lots earned more than the months before', () => {
    expect(expirePointsLots(lots, 12, '2025-03-01T00:00:00.000Z')).toEqual({
      lots: [lot('2024-06-01T00:00:00.000Z', 300)],
      expired: 300,
    });
    expect(expirePointsLots(lots, 12, '2025-02-28T23:59:59.999Z').expired).toBe(100);
    expect(expirePointsLots(lots, 12, Date.parse('2024-12-31T00:00:00.000Z')).expired).toBe(0);
    expect(expirePointsLots(lots, 0, '2099-01-01T00:00:00.000Z')).toEqual({ lots, expired: 0 });
  });

  it('never expires more than the lots hold, whatever the order of operations', () => {
    const op = fc.oneof(
      fc.record({
        add: fc.integer({ min: 0, max: 1_000 }),
        day: fc.integer({ min: 0, max: 1_000 }),
      }),
      fc.record({ take: fc.integer({ min: 0, max: 1_000 }) }),
      fc.record({ expireDay: fc.integer({ min: 0, max: 1_500 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 30 }),
        fc.integer({ min: 0, max: 24 }),
        (ops, months) => {
          let current: PointsLot[] = [];
          let credited = 0;
          let consumed = 0;
          let expired = 0;
          const day = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString();
          for (const o of ops) {
            if ('add' in o) {
              current = addPointsLot(current, day(o.day), o.add);
              credited += o.add;
            } else if ('take' in o) {
              const r = consumePointsLots(current, o.take);
              current = r.lots;
              consumed += r.consumed;
            } else {
              const r = expirePointsLots(current, months, day(o.expireDay));
              current = r.lots;
              expired += r.expired;
            }
            expect(credited).toBe(consumed + expired + pointsInLots(current));
            expect(current.every((l) => l.remaining > 0)).toBe(true);
          }
        },
      ),
    );
  });
});
