/** Turning numbers and refusals into what a cashier reads. */
import { formatMoney } from '@tillpoint/loyalty';
import type { ProgramSettings } from '@tillpoint/loyalty';
import type { CollectionName } from '@tillpoint/protocol';

const POINTS = new Intl.NumberFormat('en-US');

/** A number of things, grouped: 12,000. */
export function count(value: number): string {
  return POINTS.format(value);
}

export function points(value: number): string {
  return `${POINTS.format(value)} pt${Math.abs(value) === 1 ? '' : 's'}`;
}

export function money(minor: number, program: Pick<ProgramSettings, 'currency'>): string {
  try {
    return formatMoney(minor, program.currency);
  } catch {
    return `${(minor / 100).toFixed(2)} ${program.currency}`;
  }
}

export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "just now", "3 min ago", "2 h ago", or the date. */
export function sinceText(ms: number | undefined, now: number): string {
  if (ms === undefined) return 'never';
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return new Date(ms).toLocaleDateString('en-GB');
}

/** Which field of the checkout a refusal belongs to, so the reason shows where the problem is. */
export type CheckoutField = 'coupon' | 'points' | 'order' | 'member';

const POINTS_CODES = new Set([
  'invalid-points',
  'offline-too-long',
  'below-minimum-redemption',
  'points-not-whole-discount',
  'insufficient-points',
  'exceeds-order-share',
  'offline-checkout-cap',
  'offline-daily-cap',
]);

export function fieldOfRefusal(code: string): CheckoutField {
  if (code === 'unknown-code' || code.startsWith('coupon-')) return 'coupon';
  if (POINTS_CODES.has(code)) return 'points';
  if (code.startsWith('member-')) return 'member';
  return 'order';
}

/** A thrown value as one line of plain words. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'Something unexpected happened.';
}

const CHANGE_KINDS: Readonly<Record<CollectionName, string>> = {
  program: 'program settings',
  members: 'member changes',
  accounts: 'balances',
  transactions: 'sales',
  coupons: 'coupon changes',
  rewards: 'reward changes',
  staff: 'staff changes',
  reviews: 'review decisions',
};

/** What a collection's changes are, to a manager ("member changes"). */
export function changeKind(collection: CollectionName): string {
  return CHANGE_KINDS[collection];
}
