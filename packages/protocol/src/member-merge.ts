/**
 * Two versions of one member made one, the same way on the server (a push not based on the
 * current revision) and on a till (RxDB's conflict handler): field by field by hybrid logical
 * clock (`mergeFieldwise`), then the server's decisions kept whatever the clocks say:
 *
 * - an erased member stays erased: the server's erased document is the result, so no field a
 *   till edited (offline, or with a clock ahead) comes back;
 * - a merge the server made stays: `status` and `mergedInto` (with their clocks) are the
 *   server's, unless the other version is the erasure.
 *
 * Without these on the till, an edit of a member the server had erased or merged resolved into
 * a document the server refuses (an erased member with a name), and the till's member pushes
 * and pulls stopped for good.
 */
import { mergeFieldwise } from './hlc.js';
import type { FieldClocked } from './hlc.js';

/** What the rules read of a member version (the protocol's MemberDoc, stored or pushed). */
export interface MemberVersion extends FieldClocked {
  readonly status?: string;
  readonly mergedInto?: string;
}

/** `candidate` (a merge or an edit of `master`) with the server's erasure and merge kept. */
export function keepServerDecisions<T extends MemberVersion>(master: T, candidate: T): T {
  if (master.status === 'erased') return { ...master };
  if (master.status !== 'merged' || candidate.status === 'erased') return candidate;
  const clocks: Record<string, string | undefined> = { ...candidate.fieldClocks };
  for (const field of ['status', 'mergedInto'] as const) {
    if (master.fieldClocks[field] === undefined) delete clocks[field];
    else clocks[field] = master.fieldClocks[field];
  }
  return { ...candidate, status: 'merged', mergedInto: master.mergedInto, fieldClocks: clocks };
}

/** The field-by-field merge of `master` and `other`, with the server's decisions kept. */
export function mergeMemberVersions<T extends MemberVersion>(master: T, other: T): T {
  if (master.status === 'erased') return { ...master };
  return keepServerDecisions(master, mergeFieldwise(other, master));
}
