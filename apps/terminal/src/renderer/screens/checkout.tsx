import { useEffect } from 'react';
import { ErrorBoundary } from '../components/error-boundary.js';
import { useApp } from '../store.js';
import { EnrollForm } from './enroll-form.js';
import { MemberCard } from './member-card.js';
import { OrderPanel } from './order-panel.js';
import { PhoneLookup } from './phone-lookup.js';
import { ReceiptView } from './receipt-view.js';

/** The till: customer on the left, their card and the order (or the receipt) on the right. */
export function CheckoutScreen() {
  const customer = useApp((state) => state.customer);
  const receipt = useApp((state) => state.receipt);
  const nextCustomer = useApp((state) => state.nextCustomer);
  const status = useApp((state) => state.status);
  const refreshMember = useApp((state) => state.refreshMember);
  const focusPhoneTick = useApp((state) => state.focusPhoneTick);

  // Escape anywhere: start over with the next customer.
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.key === 'Escape' && !event.defaultPrevented) {
        event.preventDefault();
        nextCustomer();
      }
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [nextCustomer]);

  // What the server says after a sync (acknowledged points, merged duplicates) shows at once:
  // `storedAt` moves once pulled documents are stored (`lastSyncAt` when a response arrives).
  useEffect(() => {
    void refreshMember();
  }, [status?.pending, status?.storedAt, refreshMember]);

  return (
    <main className="till">
      <div className="till-left">
        <ErrorBoundary where="the customer search" onReset={nextCustomer}>
          <PhoneLookup key={focusPhoneTick} />
        </ErrorBoundary>
      </div>
      <div className="till-right">
        <ErrorBoundary where="this customer" onReset={nextCustomer}>
          {customer.kind === 'none' ? (
            <section className="panel hint">
              <h2>Next customer</h2>
              <p>Type the customer’s phone number and press Enter.</p>
            </section>
          ) : null}
          {customer.kind === 'unknown' ? (
            <EnrollForm key={customer.phone} phone={customer.phone} />
          ) : null}
          {customer.kind === 'member' ? (
            <>
              <MemberCard card={customer.card} />
              {receipt ? (
                <ReceiptView receipt={receipt} />
              ) : (
                <OrderPanel key={customer.card.member.id} card={customer.card} />
              )}
            </>
          ) : null}
        </ErrorBoundary>
      </div>
    </main>
  );
}
