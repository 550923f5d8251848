import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  ERROR_HTTP_STATUS,
  EnrollRequestSchema,
  EnrollResponseSchema,
  ErrorBodySchema,
  MAX_PULL_LIMIT,
  MAX_PUSH_ROWS,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  PullRequestSchema,
  PullResponseSchema,
  PushRequestSchema,
  PushResponseSchema,
  StreamEventSchema,
  errorBody,
  isSupportedProtocolVersion,
  parsePullRequest,
  parsePushRequest,
  validateDocument,
} from './wire.js';
import { COLLECTION_NAMES } from './schemas/index.js';
import { MEMBER_ID, copyOf, sampleDocuments } from './test-fixtures.js';
import type { z } from 'zod';

function table(schema: z.ZodType, valid: readonly unknown[], invalid: readonly unknown[]) {
  for (const value of valid) {
    it(`accepts ${JSON.stringify(value).slice(0, 90)}`, () => {
      expect(schema.safeParse(value).error?.issues ?? []).toEqual([]);
    });
  }
  for (const value of invalid) {
    it(`refuses ${JSON.stringify(value)?.slice(0, 90)}`, () => {
      expect(schema.safeParse(value).success).toBe(false);
    });
  }
}

const member = sampleDocuments.members;

describe('protocol version', () => {
  it('is version 1 in the x-tillpoint-protocol header', () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(PROTOCOL_HEADER).toBe('x-tillpoint-protocol');
  });
  it.each([
    ['1', true],
    [' 1 ', true],
    [['1'], true],
    ['2', false],
    ['', false],
    [undefined, false],
  ] as const)('header %j supported: %s', (header, supported) => {
    expect(isSupportedProtocolVersion(header)).toBe(supported);
  });
});

describe('EnrollRequest', () => {
  table(
    EnrollRequestSchema,
    [{ enrollmentCode: 'ABCD-1234', terminalName: 'Till 1' }],
    [
      { enrollmentCode: 'AB', terminalName: 'Till 1' },
      { enrollmentCode: 'ABCD-1234', terminalName: '   ' },
      { enrollmentCode: 'ABCD-1234' },
      { enrollmentCode: 'ABCD-1234', terminalName: 'Till 1', storeId: 'store-9' },
      null,
    ],
  );
});

describe('EnrollResponse', () => {
  table(
    EnrollResponseSchema,
    [{ terminalId: 'terminal-1', storeId: 'store-1', token: 'x'.repeat(43) }],
    [
      { terminalId: 'terminal-1', storeId: 'store-1', token: 'short' },
      { terminalId: '', storeId: 'store-1', token: 'x'.repeat(43) },
    ],
  );
});

describe('PullRequest', () => {
  table(
    PullRequestSchema,
    [
      { checkpoint: null, limit: 1 },
      { checkpoint: { seq: 10, horizon: '123' }, limit: MAX_PULL_LIMIT },
    ],
    [
      { checkpoint: null, limit: 0 },
      { checkpoint: null, limit: MAX_PULL_LIMIT + 1 },
      { checkpoint: null, limit: 10.5 },
      { checkpoint: 'seq-10', limit: 10 },
      { checkpoint: [], limit: 10 },
      { limit: 10 },
    ],
  );
  it('parsePullRequest refuses with invalid-body and says which field', () => {
    const result = parsePullRequest({ checkpoint: null, limit: 5000 });
    expect(result).toMatchObject({ ok: false, refusal: { code: 'invalid-body' } });
    expect(!result.ok && result.refusal.message).toContain('limit');
  });
});

describe('PullResponse, PushResponse, PushRequest shapes', () => {
  table(
    PullResponseSchema,
    [
      { documents: [], checkpoint: null },
      { documents: [{ ...member, _deleted: false }], checkpoint: { seq: 1 } },
    ],
    [{ documents: [1], checkpoint: null }, { documents: [] }],
  );
  table(
    PushResponseSchema,
    [{ conflicts: [] }, { conflicts: [member] }],
    [{ conflicts: null }, {}],
  );
  table(
    PushRequestSchema,
    [
      { rows: [] },
      { rows: [{ newDocumentState: member }] },
      { rows: [{ assumedMasterState: null, newDocumentState: member }] },
      { rows: [{ assumedMasterState: member, newDocumentState: member }] },
    ],
    [{ rows: [{ assumedMasterState: member }] }, { rows: {} }, { docs: [] }],
  );
});

describe('stream events', () => {
  table(
    StreamEventSchema,
    [{ type: 'changes', collection: 'members', checkpoint: { seq: 3 } }, { type: 'resync' }],
    [
      { type: 'changes', collection: 'customers', checkpoint: { seq: 3 } },
      { type: 'changes', collection: 'members' },
      { type: 'ping' },
    ],
  );
});

describe('ErrorBody', () => {
  it('has an HTTP status for every error code, and errorBody builds valid bodies', () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
      expect(ErrorBodySchema.safeParse(errorBody(code, 'm')).success).toBe(true);
    }
    expect(errorBody('batch-too-large', 'too many', { maxRows: 500 })).toEqual({
      error: { code: 'batch-too-large', message: 'too many', details: { maxRows: 500 } },
    });
  });
  table(
    ErrorBodySchema,
    [
      {
        error: {
          code: 'server-owned-field',
          message: 'seq is the server’s',
          details: { field: 'seq' },
        },
      },
    ],
    [
      { error: { code: 'teapot', message: 'x' } },
      { error: { code: 'internal' } },
      { code: 'internal' },
    ],
  );
});

describe('validateDocument', () => {
  it.each(COLLECTION_NAMES)('accepts the sample %s document, with and without _deleted', (name) => {
    expect(validateDocument(name, sampleDocuments[name])).toMatchObject({ ok: true });
    const deleted = validateDocument(name, { ...sampleDocuments[name], _deleted: true });
    expect(deleted).toMatchObject({ ok: true, value: { _deleted: true } });
  });

  const refusals: readonly [string, string, unknown, string][] = [
    [
      'members',
      'phone not E.164',
      { ...member, phone: '2125550123', phoneSuffix: '0123' },
      'phone',
    ],
    ['members', 'RxDB internals', { ...member, _rev: '1-abc' }, ''],
    ['members', '_deleted not boolean', { ...member, _deleted: 'no' }, '_deleted'],
    [
      'transactions',
      'amount not an integer',
      { ...sampleDocuments.transactions, orderTotal: 45.99 },
      'orderTotal',
    ],
    [
      'transactions',
      'negative amount',
      { ...sampleDocuments.transactions, amountPaid: -1 },
      'amountPaid',
    ],
    [
      'transactions',
      'time with offset',
      { ...sampleDocuments.transactions, occurredAt: '2025-03-14T16:09:26.535+01:00' },
      'occurredAt',
    ],
    ['coupons', 'lower-case code', { ...sampleDocuments.coupons, code: 'summer10' }, 'code'],
    ['rewards', 'negative stock', { ...sampleDocuments.rewards, stock: -1 }, 'stock'],
    ['staff', 'PIN instead of hash', { ...sampleDocuments.staff, pinHash: '1234' }, 'pinHash'],
    ['reviews', 'details not an object', { ...sampleDocuments.reviews, details: [] }, 'details'],
    ['accounts', 'balance as string', { ...sampleDocuments.accounts, balance: '10' }, 'balance'],
    ['program', 'negative revision', { ...sampleDocuments.program, rev: -1 }, 'rev'],
    ['members', 'not an object', 'member', ''],
  ];
  it.each(refusals)('%s: refuses %s', (name, _label, doc, path) => {
    const result = validateDocument(name, doc);
    expect(result).toMatchObject({ ok: false, refusal: { code: 'invalid-document' } });
    if (!result.ok) {
      const issues = result.refusal.details?.issues as { path: string }[];
      expect(issues.map((issue) => issue.path)).toContain(path);
    }
  });

  it('refuses an unknown collection', () => {
    expect(validateDocument('customers', member)).toMatchObject({
      ok: false,
      refusal: { code: 'unknown-collection' },
    });
  });

  it('fills program defaults so every node reads the same settings', () => {
    const result = validateDocument('program', {
      ...sampleDocuments.program,
      settings: { version: 1, name: 'Chai Club' },
    });
    expect(result.ok && result.value.settings.redemption.pointsPerUnit).toBe(100);
    expect(result.ok && result.value.settings.name).toBe('Chai Club');
  });
});

describe('parsePushRequest', () => {
  const row = { assumedMasterState: null, newDocumentState: member };

  it('returns the validated rows', () => {
    const result = parsePushRequest('members', {
      rows: [
        row,
        {
          assumedMasterState: member,
          newDocumentState: { ...member, name: 'Zoe A', searchName: 'zoe a' },
        },
      ],
    });
    expect(result.ok && result.value.rows.map((r) => r.newDocumentState.name)).toEqual([
      'Zoë Ångström',
      'Zoe A',
    ]);
  });

  it('refuses more than MAX_PUSH_ROWS rows with batch-too-large', () => {
    const rows = Array.from({ length: MAX_PUSH_ROWS + 1 }, () => row);
    expect(parsePushRequest('members', { rows })).toMatchObject({
      ok: false,
      refusal: {
        code: 'batch-too-large',
        details: { maxRows: MAX_PUSH_ROWS, rows: MAX_PUSH_ROWS + 1 },
      },
    });
    expect(parsePushRequest('members', { rows: rows.slice(1) }).ok).toBe(true);
  });

  it('refuses a malformed body with invalid-body', () => {
    expect(parsePushRequest('members', { rows: 'all' })).toMatchObject({
      ok: false,
      refusal: { code: 'invalid-body' },
    });
    expect(parsePushRequest('members', null)).toMatchObject({
      ok: false,
      refusal: { code: 'invalid-body' },
    });
  });

  it('says which row holds an invalid document', () => {
    const bad = { assumedMasterState: null, newDocumentState: { ...member, phone: 'call me' } };
    const result = parsePushRequest('members', { rows: [row, bad] });
    expect(result).toMatchObject({
      ok: false,
      refusal: { code: 'invalid-document', details: { row: 1, part: 'newDocumentState' } },
    });
  });

  it('checks the assumed master state too', () => {
    const result = parsePushRequest('members', {
      rows: [{ assumedMasterState: { id: MEMBER_ID }, newDocumentState: member }],
    });
    expect(result).toMatchObject({
      ok: false,
      refusal: { details: { row: 0, part: 'assumedMasterState' } },
    });
  });

  it('refuses an unknown collection', () => {
    expect(parsePushRequest('customers', { rows: [] })).toMatchObject({
      ok: false,
      refusal: { code: 'unknown-collection' },
    });
  });

  it('does not let a push change the sample it was given', () => {
    const body = { rows: [copyOf(row)] };
    parsePushRequest('members', body);
    expect(body.rows[0]).toEqual(row);
  });
});
