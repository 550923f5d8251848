/** What the e2e tests may ask of their server process (server-process.ts). */
export interface StaffSeed {
  readonly id: string;
  readonly name: string;
  readonly role: 'cashier' | 'manager';
  readonly pin: string;
}

/** A coupon as a manager would create it; the rest gets the usual defaults. */
export interface SeedCoupon {
  readonly id: string;
  readonly code: string;
  readonly [field: string]: unknown;
}

/** A catalog reward; the rest gets the usual defaults (a product, unlimited stock). */
export interface SeedReward {
  readonly id: string;
  readonly name: string;
  readonly pointsCost: number;
  readonly [field: string]: unknown;
}

export interface SeedPurchase {
  readonly orderTotal: number;
  readonly pointsEarned: number;
  readonly couponId?: string;
  readonly couponCode?: string;
  readonly couponDiscount?: number;
  readonly bonuses?: readonly { kind: string; points: number }[];
}

export interface SeedMember {
  readonly id?: string;
  /** E.164, e.g. +14155550101. */
  readonly phone: string;
  readonly name: string;
  /** Opening balance, booked as a manager's adjustment. */
  readonly points?: number;
  readonly purchases?: readonly SeedPurchase[];
  readonly allergies?: readonly string[];
  readonly dietary?: readonly string[];
  readonly notes?: readonly string[];
}

export interface SetupArgs {
  readonly storeId: string;
  readonly staff: readonly StaffSeed[];
  /** Program settings overriding the defaults (e.g. offline caps). */
  readonly program?: Readonly<Record<string, unknown>>;
  readonly coupons: readonly SeedCoupon[];
  readonly rewards?: readonly SeedReward[];
  readonly members: readonly SeedMember[];
}

export type ServerCommand =
  | { readonly command: 'url' }
  | { readonly command: 'setup'; readonly args: SetupArgs }
  | {
      readonly command: 'enrollment-code';
      readonly args: { readonly storeId: string; readonly terminalId?: string };
    }
  | { readonly command: 'terminals'; readonly args: { readonly storeId: string } }
  | { readonly command: 'revoke-terminal'; readonly args: { readonly terminalId: string } }
  | { readonly command: 'documents'; readonly args: { readonly collection: string } };
