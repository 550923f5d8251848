import { describe, expect, it } from 'vitest';
import { getAjv } from 'rxdb/plugins/validate-ajv';
import { COLLECTIONS, COLLECTION_NAMES, DOCUMENT_SCHEMAS } from './index.js';
import type { CollectionName } from './index.js';
import {
  CHECKOUT_ID,
  MEMBER_ID,
  OTHER_MEMBER_ID,
  copyOf,
  moreValidDocuments,
  sampleDocuments,
} from '../test-fixtures.js';

/**
 * The RxDB JSON Schema (checked by ajv, as on the terminal) and the zod mirror (checked at
 * the server's edge) must accept and refuse the same documents. Every field of every sample
 * is deleted, replaced by each value of a pool of plausible wrong and right values, and given
 * an unknown sibling; both validators must agree on each result.
 *
 * The zod side also enforces rules across fields that JSON Schema does not express; the fields
 * those rules read are listed here and checked by their own tests instead.
 */
const ZOD_ONLY_FIELDS: { readonly [C in CollectionName]: readonly string[] } = {
  // settings: ProgramSettingsSchema; version must equal settings.version
  program: ['settings', 'version'],
  // erasure blanks personal fields, suffix and search name derive from phone and name, merges
  members: [
    'id',
    'phone',
    'phoneSuffix',
    'name',
    'searchName',
    'status',
    'mergedInto',
    'referredBy',
    'email',
    'birthday',
    'anniversary',
    'occasions',
    'notes',
  ],
  accounts: ['id', 'memberId'],
  // fields each kind needs; seq, receivedAt, outcome and effects come together
  transactions: [
    'kind',
    'orderTotal',
    'refundOf',
    'adjustmentPoints',
    'reason',
    'rewardId',
    'inviteeMemberId',
    'seq',
    'receivedAt',
    'outcome',
    'effects',
  ],
  // the coupon rules of @tillpoint/loyalty
  coupons: [
    'kind',
    'value',
    'freeItem',
    'maxDiscount',
    'startsAt',
    'expiresAt',
    'usageLimit',
    'perMemberLimit',
  ],
  rewards: ['validFrom', 'validUntil'],
  staff: [],
  reviews: ['status', 'resolution'],
};

const POOL: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  3,
  100,
  1.5,
  2 ** 53,
  -(2 ** 53),
  '',
  'x',
  'A'.repeat(3000),
  '🙂'.repeat(61),
  [],
  ['x'],
  [1],
  {},
  { x: 1 },
  '2025-01-01T00:00:00.000Z',
  '2025-01-01T00:00:00Z',
  '2025-13-01T00:00:00.000Z',
  '1990-05-15',
  '--05-15',
  '+12125550123',
  '+1 212 555 0123',
  '0123',
  'SUMMER10',
  'silver',
  'Silver',
  'open',
  'checkout',
  'percent',
  'cashier',
  'active',
  '11:00',
  '24:00',
  MEMBER_ID,
  OTHER_MEMBER_ID,
  CHECKOUT_ID,
  MEMBER_ID.toUpperCase(),
  '0190a6f2-7c3e-4a10-8b2c-1d2e3f405162',
  'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
  '001741964966535-00000-terminal-1',
];

type Json = Record<string, unknown> | unknown[];
type Path = readonly (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => [[...prefix, i], ...pathsOf(item, [...prefix, i])]);
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      [...prefix, key],
      ...pathsOf(item, [...prefix, key]),
    ]);
  }
  return [];
}

function parentOf(doc: Json, path: Path): Json {
  let node: unknown = doc;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  return node as Json;
}

function mutationsOf(doc: Record<string, unknown>, path: Path) {
  const key = path[path.length - 1]!;
  const result: { label: string; doc: Record<string, unknown> }[] = [];
  const removed = copyOf(doc);
  const parent = parentOf(removed, path);
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key as string];
  result.push({ label: 'deleted', doc: removed });
  for (const value of POOL) {
    const replaced = copyOf(doc);
    (parentOf(replaced, path) as Record<string | number, unknown>)[key] = copyOf(value);
    result.push({ label: `= ${JSON.stringify(value)?.slice(0, 40)}`, doc: replaced });
  }
  const target = parentOf(doc, [...path, 'x']) as Record<string | number, unknown>;
  if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
    const extended = copyOf(doc);
    (parentOf(extended, [...path, 'unknownField']) as Record<string, unknown>).unknownField = 1;
    result.push({ label: 'unknown field added', doc: extended });
  }
  return result;
}

const ajvValidators = new Map<CollectionName, (doc: unknown) => boolean>(
  COLLECTION_NAMES.map((name) => {
    const validate = getAjv().compile(COLLECTIONS[name]);
    return [name, (doc: unknown) => validate(doc)];
  }),
);

function validByJsonSchema(name: CollectionName, doc: unknown): boolean {
  return ajvValidators.get(name)!(doc);
}

function validByZod(name: CollectionName, doc: unknown): boolean {
  return DOCUMENT_SCHEMAS[name].safeParse(doc).success;
}

describe('JSON Schema and zod agree', () => {
  for (const name of COLLECTION_NAMES) {
    const samples = [sampleDocuments[name], ...(moreValidDocuments[name] ?? [])];

    it(`accept every sample ${name} document`, () => {
      for (const doc of samples) {
        expect(validByJsonSchema(name, doc)).toBe(true);
        expect(DOCUMENT_SCHEMAS[name].safeParse(doc).error?.issues ?? []).toEqual([]);
      }
    });

    it(`agree on every single-field change of a ${name} document`, () => {
      const disagreements: string[] = [];
      let refusedByBoth = 0;
      for (const sample of samples) {
        const doc = copyOf(sample) as Record<string, unknown>;
        for (const path of pathsOf(doc)) {
          if (ZOD_ONLY_FIELDS[name].includes(String(path[0]))) continue;
          for (const mutation of mutationsOf(doc, path)) {
            const byJson = validByJsonSchema(name, mutation.doc);
            const byZod = validByZod(name, mutation.doc);
            if (byJson !== byZod) {
              disagreements.push(
                `${path.join('.')} ${mutation.label}: JSON Schema ${byJson ? 'accepts' : 'refuses'}, zod ${byZod ? 'accepts' : 'refuses'}`,
              );
            }
            if (!byJson && !byZod) refusedByBoth++;
          }
        }
      }
      expect(disagreements).toEqual([]);
      // The pool must actually break documents, or the comparison proves nothing.
      expect(refusedByBoth).toBeGreaterThan(50);
    });
  }
});

describe('rules only zod enforces', () => {
  const cases: readonly [CollectionName, string, (doc: Record<string, unknown>) => void][] = [
    [
      'program',
      'settings invalid for the rules package',
      (doc) => (doc.settings = { currency: 'dollars' }),
    ],
    ['program', 'version differs from settings.version', (doc) => (doc.version = 2)],
    ['members', 'phone suffix not the end of the phone', (doc) => (doc.phoneSuffix = '9999')],
    ['members', 'search name not derived from the name', (doc) => (doc.searchName = 'someone')],
    [
      'members',
      'empty phone on an active member',
      (doc) => ((doc.phone = ''), (doc.phoneSuffix = '')),
    ],
    ['members', 'erased member with a name', (doc) => (doc.status = 'erased')],
    ['members', 'merged member without survivor', (doc) => (doc.status = 'merged')],
    ['members', 'survivor on an active member', (doc) => (doc.mergedInto = OTHER_MEMBER_ID)],
    ['members', 'member refers itself', (doc) => (doc.referredBy = MEMBER_ID)],
    ['accounts', 'memberId differs from id', (doc) => (doc.memberId = OTHER_MEMBER_ID)],
    ['transactions', 'checkout without order total', (doc) => delete doc.orderTotal],
    ['transactions', 'refund without refundOf', (doc) => (doc.kind = 'refund')],
    ['transactions', 'seq without outcome', (doc) => (doc.seq = 1)],
    ['coupons', 'percent above 100', (doc) => (doc.value = 150)],
    ['coupons', 'expires before it starts', (doc) => (doc.expiresAt = '2025-05-01T00:00:00.000Z')],
    ['coupons', 'per-member limit above usage limit', (doc) => (doc.perMemberLimit = 1000)],
    [
      'coupons',
      'free item on a percent coupon',
      (doc) => (doc.freeItem = { sku: 'A', name: 'A', value: 1 }),
    ],
    [
      'rewards',
      'valid until before valid from',
      (doc) => (doc.validUntil = '2024-01-01T00:00:00.000Z'),
    ],
    ['reviews', 'resolved without resolution', (doc) => (doc.status = 'resolved')],
  ];
  for (const [name, label, change] of cases) {
    it(`${name}: ${label} is refused by zod (RxDB schema cannot say it)`, () => {
      const doc = copyOf(sampleDocuments[name]) as Record<string, unknown>;
      change(doc);
      expect(validByZod(name, doc)).toBe(false);
    });
  }
});
