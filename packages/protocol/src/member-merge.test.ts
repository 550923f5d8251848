import { describe, expect, it } from 'vitest';
import { mergeFieldwise, stampFields } from './hlc.js';
import { keepServerDecisions, mergeMemberVersions } from './member-merge.js';
import { ERASED_MEMBER_FIELDS } from './new-documents.js';
import type { MemberDoc } from './schemas/index.js';
import { MemberDocSchema } from './schemas/index.js';
import { sampleDocuments } from './test-fixtures.js';

const clock = (ms: number, node = 'till-a') => `${String(ms).padStart(15, '0')}-00000-${node}`;
const T0 = Date.parse('2026-11-01T12:00:00.000Z');
const base: MemberDoc = sampleDocuments.members;

describe('two versions of a member made one', () => {
  it('merges field by field when the server decided nothing', () => {
    const renamed = stampFields(base, { name: 'Ada King', searchName: 'ada king' }, clock(T0 + 10));
    const emailed = stampFields(base, { email: 'ada@example.com' }, clock(T0 + 20, 'till-b'));
    expect(mergeMemberVersions(emailed, renamed)).toEqual(mergeFieldwise(renamed, emailed));
    expect(mergeMemberVersions(emailed, renamed)).toMatchObject({
      name: 'Ada King',
      email: 'ada@example.com',
    });
  });

  it('keeps an erasure over an edit with a later clock (offline, or a clock ahead)', () => {
    const erased = stampFields(base, ERASED_MEMBER_FIELDS as never, clock(T0 + 10, 'server'));
    const edited = stampFields(base, { name: 'Ada King' }, clock(T0 + 60_000));
    const merged = mergeMemberVersions(erased, edited);
    expect(merged).toEqual(erased);
    // What the server would refuse if the edit won: an erased member with a name.
    expect(MemberDocSchema.safeParse(merged).success).toBe(true);
    expect(
      MemberDocSchema.safeParse({ ...erased, name: 'Ada King', searchName: 'ada king' }).success,
    ).toBe(false);
    expect(keepServerDecisions(erased, edited)).toEqual(erased);
  });

  it("keeps the server's merge of a duplicate and merges the other fields", () => {
    const merged = stampFields(
      base,
      { status: 'merged', mergedInto: '01890a5d-ac96-774b-bcce-b302099a8000' } as never,
      clock(T0 + 10, 'server'),
    );
    const reactivated = stampFields(
      base,
      { status: 'active', name: 'Ada King', searchName: 'ada king' },
      clock(T0 + 60_000),
    );
    const result = mergeMemberVersions(merged, reactivated);
    expect(result).toMatchObject({
      status: 'merged',
      mergedInto: merged.mergedInto,
      name: 'Ada King',
    });
    expect(result.fieldClocks.status).toBe(merged.fieldClocks.status);
    expect(result.fieldClocks.name).toBe(clock(T0 + 60_000));
  });
});
