import { useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { Receipt } from '@tillpoint/terminal-core';
import { errorText, money, points } from '../format.js';
import { platform } from '../platform.js';
import { useApp } from '../store.js';
import { printableReceipt } from './receipt-print.js';

/** The confirmed checkout: print it, then on to the next customer. */
export function ReceiptView({ receipt }: { readonly receipt: Receipt }) {
  const program = useApp((state) => state.program);
  const status = useApp((state) => state.status);
  const session = useApp((state) => state.session);
  const nextCustomer = useApp((state) => state.nextCustomer);
  const [printMessage, setPrintMessage] = useState<{ ok: boolean; text: string }>();
  const [printing, setPrinting] = useState(false);
  const nextRef = useRef<HTMLButtonElement>(null);
  const currency = program?.currency ?? 'USD';
  const fmt = (minor: number) => money(minor, { currency });

  useEffect(() => {
    nextRef.current?.focus();
  }, [receipt.transactionId]);

  async function print() {
    if (printing) return;
    setPrinting(true);
    try {
      const outcome = await platform.printReceipt(
        printableReceipt(
          receipt,
          { currency, name: program?.name ?? 'Tillpoint' },
          {
            ...(status?.storeId ? { storeId: status.storeId } : {}),
            ...(session ? { staffName: session.name } : {}),
          },
        ),
      );
      setPrintMessage(
        outcome.ok
          ? {
              ok: true,
              text: outcome.kind === 'pdf' ? `Saved as ${outcome.path}` : 'Sent to the printer.',
            }
          : { ok: false, text: `Not printed: ${outcome.reason}` },
      );
    } catch (error) {
      setPrintMessage({ ok: false, text: `Not printed: ${errorText(error)}` });
    } finally {
      setPrinting(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLElement>) {
    if ((event.key === 'p' || event.key === 'P') && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      void print();
    }
  }

  return (
    <section
      className="panel receipt"
      aria-labelledby="receipt-title"
      onKeyDown={onKeyDown}
      data-testid="receipt"
      data-transaction-id={receipt.transactionId}
    >
      <h2 id="receipt-title">Receipt</h2>
      <p className="muted">
        {receipt.member.name} · {new Date(receipt.occurredAt).toLocaleString('en-GB')}
      </p>
      <dl className="summary receipt-lines">
        <div>
          <dt>Order total</dt>
          <dd>{fmt(receipt.orderTotal)}</dd>
        </div>
        {receipt.couponDiscount > 0 ? (
          <div>
            <dt>Coupon {receipt.coupons.join(', ')}</dt>
            <dd data-testid="receipt-coupon">−{fmt(receipt.couponDiscount)}</dd>
          </div>
        ) : null}
        {receipt.pointsDiscount > 0 ? (
          <div>
            <dt>Points redeemed ({points(receipt.pointsRedeemed)})</dt>
            <dd data-testid="receipt-points-discount">−{fmt(receipt.pointsDiscount)}</dd>
          </div>
        ) : null}
        <div className="total">
          <dt>Paid</dt>
          <dd data-testid="receipt-paid">{fmt(receipt.amountPaid)}</dd>
        </div>
        <div className="earn">
          <dt>Points earned</dt>
          <dd data-testid="receipt-earned" data-points={receipt.pointsEarned}>
            +{points(receipt.pointsEarned)}
          </dd>
        </div>
        <div>
          <dt>New balance</dt>
          <dd data-testid="receipt-balance" data-points={receipt.balance}>
            {points(receipt.balance)}
          </dd>
        </div>
        <div>
          <dt>Tier</dt>
          <dd>{receipt.tierName}</dd>
        </div>
      </dl>
      {receipt.offline ? (
        <p className="muted" data-testid="receipt-offline">
          Recorded offline: it is sent to the server when the connection is back.
        </p>
      ) : null}
      {printMessage ? (
        <p
          className={printMessage.ok ? 'success' : 'problem'}
          role="status"
          data-testid="print-outcome"
        >
          {printMessage.text}
        </p>
      ) : null}
      <div className="actions">
        <button
          type="button"
          className="big"
          onClick={() => void print()}
          disabled={printing}
          aria-keyshortcuts="P"
        >
          Print receipt (P)
        </button>
        <button
          ref={nextRef}
          type="button"
          className="primary big"
          onClick={nextCustomer}
          aria-keyshortcuts="Enter Escape"
        >
          Next customer (Enter)
        </button>
      </div>
    </section>
  );
}
