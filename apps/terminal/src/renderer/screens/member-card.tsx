import type { MemberCard as Card } from '@tillpoint/terminal-core';
import { points } from '../format.js';
import { useApp } from '../store.js';
import { ManagerActions } from './manager-actions.js';
import { MemberTools } from './member-tools.js';

/** Who the customer is, what they have, and what the kitchen must know. */
export function MemberCard({ card }: { readonly card: Card }) {
  const program = useApp((state) => state.program);
  const session = useApp((state) => state.session);
  const firstLoad = useApp((state) => state.status?.firstLoad);
  const { member, tierProgress } = card;
  const nextTier = program?.tiers.list.find((tier) => tier.id === tierProgress.nextTierId);
  const allergies = member.preferences.allergies;
  const dietary = member.preferences.dietary;
  const notes = member.notes.slice(-5).reverse();
  return (
    <section className="panel member-card" aria-labelledby="member-name" data-testid="member-card">
      <header className="member-head">
        <div>
          <h2 id="member-name" data-testid="member-name">
            {member.name}
          </h2>
          <p className="muted">{member.phone}</p>
        </div>
        <span className={`tier-badge tier-${card.tierId}`} data-testid="member-tier">
          {card.tierName}
        </span>
      </header>
      <dl className="member-facts">
        <div>
          <dt>Balance</dt>
          <dd className="balance" data-testid="member-balance" data-points={card.balance}>
            {points(card.balance)}
          </dd>
        </div>
        <div>
          <dt>Next tier</dt>
          <dd data-testid="member-next-tier">
            {nextTier && tierProgress.pointsNeeded !== undefined
              ? `${points(tierProgress.pointsNeeded)} to ${nextTier.name}`
              : nextTier
                ? `On the way to ${nextTier.name}`
                : 'Top tier'}
          </dd>
        </div>
        {member.status !== 'active' ? (
          <div>
            <dt>Status</dt>
            <dd className="warning">{member.status}</dd>
          </div>
        ) : null}
      </dl>
      {card.balance < 0 ? (
        <p className="muted" data-testid="member-owes">
          Points were redeemed twice while tills were offline: the balance is below zero and future
          purchases pay it back. A manager has been asked to review it.
        </p>
      ) : null}
      {!card.account && firstLoad && !firstLoad.accountsDone ? (
        <p className="warning" role="note" data-testid="member-balance-loading">
          This member’s balance is still loading from the server: the points shown are only what
          this till recorded.
        </p>
      ) : null}
      {card.mergedFrom ? (
        <p className="muted">This number belonged to a duplicate now merged into this member.</p>
      ) : null}
      {allergies.length > 0 ? (
        <p className="allergy" role="note" data-testid="member-allergies">
          <strong>Allergies:</strong> {allergies.join(', ')}
        </p>
      ) : null}
      {dietary.length > 0 ? (
        <p className="dietary" data-testid="member-dietary">
          <strong>Dietary:</strong> {dietary.join(', ')}
        </p>
      ) : null}
      {notes.length > 0 ? (
        <section aria-label="Staff notes" className="notes" data-testid="member-notes">
          <h3>Staff notes</h3>
          <ul>
            {notes.map((note) => (
              <li key={note.id}>
                {note.text}{' '}
                <span className="muted">({new Date(note.at).toLocaleDateString('en-GB')})</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <MemberTools key={`tools-${member.id}`} card={card} />
      {session?.role === 'manager' ? (
        <ManagerActions key={`manager-${member.id}`} memberId={member.id} member={member} />
      ) : null}
    </section>
  );
}
