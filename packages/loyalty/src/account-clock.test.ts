import { describe, expect, it } from 'vitest';
import { advanceAccount } from './account-clock.js';
import { emptyAccount } from './ledger-fold.js';
import type { Account } from './ledger-types.js';
import { DEFAULT_PROGRAM, ProgramSettingsSchema } from './program.js';

describe('advanceAccount', () => {
  const lot = (earnedAt: string, points: number) => ({ earnedAt, points, remaining: points });
  const account: Account = {
    ...emptyAccount('m1', DEFAULT_PROGRAM),
    balance: 300,
    lifetime: 300,
    lots: [lot('2024-01-10T10:00:00.000Z', 100), lot('2026-01-10T10:00:00.000Z', 200)],
    clock: '2026-01-10T10:00:00.000Z',
  };
  const shortExpiry = ProgramSettingsSchema.parse({ expiry: { months: 6 } });

  it('gives the same account for the same account, program and instant, and no other', () => {
    const at = '2026-11-22T07:00:00.000Z';
    const first = advanceAccount(account, shortExpiry, at);
    expect(advanceAccount(account, shortExpiry, at)).toBe(first);
    expect(first).toMatchObject({ balance: 0, expired: 300, clock: at });
    // Another program, another instant or another account is worked out afresh.
    expect(DEFAULT_PROGRAM.expiry.months).toBe(12);
    expect(advanceAccount(account, DEFAULT_PROGRAM, at)).toMatchObject({ balance: 200 });
    expect(advanceAccount(account, shortExpiry, '2026-05-01T00:00:00.000Z')).toMatchObject({
      balance: 200,
      expired: 100,
    });
    expect(advanceAccount({ ...account, balance: 50 }, shortExpiry, at)).not.toBe(first);
    expect(advanceAccount(account, shortExpiry, at)).toEqual(first);
  });
});
