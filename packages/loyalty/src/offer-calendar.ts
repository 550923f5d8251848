import type { HoursWindow } from './program.js';

/**
 * Wall-clock helpers for offers (coupons, rewards, campaigns) and other calendar rules
 * (birthdays): which date, weekday and time of day an instant is in the program's time zone,
 * whether it falls in a validity window or a daily hours window, and dates written for a
 * cashier. Internal to the package: not re-exported from the index.
 *
 * Intl formatters are costly to build, so one per time zone is kept; they hold no state that
 * changes results, so the functions stay pure.
 */

export interface ZonedClock {
  /** 0 = Sunday ... 6 = Saturday. */
  readonly weekday: number;
  /** Minutes since local midnight, 0..1439. */
  readonly minuteOfDay: number;
  readonly year: number;
  /** 1 = January ... 12 = December. */
  readonly month: number;
  /** Day of the month, 1..31. */
  readonly day: number;
}

const WEEKDAY_INDEX: Readonly<Record<string, number>> = {
  Sun: 0,
  Mon: 1,
  Tue: 2,
  Wed: 3,
  Thu: 4,
  Fri: 5,
  Sat: 6,
};

export const WEEKDAY_NAMES = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;

const clockFormatters = new Map<string, Intl.DateTimeFormat>();
const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function cached(
  cache: Map<string, Intl.DateTimeFormat>,
  key: string,
  make: () => Intl.DateTimeFormat,
): Intl.DateTimeFormat {
  let formatter = cache.get(key);
  if (!formatter) {
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter;
}

const MINUTE_MS = 60_000;
/**
 * From mid-1972 every UTC offset in the time-zone database is a whole number of minutes (the last
 * one that was not, Africa/Monrovia's −0:44:30, ended on 1972-01-07), so every instant of one UTC
 * minute falls in the same local minute unless the offset changes within it.
 */
const WHOLE_MINUTE_OFFSETS_SINCE = Date.UTC(1972, 6, 1);
const MAX_CACHED_MINUTES = 4_096;
/** time zone → UTC minute → the zone's offset then, in minutes. */
const offsetCache = new Map<string, Map<number, number>>();

/**
 * The calendar date, weekday and time of day of `epochMs` in `timeZone` (an IANA name).
 *
 * Formatting an instant in a time zone is costly (the ledger does it for every transaction), so
 * the zone's offset is kept per UTC minute: the minute's first and last millisecond are
 * formatted, and only when they give the same whole-minute offset (no change within the minute)
 * is it kept and used for the instants of that minute. The result is the formatter's.
 * @throws RangeError for an unknown time zone (program settings are validated before).
 */
export function zonedClock(epochMs: number, timeZone: string): ZonedClock {
  if (!(epochMs >= WHOLE_MINUTE_OFFSETS_SINCE) || !Number.isFinite(epochMs)) {
    return formatZonedClock(epochMs, timeZone);
  }
  const minute = Math.floor(epochMs / MINUTE_MS);
  let offsets = offsetCache.get(timeZone);
  let offset = offsets?.get(minute);
  if (offset === undefined) {
    const start = formatZonedClock(minute * MINUTE_MS, timeZone);
    const end = formatZonedClock(minute * MINUTE_MS + MINUTE_MS - 1, timeZone);
    const startOffset = offsetMinutes(start, minute);
    if (startOffset !== offsetMinutes(end, minute)) return formatZonedClock(epochMs, timeZone);
    offset = startOffset;
    if (!offsets) {
      offsets = new Map();
      offsetCache.set(timeZone, offsets);
    }
    if (offsets.size >= MAX_CACHED_MINUTES) offsets.clear();
    offsets.set(minute, offset);
  }
  const local = new Date((minute + offset) * MINUTE_MS);
  return {
    weekday: local.getUTCDay(),
    minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(),
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
  };
}

/** The offset (minutes) of a local wall-clock minute from the UTC minute it was read at. */
function offsetMinutes(clock: ZonedClock, utcMinute: number): number {
  const localMinute =
    Date.UTC(clock.year, clock.month - 1, clock.day, 0, clock.minuteOfDay) / MINUTE_MS;
  return localMinute - utcMinute;
}

function formatZonedClock(epochMs: number, timeZone: string): ZonedClock {
  const formatter = cached(
    clockFormatters,
    timeZone,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        weekday: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }),
  );
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  let year = 0;
  let month = 0;
  let day = 0;
  for (const part of formatter.formatToParts(epochMs)) {
    if (part.type === 'weekday') weekday = WEEKDAY_INDEX[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
    else if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
  }
  return { weekday, minuteOfDay: hour * 60 + minute, year, month, day };
}

/** Minutes since midnight of an HH:MM string that the program schema already checked. */
export function minutesOfHhmm(hhmm: string): number {
  const [hours = '0', minutes = '0'] = hhmm.split(':');
  return Number(hours) * 60 + Number(minutes);
}

function spansMidnight(window: HoursWindow): boolean {
  return minutesOfHhmm(window.to) < minutesOfHhmm(window.from);
}

/**
 * Whether a time of day is inside the window [from, to). A window whose `to` is before its
 * `from` spans midnight (22:00–02:00). A window with `from` equal to `to` is the whole day:
 * an empty window would make an offer that can never be used, which no manager means.
 */
export function hoursWindowContains(window: HoursWindow, minuteOfDay: number): boolean {
  const from = minutesOfHhmm(window.from);
  const to = minutesOfHhmm(window.to);
  if (from === to) return true;
  if (from < to) return minuteOfDay >= from && minuteOfDay < to;
  return minuteOfDay >= from || minuteOfDay < to;
}

/**
 * The weekday an instant counts as for an offer. The part of a midnight-spanning window after
 * midnight belongs to the day the window opened: with Friday 22:00–02:00, Saturday 01:00 is
 * still Friday night.
 */
export function offerWeekday(
  clock: Pick<ZonedClock, 'weekday' | 'minuteOfDay'>,
  window: HoursWindow | undefined,
): number {
  if (window && spansMidnight(window) && clock.minuteOfDay < minutesOfHhmm(window.to)) {
    return (clock.weekday + 6) % 7;
  }
  return clock.weekday;
}

/**
 * Whether an instant falls in a weekly schedule: its weekdays (empty = every day) and its daily
 * hours window (absent = all day), the part of a window after midnight counting for the day
 * the window opened (see `offerWeekday`).
 */
export function withinWeeklySchedule(
  weekdays: readonly number[],
  window: HoursWindow | undefined,
  clock: Pick<ZonedClock, 'weekday' | 'minuteOfDay'>,
): boolean {
  if (window && !hoursWindowContains(window, clock.minuteOfDay)) return false;
  return weekdays.length === 0 || weekdays.includes(offerWeekday(clock, window));
}

/** "Monday, Wednesday and Friday", listed Monday first as a week is read at the till. */
export function weekdayList(weekdays: readonly number[]): string {
  const ordered = [...new Set(weekdays)].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
  const names = ordered.map((day) => WEEKDAY_NAMES[day] ?? String(day));
  return new Intl.ListFormat('en-GB', { style: 'long', type: 'conjunction' }).format(names);
}

function dateFormatter(timeZone: string, withYear: boolean): Intl.DateTimeFormat {
  return cached(
    dateFormatters,
    `${timeZone}|${withYear ? 'y' : 'n'}`,
    () =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone,
        day: 'numeric',
        month: 'long',
        ...(withYear ? { year: 'numeric' } : {}),
      }),
  );
}

/**
 * "3 March", or "3 March 2025" when the year differs from the year of `referenceMs` (the
 * moment the cashier reads it), in the program's time zone.
 */
export function formatOfferDate(epochMs: number, timeZone: string, referenceMs: number): string {
  const withYear = zonedClock(epochMs, timeZone).year !== zonedClock(referenceMs, timeZone).year;
  return dateFormatter(timeZone, withYear).format(epochMs);
}

/** Like `formatOfferDate`, with ", 14:30" added unless the instant is local midnight. */
export function formatOfferDateTime(
  epochMs: number,
  timeZone: string,
  referenceMs: number,
): string {
  const date = formatOfferDate(epochMs, timeZone, referenceMs);
  const { minuteOfDay } = zonedClock(epochMs, timeZone);
  if (minuteOfDay === 0) return date;
  return `${date}, ${formatMinuteOfDay(minuteOfDay)}`;
}

/**
 * The last day an offer that ends (exclusively) at `endMs` can be used. An end stored as local
 * midnight of 4 March means "until the end of 3 March", so the day is taken 1 ms before.
 */
export function formatOfferLastDay(endMs: number, timeZone: string, referenceMs: number): string {
  return formatOfferDate(endMs - 1, timeZone, referenceMs);
}

/** Why an instant is outside an offer's validity window, with the date to tell the cashier. */
export type OfferWindowMiss =
  | { readonly side: 'before'; /** "1 April, 09:05": when it starts. */ readonly from: string }
  | {
      readonly side: 'after';
      /** "3 March": the last day it could be used. */ readonly lastDay: string;
    };

/**
 * Whether `atMs` is before or after an offer's validity window [from, until) (ISO instants;
 * an absent end is open), or undefined when it is inside. Dates are written in `timeZone`.
 */
export function offerWindowMiss(
  from: string | undefined,
  until: string | undefined,
  atMs: number,
  timeZone: string,
): OfferWindowMiss | undefined {
  if (from !== undefined && atMs < Date.parse(from)) {
    return { side: 'before', from: formatOfferDateTime(Date.parse(from), timeZone, atMs) };
  }
  if (until !== undefined && atMs >= Date.parse(until)) {
    return { side: 'after', lastDay: formatOfferLastDay(Date.parse(until), timeZone, atMs) };
  }
  return undefined;
}

/** Whether `atMs` is inside a validity window [from, until); an absent end is open. */
export function withinValidity(
  from: string | undefined,
  until: string | undefined,
  atMs: number,
): boolean {
  return (
    (from === undefined || Date.parse(from) <= atMs) &&
    (until === undefined || atMs < Date.parse(until))
  );
}

/** Whether a validity window [from, until) with both ends given is empty (ends by its start). */
export function windowEndsByItsStart(from: string | undefined, until: string | undefined): boolean {
  return from !== undefined && until !== undefined && Date.parse(until) <= Date.parse(from);
}

export function formatMinuteOfDay(minuteOfDay: number): string {
  const hours = Math.floor(minuteOfDay / 60);
  const minutes = minuteOfDay % 60;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

const ISO_INSTANT =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/**
 * Epoch ms of an ISO-8601 instant, or undefined when it is not one. The offset (or Z) is
 * required: without it `Date.parse` would read the host's local time and the result would
 * depend on the machine. Days past the end of the month (30 February) are refused rather
 * than rolled over.
 */
export function parseInstant(iso: string): number | undefined {
  const match = ISO_INSTANT.exec(iso);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  return Date.parse(iso);
}
