/**
 * Members: profile edits merged field by field (hybrid logical clocks, `mergeMemberVersions` of
 * @tillpoint/protocol), one phone number per live member, and duplicate enrollments merged
 * into the earliest member (createdAt, then id) with the ledgers folded together.
 */
import {
  MemberDocSchema,
  compareHlc,
  formatHlc,
  hlcTick,
  keepServerDecisions,
  mergeMemberVersions,
  parseHlc,
} from '@tillpoint/protocol';
import type { Hlc, MemberDoc } from '@tillpoint/protocol';
import type { DbTransaction } from '../db/database.js';
import { ServiceError } from '../errors.js';
import { lockMembers, lockPhone, resolveSurvivors } from '../ledger/ledger-repository.js';
import { refoldSurvivor } from '../ledger/ledger-service.js';
import type { LedgerContext } from '../ledger/ledger-service.js';
import { openReview } from '../ledger/reviews.js';
import { logger } from '../logger.js';
import type { PushContext, PushHandler } from '../sync/collection-handlers.js';
import {
  assertServerOwnedFieldsUnchanged,
  assumedRevOf,
  jsonEqual,
} from '../sync/collection-handlers.js';
import {
  primaryKeyOf,
  readDocuments,
  writeDocument,
  writeDocumentIfRev,
} from '../sync/document-store.js';
import type { DocumentState, SyncDocument } from '../sync/sync-types.js';

/** A member document without the server's bookkeeping (`rev`, `updatedAt`). */
type MemberState = Omit<MemberDoc, 'rev' | 'updatedAt'> & { _deleted?: boolean };

const BOOKKEEPING = new Set(['rev', 'updatedAt', '_deleted']);

function fieldsOf(doc: Readonly<Record<string, unknown>>): MemberState {
  return Object.fromEntries(
    Object.entries(doc).filter(([key]) => !BOOKKEEPING.has(key)),
  ) as unknown as MemberState;
}

function isLive(member: MemberState & { _deleted?: boolean }): boolean {
  return member.status !== 'merged' && member.status !== 'erased' && member._deleted !== true;
}

/** The earlier of two members: the survivor of a duplicate. */
function isEarlier(a: MemberState, b: MemberState): boolean {
  const at = Date.parse(a.createdAt);
  const bt = Date.parse(b.createdAt);
  return at !== bt ? at < bt : a.id < b.id;
}

/** A server stamp later than every clock on the document. */
export function serverClock(member: Pick<MemberState, 'fieldClocks'>, now: Date): string {
  let latest: Hlc | undefined;
  for (const text of Object.values(member.fieldClocks)) {
    const clock = text === undefined ? undefined : parseHlc(text);
    if (clock && (!latest || compareHlc(clock, latest) > 0)) latest = clock;
  }
  return formatHlc(hlcTick(latest, now.getTime(), 'server'));
}

function markMerged(member: MemberState, survivorId: string, now: Date): MemberState {
  const clock = serverClock(member, now);
  return {
    ...member,
    status: 'merged',
    mergedInto: survivorId,
    fieldClocks: { ...member.fieldClocks, status: clock, mergedInto: clock },
  };
}

function sameFields(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>) {
  return (
    jsonEqual(fieldsOf(a), fieldsOf(b)) && (a['_deleted'] === true) === (b['_deleted'] === true)
  );
}

/**
 * The document the server keeps for one pushed row: the pushed state when it was based on the
 * current revision, else the field-by-field merge of master and pushed state. Either way an
 * erasure stays, and a merge the server made stays (`keepServerDecisions`, the rule a till's
 * conflict handler applies too).
 */
function candidateFor(
  master: SyncDocument | undefined,
  state: DocumentState,
  basedOnMaster: boolean,
): MemberState {
  if (!master) return { ...fieldsOf(state), _deleted: state['_deleted'] === true };
  // An erased member stays erased, whatever a till pushes (privacy.ts): nothing comes back.
  if (master['status'] === 'erased') {
    return { ...fieldsOf(master), _deleted: master['_deleted'] === true };
  }
  const before = fieldsOf(master);
  const pushed = fieldsOf(state);
  return basedOnMaster
    ? { ...keepServerDecisions(before, pushed), _deleted: state['_deleted'] === true }
    : {
        ...mergeMemberVersions(before, pushed),
        _deleted: master['_deleted'] === true || state['_deleted'] === true,
      };
}

export const membersPushHandler: PushHandler = async (ctx, rows) => {
  const { tx, collection } = ctx;
  const ids = rows.map((row) => primaryKeyOf(collection, row.newDocumentState));
  const current = await readDocuments(tx, collection, ids, { forUpdate: true });
  const conflicts: SyncDocument[] = [];
  for (const [index, row] of rows.entries()) {
    const id = ids[index] as string;
    const master = current.get(id);
    const state = row.newDocumentState;
    const basedOnMaster = master !== undefined && assumedRevOf(row) === master.rev;
    if (master === undefined || basedOnMaster)
      assertServerOwnedFieldsUnchanged(collection, master, state);
    const candidate = candidateFor(master, state, basedOnMaster);
    const problems = MemberDocSchema.safeParse({
      ...fieldsOf(candidate),
      rev: 0,
      updatedAt: ctx.now.toISOString(),
    });
    if (!problems.success) {
      // Two valid versions merged into an invalid one (a status and its mergedInto edited
      // apart): keep the master; the terminal adopts it and can edit again.
      if (master) conflicts.push(master);
      else
        throw new ServiceError('invalid-document', `row ${index}: invalid members document`, {
          row: index,
        });
      continue;
    }
    if (master && sameFields(master, candidate)) {
      // Nothing to write. The till adopts the master when its copy differs, or when it does not
      // know the master's revision: a push retried after its answer was lost, say. Otherwise the
      // till would take its own copy, with an older revision, as the master's for good.
      if (!basedOnMaster || !sameFields(master, state)) conflicts.push(master);
      continue;
    }
    const written = await settleMember(ctx, master, candidate);
    current.set(id, written);
    if (!sameFields(written, state)) conflicts.push(written);
  }
  return conflicts;
};

function ledgerContext(ctx: PushContext): LedgerContext {
  return { tx: ctx.tx, registry: ctx.registry, now: ctx.now, metrics: ctx.metrics };
}

async function write(
  ctx: PushContext,
  master: SyncDocument | undefined,
  member: MemberState,
): Promise<SyncDocument> {
  const collection = ctx.registry.require('members');
  if (master) return writeDocument(ctx.tx, collection, member);
  const result = await writeDocumentIfRev(ctx.tx, collection, member, null);
  if (!result.ok) {
    // The same new id created by a concurrent push: retry the push against what it wrote.
    throw Object.assign(new Error(`member ${member.id} was created concurrently`), {
      code: '40001',
    });
  }
  return result.document;
}

/**
 * Writes the member, enforcing one live member per phone: a live member whose phone another
 * live member already has is a duplicate, merged into the earlier of the two.
 */
async function settleMember(
  ctx: PushContext,
  master: SyncDocument | undefined,
  candidate: MemberState,
): Promise<SyncDocument> {
  const before = master ? (fieldsOf(master) as MemberState & { _deleted?: boolean }) : undefined;
  const phoneIsNew =
    isLive(candidate) &&
    !(
      before &&
      isLive({ ...before, _deleted: master?._deleted === true }) &&
      before.phone === candidate.phone
    );
  if (phoneIsNew) {
    await lockPhone(ctx.tx, candidate.phone);
    const holder = await livePhoneHolder(ctx.tx, candidate.phone, candidate.id);
    if (holder) {
      const [survivor, loser] = isEarlier(holder, candidate)
        ? [holder, candidate]
        : [candidate, holder];
      let written: SyncDocument;
      if (loser === candidate) {
        written = await write(ctx, master, markMerged(candidate, survivor.id, ctx.now));
      } else {
        await writeDocument(
          ctx.tx,
          ctx.registry.require('members'),
          markMerged(holder, candidate.id, ctx.now),
        );
        written = await write(ctx, master, candidate);
      }
      await mergeLedgers(
        ctx,
        survivor.id,
        loser.id,
        `the phone ${candidate.phone} was enrolled twice`,
      );
      return written;
    }
    return write(ctx, master, candidate);
  }
  if (candidate.status === 'merged' && before?.status !== 'merged') {
    // A manager merged two members on a terminal.
    const target = candidate.mergedInto as string;
    const { survivors, members } = await resolveSurvivors(ctx.tx, ctx.registry, [target]);
    const survivorId = survivors.get(target) as string;
    const survivor = members.get(survivorId);
    if (!survivor || survivorId === candidate.id || !isLive(survivor)) {
      throw new ServiceError(
        'invalid-document',
        `member ${candidate.id} cannot be merged into ${target}`,
        {
          memberId: candidate.id,
          mergedInto: target,
        },
      );
    }
    const written = await write(ctx, master, { ...candidate, mergedInto: survivorId });
    await mergeLedgers(ctx, survivorId, candidate.id, 'a manager merged the two members');
    return written;
  }
  return write(ctx, master, candidate);
}

async function livePhoneHolder(
  tx: DbTransaction,
  phone: string,
  exceptId: string,
): Promise<MemberState | undefined> {
  const { rows } = await tx.query<{ body: MemberState }>(
    `SELECT body FROM sync_documents
      WHERE collection = 'members' AND NOT deleted AND body ->> 'phone' = $1
        AND body ->> 'status' NOT IN ('merged', 'erased') AND id <> $2
      ORDER BY id
      FOR UPDATE`,
    [phone, exceptId],
  );
  return rows[0]?.body;
}

/**
 * Folds the loser's ledger into the survivor's: the survivor's account is re-folded from the
 * union of both ledgers in seq order, the loser's account is zeroed (its member is marked
 * merged), and a 'merged-duplicate' review is opened.
 */
export async function mergeLedgers(
  ctx: PushContext,
  survivorId: string,
  loserId: string,
  why: string,
): Promise<void> {
  await lockMembers(ctx.tx, [survivorId, loserId]);
  const accounts = await readDocuments(ctx.tx, ctx.registry.require('accounts'), [
    survivorId,
    loserId,
  ]);
  const balanceOf = (id: string) => (accounts.get(id)?.['balance'] as number | undefined) ?? 0;
  const { account, mismatched } = await refoldSurvivor(ledgerContext(ctx), survivorId);
  await openReview(
    ctx.tx,
    ctx.registry,
    {
      id: `merged-duplicate:${loserId}`,
      kind: 'merged-duplicate',
      summary: `Member ${loserId} was merged into ${survivorId}: ${why}.`,
      memberId: survivorId,
      details: {
        survivorId,
        mergedId: loserId,
        survivorBalanceBefore: balanceOf(survivorId),
        mergedBalanceBefore: balanceOf(loserId),
        balanceAfter: account.balance,
        redecidedTransactions: mismatched,
      },
    },
    ctx.now,
  );
  logger.info('members merged', { survivorId, mergedId: loserId });
}
