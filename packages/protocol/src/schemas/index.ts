import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import type { z } from 'zod';
import { AccountDocSchema, accountsRxSchema } from './accounts.js';
import type { AccountDoc } from './accounts.js';
import { CouponDocSchema, couponsRxSchema } from './coupons.js';
import type { CouponDoc } from './coupons.js';
import { MemberDocSchema, membersRxSchema } from './members.js';
import type { MemberDoc } from './members.js';
import { ProgramDocSchema, programRxSchema } from './program.js';
import type { ProgramDoc } from './program.js';
import { ReviewDocSchema, reviewsRxSchema } from './reviews.js';
import type { ReviewDoc } from './reviews.js';
import { RewardDocSchema, rewardsRxSchema } from './rewards.js';
import type { RewardDoc } from './rewards.js';
import { StaffDocSchema, staffRxSchema } from './staff.js';
import type { StaffDoc } from './staff.js';
import { TransactionDocSchema, transactionsRxSchema } from './transactions.js';
import type { TransactionDoc } from './transactions.js';

export {
  CALENDAR_DATE_PATTERN,
  E164_MAX_LENGTH,
  E164_PATTERN,
  EMAIL_PATTERN,
  HHMM_PATTERN,
  ISO_INSTANT_LENGTH,
  ISO_INSTANT_PATTERN,
  RECORD_ID_MAX_LENGTH,
  RECORD_ID_PATTERN,
  TIER_ID_PATTERN,
  UUID_V7_PATTERN,
} from './common.js';
export * from './accounts.js';
export * from './coupons.js';
export * from './members.js';
export * from './program.js';
export * from './reviews.js';
export * from './rewards.js';
export * from './staff.js';
export * from './transactions.js';

/** The document type of each collection. */
export interface CollectionDocuments {
  program: ProgramDoc;
  members: MemberDoc;
  accounts: AccountDoc;
  transactions: TransactionDoc;
  coupons: CouponDoc;
  rewards: RewardDoc;
  staff: StaffDoc;
  reviews: ReviewDoc;
}

export type CollectionName = keyof CollectionDocuments;
export type DocumentOf<C extends CollectionName> = CollectionDocuments[C];

/**
 * The RxDB schema of every collection, ready for `db.addCollections`. Eight collections:
 * open-source RxDB allows at most 13 open at once per JavaScript realm.
 */
export const COLLECTIONS: { readonly [C in CollectionName]: RxJsonSchema<CollectionDocuments[C]> } =
  {
    program: programRxSchema,
    members: membersRxSchema,
    accounts: accountsRxSchema,
    transactions: transactionsRxSchema,
    coupons: couponsRxSchema,
    rewards: rewardsRxSchema,
    staff: staffRxSchema,
    reviews: reviewsRxSchema,
  };

export const COLLECTION_NAMES = Object.keys(COLLECTIONS) as readonly CollectionName[];

/**
 * RxDB migration strategies, to pass with COLLECTIONS to `addCollections` (RxDB's
 * migration-schema plugin must be added). A store created by an older schema version is
 * migrated when the collection opens. Members 1 only added an index, transactions 1 and 2 only
 * allowed more: documents are kept as they are.
 */
export const COLLECTION_MIGRATIONS: { readonly [C in CollectionName]: MigrationStrategies } = {
  program: {},
  members: { 1: (doc: unknown) => doc },
  accounts: {},
  transactions: { 1: (doc: unknown) => doc, 2: (doc: unknown) => doc },
  coupons: {},
  rewards: {},
  staff: {},
  reviews: {},
};

export function isCollectionName(name: unknown): name is CollectionName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(COLLECTIONS, name);
}

/** The zod mirror of each RxDB schema, with the rules across fields JSON Schema cannot say. */
export const DOCUMENT_SCHEMAS: {
  readonly [C in CollectionName]: z.ZodType<CollectionDocuments[C], unknown>;
} = {
  program: ProgramDocSchema,
  members: MemberDocSchema,
  accounts: AccountDocSchema,
  transactions: TransactionDocSchema,
  coupons: CouponDocSchema,
  rewards: RewardDocSchema,
  staff: StaffDocSchema,
  reviews: ReviewDocSchema,
};
