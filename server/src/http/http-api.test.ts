/**
 * The HTTP edge against a real server: enrollment, authentication, and every refused request,
 * each checked to have changed nothing in the database.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, newCouponDoc } from '@tillpoint/protocol';
import { openReview } from '../ledger/reviews.js';
import { connectSse } from '../test-support/sse-client.js';
import type { RunningServer } from '../server.js';
import {
  awaitPullHorizon,
  createTestDatabase,
  testTargets,
} from '../test-support/test-database.js';
import type { TestDatabase } from '../test-support/test-database.js';
import {
  TestClient,
  databaseFingerprint,
  enrollTestTerminal,
  startTestServer,
} from '../test-support/test-server.js';

const STORE = 'store-http';

function coupon(overrides: Record<string, unknown> = {}) {
  return {
    ...newCouponDoc({
      id: 'coupon-1',
      code: 'WELCOME10',
      name: 'Welcome',
      kind: 'percent',
      value: 10,
      updatedAt: '2026-01-01T00:00:00.000Z',
    }),
    ...overrides,
  };
}

describe.each(testTargets())('HTTP API on %s', (target) => {
  let testDb: TestDatabase;
  let server: RunningServer;
  let terminal: TestClient;
  let before: string;

  beforeAll(async () => {
    testDb = await createTestDatabase(target);
    server = await startTestServer(testDb.db, {
      env: { MAX_PUSH_ROWS: '5', MAX_PULL_LIMIT: '50', SSE_HEARTBEAT_SECONDS: '1' },
    });
    terminal = new TestClient(server.url, (await enrollTestTerminal(server, STORE)).token);
    // Something to protect: an existing coupon.
    const created = await terminal.push('coupons', [{ newDocumentState: coupon() }]);
    expect(created.body).toEqual({ conflicts: [] });
  });

  afterAll(async () => {
    await server?.close();
    await testDb?.dispose();
  });

  /** Asserts the response is the error `code` with `status` and that nothing changed. */
  async function expectRefused(
    response: Promise<{ status: number; body: unknown }>,
    status: number,
    code: string,
  ) {
    const { status: actual, body } = await response;
    expect({ status: actual, code: (body as { error?: { code?: string } }).error?.code }).toEqual({
      status,
      code,
    });
    expect(await databaseFingerprint(testDb.db)).toBe(before);
  }

  beforeEach(async () => {
    before = await databaseFingerprint(testDb.db);
  });

  describe('enrollment', () => {
    it('gives a token for a fresh code, once', async () => {
      const { code } = await server.auth.createEnrollmentCode(STORE, 10);
      const anonymous = new TestClient(server.url, undefined);
      const first = await anonymous.request<{ token: string; storeId: string; terminalId: string }>(
        'POST',
        '/api/v1/enroll',
        { enrollmentCode: code.toLowerCase(), terminalName: 'till 2' },
      );
      expect(first.status).toBe(201);
      expect(first.body.storeId).toBe(STORE);
      const pull = await new TestClient(server.url, first.body.token).pull('coupons', null, 10);
      expect(pull.status).toBe(200);
      before = await databaseFingerprint(testDb.db);
      await expectRefused(
        anonymous.request('POST', '/api/v1/enroll', {
          enrollmentCode: code,
          terminalName: 'till 3',
        }),
        409,
        'enrollment-code-used',
      );
    });

    it('enrolls a revoked terminal again with a code made for it: same id, new token', async () => {
      const old = await enrollTestTerminal(server, STORE);
      await server.auth.revokeTerminal(old.terminalId);
      const anonymous = new TestClient(server.url, undefined);
      const enroll = (code: string, terminalId?: string) =>
        anonymous.request<{ token: string; terminalId: string }>('POST', '/api/v1/enroll', {
          enrollmentCode: code,
          terminalName: 'till again',
          ...(terminalId ? { terminalId } : {}),
        });
      // A store's code does not re-enroll, and a terminal's code enrolls nothing else; neither
      // is used up by the attempt.
      const storeCode = (await server.auth.createEnrollmentCode(STORE, 10)).code;
      const { code } = await server.auth.createEnrollmentCode(
        STORE,
        10,
        new Date(),
        old.terminalId,
      );
      before = await databaseFingerprint(testDb.db);
      await expectRefused(enroll(storeCode, old.terminalId), 400, 'enrollment-code-invalid');
      await expectRefused(enroll(code), 400, 'enrollment-code-invalid');

      const again = await enroll(code, old.terminalId);
      expect(again.status).toBe(201);
      expect(again.body.terminalId).toBe(old.terminalId);
      expect(
        (await new TestClient(server.url, again.body.token).pull('coupons', null, 1)).status,
      ).toBe(200);
      const stale = await new TestClient(server.url, old.token).pull('coupons', null, 1);
      expect(stale.status).toBe(401);
      // The store's code still works for a new terminal.
      expect((await enroll(storeCode)).status).toBe(201);
    });

    it('refuses an expired code', async () => {
      const { code } = await server.auth.createEnrollmentCode(
        STORE,
        1,
        new Date(Date.now() - 120_000),
      );
      before = await databaseFingerprint(testDb.db);
      await expectRefused(
        new TestClient(server.url, undefined).request('POST', '/api/v1/enroll', {
          enrollmentCode: code,
          terminalName: 'till',
        }),
        410,
        'enrollment-code-expired',
      );
    });

    it('refuses a wrong code and an invalid body', async () => {
      const anonymous = new TestClient(server.url, undefined);
      await expectRefused(
        anonymous.request('POST', '/api/v1/enroll', {
          enrollmentCode: 'AAAA-BBBB-CCCC',
          terminalName: 'x',
        }),
        400,
        'enrollment-code-invalid',
      );
      await expectRefused(
        anonymous.request('POST', '/api/v1/enroll', { enrollmentCode: 'AAAA-BBBB-CCCC' }),
        400,
        'invalid-body',
      );
    });

    it('stores neither the code nor the token, only their hashes', async () => {
      const { code } = await server.auth.createEnrollmentCode(STORE, 10);
      const enrolled = await new TestClient(server.url, undefined).request<{ token: string }>(
        'POST',
        '/api/v1/enroll',
        { enrollmentCode: code, terminalName: 'till 4' },
      );
      const dump = await databaseFingerprint(testDb.db);
      const tokens = await testDb.db.query<{ token_hash: string }>(
        'SELECT token_hash FROM terminals',
      );
      expect(dump).not.toContain(code.replace(/-/g, ''));
      expect(tokens.rows.map((row) => row.token_hash)).not.toContain(enrolled.body.token);
      expect(tokens.rows.every((row) => /^[0-9a-f]{64}$/.test(row.token_hash))).toBe(true);
    });
  });

  describe('authentication', () => {
    it('refuses a missing, malformed or unknown token', async () => {
      await expectRefused(
        new TestClient(server.url, undefined).pull('coupons', null, 10),
        401,
        'unauthorized',
      );
      await expectRefused(
        terminal.request(
          'POST',
          '/sync/v1/coupons/pull',
          { checkpoint: null, limit: 1 },
          { authorization: 'Basic abc' },
        ),
        401,
        'unauthorized',
      );
      await expectRefused(
        new TestClient(server.url, 'x'.repeat(43)).push('coupons', [
          { newDocumentState: coupon({ id: 'c-x' }) },
        ]),
        401,
        'unauthorized',
      );
    });

    it('refuses a revoked token at once', async () => {
      const revoked = await enrollTestTerminal(server, STORE);
      const client = new TestClient(server.url, revoked.token);
      expect((await client.pull('coupons', null, 1)).status).toBe(200);
      await server.auth.revokeTerminal(revoked.terminalId);
      before = await databaseFingerprint(testDb.db);
      await expectRefused(
        client.push('coupons', [{ newDocumentState: coupon({ id: 'c-r' }) }]),
        401,
        'token-revoked',
      );
    });

    it('ends the event stream of a terminal revoked after it opened', async () => {
      const revoked = await enrollTestTerminal(server, STORE);
      const stream = await connectSse(`${server.url}/sync/v1/stream`, revoked.token, () => {});
      try {
        expect(stream.status).toBe(200);
        await server.auth.revokeTerminal(revoked.terminalId);
        const ended = await Promise.race([
          stream.ended.then(() => 'ended'),
          new Promise((resolve) => setTimeout(() => resolve('still open'), 5_000)),
        ]);
        expect(ended).toBe('ended');
      } finally {
        stream.close();
      }
    });

    it('refuses a missing or different protocol version with 426', async () => {
      await expectRefused(
        terminal.request(
          'POST',
          '/sync/v1/coupons/pull',
          { checkpoint: null, limit: 1 },
          { [PROTOCOL_HEADER]: '999' },
        ),
        426,
        'protocol-version-unsupported',
      );
    });
  });

  describe('bad input changes nothing', () => {
    it('malformed JSON → 400 malformed-json', async () => {
      await expectRefused(
        terminal.request('POST', '/sync/v1/coupons/push', '{"rows": [', {}),
        400,
        'malformed-json',
      );
    });

    it('an invalid body → 400 invalid-body', async () => {
      await expectRefused(
        terminal.request('POST', '/sync/v1/coupons/push', { rows: 'no' }),
        400,
        'invalid-body',
      );
      await expectRefused(
        terminal.request('POST', '/sync/v1/coupons/pull', { limit: 0 }),
        400,
        'invalid-body',
      );
      await expectRefused(
        terminal.request('POST', '/sync/v1/coupons/pull', {
          checkpoint: { xid: 'drop table', seq: 1 },
          limit: 5,
        }),
        400,
        'invalid-body',
      );
    });

    it('text the database cannot store (U+0000, half a surrogate pair) → 400 invalid-body', async () => {
      for (const name of ['Ann\u0000Lee', 'Ann\ud800Lee', 'Ann\udc00', 'Ann\ud83d']) {
        const refused = terminal.push('coupons', [
          { newDocumentState: coupon({ id: 'text-one', code: 'TEXT1', name }) },
        ]);
        await expectRefused(refused, 400, 'invalid-body');
        expect(
          ((await refused).body as unknown as { error: { details: unknown } }).error.details,
        ).toEqual({
          path: '.rows[0].newDocumentState.name',
          row: 0,
        });
      }
      // In a key, and in enrollment's terminal name.
      await expectRefused(
        terminal.push('coupons', [
          { newDocumentState: { ...coupon({ id: 'text-two', code: 'TEXT2' }), 'x\u0000': 1 } },
        ]),
        400,
        'invalid-body',
      );
      await expectRefused(
        new TestClient(server.url, undefined).request('POST', '/api/v1/enroll', {
          enrollmentCode: 'AAAA-BBBB-CCCC',
          terminalName: 'Till\u0000 2',
        }),
        400,
        'invalid-body',
      );
      // The bytes of a UTF-16 body can hold half a surrogate pair without any escape.
      const utf16 = await terminal.request(
        'POST',
        '/sync/v1/coupons/push',
        Buffer.from(
          JSON.stringify({
            rows: [{ newDocumentState: coupon({ id: 'text-16', code: 'TEXT16', name: 'Ann' }) }],
          }).replace('"Ann"', '"Ann\ud800"'),
          'utf16le',
        ),
        { 'content-type': 'application/json; charset=utf-16le' },
      );
      expect(utf16).toMatchObject({
        status: 400,
        body: {
          error: { code: 'invalid-body', details: { path: '.rows[0].newDocumentState.name' } },
        },
      });
      // A backslash before a u is not an escape: such a body is walked, and stored.
      const backslash = await terminal.push('coupons', [
        { newDocumentState: coupon({ id: 'text-four', code: 'TEXT4', name: 'C:\\users' }) },
      ]);
      expect(backslash.body).toEqual({ conflicts: [] });
      // A whole emoji is fine.
      const fine = await terminal.push('coupons', [
        { newDocumentState: coupon({ id: 'text-three', code: 'TEXT3', name: 'Chai 🍵' }) },
      ]);
      expect(fine.body).toEqual({ conflicts: [] });
    });

    it('a body nested deeper than any document → 400 invalid-body, not a crash', async () => {
      const deep = '['.repeat(5_000) + ']'.repeat(5_000);
      await expectRefused(
        terminal.request(
          'POST',
          '/sync/v1/coupons/push',
          `{"rows":[{"newDocumentState":${deep}}]}`,
        ),
        400,
        'invalid-body',
      );
    });

    it('a body that does not decompress, or a path that is not valid percent-encoding → 400', async () => {
      await expectRefused(
        terminal.request('POST', '/sync/v1/coupons/pull', '{"checkpoint":null,"limit":5}', {
          'content-encoding': 'gzip',
        }),
        400,
        'invalid-body',
      );
      await expectRefused(terminal.pull('%ZZ', null, 5), 400, 'invalid-body');
      await expectRefused(terminal.pull('%E0%A4%A', null, 5), 400, 'invalid-body');
    });

    it('a checkpoint past the largest transaction id → 400 invalid-body', async () => {
      await expectRefused(
        terminal.pull('coupons', { xid: '18446744073709551616', seq: 0 }, 5),
        400,
        'invalid-body',
      );
      const largest = await terminal.pull('coupons', { xid: '18446744073709551615', seq: 0 }, 5);
      expect(largest.status).toBe(200);
    });

    it('an invalid document anywhere in the batch → 422, and the valid rows are not written', async () => {
      await expectRefused(
        terminal.push('coupons', [
          { newDocumentState: coupon({ id: 'valid-one', code: 'FINE1' }) },
          { newDocumentState: coupon({ id: 'bad-one', value: -5 }) },
        ]),
        422,
        'invalid-document',
      );
    });

    it('an unknown collection → 404', async () => {
      await expectRefused(terminal.pull('nope', null, 1), 404, 'unknown-collection');
      await expectRefused(terminal.push('nope', []), 404, 'unknown-collection');
    });

    it('a batch over the limit → 413 batch-too-large', async () => {
      const rows = Array.from({ length: 6 }, (_, i) => ({
        newDocumentState: coupon({ id: `c${i}`, code: `CODE${i}` }),
      }));
      await expectRefused(terminal.push('coupons', rows), 413, 'batch-too-large');
    });

    it('a server-owned collection → 403 forbidden-collection', async () => {
      await expectRefused(terminal.push('accounts', []), 403, 'forbidden-collection');
    });

    it('creating a review (terminals may only resolve them) → 403 forbidden-collection', async () => {
      const review = {
        id: 'review-1',
        kind: 'overdraft',
        summary: 'made up',
        details: {},
        createdAt: '2026-01-01T00:00:00.000Z',
        status: 'open',
        rev: 0,
        updatedAt: '2026-01-01T00:00:00.000Z',
      };
      await expectRefused(
        terminal.push('reviews', [{ newDocumentState: review }]),
        403,
        'forbidden-collection',
      );
    });

    it('deleting a review (terminals may only resolve them) → 403 server-owned-field', async () => {
      await testDb.db.transaction((tx) =>
        openReview(
          tx,
          server.registry,
          { id: 'overdraft:tx-http', kind: 'overdraft', summary: 'Overdraft', details: {} },
          new Date(),
        ),
      );
      before = await databaseFingerprint(testDb.db);
      // Other test files' transactions on the same cluster can hold the pull horizon back.
      await awaitPullHorizon(testDb.db);
      const review = (await terminal.pull('reviews', null, 50)).body.documents.find(
        (doc) => doc['id'] === 'overdraft:tx-http',
      )!;
      await expectRefused(
        terminal.push('reviews', [
          { assumedMasterState: review, newDocumentState: { ...review, _deleted: true } },
        ]),
        403,
        'server-owned-field',
      );
      // Resolving it is what terminals do.
      const resolution = {
        note: 'Talked to the member',
        staffId: 'manager-1',
        at: review['createdAt'],
      };
      const resolved = await terminal.push('reviews', [
        {
          assumedMasterState: review,
          newDocumentState: { ...review, status: 'resolved', resolution },
        },
      ]);
      expect(resolved.body).toEqual({ conflicts: [] });
    });

    it('a forged server-owned field → 403 server-owned-field, the whole batch refused', async () => {
      const current = (await terminal.pull('coupons', null, 50)).body.documents.find(
        (doc) => doc['id'] === 'coupon-1',
      )!;
      await expectRefused(
        terminal.push('coupons', [
          { newDocumentState: coupon({ id: 'another', code: 'ANOTHER' }) },
          { assumedMasterState: current, newDocumentState: { ...current, usage: { used: 9 } } },
        ]),
        403,
        'server-owned-field',
      );
      await expectRefused(
        terminal.push('coupons', [
          { newDocumentState: coupon({ id: 'forged', code: 'FORGED', usage: { used: 7 } }) },
        ]),
        403,
        'server-owned-field',
      );
      // Echoing the server's value while editing a manager's field is what terminals do: accepted.
      const edit = await terminal.push('coupons', [
        { assumedMasterState: current, newDocumentState: { ...current, name: 'Welcome back' } },
      ]);
      expect(edit.body).toEqual({ conflicts: [] });
    });
  });
});
