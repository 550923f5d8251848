export { createTerminal, Terminal } from './terminal.js';
export type {
  EnrollMemberInput,
  HeldRetry,
  HeldSale,
  NotSent,
  MemberCard,
  ProfilePatch,
  Receipt,
  StaffSession,
  TerminalDeps,
  TerminalStatus,
} from './terminal.js';
export type { CheckoutInput, CheckoutPlan } from './checkout.js';
export { couponDraftOf } from './member-views.js';
export type { CouponDraft, HistoryEntry, ReviewItem, RewardOption } from './member-views.js';
export * from './refusals.js';
export { createUuidV7Generator, cryptoRandom, systemClock } from './ids.js';
export type { Clock, IdGenerator, RandomSource } from './ids.js';
export { hashPin, verifyPin, DEFAULT_PIN_SCRYPT } from './pin.js';
export { provisionalBalance, expectedDelta } from './balance.js';
export type { BalanceAccount, BalanceTransaction, LedgerAcks } from './balance.js';
export { SyncError } from './transport.js';
export type { FetchLike } from './transport.js';
export type { FirstLoadProgress } from './replication.js';
export type { TerminalDatabase } from './database.js';
export { getTerminalDexieStorage } from './dexie-storage.js';
export type { RangeReadOptions } from './dexie-storage.js';
