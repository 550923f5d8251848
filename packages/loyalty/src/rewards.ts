import { z } from 'zod';
import { offerWindowMiss, parseInstant, windowEndsByItsStart } from './offer-calendar.js';
import { TierIdSchema } from './program.js';
import type { ProgramSettings } from './program.js';
import { ok, refuse } from './result.js';
import type { Result } from './result.js';

/**
 * The reward catalog: items a member buys with points (a discount voucher, a product, an
 * experience, free shipping), with stock, tier exclusivity and a validity window.
 */

export const REWARD_KINDS = ['discount', 'product', 'experience', 'shipping'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

export const RewardDefinitionSchema = z
  .object({
    id: z.string().min(1).max(64),
    name: z.string().min(1).max(120),
    description: z.string().max(2000).default(''),
    kind: z.enum(REWARD_KINDS),
    pointsCost: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    /** What the reward is worth in minor units (a $5 voucher = 500); for reports and receipts. */
    value: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    /** Units left; null = unlimited. */
    stock: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable().default(null),
    /**
     * Empty = every member. Otherwise members of the lowest listed tier and every tier above
     * it (in `program.tiers.list` order) may redeem it.
     */
    tierExclusive: z.array(TierIdSchema).max(12).default([]),
    /** ISO instants; the reward can be redeemed in [validFrom, validUntil). */
    validFrom: z.iso.datetime({ offset: true }).optional(),
    validUntil: z.iso.datetime({ offset: true }).optional(),
    active: z.boolean().default(true),
  })
  .superRefine((reward, ctx) => {
    if (windowEndsByItsStart(reward.validFrom, reward.validUntil)) {
      ctx.addIssue({
        code: 'custom',
        path: ['validUntil'],
        message: 'a reward must end after it starts',
      });
    }
  });

export type RewardDefinition = z.output<typeof RewardDefinitionSchema>;
export type RewardDefinitionInput = z.input<typeof RewardDefinitionSchema>;

export type RewardRefusalCode =
  | 'invalid-time'
  | 'invalid-quantity'
  | 'reward-inactive'
  | 'reward-not-yet-available'
  | 'reward-expired'
  | 'reward-tier-exclusive'
  | 'reward-out-of-stock'
  | 'insufficient-points';

export interface RewardEligibilityInput {
  readonly reward: RewardDefinition;
  /** The member's (provisional) points balance. */
  readonly balance: number;
  readonly tierId: string;
  /** Units wanted; 1 when absent. */
  readonly quantity?: number;
  /**
   * Units left, when known apart from the definition (server-derived); `reward.stock` when
   * absent. null = unlimited.
   */
  readonly stock?: number | null;
  /** ISO instant of the redemption. */
  readonly at: string;
  readonly program: ProgramSettings;
}

export interface RewardEligibility {
  readonly rewardId: string;
  readonly quantity: number;
  /** Points the redemption costs in total (cost × quantity). */
  readonly pointsCost: number;
}

export type RewardEligibilityResult = Result<RewardEligibility, RewardRefusalCode>;

const pointsFormat = new Intl.NumberFormat('en-US');

function formatPoints(points: number): string {
  return pointsFormat.format(points);
}

/**
 * The position of the lowest tier a tier-exclusive reward is open to, or undefined when the
 * reward is open to every tier. Tier ids no longer in the program are ignored; when none of
 * the listed tiers exists any more, nobody qualifies (Infinity) rather than everybody.
 */
function lowestEligibleRank(
  reward: RewardDefinition,
  program: ProgramSettings,
): number | undefined {
  if (reward.tierExclusive.length === 0) return undefined;
  const ranks = reward.tierExclusive
    .map((id) => program.tiers.list.findIndex((tier) => tier.id === id))
    .filter((rank) => rank >= 0);
  return ranks.length === 0 ? Infinity : Math.min(...ranks);
}

/** Whether a member of `tierId` may see and redeem the reward ("that tier or above"). */
export function isRewardOpenToTier(
  reward: RewardDefinition,
  tierId: string,
  program: ProgramSettings,
): boolean {
  const lowest = lowestEligibleRank(reward, program);
  if (lowest === undefined) return true;
  const rank = program.tiers.list.findIndex((tier) => tier.id === tierId);
  return rank >= 0 && rank >= lowest;
}

/**
 * Checks that a member may redeem `quantity` units of a reward now, and what it costs. Pure.
 *
 * Checks run in this order; the first that fails is reported: input (`at`, quantity), active,
 * not before `validFrom`, not from `validUntil` on, tier ("that tier or above"), stock, and
 * last the balance, since it is the one the member can change by earning more.
 */
export function checkRewardEligibility(input: RewardEligibilityInput): RewardEligibilityResult {
  const { reward, program } = input;
  const base = { rewardId: reward.id };
  const atMs = parseInstant(input.at);
  if (atMs === undefined) {
    return refuse('invalid-time', 'The redemption time is not a valid ISO time.', {
      at: input.at,
    });
  }
  const quantity = input.quantity ?? 1;
  const pointsCost = reward.pointsCost * quantity;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || !Number.isSafeInteger(pointsCost)) {
    return refuse('invalid-quantity', 'Choose a quantity of one or more.', {
      ...base,
      quantity,
    });
  }
  if (!reward.active) {
    return refuse('reward-inactive', `${reward.name} is not offered at the moment.`, base);
  }
  const outside = offerWindowMiss(reward.validFrom, reward.validUntil, atMs, program.timeZone);
  if (outside?.side === 'before') {
    return refuse(
      'reward-not-yet-available',
      `${reward.name} can be redeemed from ${outside.from}.`,
      { ...base, validFrom: reward.validFrom },
    );
  }
  if (outside?.side === 'after') {
    return refuse('reward-expired', `${reward.name} could be redeemed until ${outside.lastDay}.`, {
      ...base,
      validUntil: reward.validUntil,
    });
  }
  if (!isRewardOpenToTier(reward, input.tierId, program)) {
    const lowest = lowestEligibleRank(reward, program) ?? 0;
    const lowestTier = program.tiers.list[lowest];
    const message = lowestTier
      ? `${reward.name} is for ${lowestTier.name} members and above.`
      : `${reward.name} is not available to any current tier.`;
    return refuse('reward-tier-exclusive', message, {
      ...base,
      tierExclusive: reward.tierExclusive,
      tierId: input.tierId,
    });
  }
  const stock = input.stock === undefined ? reward.stock : input.stock;
  if (stock !== null && stock < quantity) {
    return refuse(
      'reward-out-of-stock',
      stock <= 0 ? `${reward.name} is out of stock.` : `Only ${stock} of ${reward.name} left.`,
      { ...base, available: Math.max(0, stock), quantity },
    );
  }
  if (input.balance < pointsCost) {
    const missing = pointsCost - input.balance;
    return refuse(
      'insufficient-points',
      `${reward.name} costs ${formatPoints(pointsCost)} points; the member has ${formatPoints(input.balance)}, ${formatPoints(missing)} short.`,
      { ...base, required: pointsCost, balance: input.balance, missing },
    );
  }
  return ok({ rewardId: reward.id, quantity, pointsCost });
}
