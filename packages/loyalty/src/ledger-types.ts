/**
 * The shapes of the ledger: immutable transactions written by terminals, the outcome and
 * effects the server records when it applies one, and the account derived from them.
 * Money is integer minor units, points are integers, times are ISO-8601 strings.
 */

export const TRANSACTION_KINDS = [
  'checkout',
  'refund',
  'adjustment',
  'reward-redemption',
  'referral-claim',
  'enrollment-bonus',
] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

export interface OrderLine {
  readonly sku?: string;
  readonly name?: string;
  readonly category?: string;
  readonly quantity: number;
  /** Line total in minor units, before order-level discounts. */
  readonly amount: number;
}

/** What a terminal writes. Insert-only: once written it never changes. */
export interface LedgerTransaction {
  /** UUIDv7 made on the terminal, so a retry carries the same id. */
  readonly id: string;
  readonly kind: TransactionKind;
  readonly memberId: string;
  readonly storeId: string;
  readonly terminalId: string;
  readonly staffId: string;
  /** Version of the program settings the terminal computed with. */
  readonly programVersion: number;
  /** When it happened at the till (the terminal's clock). */
  readonly occurredAt: string;
  /** Whether the terminal was offline when it wrote it (for caps and reviews). */
  readonly offline: boolean;

  /** Checkout: order total before any discount, minor units. */
  readonly orderTotal?: number;
  readonly lines?: readonly OrderLine[];
  readonly couponId?: string;
  readonly couponCode?: string;
  /** Discount given by the coupon, minor units. */
  readonly couponDiscount?: number;
  /** Discount paid with points, minor units. */
  readonly pointsDiscount?: number;
  /** What the customer paid after every discount, minor units. */
  readonly amountPaid?: number;

  /** Points earned, including bonuses, as computed on the terminal. */
  readonly pointsEarned: number;
  /** Points spent, as computed on the terminal. */
  readonly pointsRedeemed: number;
  /** Breakdown of `pointsEarned` for the receipt and the audit trail. */
  readonly bonuses?: readonly BonusEntry[];

  /** Adjustment: signed points and the manager's reason. */
  readonly adjustmentPoints?: number;
  readonly reason?: string;
  /** Reward redemption. */
  readonly rewardId?: string;
  /** Refund: the checkout whose points are reversed. */
  readonly refundOf?: string;
  /**
   * Referral claim: written on the inviter's ledger (memberId = inviter) when the invitee makes
   * a first purchase, so that each member's account depends only on that member's transactions.
   */
  readonly inviteeMemberId?: string;
  readonly referralCode?: string;
}

export type BonusKind =
  'enrollment' | 'first-purchase' | 'birthday' | 'referral-invitee' | 'referral-inviter';

export interface BonusEntry {
  readonly kind: BonusKind;
  readonly points: number;
  /**
   * Birthday bonus: the year of the birthday it celebrates (earning's `birthdayBonusYear`, which
   * may differ from the year of the purchase near New Year). The server gives one per year.
   */
  readonly year?: number;
}

export type OutcomeStatus = 'accepted' | 'accepted-with-review' | 'refused';

export type ReviewKind =
  | 'overdraft'
  | 'coupon-over-limit'
  | 'coupon-over-member-limit'
  | 'merged-duplicate'
  | 'rejected-transaction'
  /** A once-only bonus (enrollment, first purchase, the birthday of a year) claimed again. */
  | 'duplicate-bonus';

/** One reason an accepted transaction needs a manager's look. */
export interface OutcomeFlag {
  readonly reason: string;
  readonly message: string;
  readonly review: ReviewKind;
}

export interface TransactionOutcome {
  readonly status: OutcomeStatus;
  /** Stable reason code when refused or flagged, e.g. 'overdraft', 'unknown-refund-target'. */
  readonly reason?: string;
  readonly message?: string;
  /** A review the server opens for a manager, if any. */
  readonly review?: ReviewKind;
  /**
   * Every flag of an 'accepted-with-review' outcome (one review each), when a transaction has
   * more than one (an overdraft with a coupon over its limit); `reason` and `review` are the first.
   */
  readonly flags?: readonly OutcomeFlag[];
}

/** What applying a transaction did to the member's account (all zero when refused). */
export interface TransactionEffects {
  /** Signed change of the balance. */
  readonly balanceDelta: number;
  /** Points added to lifetime (earned; never negative). */
  readonly earned: number;
  /** Points redeemed (negative for a refund, which gives the original's back). */
  readonly redeemed: number;
  /** Points reversed by a refund (subtracted from lifetime). */
  readonly reversed: number;
  /** Spend added (minor units; negative for a refund). */
  readonly spend: number;
  /** Visits added (1 for a checkout, -1 for a full refund, else 0). */
  readonly visits: number;
  readonly couponUse?: { readonly couponId: string };
  /** The bonuses granted, a repeated once-only bonus stripped; included in `earned`. */
  readonly bonuses?: readonly BonusEntry[];
}

/** What the server adds to a transaction when it applies it. */
export interface AppliedFields {
  readonly seq: number;
  readonly receivedAt: string;
  readonly outcome: TransactionOutcome;
  readonly effects: TransactionEffects;
}

export type AppliedTransaction = LedgerTransaction & AppliedFields;

/** A batch of points earned at one time; expiry takes the oldest lots first. */
export interface PointsLot {
  readonly earnedAt: string;
  readonly remaining: number;
}

export interface TierProgress {
  readonly nextTierId?: string;
  readonly pointsNeeded?: number;
  readonly spendNeeded?: number;
  readonly ordersNeeded?: number;
}

/** Derived per member by the server; the terminal never writes it. */
export interface Account {
  readonly memberId: string;
  readonly balance: number;
  readonly lifetime: number;
  readonly redeemed: number;
  readonly expired: number;
  readonly tierId: string;
  readonly tierProgress: TierProgress;
  readonly visits: number;
  readonly spend: number;
  readonly averageOrder: number;
  readonly firstVisit?: string;
  readonly lastVisit?: string;
  readonly autoTags: readonly string[];
  readonly segments: readonly string[];
  /** The last ledger sequence number included. */
  readonly appliedSeq: number;
  readonly lots: readonly PointsLot[];
  /** Uses of each coupon by this member. */
  readonly couponUses: Readonly<Record<string, number>>;
  /** Years whose birthday bonus was given (the birthday's year, see `BonusEntry.year`). */
  readonly birthdayBonusYears: readonly number[];
  readonly firstPurchaseAt?: string;
  /** When an enrollment bonus was granted (a second one is stripped). */
  readonly enrollmentBonusAt?: string;
  /**
   * The ledger clock: expiry and tier re-qualification have been processed up to this instant
   * (absent = never). It only moves forward.
   */
  readonly clock?: string;
  /** The running qualification period, when tiers re-qualify (see tiers.ts). */
  readonly qualification?: QualificationPeriod;
}

/** Figures of the running tier qualification period [start, next boundary). */
export interface QualificationPeriod {
  readonly start: string;
  readonly lifetime: number;
  readonly spend: number;
  readonly orders: number;
}
