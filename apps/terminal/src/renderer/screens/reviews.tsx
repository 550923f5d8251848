import { useState } from 'react';
import type { FormEvent } from 'react';
import type { ReviewItem } from '@tillpoint/terminal-core';
import { ProblemText } from '../components/feedback.js';
import { TextField } from '../components/text-field.js';
import { useTerminalLoad } from '../components/use-terminal-load.js';
import { useApp } from '../store.js';
import { reviewLabel } from './member-tools.js';
import { useTerminalAction } from '../components/use-terminal-action.js';
import { changeKind, clockTime, errorText } from '../format.js';

/** A detail value as one short line, whatever the server put there. */
function detailText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  try {
    return JSON.stringify(value).slice(0, 200);
  } catch {
    return '(unreadable)';
  }
}

/** The conflicts the server flagged, for a manager to look into and resolve with a note. */
export function ReviewsScreen() {
  const storedAt = useApp((state) => state.status?.storedAt);
  const [status, setStatus] = useState<'open' | 'resolved'>('open');
  const [items, setItems] = useState<readonly ReviewItem[]>();
  const [problem, setProblem] = useState<string>();
  const [reload, setReload] = useState(0);

  useTerminalLoad(
    (loading) => loading.listReviews(status),
    (value) => {
      setItems(value);
      setProblem(undefined);
    },
    setProblem,
    [status, storedAt, reload],
  );

  return (
    <main className="desk">
      <NotSent />
      <HeldSales />
      <section className="panel" aria-labelledby="reviews-title">
        <header className="desk-head">
          <h1 id="reviews-title">Reviews</h1>
          <div className="actions" role="group" aria-label="Which reviews">
            <button
              type="button"
              aria-pressed={status === 'open'}
              onClick={() => setStatus('open')}
            >
              Open
            </button>
            <button
              type="button"
              aria-pressed={status === 'resolved'}
              onClick={() => setStatus('resolved')}
            >
              Resolved
            </button>
          </div>
        </header>
        <ProblemText text={problem} />
        {items === undefined && !problem ? <p className="muted">Loading…</p> : null}
        {items?.length === 0 ? (
          <p className="muted" data-testid="no-reviews">
            {status === 'open' ? 'Nothing to review.' : 'No resolved reviews yet.'}
          </p>
        ) : null}
        <ul className="review-list">
          {items?.map((item) => (
            <ReviewCard
              key={item.review.id}
              item={item}
              onResolved={() => setReload((value) => value + 1)}
            />
          ))}
        </ul>
      </section>
    </main>
  );
}

/**
 * Kinds of change the server refuses from this till as a whole (a member it does not take holds
 * back every later enrollment and edit of this till): nothing a manager can send again from
 * here, but what to tell whoever runs the server, and since when.
 */
function NotSent() {
  const notSent = useApp((state) => state.status?.notSent);
  if (!notSent) return null;
  return (
    <section className="panel" aria-labelledby="not-sent-title" data-testid="not-sent">
      <h2 id="not-sent-title">Not reaching the server</h2>
      <p className="muted">
        The server refuses these changes from this till, and every later change of the same kind
        waits behind them; other kinds go through. They stay on this till and are sent again on
        their own, as last corrected here. If nothing here is wrong, tell whoever runs the server
        what it said.
      </p>
      <ul className="held-list">
        {notSent.map((entry) => (
          <li key={entry.collection} data-testid="not-sent-entry">
            <strong>{changeKind(entry.collection)}</strong>, since {clockTime(entry.since)}:{' '}
            {entry.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Sales of this till the server refused for a reason of its own (a till bug, or a till and a
 * server that disagree), not by a rule of the program: those come back as reviews above.
 */
function HeldSales() {
  const held = useApp((state) => state.status?.held);
  const online = useApp((state) => state.status?.online ?? false);
  const terminal = useApp((state) => state.terminal);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [outcome, setOutcome] = useState<string>();
  if (!terminal) return null;
  if (!held) {
    // All sent: the panel goes, and says so while the manager is here.
    return outcome ? (
      <p className="success" role="status" data-testid="held-outcome">
        {outcome}
      </p>
    ) : null;
  }
  const till = terminal;

  async function sendAgain() {
    if (busy) return;
    setBusy(true);
    setProblem(undefined);
    setOutcome(undefined);
    try {
      const result = await till.retryHeld();
      if (result.unreachable !== undefined) {
        setProblem(
          online
            ? `Not sent: the server could not be reached (${result.unreachable}). They stay held and are sent again in a few minutes.`
            : 'Not sent: the till is offline. They stay held and are sent again once the server can be reached.',
        );
      } else if (result.stillHeld > 0) {
        setProblem(
          `${result.sent > 0 ? `Sent ${result.sent}. ` : ''}Not taken: ${result.stillHeld}, for the reasons listed. They stay held.`,
        );
      } else {
        setOutcome(
          `Sent: the server took the held ${result.sent === 1 ? 'sale' : `${result.sent} sales`}.`,
        );
      }
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="held-title" data-testid="held-sales">
      <h2 id="held-title">Held on this till: {held.count}</h2>
      <p className="muted">
        The server refused these sales for a reason of its own, not a rule of the program. They stay
        on this till, count as pending and are sent again every few minutes; the till&apos;s other
        sales go through. Tell whoever runs the server what it said.
      </p>
      <ul className="held-list">
        {till.heldSales().map((sale) => (
          <li key={sale.id} data-testid="held-sale">
            <strong>{clockTime(sale.since)}</strong> <code>{sale.id}</code>: {sale.message}
          </li>
        ))}
      </ul>
      <ProblemText text={problem} testId="held-problem" />
      <button type="button" onClick={() => void sendAgain()} disabled={busy}>
        {busy ? 'Sending…' : 'Send again now'}
      </button>
    </section>
  );
}

function ReviewCard({
  item,
  onResolved,
}: {
  readonly item: ReviewItem;
  readonly onResolved: () => void;
}) {
  const [note, setNote] = useState('');
  const { problem, busy, run } = useTerminalAction();
  const { review, member } = item;
  const details = Object.entries(review.details ?? {}).slice(0, 20);
  const headingId = `review-${review.id}`;

  async function resolve(event: FormEvent) {
    event.preventDefault();
    await run((till) => till.resolveReview(review.id, note), onResolved);
  }

  return (
    <li
      className="review"
      aria-labelledby={headingId}
      data-testid="review"
      data-kind={review.kind}
      data-status={review.status}
    >
      <h2 id={headingId}>
        {reviewLabel(review.kind).replace(/^./, (first) => first.toUpperCase())}
        {member ? ` — ${member.name}` : ''}
      </h2>
      <p data-testid="review-summary">{review.summary}</p>
      <p className="muted">
        {member ? `${member.phone} · ` : review.memberId ? 'Member not on this till · ' : ''}
        Flagged {new Date(review.createdAt).toLocaleString('en-GB')}
      </p>
      {details.length > 0 ? (
        <dl className="review-details">
          {details.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{detailText(value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {review.status === 'resolved' ? (
        <p className="success" data-testid="review-resolution">
          Resolved: {review.resolution?.note}
          {review.resolution
            ? ` (${review.resolution.staffId}, ${new Date(review.resolution.at).toLocaleString('en-GB')})`
            : ''}
        </p>
      ) : (
        <form onSubmit={(event) => void resolve(event)} className="inline-form" noValidate>
          <TextField
            label="What was done (note)"
            name="resolutionNote"
            maxLength={1000}
            value={note}
            onText={setNote}
          />
          <button type="submit" className="primary" disabled={busy}>
            Resolve
          </button>
          <ProblemText text={problem} />
        </form>
      )}
    </li>
  );
}
