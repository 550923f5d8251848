import { describe, expect, it } from 'vitest';
import {
  COLLECTION_OWNERSHIP,
  SERVER_ONLY_COLLECTIONS,
  jsonEqual,
  serverOwnedFieldChanges,
} from './ownership.js';
import { COLLECTIONS, COLLECTION_NAMES } from './schemas/index.js';
import { copyOf, moreValidDocuments, sampleDocuments } from './test-fixtures.js';

describe('ownership map', () => {
  it('terminals may not write accounts at all', () => {
    expect(SERVER_ONLY_COLLECTIONS).toEqual(['accounts']);
    expect(COLLECTION_OWNERSHIP.transactions.terminalWrites).toBe('insert-only');
    expect(COLLECTION_OWNERSHIP.reviews.terminalWrites).toBe('update-only');
  });

  it('rev is server-owned everywhere, and every listed field exists in its schema', () => {
    for (const name of COLLECTION_NAMES) {
      const owned: readonly string[] = COLLECTION_OWNERSHIP[name].serverOwnedFields;
      expect(owned, name).toContain('rev');
      for (const field of owned) expect(Object.keys(COLLECTIONS[name].properties)).toContain(field);
    }
  });

  it('lists the server-owned fields of transactions, coupons, rewards and reviews', () => {
    expect([...COLLECTION_OWNERSHIP.transactions.serverOwnedFields].sort()).toEqual([
      'effects',
      'outcome',
      'receivedAt',
      'rev',
      'seq',
    ]);
    expect(COLLECTION_OWNERSHIP.coupons.serverOwnedFields).toContain('usage');
    expect(COLLECTION_OWNERSHIP.rewards.serverOwnedFields).toContain('usage');
    expect(COLLECTION_OWNERSHIP.reviews.serverOwnedFields).not.toContain('status');
    expect(COLLECTION_OWNERSHIP.reviews.serverOwnedFields).not.toContain('resolution');
    expect(COLLECTION_OWNERSHIP.reviews.serverOwnedFields).toEqual(
      expect.arrayContaining(['kind', 'summary', 'details', 'memberId', 'updatedAt']),
    );
  });
});

describe('serverOwnedFieldChanges', () => {
  it('accepts a new document with initial server-owned values', () => {
    for (const name of [
      'program',
      'members',
      'transactions',
      'coupons',
      'rewards',
      'staff',
    ] as const) {
      expect(serverOwnedFieldChanges(name, null, sampleDocuments[name]), name).toEqual([]);
    }
  });

  it('flags a terminal that forges the server-applied fields of a new transaction', () => {
    const applied = moreValidDocuments.transactions![0]!;
    expect(serverOwnedFieldChanges('transactions', null, applied).sort()).toEqual([
      'effects',
      'outcome',
      'receivedAt',
      'rev',
      'seq',
    ]);
  });

  it('flags a coupon edit that changes usage or rev, not one that changes the name', () => {
    const current = { ...sampleDocuments.coupons, usage: { used: 4 }, rev: 2 };
    expect(serverOwnedFieldChanges('coupons', current, { ...current, name: 'Renamed' })).toEqual(
      [],
    );
    expect(serverOwnedFieldChanges('coupons', current, { ...current, usage: { used: 0 } })).toEqual(
      ['usage'],
    );
    expect(serverOwnedFieldChanges('coupons', current, { ...current, rev: 3 })).toEqual(['rev']);
  });

  it('lets a manager resolve a review but not rewrite it', () => {
    const current = sampleDocuments.reviews;
    const resolved = moreValidDocuments.reviews![0]!;
    expect(serverOwnedFieldChanges('reviews', current, resolved)).toEqual([]);
    expect(
      serverOwnedFieldChanges('reviews', current, { ...resolved, summary: 'nothing happened' }),
    ).toEqual(['summary']);
    expect(serverOwnedFieldChanges('reviews', null, current)).toContain('kind');
  });

  it('compares by value, not by key order', () => {
    const current = copyOf(sampleDocuments.rewards);
    expect(
      serverOwnedFieldChanges('rewards', current, { ...current, usage: { redeemed: 0 } }),
    ).toEqual([]);
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });
});
