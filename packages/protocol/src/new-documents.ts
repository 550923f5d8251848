import { formatHlc } from './hlc.js';
import type { HlcString } from './hlc.js';
import type { CouponDoc } from './schemas/coupons.js';
import { MEMBER_CLOCKED_FIELDS, toPhoneSuffix, toSearchName } from './schemas/members.js';
import type {
  MemberClockedField,
  MemberConsents,
  MemberDoc,
  MemberNote,
  MemberPreferences,
} from './schemas/members.js';
import type { RewardDoc } from './schemas/rewards.js';
import type { TransactionDoc } from './schemas/transactions.js';

/**
 * Valid new documents, built one way for the terminal's own enrollment and checkouts and for
 * the seeds of tests, the demo and the benchmark. A builder fills in what every new document
 * of its kind has (derived fields, empty lists, revision 0); the caller brings what is its own
 * (ids, instants, names, who writes it). Pure: ids and clocks are passed in, so a seeded caller
 * stays deterministic.
 */

/** Who writes a document: the terminal, its store, and the staff member signed in on it. */
export interface Writer {
  readonly terminalId: string;
  readonly storeId: string;
  readonly staffId: string;
}

/** A member who has agreed to nothing yet. */
export const NO_CONSENTS: Readonly<MemberConsents> = {
  email: false,
  sms: false,
  push: false,
  specialOffers: false,
  birthdayOffers: false,
  anniversaryOffers: false,
};

/**
 * What an erased member keeps of each field that describes the person: nothing (the members
 * schema's `erased` rules). The id, status history, account and ledger stay.
 */
export const ERASED_MEMBER_FIELDS = {
  phone: '',
  phoneSuffix: '',
  name: '',
  searchName: '',
  email: undefined,
  birthday: undefined,
  anniversary: undefined,
  occasions: [],
  preferences: { dietary: [], allergies: [], favoriteItems: [] },
  consents: NO_CONSENTS,
  tags: [],
  notes: [],
  status: 'erased',
} as const satisfies Partial<Omit<MemberDoc, 'fieldClocks'>>;

/**
 * The clocked fields every member holds one value in (no list, no record): what the seeds of
 * the ledger tests, the first load and the benchmark stamp.
 */
export const MEMBER_SCALAR_FIELDS: readonly MemberClockedField[] = [
  'phone',
  'phoneSuffix',
  'name',
  'searchName',
  'status',
  'referralCode',
  'homeStoreId',
];

export interface NewMember {
  readonly id: string;
  /** E.164. */
  readonly phone: string;
  readonly name: string;
  /** Left out when empty, like `birthday` and `referredBy`. */
  readonly email?: string | undefined;
  readonly birthday?: string | undefined;
  /** Default: no dietary needs, allergies or favourites. */
  readonly preferences?: MemberPreferences;
  /** Over `NO_CONSENTS`. */
  readonly consents?: Partial<MemberConsents>;
  readonly referralCode: string;
  readonly referredBy?: string | undefined;
  readonly notes?: readonly MemberNote[];
  readonly createdAt: string;
  /** Creates the member: its store becomes the home store. */
  readonly by: Writer;
  /** The stamp of every clocked field; default the writing terminal's clock at `createdAt`. */
  readonly clock?: HlcString;
  /** The fields stamped; default every clocked field the member holds, as enrollment does. */
  readonly clocked?: readonly MemberClockedField[];
}

/** An active member as a terminal enrolls it: derived search fields, revision 0. */
export function newMemberDoc(input: NewMember): MemberDoc {
  const fields = {
    phone: input.phone,
    phoneSuffix: toPhoneSuffix(input.phone),
    name: input.name,
    searchName: toSearchName(input.name),
    ...(input.email ? { email: input.email } : {}),
    ...(input.birthday ? { birthday: input.birthday } : {}),
    occasions: [],
    preferences: input.preferences ?? { dietary: [], allergies: [], favoriteItems: [] },
    consents: { ...NO_CONSENTS, ...input.consents },
    tags: [],
    status: 'active' as const,
    referralCode: input.referralCode,
    ...(input.referredBy ? { referredBy: input.referredBy } : {}),
    notes: [...(input.notes ?? [])],
    homeStoreId: input.by.storeId,
  };
  const clock =
    input.clock ??
    formatHlc({ ms: Date.parse(input.createdAt), counter: 0, node: input.by.terminalId });
  const clocked = input.clocked ?? MEMBER_CLOCKED_FIELDS.filter((field) => field in fields);
  return {
    id: input.id,
    ...fields,
    createdAt: input.createdAt,
    createdBy: { terminalId: input.by.terminalId, staffId: input.by.staffId },
    fieldClocks: Object.fromEntries(clocked.map((field) => [field, clock])),
    rev: 0,
    updatedAt: input.createdAt,
  };
}

/**
 * A diner's preferences and consents for seeded data, drawn from `random` in a fixed order (so
 * the same draws give the same member): some vegetarians, a few peanut allergies, mixed
 * marketing consents, birthday offers for everyone.
 */
export function randomMemberProfile(random: () => number): {
  preferences: MemberPreferences;
  consents: MemberConsents;
} {
  const preferences = {
    dietary: random() < 0.3 ? ['vegetarian'] : [],
    allergies: random() < 0.1 ? ['peanuts'] : [],
    favoriteItems: [],
  };
  const consents = {
    email: random() < 0.6,
    sms: random() < 0.4,
    push: false,
    specialOffers: random() < 0.5,
    birthdayOffers: true,
    anniversaryOffers: false,
  };
  return { preferences, consents };
}

/** The fields of a transaction's kind, with who writes it and when. */
export type NewTransaction = Omit<
  TransactionDoc,
  'storeId' | 'terminalId' | 'staffId' | 'programVersion' | 'offline' | 'rev' | 'updatedAt'
> & {
  readonly by: Writer;
  /** Default 1. */
  readonly programVersion?: number;
  /** Written while the terminal could not reach the server; default false. */
  readonly offline?: boolean;
};

/** A ledger entry as a terminal writes it: revision 0, last changed when it happened. */
export function newTransactionDoc(input: NewTransaction): TransactionDoc {
  const { by, programVersion = 1, offline = false, ...fields } = input;
  return {
    storeId: by.storeId,
    terminalId: by.terminalId,
    staffId: by.staffId,
    programVersion,
    offline,
    ...fields,
    rev: 0,
    updatedAt: fields.occurredAt,
  };
}

export type NewCoupon = Pick<CouponDoc, 'id' | 'code' | 'updatedAt'> & Partial<CouponDoc>;

/** A coupon as a manager creates it: by default 5.00 off, for anyone, anywhere, any time. */
export function newCouponDoc(input: NewCoupon): CouponDoc {
  return {
    name: input.code,
    kind: 'fixed',
    value: 5_00,
    minimumOrder: 0,
    weekdays: [],
    eligibility: { tiers: [], segments: [], newMembersOnly: false, stores: [], regions: [] },
    active: true,
    stackable: false,
    usage: { used: 0 },
    rev: 0,
    ...input,
  };
}

export type NewReward = Pick<RewardDoc, 'id' | 'name' | 'pointsCost' | 'updatedAt'> &
  Partial<RewardDoc>;

/** A catalog reward: by default a product, in unlimited stock, for every tier. */
export function newRewardDoc(input: NewReward): RewardDoc {
  return {
    description: '',
    kind: 'product',
    stock: null,
    tierExclusive: [],
    active: true,
    usage: { redeemed: 0 },
    rev: 0,
    ...input,
  };
}
