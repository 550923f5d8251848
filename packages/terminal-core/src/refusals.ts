/**
 * The refusal codes each command can return, for the UI to translate and for tests to cover.
 * Codes of @tillpoint/loyalty pass through unchanged; the rest are the terminal's own.
 */
import type {
  CouponRefusalCode,
  PhoneRefusalCode,
  RedemptionRefusalCode,
} from '@tillpoint/loyalty';

export const SESSION_REFUSAL_CODES = [
  'terminal-not-enrolled',
  'not-signed-in',
  'manager-only',
] as const;
export type SessionRefusalCode = (typeof SESSION_REFUSAL_CODES)[number];

export const LOGIN_REFUSAL_CODES = [
  'terminal-not-enrolled',
  'pin-invalid',
  'staff-unknown',
  'staff-inactive',
  'staff-not-in-store',
  'pin-incorrect',
  'pin-locked-out',
] as const;
export type LoginRefusalCode = (typeof LOGIN_REFUSAL_CODES)[number];

export const CHECKOUT_REFUSAL_CODES = [
  'terminal-not-enrolled',
  'not-signed-in',
  'invalid-order',
  'invalid-points',
  'member-not-found',
  'member-not-active',
  'lines-do-not-add-up',
  // Coupons (validateCoupon); 'coupon-member-required' cannot happen: a checkout has a member.
  'unknown-code',
  'coupon-ambiguous-code',
  'coupon-inactive',
  'coupon-not-yet-valid',
  'coupon-expired',
  'coupon-already-applied',
  'coupon-one-per-checkout',
  'coupon-store-not-eligible',
  'coupon-wrong-day',
  'coupon-outside-hours',
  'coupon-tier-not-eligible',
  'coupon-segment-not-eligible',
  'coupon-new-members-only',
  'coupon-usage-limit-reached',
  'coupon-already-used-by-member',
  'coupon-limited-offline',
  'coupon-minimum-order-not-met',
  'coupon-free-item-not-in-order',
  // Redemption (planRedemption).
  'offline-too-long',
  'below-minimum-redemption',
  'points-not-whole-discount',
  'insufficient-points',
  'exceeds-order-share',
  'offline-checkout-cap',
  'offline-daily-cap',
] as const;
export type CheckoutRefusalCode = (typeof CHECKOUT_REFUSAL_CODES)[number];

true satisfies [
  Exclude<CouponRefusalCode, CheckoutRefusalCode | 'invalid-time' | 'coupon-member-required'>,
] extends [never]
  ? true
  : false;
true satisfies [
  Exclude<
    RedemptionRefusalCode,
    CheckoutRefusalCode | 'invalid-time' | 'not-an-integer' | 'negative-amount' | 'amount-too-large'
  >,
] extends [never]
  ? true
  : false;

export type MemberRefusalCode =
  | SessionRefusalCode
  | PhoneRefusalCode
  | 'member-not-found'
  | 'invalid-member'
  | 'search-too-short'
  | 'referral-invalid-code'
  | 'referral-unknown-code'
  | 'referral-self'
  | 'referral-already-referred'
  | 'referral-invitee-not-new'
  | 'referral-inviter-cap-reached';

export type LedgerCommandRefusalCode =
  | SessionRefusalCode
  | 'member-not-found'
  | 'member-not-active'
  | 'invalid-input'
  | 'reward-unknown'
  | 'reward-inactive'
  | 'reward-not-yet-available'
  | 'reward-expired'
  | 'reward-tier-exclusive'
  | 'reward-out-of-stock'
  | 'insufficient-points'
  | 'invalid-quantity'
  | 'transaction-not-found'
  | 'not-a-checkout'
  | 'already-refunded'
  | 'offline-too-long'
  | 'offline-checkout-cap'
  | 'offline-daily-cap';

export type ReviewRefusalCode =
  SessionRefusalCode | 'review-not-found' | 'review-already-resolved' | 'invalid-input';

export type CouponEditRefusalCode =
  SessionRefusalCode | 'invalid-coupon' | 'coupon-code-taken' | 'coupon-not-found';

/**
 * What a cashier reads when typed text holds a character the server cannot store (U+0000, half
 * of a surrogate pair: `findUnstorableText` of @tillpoint/protocol).
 */
export function unstorableTextMessage(found: { readonly path: string }): string {
  const field = found.path.replace(/^\./, '').replace(/\[\d+\]/g, '') || 'text';
  return `The ${field} has a character that cannot be saved (a control character or half of an emoji). Type it again.`;
}
