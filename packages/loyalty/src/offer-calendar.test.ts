import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatOfferDate,
  formatOfferDateTime,
  formatOfferLastDay,
  hoursWindowContains,
  offerWeekday,
  parseInstant,
  weekdayList,
  zonedClock,
} from './offer-calendar.js';

const minute = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

describe('zonedClock', () => {
  it.each([
    ['2026-03-06T23:30:00Z', 'UTC', 5, '23:30'],
    ['2026-03-06T23:30:00Z', 'Europe/Berlin', 6, '00:30'],
    ['2026-03-06T03:15:00Z', 'America/New_York', 4, '22:15'],
    ['2026-03-06T12:00:00Z', 'Asia/Kolkata', 5, '17:30'],
    ['2026-03-08T00:00:00Z', 'UTC', 0, '00:00'],
  ])('%s in %s is weekday %i at %s', (iso, zone, weekday, time) => {
    const clock = zonedClock(Date.parse(iso), zone);
    expect(clock.weekday).toBe(weekday);
    expect(clock.minuteOfDay).toBe(minute(time));
  });
});

describe('zonedClock against the formatter', () => {
  const reference = (epochMs: number, timeZone: string) => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(epochMs);
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return {
      weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday')),
      minuteOfDay: (Number(part('hour')) % 24) * 60 + Number(part('minute')),
      year: Number(part('year')),
      month: Number(part('month')),
      day: Number(part('day')),
    };
  };
  // Half-hour and 45-minute offsets, a 30-minute DST shift, the last sub-minute offset (1972).
  const zones = [
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'America/St_Johns',
    'Pacific/Chatham',
    'Africa/Monrovia',
    'Europe/Dublin',
  ];

  it("gives the formatter's result for any instant and zone (the per-minute offset cache is exact)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1960, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom(...zones),
        (epochMs, zone) => {
          expect(zonedClock(epochMs, zone)).toEqual(reference(epochMs, zone));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it("gives the formatter's result on every minute around DST changes", () => {
    const changes: [string, string][] = [
      ['2026-03-29T01:00:00Z', 'Europe/Berlin'],
      ['2026-10-25T01:00:00Z', 'Europe/Berlin'],
      ['2026-03-08T07:00:00Z', 'America/New_York'],
      ['2026-04-04T15:00:00Z', 'Australia/Lord_Howe'],
      ['2026-10-03T15:30:00Z', 'Australia/Lord_Howe'],
      ['1972-01-07T00:44:30Z', 'Africa/Monrovia'],
    ];
    for (const [iso, zone] of changes) {
      const at = Date.parse(iso);
      for (let ms = at - 3 * 60_000; ms <= at + 3 * 60_000; ms += 15_000) {
        expect(zonedClock(ms, zone)).toEqual(reference(ms, zone));
        expect(zonedClock(ms + 999, zone)).toEqual(reference(ms + 999, zone));
      }
    }
  });
});

describe('hoursWindowContains', () => {
  it.each([
    ['09:00', '17:00', '09:00', true],
    ['09:00', '17:00', '16:59', true],
    ['09:00', '17:00', '17:00', false],
    ['09:00', '17:00', '08:59', false],
    ['22:00', '02:00', '22:00', true],
    ['22:00', '02:00', '23:59', true],
    ['22:00', '02:00', '00:00', true],
    ['22:00', '02:00', '01:59', true],
    ['22:00', '02:00', '02:00', false],
    ['22:00', '02:00', '12:00', false],
    ['00:00', '00:00', '13:37', true],
  ])('[%s, %s) contains %s → %s', (from, to, at, expected) => {
    expect(hoursWindowContains({ from, to }, minute(at))).toBe(expected);
  });

  it('a midnight-spanning window is the complement of the reversed daytime window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 1439 }),
        (a, b, at) => {
          fc.pre(a !== b);
          const hhmm = (m: number) =>
            `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
          const forward = hoursWindowContains({ from: hhmm(a), to: hhmm(b) }, at);
          const backward = hoursWindowContains({ from: hhmm(b), to: hhmm(a) }, at);
          expect(forward).toBe(!backward);
        },
      ),
    );
  });
});

describe('offerWeekday', () => {
  const night = { from: '22:00', to: '02:00' };
  it.each([
    [6, '01:00', night, 5],
    [0, '01:59', night, 6],
    [6, '02:00', night, 6],
    [5, '23:00', night, 5],
    [6, '01:00', undefined, 6],
    [6, '01:00', { from: '00:00', to: '03:00' }, 6],
  ])('weekday %i at %s, window %j → %i', (weekday, time, window, expected) => {
    expect(offerWeekday({ weekday, minuteOfDay: minute(time) }, window)).toBe(expected);
  });
});

describe('texts for the cashier', () => {
  const ref = Date.parse('2026-03-06T12:00:00Z');
  it('writes dates in the program zone, with the year only when it differs', () => {
    expect(formatOfferDate(Date.parse('2026-03-03T23:30:00Z'), 'Europe/Berlin', ref)).toBe(
      '4 March',
    );
    expect(formatOfferDate(Date.parse('2025-12-31T10:00:00Z'), 'UTC', ref)).toBe(
      '31 December 2025',
    );
  });

  it('adds the time unless it is midnight', () => {
    expect(formatOfferDateTime(Date.parse('2026-04-01T00:00:00+02:00'), 'Europe/Berlin', ref)).toBe(
      '1 April',
    );
    expect(formatOfferDateTime(Date.parse('2026-04-01T09:05:00+02:00'), 'Europe/Berlin', ref)).toBe(
      '1 April, 09:05',
    );
  });

  it('names the last day of an offer that ends at midnight', () => {
    expect(formatOfferLastDay(Date.parse('2026-03-04T00:00:00Z'), 'UTC', ref)).toBe('3 March');
    expect(formatOfferLastDay(Date.parse('2026-03-04T00:00:01Z'), 'UTC', ref)).toBe('4 March');
  });

  it.each([
    [[5], 'Friday'],
    [[0, 6], 'Saturday and Sunday'],
    [[3, 1, 1, 5], 'Monday, Wednesday and Friday'],
  ])('lists weekdays %j as %s', (days, text) => {
    expect(weekdayList(days)).toBe(text);
  });
});

describe('parseInstant', () => {
  it.each([
    ['2026-03-06T11:00:00Z', Date.UTC(2026, 2, 6, 11)],
    ['2026-03-06T12:00:00+01:00', Date.UTC(2026, 2, 6, 11)],
    ['2026-03-06T11:00Z', Date.UTC(2026, 2, 6, 11)],
    ['2026-03-06T11:00:00.123Z', Date.UTC(2026, 2, 6, 11, 0, 0, 123)],
    ['2026-03-06T11:00:00', undefined],
    ['2026-03-06', undefined],
    ['2026-02-30T11:00:00Z', undefined],
    ['2026-02-29T11:00:00Z', undefined],
    ['2028-02-29T11:00:00Z', Date.UTC(2028, 1, 29, 11)],
    ['2026-13-01T11:00:00Z', undefined],
    ['2026-03-06T24:00:00Z', undefined],
    ['2026-03-06T11:60:00Z', undefined],
    ['yesterday', undefined],
  ])('%s → %s', (iso, expected) => {
    expect(parseInstant(iso)).toBe(expected);
  });
});
