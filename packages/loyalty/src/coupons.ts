import { z } from 'zod';
import { canonicalCode } from './codes.js';
import type { OrderLine } from './ledger-types.js';
import { formatMoney } from './money.js';
import {
  formatMinuteOfDay,
  hoursWindowContains,
  minutesOfHhmm,
  offerWeekday,
  offerWindowMiss,
  parseInstant,
  weekdayList,
  windowEndsByItsStart,
  withinValidity,
  zonedClock,
} from './offer-calendar.js';
import { HoursWindowSchema, TierIdSchema, WeekdaySchema } from './program.js';
import type { ProgramSettings } from './program.js';
import { ok, refuse } from './result.js';
import type { Result } from './result.js';

/**
 * Coupons: the definition a manager edits and the check a cashier runs when a customer hands
 * over a code. Usage counts are server-derived and kept apart from the definition (see
 * DESIGN.md), so they arrive here as a separate context.
 */

// ---------------------------------------------------------------------------------------------
// Codes

/**
 * The canonical form of a coupon code: accents dropped, upper case, without spaces or the
 * separators people type or print (- _ . /). "summer-10 " and "SUMMER10" are the same code.
 * Idempotent.
 */
export function normalizeCouponCode(input: string): string {
  return canonicalCode(input);
}

/**
 * The key under which a code is looked up: O is read as 0, and I and L as 1, because those
 * are what cashiers mistype from a printed coupon. Two codes with the same key look alike.
 */
function lookAlikeKey(code: string): string {
  return normalizeCouponCode(code).replace(/O/g, '0').replace(/[IL]/g, '1');
}

/**
 * Whether two codes could be mistaken for each other (SAVE10 and SAVEIO). The coupon editor
 * refuses a new code that looks like an existing one, so a typed code finds one coupon only.
 */
export function couponCodesLookAlike(a: string, b: string): boolean {
  return lookAlikeKey(a) === lookAlikeKey(b);
}

export const COUPON_CODE_PATTERN = /^[A-Z0-9]{3,32}$/;

export const CouponCodeSchema = z
  .string()
  .overwrite(normalizeCouponCode)
  .regex(COUPON_CODE_PATTERN, '3 to 32 letters (A-Z) and digits');

// ---------------------------------------------------------------------------------------------
// Definition

const minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const positiveCount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const label = z.string().min(1).max(64);

export const COUPON_KINDS = ['percent', 'fixed', 'free-item'] as const;
export type CouponKind = (typeof COUPON_KINDS)[number];

export const CouponFreeItemSchema = z.object({
  sku: label,
  name: z.string().min(1).max(120),
  /** The most the free item may take off the order, minor units. */
  value: minor.positive(),
});
export type CouponFreeItem = z.infer<typeof CouponFreeItemSchema>;

export const CouponEligibilitySchema = z
  .object({
    /** Empty = every tier; otherwise the member's tier must be one of these (exactly). */
    tiers: z.array(TierIdSchema).max(12).default([]),
    /** Empty = every member; otherwise the member must be in at least one of these. */
    segments: z.array(label).max(50).default([]),
    /** Only members who have not bought anything yet. */
    newMembersOnly: z.boolean().default(false),
    /** Stores and regions together: empty both = everywhere; else the store or its region. */
    stores: z.array(label).max(500).default([]),
    regions: z.array(label).max(100).default([]),
  })
  .prefault({});
export type CouponEligibility = z.infer<typeof CouponEligibilitySchema>;

export const CouponDefinitionSchema = z
  .object({
    id: label,
    code: CouponCodeSchema,
    name: z
      .string()
      .min(1, 'Give the coupon a name.')
      .max(120, 'A coupon name is at most 120 characters.'),
    kind: z.enum(COUPON_KINDS),
    /** Percent off (1..100) for 'percent', minor units off for 'fixed', unused for 'free-item'. */
    value: minor.default(0),
    /** 'free-item' only: the item given away. */
    freeItem: CouponFreeItemSchema.optional(),
    /** 'percent' only: the largest discount in minor units. */
    maxDiscount: minor.positive().optional(),
    /** Order total (before any discount, minor units) the order must reach. */
    minimumOrder: minor.default(0),
    /** ISO instants; the coupon can be used in [startsAt, expiresAt). */
    startsAt: z.iso.datetime({ offset: true }).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    /** Empty = every day (0 = Sunday), evaluated in the program's time zone. */
    weekdays: z.array(WeekdaySchema).max(7).default([]),
    /** Absent = all day; in the program's time zone; may span midnight. */
    hours: HoursWindowSchema.optional(),
    /** Total uses across all members; absent = unlimited. */
    usageLimit: positiveCount.optional(),
    /** Uses per member; absent = unlimited. 1 makes it one-time per member. */
    perMemberLimit: positiveCount.optional(),
    eligibility: CouponEligibilitySchema,
    active: z.boolean().default(true),
    /** Whether it may be combined with other stackable coupons in one checkout. */
    stackable: z.boolean().default(false),
  })
  .superRefine((coupon, ctx) => {
    if (coupon.kind === 'percent' && (coupon.value < 1 || coupon.value > 100)) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: 'a percent coupon takes 1 to 100 percent off',
      });
    }
    if (coupon.kind === 'fixed' && coupon.value < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: 'a fixed coupon takes a positive amount off',
      });
    }
    if (coupon.kind === 'free-item' && !coupon.freeItem) {
      ctx.addIssue({
        code: 'custom',
        path: ['freeItem'],
        message: 'a free-item coupon names the item it gives away',
      });
    }
    if (coupon.kind !== 'free-item' && coupon.freeItem) {
      ctx.addIssue({
        code: 'custom',
        path: ['freeItem'],
        message: 'only a free-item coupon gives an item away',
      });
    }
    if (coupon.kind !== 'percent' && coupon.maxDiscount !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxDiscount'],
        message: 'only a percent coupon has a maximum discount',
      });
    }
    if (windowEndsByItsStart(coupon.startsAt, coupon.expiresAt)) {
      ctx.addIssue({
        code: 'custom',
        path: ['expiresAt'],
        message: 'a coupon must expire after it starts',
      });
    }
    if (
      coupon.usageLimit !== undefined &&
      coupon.perMemberLimit !== undefined &&
      coupon.perMemberLimit > coupon.usageLimit
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['perMemberLimit'],
        message: 'the per-member limit cannot be above the total usage limit',
      });
    }
  });

export type CouponDefinition = z.output<typeof CouponDefinitionSchema>;
export type CouponDefinitionInput = z.input<typeof CouponDefinitionSchema>;

export type CouponParseResult = Result<CouponDefinition, 'invalid-coupon'>;

/** Validates a coupon a manager typed (or that arrived over the wire), normalizes its code. */
export function parseCouponDefinition(input: unknown): CouponParseResult {
  const parsed = CouponDefinitionSchema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const issues = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(coupon)'}: ${issue.message}`,
  );
  // A message written for people (a sentence) is shown as it is; zod's own get their field.
  const first = parsed.error.issues[0];
  const shown =
    first && /^[A-Z].*\.$/.test(first.message) ? first.message : (issues[0] ?? 'unknown problem');
  return refuse('invalid-coupon', `The coupon is not valid: ${shown}`, { issues });
}

// ---------------------------------------------------------------------------------------------
// Validation at the till

export type CouponRefusalCode =
  | 'invalid-time'
  | 'invalid-order'
  | 'unknown-code'
  | 'coupon-ambiguous-code'
  | 'coupon-inactive'
  | 'coupon-not-yet-valid'
  | 'coupon-expired'
  | 'coupon-already-applied'
  | 'coupon-one-per-checkout'
  | 'coupon-store-not-eligible'
  | 'coupon-wrong-day'
  | 'coupon-outside-hours'
  | 'coupon-member-required'
  | 'coupon-tier-not-eligible'
  | 'coupon-segment-not-eligible'
  | 'coupon-new-members-only'
  | 'coupon-usage-limit-reached'
  | 'coupon-already-used-by-member'
  | 'coupon-limited-offline'
  | 'coupon-minimum-order-not-met'
  | 'coupon-free-item-not-in-order';

/** A coupon accepted for a checkout; pass it back in `applied` when validating the next one. */
export interface CouponApplication {
  readonly couponId: string;
  readonly code: string;
  readonly kind: CouponKind;
  /** Minor units off the order; never negative, never more than what is left to pay. */
  readonly discount: number;
  readonly stackable: boolean;
  /**
   * The coupon has a usage or per-member limit. Used offline, the server may find it over
   * the limit and open a review; the terminal records that it was used offline.
   */
  readonly limited: boolean;
  readonly freeItem?: CouponFreeItem;
}

export interface CouponValidationInput {
  /** The code as the cashier typed it. */
  readonly code: string;
  /** The known coupons, or the result of looking the code up (none found = null/undefined). */
  readonly coupons: readonly CouponDefinition[] | CouponDefinition | null | undefined;
  /** Server-derived usage of the coupon as last synced (0 when never used). */
  readonly usage: { readonly usedCount: number; readonly memberUses: number };
  /** The member at the till; null when the customer has not been looked up. */
  readonly member: {
    readonly tierId: string;
    readonly segments: readonly string[];
    /** No previous purchase. */
    readonly isNewMember: boolean;
  } | null;
  readonly store: { readonly storeId: string; readonly region?: string };
  readonly order: {
    /** Order total before any discount, minor units. */
    readonly total: number;
    /** When given, a free-item coupon needs its item among them. */
    readonly lines?: readonly OrderLine[];
  };
  /** ISO instant of the checkout (the terminal's clock). */
  readonly at: string;
  readonly program: ProgramSettings;
  /** Coupons already accepted in this checkout, in the order they were applied. */
  readonly applied?: readonly Pick<CouponApplication, 'couponId' | 'stackable' | 'discount'>[];
  readonly offline: {
    readonly offline: boolean;
    /** Overrides `program.offline.allowLimitedCouponsOffline` when given. */
    readonly allowLimitedCouponsOffline?: boolean;
  };
}

export type CouponValidationResult = Result<CouponApplication, CouponRefusalCode>;

function isMinorAmount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Which coupon a typed code means. An exact match wins over a look-alike (SAVE1O finds
 * SAVE10 only when no SAVE1O exists). Among several coupons with the same code, an active
 * one inside its dates is preferred, then the smallest id, so the answer never depends on
 * the order of the list. Distinct look-alike codes are ambiguous.
 */
function findCoupon(
  code: string,
  coupons: readonly CouponDefinition[],
  atMs: number,
): CouponDefinition | 'ambiguous' | undefined {
  let candidates = coupons.filter((coupon) => normalizeCouponCode(coupon.code) === code);
  if (candidates.length === 0) {
    const key = lookAlikeKey(code);
    candidates = coupons.filter((coupon) => lookAlikeKey(coupon.code) === key);
    const distinctCodes = new Set(candidates.map((coupon) => normalizeCouponCode(coupon.code)));
    if (distinctCodes.size > 1) return 'ambiguous';
  }
  const rank = (coupon: CouponDefinition): number =>
    (coupon.active ? 2 : 0) + (withinValidity(coupon.startsAt, coupon.expiresAt, atMs) ? 1 : 0);
  return [...candidates].sort(
    (a, b) => rank(b) - rank(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )[0];
}

function isCouponList(
  coupons: readonly CouponDefinition[] | CouponDefinition,
): coupons is readonly CouponDefinition[] {
  return Array.isArray(coupons);
}

function couponList(coupons: CouponValidationInput['coupons']): readonly CouponDefinition[] {
  if (coupons == null) return [];
  return isCouponList(coupons) ? coupons : [coupons];
}

function computeDiscount(
  coupon: CouponDefinition,
  payable: number,
  lines: readonly OrderLine[] | undefined,
): number {
  let discount: number;
  if (coupon.kind === 'percent') {
    // Whole minor units, rounded down, so the shop never gives away a fraction of a cent.
    discount = Math.floor((payable * coupon.value) / 100);
    if (coupon.maxDiscount !== undefined) discount = Math.min(discount, coupon.maxDiscount);
  } else if (coupon.kind === 'fixed') {
    discount = coupon.value;
  } else {
    const item = coupon.freeItem;
    discount = item?.value ?? 0;
    const line = item && lines?.find((candidate) => candidate.sku === item.sku);
    if (line) {
      // One unit is free; a line sold by weight (quantity below 1) is free as a whole.
      const unitPrice = Math.floor(line.amount / Math.max(line.quantity, 1));
      discount = Math.min(discount, unitPrice);
    }
  }
  return Math.max(0, Math.min(discount, payable));
}

/**
 * Checks a coupon code typed at the till against the order, the member, the store, the time
 * and the checkout's other coupons, and computes its discount. Pure.
 *
 * Checks run in this order; the first that fails is reported:
 *  1. input: `at` is an ISO instant ('invalid-time'), the order total and line amounts are
 *     non-negative integers ('invalid-order');
 *  2. the code: known ('unknown-code'), not ambiguous ('coupon-ambiguous-code');
 *  3. the coupon itself: active, started, not expired;
 *  4. this checkout: not applied twice ('coupon-already-applied'), stacking and
 *     `program.coupons.maxPerCheckout` ('coupon-one-per-checkout');
 *  5. where and when: store or region, weekday ('coupon-wrong-day'), hours window;
 *  6. who: a member is needed for member rules ('coupon-member-required'), tier, segment,
 *     new members only;
 *  7. how often: total usage limit, per-member limit, then whether a limited coupon may be
 *     accepted offline (limits are checked first because when the last synced counts already
 *     show it used up, that is the truer reason);
 *  8. the order: minimum order, the free item among the lines.
 * The cashier can fix only the last group by changing the order, so it comes last.
 */
export function validateCoupon(input: CouponValidationInput): CouponValidationResult {
  const { program } = input;
  const timeZone = program.timeZone;
  const atMs = parseInstant(input.at);
  if (atMs === undefined) {
    return refuse('invalid-time', 'The checkout time is not a valid ISO time.', { at: input.at });
  }
  if (
    !isMinorAmount(input.order.total) ||
    (input.order.lines ?? []).some((line) => !isMinorAmount(line.amount) || !(line.quantity > 0))
  ) {
    return refuse('invalid-order', 'The order amounts are not valid.', {
      total: input.order.total,
    });
  }

  const code = normalizeCouponCode(input.code);
  if (code === '') return refuse('unknown-code', 'Type a coupon code first.');
  const found = findCoupon(code, couponList(input.coupons), atMs);
  if (found === undefined) {
    return refuse('unknown-code', `There is no coupon with the code ${code}.`, { code });
  }
  if (found === 'ambiguous') {
    return refuse(
      'coupon-ambiguous-code',
      `Several coupons look like ${code}. Check the letters O and I against the digits 0 and 1.`,
      { code },
    );
  }
  const coupon = found;
  const base = { couponId: coupon.id, code: coupon.code };

  if (!coupon.active) {
    return refuse('coupon-inactive', 'This coupon has been switched off.', base);
  }
  const outside = offerWindowMiss(coupon.startsAt, coupon.expiresAt, atMs, timeZone);
  if (outside?.side === 'before') {
    return refuse('coupon-not-yet-valid', `This coupon can be used from ${outside.from}.`, {
      ...base,
      startsAt: coupon.startsAt,
    });
  }
  if (outside?.side === 'after') {
    return refuse('coupon-expired', `This coupon expired on ${outside.lastDay}.`, {
      ...base,
      expiresAt: coupon.expiresAt,
    });
  }

  const applied = input.applied ?? [];
  if (applied.some((other) => other.couponId === coupon.id)) {
    return refuse('coupon-already-applied', 'This coupon is already applied to this order.', base);
  }
  const maxPerCheckout = program.coupons.maxPerCheckout;
  if (applied.length > 0) {
    if (applied.length >= maxPerCheckout) {
      return refuse(
        'coupon-one-per-checkout',
        maxPerCheckout === 1
          ? 'Only one coupon can be used per order.'
          : `At most ${maxPerCheckout} coupons can be used per order.`,
        { ...base, maxPerCheckout },
      );
    }
    if (!coupon.stackable || applied.some((other) => !other.stackable)) {
      return refuse(
        'coupon-one-per-checkout',
        'This coupon cannot be combined with the coupon already on this order.',
        { ...base, maxPerCheckout },
      );
    }
  }

  const { stores, regions } = coupon.eligibility;
  if (stores.length > 0 || regions.length > 0) {
    const inStore = stores.includes(input.store.storeId);
    const inRegion = input.store.region !== undefined && regions.includes(input.store.region);
    if (!inStore && !inRegion) {
      return refuse('coupon-store-not-eligible', 'This coupon cannot be used in this store.', {
        ...base,
        storeId: input.store.storeId,
        ...(input.store.region !== undefined ? { region: input.store.region } : {}),
      });
    }
  }

  if (coupon.weekdays.length > 0 || coupon.hours) {
    const clock = zonedClock(atMs, timeZone);
    const weekday = offerWeekday(clock, coupon.hours);
    if (coupon.weekdays.length > 0 && !coupon.weekdays.includes(weekday)) {
      return refuse(
        'coupon-wrong-day',
        `This coupon can be used only on ${weekdayList(coupon.weekdays)}.`,
        { ...base, weekdays: coupon.weekdays, weekday },
      );
    }
    if (coupon.hours && !hoursWindowContains(coupon.hours, clock.minuteOfDay)) {
      const from = formatMinuteOfDay(minutesOfHhmm(coupon.hours.from));
      const to = formatMinuteOfDay(minutesOfHhmm(coupon.hours.to));
      return refuse(
        'coupon-outside-hours',
        `This coupon can be used only between ${from} and ${to}.`,
        { ...base, hours: coupon.hours, localTime: formatMinuteOfDay(clock.minuteOfDay) },
      );
    }
  }

  const { tiers, segments, newMembersOnly } = coupon.eligibility;
  const needsMember =
    tiers.length > 0 ||
    segments.length > 0 ||
    newMembersOnly ||
    coupon.perMemberLimit !== undefined;
  const member = input.member;
  if (needsMember && !member) {
    return refuse(
      'coupon-member-required',
      'This coupon is for members: look the customer up first.',
      base,
    );
  }
  if (member && tiers.length > 0 && !tiers.includes(member.tierId)) {
    const names = tiers.map((id) => program.tiers.list.find((tier) => tier.id === id)?.name ?? id);
    const list = new Intl.ListFormat('en-GB', { type: 'disjunction' }).format(names);
    return refuse('coupon-tier-not-eligible', `This coupon is only for ${list} members.`, {
      ...base,
      tiers,
      tierId: member.tierId,
    });
  }
  if (
    member &&
    segments.length > 0 &&
    !segments.some((segment) => member.segments.includes(segment))
  ) {
    return refuse('coupon-segment-not-eligible', 'This coupon is not offered to this member.', {
      ...base,
      segments,
    });
  }
  if (member && newMembersOnly && !member.isNewMember) {
    return refuse(
      'coupon-new-members-only',
      'This coupon is only for a first purchase, and this member has bought before.',
      base,
    );
  }

  if (coupon.usageLimit !== undefined && input.usage.usedCount >= coupon.usageLimit) {
    return refuse(
      'coupon-usage-limit-reached',
      coupon.usageLimit === 1
        ? 'This coupon has already been used.'
        : `This coupon has been used up (all ${coupon.usageLimit} uses).`,
      { ...base, usageLimit: coupon.usageLimit, usedCount: input.usage.usedCount },
    );
  }
  if (coupon.perMemberLimit !== undefined && input.usage.memberUses >= coupon.perMemberLimit) {
    return refuse(
      'coupon-already-used-by-member',
      coupon.perMemberLimit === 1
        ? 'This member has already used this coupon.'
        : `This member has already used this coupon ${coupon.perMemberLimit} times, the most allowed.`,
      { ...base, perMemberLimit: coupon.perMemberLimit, memberUses: input.usage.memberUses },
    );
  }
  const limited = coupon.usageLimit !== undefined || coupon.perMemberLimit !== undefined;
  const allowLimitedOffline =
    input.offline.allowLimitedCouponsOffline ?? program.offline.allowLimitedCouponsOffline;
  if (input.offline.offline && limited && !allowLimitedOffline) {
    return refuse(
      'coupon-limited-offline',
      'This coupon has a usage limit and cannot be accepted while the till is offline.',
      base,
    );
  }

  const total = input.order.total;
  if (total < coupon.minimumOrder) {
    const missing = coupon.minimumOrder - total;
    return refuse(
      'coupon-minimum-order-not-met',
      `This coupon needs an order of at least ${formatMoney(coupon.minimumOrder, program.currency)}: add ${formatMoney(missing, program.currency)} more.`,
      { ...base, minimumOrder: coupon.minimumOrder, missing },
    );
  }
  const freeItem = coupon.kind === 'free-item' ? coupon.freeItem : undefined;
  if (
    freeItem &&
    input.order.lines !== undefined &&
    !input.order.lines.some((line) => line.sku === freeItem.sku)
  ) {
    return refuse(
      'coupon-free-item-not-in-order',
      `Add ${freeItem.name} to the order to use this coupon.`,
      { ...base, sku: freeItem.sku },
    );
  }

  const alreadyOff = applied.reduce((sum, other) => sum + Math.max(0, other.discount), 0);
  const payable = Math.max(0, total - alreadyOff);
  const discount = computeDiscount(coupon, payable, input.order.lines);
  return ok({
    couponId: coupon.id,
    code: coupon.code,
    kind: coupon.kind,
    discount,
    stackable: coupon.stackable,
    limited,
    ...(freeItem ? { freeItem } : {}),
  });
}
