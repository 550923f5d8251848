import { useState } from 'react';
import type { HistoryEntry, MemberCard, RewardOption } from '@tillpoint/terminal-core';
import { ColumnHeads } from '../components/column-heads.js';
import { Feedback } from '../components/feedback.js';
import { useMemberChange } from '../components/use-member-change.js';
import { useTerminalLoad } from '../components/use-terminal-load.js';
import { money, points } from '../format.js';
import { useApp } from '../store.js';

/** Rewards and history of the member at the till, opened from the card. */
export function MemberTools({ card }: { readonly card: MemberCard }) {
  const [open, setOpen] = useState<'rewards' | 'history'>();
  const toggle = (panel: 'rewards' | 'history') => setOpen(open === panel ? undefined : panel);
  return (
    <section className="member-tools" aria-label="Rewards and history">
      <div className="actions">
        <button type="button" aria-expanded={open === 'rewards'} onClick={() => toggle('rewards')}>
          Rewards
        </button>
        <button type="button" aria-expanded={open === 'history'} onClick={() => toggle('history')}>
          History
        </button>
      </div>
      {open === 'rewards' ? <RewardList card={card} /> : null}
      {open === 'history' ? <HistoryList card={card} /> : null}
    </section>
  );
}

function RewardList({ card }: { readonly card: MemberCard }) {
  const [options, setOptions] = useState<readonly RewardOption[]>();
  const { message, setMessage, busy, run } = useMemberChange();
  const memberId = card.member.id;

  useTerminalLoad(
    (loading) => loading.rewardOptions(memberId),
    setOptions,
    (text) => setMessage({ kind: 'problem', text }),
    [memberId, card.balance, card.tierId],
  );

  async function redeem(option: RewardOption) {
    await run(
      (till) => till.redeemReward(memberId, option.reward.id),
      (redeemed) =>
        `${option.reward.name} redeemed for ${points(redeemed.pointsRedeemed)}. New balance ${points(redeemed.balance)}.`,
    );
  }

  return (
    <section aria-label="Rewards" data-testid="reward-list">
      <h3>Rewards</h3>
      {options === undefined && !message ? <p className="muted">Loading…</p> : null}
      {options?.length === 0 ? <p className="muted">No rewards are offered right now.</p> : null}
      <ul className="option-list">
        {options?.map((option) => (
          <li key={option.reward.id} data-testid="reward-option">
            <div>
              <strong>{option.reward.name}</strong> — {points(option.reward.pointsCost)}
              {option.stock !== null ? <span className="muted"> ({option.stock} left)</span> : null}
              {option.refusal ? (
                <p className="muted" data-testid="reward-reason">
                  {option.refusal.message}
                </p>
              ) : null}
            </div>
            <button
              type="button"
              disabled={busy || option.refusal !== undefined}
              onClick={() => void redeem(option)}
              aria-label={`Redeem ${option.reward.name}`}
            >
              Redeem
            </button>
          </li>
        ))}
      </ul>
      <Feedback message={message} />
    </section>
  );
}

const KIND_LABELS: Record<string, string> = {
  checkout: 'Purchase',
  adjustment: 'Adjustment',
  'reward-redemption': 'Reward',
  'referral-claim': 'Referral bonus',
  refund: 'Refund',
  'enrollment-bonus': 'Welcome bonus',
};

const REVIEW_LABELS: Record<string, string> = {
  overdraft: 'overdraft',
  'coupon-over-limit': 'coupon over its limit',
  'coupon-over-member-limit': 'coupon over its per-member limit',
  'merged-duplicate': 'merged duplicate',
  'rejected-transaction': 'rejected',
  'duplicate-bonus': 'duplicate bonus',
};

export function reviewLabel(kind: string): string {
  return REVIEW_LABELS[kind] ?? kind;
}

function statusText(entry: HistoryEntry): string {
  if (entry.status === 'pending') return 'Waiting for the server';
  if (entry.status === 'refused')
    return `Refused: ${entry.message ?? 'the server did not count it'}`;
  if (entry.reviews.length > 0) return `Flagged: ${entry.reviews.map(reviewLabel).join(', ')}`;
  return 'Counted';
}

function HistoryList({ card }: { readonly card: MemberCard }) {
  const program = useApp((state) => state.program);
  const storedAt = useApp((state) => state.status?.storedAt);
  const [entries, setEntries] = useState<readonly HistoryEntry[]>();
  const [confirming, setConfirming] = useState<string>();
  const { message, setMessage, busy, run } = useMemberChange();
  const [reload, setReload] = useState(0);
  const memberId = card.member.id;
  const currency = { currency: program?.currency ?? 'USD' };

  useTerminalLoad(
    (loading) => loading.memberHistory(memberId),
    setEntries,
    (text) => setMessage({ kind: 'problem', text }),
    [memberId, card.balance, storedAt, reload],
  );

  async function refund(checkoutId: string) {
    await run(
      (till) => till.refund(checkoutId),
      (refunded) => `Refund recorded. New balance ${points(refunded.balance)}.`,
      () => {
        setConfirming(undefined);
        setReload((value) => value + 1);
      },
    );
  }

  return (
    <section aria-label="Points history" data-testid="member-history">
      <h3>History</h3>
      {entries === undefined && !message ? <p className="muted">Loading…</p> : null}
      {entries?.length === 0 ? <p className="muted">No points yet.</p> : null}
      {entries && entries.length > 0 ? (
        <table className="history">
          <ColumnHeads columns={['When', 'What', 'Points', 'Status']} />
          <tbody>
            {entries.map((entry) => {
              const tx = entry.transaction;
              return (
                <tr
                  key={tx.id}
                  data-testid="history-entry"
                  data-kind={tx.kind}
                  data-status={entry.status}
                >
                  <td>{new Date(tx.occurredAt).toLocaleString('en-GB')}</td>
                  <td>
                    {KIND_LABELS[tx.kind] ?? tx.kind}
                    {tx.orderTotal !== undefined ? ` ${money(tx.orderTotal, currency)}` : ''}
                    {tx.couponCode ? ` (${tx.couponCode})` : ''}
                    {tx.reason ? ` — ${tx.reason}` : ''}
                    {entry.refundedBy ? <span className="muted"> (refunded)</span> : null}
                  </td>
                  <td className={entry.points < 0 ? 'warning' : undefined}>
                    {entry.points > 0 ? '+' : ''}
                    {points(entry.points)}
                  </td>
                  <td>{statusText(entry)}</td>
                  <td>
                    {entry.refundable ? (
                      confirming === tx.id ? (
                        <span className="actions">
                          <button
                            type="button"
                            className="primary"
                            disabled={busy}
                            onClick={() => void refund(tx.id)}
                            autoFocus
                          >
                            Confirm refund
                          </button>
                          <button type="button" onClick={() => setConfirming(undefined)}>
                            Keep
                          </button>
                        </span>
                      ) : (
                        <button type="button" onClick={() => setConfirming(tx.id)}>
                          Refund
                        </button>
                      )
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <Feedback message={message} />
    </section>
  );
}
