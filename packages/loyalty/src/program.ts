import { z } from 'zod';
import { windowEndsByItsStart } from './offer-calendar.js';

/**
 * Program settings: everything a manager can configure about the loyalty program.
 * Defaults come from the seed documents; where they disagree the richer behaviour is the
 * default and the alternative is a setting. Amounts of money are integer minor units.
 */

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24-hour clock)');

/** A daily window [from, to) in the program's time zone; `to` before `from` spans midnight. */
export const HoursWindowSchema = z.object({ from: hhmm, to: hhmm });
export type HoursWindow = z.infer<typeof HoursWindowSchema>;

/** 0 = Sunday ... 6 = Saturday, as `Date.prototype.getDay`. */
export const WeekdaySchema = z.number().int().min(0).max(6);

const multiplier = z.number().positive().max(100);
const points = z.number().int().nonnegative();
const minor = z.number().int().nonnegative();

export const TierIdSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a lower-case tier id');

export const TierSchema = z.object({
  id: TierIdSchema,
  name: z.string().min(1).max(60),
  /** Threshold in lifetime points ('lifetime-points' mode). */
  minLifetimePoints: points,
  /** Thresholds in spend (minor units) and order count ('spend-and-orders' mode); both must be met. */
  minSpend: minor,
  minOrders: z.number().int().nonnegative(),
  /** Earning multiplier of members in this tier. */
  multiplier,
  /** Multiplier applied to the birthday bonus of members in this tier. */
  birthdayBonusMultiplier: multiplier.default(1),
  benefits: z
    .object({
      /** Percent off on the member's birthday (0 = none). */
      birthdayDiscountPercent: z.number().int().min(0).max(100).default(0),
      /** Everyday percent off for members of this tier (0 = none). */
      discountPercent: z.number().int().min(0).max(100).default(0),
      /** Free-text perks shown on the member card ("priority seating"). */
      perks: z.array(z.string().min(1).max(120)).max(20).default([]),
    })
    .prefault({}),
});
export type Tier = z.infer<typeof TierSchema>;

export const CampaignSchema = z.object({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(120),
  active: z.boolean().default(true),
  multiplier,
  /** ISO instants; the campaign runs in [startsAt, endsAt). */
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  /** Empty = every day. */
  weekdays: z.array(WeekdaySchema).max(7).default([]),
  /** Absent = all day. */
  hours: HoursWindowSchema.optional(),
  /** Empty = the whole order; otherwise only lines of these categories are boosted. */
  categories: z.array(z.string().min(1).max(64)).default([]),
  /** Empty = every tier. */
  tiers: z.array(TierIdSchema).default([]),
  /** Empty = every member; otherwise the member must be in one of these segments. */
  segments: z.array(z.string().min(1).max(64)).default([]),
});
export type Campaign = z.infer<typeof CampaignSchema>;

export const SegmentRuleSchema = z.discriminatedUnion('field', [
  z.object({
    field: z.enum([
      'balance',
      'lifetime',
      'visits',
      'spend',
      'averageOrder',
      'daysSinceLastVisit',
      'daysSinceFirstVisit',
    ]),
    op: z.enum(['gte', 'lte', 'gt', 'lt', 'eq']),
    value: z.number(),
  }),
  z.object({ field: z.literal('tier'), op: z.literal('in'), value: z.array(TierIdSchema).min(1) }),
  z.object({
    field: z.literal('autoTag'),
    op: z.enum(['has', 'lacks']),
    value: z.string().min(1),
  }),
]);
export type SegmentRule = z.infer<typeof SegmentRuleSchema>;

export const SegmentDefinitionSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
  name: z.string().min(1).max(120),
  /** A member is in the segment when every rule holds. */
  rules: z.array(SegmentRuleSchema).min(1).max(20),
});
export type SegmentDefinition = z.infer<typeof SegmentDefinitionSchema>;

export const DEFAULT_TIERS: Tier[] = [
  {
    id: 'bronze',
    name: 'Bronze',
    minLifetimePoints: 0,
    minSpend: 0,
    minOrders: 0,
    multiplier: 1,
    birthdayBonusMultiplier: 1,
    benefits: { birthdayDiscountPercent: 0, discountPercent: 0, perks: ['Basic rewards'] },
  },
  {
    id: 'silver',
    name: 'Silver',
    minLifetimePoints: 1_000,
    minSpend: 500_00,
    minOrders: 5,
    multiplier: 1.25,
    birthdayBonusMultiplier: 1.25,
    benefits: { birthdayDiscountPercent: 5, discountPercent: 0, perks: ['Early access'] },
  },
  {
    id: 'gold',
    name: 'Gold',
    minLifetimePoints: 2_500,
    minSpend: 1_500_00,
    minOrders: 15,
    multiplier: 1.5,
    birthdayBonusMultiplier: 1.5,
    benefits: { birthdayDiscountPercent: 10, discountPercent: 0, perks: ['Priority seating'] },
  },
  {
    id: 'platinum',
    name: 'Platinum',
    minLifetimePoints: 5_000,
    minSpend: 5_000_00,
    minOrders: 50,
    multiplier: 2,
    birthdayBonusMultiplier: 2,
    benefits: { birthdayDiscountPercent: 15, discountPercent: 0, perks: ['Exclusive menu items'] },
  },
  {
    id: 'vip',
    name: 'VIP',
    minLifetimePoints: 10_000,
    minSpend: 10_000_00,
    minOrders: 100,
    multiplier: 2.5,
    birthdayBonusMultiplier: 2.5,
    benefits: { birthdayDiscountPercent: 20, discountPercent: 0, perks: ['Complimentary items'] },
  },
];

export const ProgramSettingsSchema = z
  .object({
    /** Increases by one with every change a manager saves; transactions record it. */
    version: z.number().int().positive().default(1),
    name: z.string().min(1).max(120).default('Tillpoint Rewards'),
    /** ISO 4217 code; minor-unit digits come from Intl. */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default('USD'),
    /** ISO 3166-1 alpha-2 country for phone numbers typed without a country code. */
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .default('US'),
    /** IANA time zone in which weekdays, hours, days and birthdays are evaluated. */
    timeZone: z.string().min(1).default('UTC'),
    earning: z
      .object({
        /** Points per one whole unit of currency paid (after discounts). */
        pointsPerUnit: z.number().nonnegative().max(1000).default(1),
        /** How fractional points are turned into whole points, once, at the end. */
        rounding: z.enum(['floor', 'round', 'ceil']).default('floor'),
        /**
         * How the tier, category and campaign multipliers combine on a line:
         * 'multiply' (1.5 × 2 = 3) or 'highest' (only the largest applies).
         * Several campaigns active at once combine the same way.
         */
        multiplierCombination: z.enum(['multiply', 'highest']).default('multiply'),
        categoryMultipliers: z.record(z.string().min(1).max(64), multiplier).default({}),
      })
      .prefault({}),
    bonuses: z
      .object({
        enrollment: points.default(100),
        firstPurchase: points.default(200),
        birthday: points.default(100),
        /** The birthday bonus may be given this many days either side of the birthday. */
        birthdayWindowDays: z.number().int().min(0).max(31).default(7),
        referralInviter: points.default(500),
        // Seed 002: "reward_points": 500 for the inviter, "friend_bonus": 200 for the friend.
        referralInvitee: points.default(200),
      })
      .prefault({}),
    redemption: z
      .object({
        /** Points that make one whole unit of discount (100 points = 1.00). */
        pointsPerUnit: z.number().int().positive().default(100),
        minimumPoints: points.default(500),
        /** At most this percent of an order may be paid with points. */
        maxOrderSharePercent: z.number().int().min(1).max(100).default(50),
      })
      .prefault({}),
    tiers: z
      .object({
        mode: z.enum(['lifetime-points', 'spend-and-orders']).default('lifetime-points'),
        list: z.array(TierSchema).min(1).max(12).default(DEFAULT_TIERS),
        /** Yearly re-qualification: a member keeps a tier only while the last period qualifies. */
        requalification: z
          .object({
            enabled: z.boolean().default(false),
            periodMonths: z.number().int().min(1).max(36).default(12),
          })
          .prefault({}),
      })
      .prefault({}),
    expiry: z
      .object({
        /** Points expire this many months after they were earned, first in first out; 0 = never. */
        months: z.number().int().min(0).max(120).default(12),
      })
      .prefault({}),
    offline: z
      .object({
        maxPointsPerCheckout: points.default(2_000),
        maxPointsPerMemberPerDay: points.default(5_000),
        /** No redemption at all once the terminal has not reached the server for this long. */
        maxOfflineHours: z
          .number()
          .int()
          .min(0)
          .max(24 * 30)
          .default(72),
        /** Whether coupons with a usage limit may be accepted while offline. */
        allowLimitedCouponsOffline: z.boolean().default(false),
      })
      .prefault({}),
    campaigns: z.array(CampaignSchema).max(100).default([]),
    autoTags: z
      .object({
        /** 'high-value': average order above this (minor units). */
        highValueAverageOrder: minor.default(50_00),
        /** 'frequent-visitor': more visits than this. */
        frequentVisitorVisits: z.number().int().nonnegative().default(20),
        /** 'new-customer': first visit less than this many days ago. */
        newMemberDays: z.number().int().nonnegative().default(30),
        /** 'dormant': last visit more than this many days ago. */
        dormantDays: z.number().int().nonnegative().default(90),
      })
      .prefault({}),
    segments: z.array(SegmentDefinitionSchema).max(50).default([]),
    referral: z
      .object({
        /** Successful claims an inviter may collect per period before further claims are refused. */
        maxClaimsPerPeriod: z.number().int().nonnegative().default(10),
        periodDays: z.number().int().positive().default(30),
        codeLength: z.number().int().min(6).max(16).default(8),
      })
      .prefault({}),
    coupons: z
      .object({
        maxPerCheckout: z.number().int().min(1).max(5).default(1),
      })
      .prefault({}),
  })
  .superRefine((settings, ctx) => {
    const ids = new Set<string>();
    for (const tier of settings.tiers.list) {
      if (ids.has(tier.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', 'list'],
          message: `duplicate tier id ${tier.id}`,
        });
      }
      ids.add(tier.id);
    }
    const first = settings.tiers.list[0];
    if (first && (first.minLifetimePoints !== 0 || first.minSpend !== 0 || first.minOrders !== 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers', 'list', 0],
        message: 'the first tier must have zero thresholds so every member has a tier',
      });
    }
    for (let i = 1; i < settings.tiers.list.length; i++) {
      const prev = settings.tiers.list[i - 1]!;
      const cur = settings.tiers.list[i]!;
      const ascending =
        settings.tiers.mode === 'lifetime-points'
          ? cur.minLifetimePoints > prev.minLifetimePoints
          : cur.minSpend >= prev.minSpend &&
            cur.minOrders >= prev.minOrders &&
            (cur.minSpend > prev.minSpend || cur.minOrders > prev.minOrders);
      if (!ascending) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', 'list', i],
          message: 'tiers must be listed from the lowest to the highest threshold',
        });
      }
    }
    for (const [i, campaign] of settings.campaigns.entries()) {
      if (windowEndsByItsStart(campaign.startsAt, campaign.endsAt)) {
        ctx.addIssue({
          code: 'custom',
          path: ['campaigns', i, 'endsAt'],
          message: 'a campaign must end after it starts',
        });
      }
    }
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: settings.timeZone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'not a known IANA time zone' });
    }
  });

export type ProgramSettings = z.output<typeof ProgramSettingsSchema>;
export type ProgramSettingsInput = z.input<typeof ProgramSettingsSchema>;

/** The program with every default of the seed documents. */
export const DEFAULT_PROGRAM: ProgramSettings = ProgramSettingsSchema.parse({});

export type ProgramParseResult =
  | { ok: true; value: ProgramSettings }
  | {
      ok: false;
      refusal: { code: 'invalid-program'; message: string; details: { issues: string[] } };
    };

/** Validates settings a manager typed (or that arrived over the wire) and fills defaults. */
export function parseProgramSettings(input: unknown): ProgramParseResult {
  const parsed = ProgramSettingsSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`,
  );
  return {
    ok: false,
    refusal: {
      code: 'invalid-program',
      message: `The program settings are not valid: ${issues[0] ?? 'unknown problem'}`,
      details: { issues },
    },
  };
}

export function tierById(program: ProgramSettings, tierId: string): Tier | undefined {
  return program.tiers.list.find((tier) => tier.id === tierId);
}
