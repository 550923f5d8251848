import { useCallback, useEffect, useRef, useState } from 'react';
import type { FormEvent, KeyboardEvent } from 'react';
import { parseMoney } from '@tillpoint/loyalty';
import type { OrderLine, ProgramSettings, RedemptionLimit } from '@tillpoint/loyalty';
import type { CheckoutInput, CheckoutPlan, MemberCard, Terminal } from '@tillpoint/terminal-core';
import { ProblemText } from '../components/feedback.js';
import { TextField } from '../components/text-field.js';
import { errorText, fieldOfRefusal, money, points } from '../format.js';
import { useApp } from '../store.js';

interface LineDraft {
  readonly key: number;
  readonly name: string;
  readonly category: string;
  readonly amount: string;
}

/** What the preview found: the best plan it could make and why parts of the input were refused. */
interface Preview {
  readonly plan?: CheckoutPlan;
  readonly ready: boolean;
  readonly coupon?: string;
  readonly points?: string;
  readonly order?: string;
}

/**
 * Previews the checkout; when a part is refused, previews again without it, so the cashier still
 * sees the points to earn and the maximum redeemable next to the reason.
 */
async function diagnose(terminal: Terminal, input: CheckoutInput): Promise<Preview> {
  let attempt = input;
  let result = await terminal.previewCheckout(attempt);
  if (result.ok) return { plan: result.value, ready: true };
  const problems: { coupon?: string; points?: string; order?: string } = {};
  for (let round = 0; round < 3 && !result.ok; round++) {
    const field = fieldOfRefusal(result.refusal.code);
    if (field === 'coupon' && (attempt.couponCodes?.length ?? 0) > 0) {
      problems.coupon = result.refusal.message;
      attempt = { ...attempt, couponCodes: [] };
    } else if (field === 'points' && (attempt.redeemPoints ?? 0) > 0) {
      problems.points = result.refusal.message;
      attempt = { ...attempt, redeemPoints: 0 };
    } else {
      problems.order = result.refusal.message;
      break;
    }
    result = await terminal.previewCheckout(attempt);
  }
  return { ...(result.ok ? { plan: result.value } : {}), ready: false, ...problems };
}

function limitText(limit: RedemptionLimit, program: ProgramSettings): string {
  switch (limit) {
    case 'balance':
      return 'the balance';
    case 'order-share':
      return `${program.redemption.maxOrderSharePercent}% of the order`;
    case 'offline-checkout-cap':
      return 'the offline cap per checkout';
    case 'offline-daily-cap':
      return 'the offline cap per day';
    case 'offline-too-long':
      return 'offline too long';
  }
}

let lineKeys = 0;

/** The order: amount (or lines), coupon, points to redeem; the outcome shown before confirming. */
export function OrderPanel({ card }: { readonly card: MemberCard }) {
  const terminal = useApp((state) => state.terminal);
  const program = useApp((state) => state.program);
  const status = useApp((state) => state.status);
  const showReceipt = useApp((state) => state.showReceipt);
  const refreshMember = useApp((state) => state.refreshMember);
  const [amountText, setAmountText] = useState('');
  const [lines, setLines] = useState<readonly LineDraft[]>([]);
  const [coupon, setCoupon] = useState('');
  const [redeemText, setRedeemText] = useState('');
  const [preview, setPreview] = useState<Preview>({ ready: false });
  // A refusal belongs to the order it was about: once the cashier changes the order it is gone.
  const [refusal, setRefusal] = useState<{ readonly text: string; readonly inputKey: string }>();
  const [busy, setBusy] = useState(false);
  const amountRef = useRef<HTMLInputElement>(null);
  const redeemRef = useRef<HTMLInputElement>(null);
  const previewRun = useRef(0);
  const memberId = card.member.id;
  const currency = program?.currency ?? 'USD';

  useEffect(() => {
    amountRef.current?.focus();
  }, [memberId]);

  // Parse what was typed; a field that cannot be read gets its own message.
  const parsedLines = lines
    .filter(
      (line) => line.amount.trim() !== '' || line.name.trim() !== '' || line.category.trim() !== '',
    )
    .map((line) => ({ line, amount: parseMoney(line.amount.trim() || '0', currency) }));
  const lineProblem = parsedLines.find((entry) => !entry.amount.ok);
  const orderLines: OrderLine[] | undefined =
    parsedLines.length > 0 && !lineProblem
      ? parsedLines.map(({ line, amount }) => ({
          ...(line.name.trim() ? { name: line.name.trim() } : {}),
          ...(line.category.trim() ? { category: line.category.trim() } : {}),
          quantity: 1,
          amount: amount.ok ? amount.value : 0,
        }))
      : undefined;
  const typedAmount =
    amountText.trim() === '' ? undefined : parseMoney(amountText.trim(), currency);
  const orderTotal = orderLines
    ? orderLines.reduce((sum, line) => sum + line.amount, 0)
    : typedAmount?.ok
      ? typedAmount.value
      : undefined;
  const amountProblem = lineProblem
    ? `Line: ${lineProblem.amount.ok ? '' : lineProblem.amount.refusal.message}`
    : typedAmount && !typedAmount.ok && !orderLines
      ? typedAmount.refusal.message
      : undefined;
  const redeemTrimmed = redeemText.trim();
  const redeemPoints = /^\d{1,9}$/.test(redeemTrimmed) ? Number(redeemTrimmed) : 0;
  const redeemProblem =
    redeemTrimmed !== '' && !/^\d{1,9}$/.test(redeemTrimmed)
      ? 'Points are a whole number, like 500.'
      : undefined;
  const couponCode = coupon.trim();

  const input: CheckoutInput = {
    memberId,
    orderTotal: orderTotal ?? 0,
    ...(orderLines ? { lines: orderLines } : {}),
    ...(couponCode ? { couponCodes: [couponCode] } : {}),
    ...(redeemPoints > 0 ? { redeemPoints } : {}),
  };
  const inputKey = JSON.stringify(input);
  // The pending count changes when a sync lands: the balance (and so the maximum) may have too.
  const syncKey = `${status?.online}-${status?.pending}-${card.balance}`;

  useEffect(() => {
    if (!terminal) return;
    const run = ++previewRun.current;
    const timer = window.setTimeout(() => {
      diagnose(terminal, JSON.parse(inputKey) as CheckoutInput).then(
        (result) => {
          if (previewRun.current === run) setPreview(result);
        },
        (error: unknown) => {
          if (previewRun.current === run) setPreview({ ready: false, order: errorText(error) });
        },
      );
    }, 60);
    return () => window.clearTimeout(timer);
  }, [terminal, inputKey, syncKey]);

  const plan = preview.plan;
  const upToDate = plan !== undefined && plan.orderTotal === (orderTotal ?? 0);
  // The checkout itself checks everything again, so Enter need not wait for the preview.
  const canConfirm =
    !busy && orderTotal !== undefined && amountProblem === undefined && redeemProblem === undefined;

  const applyMaximum = useCallback(() => {
    const maximum = preview.plan?.maxRedeemable.points ?? 0;
    setRedeemText(maximum > 0 ? String(maximum) : '');
    redeemRef.current?.focus();
  }, [preview.plan]);

  function addLine() {
    setLines((current) => [...current, { key: ++lineKeys, name: '', category: '', amount: '' }]);
  }

  function updateLine(key: number, patch: Partial<LineDraft>) {
    setLines((current) => current.map((line) => (line.key === key ? { ...line, ...patch } : line)));
  }

  async function confirm(event?: FormEvent) {
    event?.preventDefault();
    if (!terminal) return;
    const setProblem = (text: string) => setRefusal({ text, inputKey });
    if (!canConfirm) {
      if (orderTotal === undefined && !amountProblem) setProblem('Type the order amount first.');
      return;
    }
    setBusy(true);
    setRefusal(undefined);
    try {
      const result = await terminal.checkout(input);
      if (!result.ok) {
        setProblem(result.refusal.message);
        return;
      }
      showReceipt(result.value);
      void refreshMember();
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.altKey && (event.key === 'm' || event.key === 'M')) {
      event.preventDefault();
      applyMaximum();
    } else if (event.altKey && (event.key === 'l' || event.key === 'L')) {
      event.preventDefault();
      addLine();
    }
  }

  const maximum = plan?.maxRedeemable;
  const categories = Object.keys(program?.earning.categoryMultipliers ?? {});
  const fmt = (minor: number) => money(minor, { currency });

  return (
    <section className="panel order" aria-labelledby="order-title">
      <h2 id="order-title">Order</h2>
      <form onSubmit={(event) => void confirm(event)} onKeyDown={onKeyDown} noValidate>
        <TextField
          label="Order amount"
          ref={amountRef}
          name="amount"
          inputMode="decimal"
          maxLength={20}
          placeholder="0.00"
          value={orderLines ? (orderTotal !== undefined ? fmt(orderTotal) : '') : amountText}
          readOnly={orderLines !== undefined}
          onText={setAmountText}
          aria-invalid={amountProblem !== undefined}
          aria-describedby="amount-help"
        />
        <p
          id="amount-help"
          className={amountProblem || preview.order ? 'problem' : 'muted'}
          data-testid="order-problem"
        >
          {amountProblem ?? preview.order ?? (orderLines ? 'The total of the lines.' : '')}
        </p>

        {lines.length > 0 ? (
          <fieldset className="lines">
            <legend>Order lines</legend>
            {lines.map((line, index) => (
              <div className="line" key={line.key}>
                <input
                  aria-label={`Line ${index + 1} item`}
                  placeholder="Item"
                  maxLength={120}
                  value={line.name}
                  onChange={(event) => updateLine(line.key, { name: event.target.value })}
                  autoFocus={index === lines.length - 1}
                />
                <input
                  aria-label={`Line ${index + 1} category`}
                  placeholder="Category"
                  list="categories"
                  maxLength={64}
                  value={line.category}
                  onChange={(event) => updateLine(line.key, { category: event.target.value })}
                />
                <input
                  aria-label={`Line ${index + 1} amount`}
                  placeholder="0.00"
                  inputMode="decimal"
                  maxLength={20}
                  value={line.amount}
                  onChange={(event) => updateLine(line.key, { amount: event.target.value })}
                />
                <button
                  type="button"
                  aria-label={`Remove line ${index + 1}`}
                  onClick={() =>
                    setLines((current) => current.filter((entry) => entry.key !== line.key))
                  }
                >
                  ✕
                </button>
              </div>
            ))}
            <datalist id="categories">
              {categories.map((category) => (
                <option key={category} value={category} />
              ))}
            </datalist>
          </fieldset>
        ) : null}
        <button type="button" className="link" onClick={addLine}>
          + Add a line with a category (Alt+L)
        </button>

        <TextField
          label="Coupon code"
          name="coupon"
          spellCheck={false}
          maxLength={40}
          value={coupon}
          onText={setCoupon}
          aria-invalid={preview.coupon !== undefined}
          aria-describedby="coupon-help"
        />
        <p
          id="coupon-help"
          className={preview.coupon ? 'problem' : 'success'}
          role="status"
          aria-live="polite"
          data-testid="coupon-status"
        >
          {couponCode === ''
            ? ''
            : preview.coupon
              ? preview.coupon
              : plan && plan.coupons.length > 0 && upToDate
                ? `${plan.coupons[0]?.code}: ${fmt(plan.couponDiscount)} off`
                : ''}
        </p>

        <div className="redeem-row">
          <TextField
            label="Points to redeem"
            ref={redeemRef}
            name="redeem"
            inputMode="numeric"
            maxLength={9}
            placeholder="0"
            value={redeemText}
            onText={setRedeemText}
            aria-invalid={preview.points !== undefined || redeemProblem !== undefined}
            aria-describedby="redeem-help"
          />
          <button type="button" onClick={applyMaximum} disabled={!maximum || maximum.points === 0}>
            Use max (Alt+M)
          </button>
        </div>
        <p
          id="redeem-help"
          className={preview.points || redeemProblem ? 'problem' : 'muted'}
          data-testid="redeem-status"
        >
          {redeemProblem ??
            preview.points ??
            (maximum && program
              ? maximum.points > 0
                ? `Up to ${points(maximum.points)} (${fmt(maximum.discount)} off), limited by ${limitText(maximum.limitedBy, program)}.`
                : maximum.belowMinimum
                  ? `Not enough to redeem: the minimum is ${points(program.redemption.minimumPoints)}.`
                  : `Nothing to redeem now (${limitText(maximum.limitedBy, program)}).`
              : '')}
        </p>

        <dl className="summary" aria-label="Checkout summary" data-testid="checkout-summary">
          <div>
            <dt>Order</dt>
            <dd>{fmt(orderTotal ?? 0)}</dd>
          </div>
          {plan && plan.couponDiscount > 0 ? (
            <div>
              <dt>Coupon</dt>
              <dd>−{fmt(plan.couponDiscount)}</dd>
            </div>
          ) : null}
          {plan && plan.pointsDiscount > 0 ? (
            <div>
              <dt>Points ({points(plan.pointsRedeemed)})</dt>
              <dd>−{fmt(plan.pointsDiscount)}</dd>
            </div>
          ) : null}
          <div className="total">
            <dt>To pay</dt>
            <dd data-testid="amount-to-pay">{fmt(plan?.amountPaid ?? orderTotal ?? 0)}</dd>
          </div>
          <div className="earn">
            <dt>Points to earn</dt>
            <dd data-testid="points-to-earn" data-points={plan?.pointsEarned ?? 0}>
              +{points(plan?.pointsEarned ?? 0)}
            </dd>
          </div>
          {plan && plan.earning.bonuses.length > 0 ? (
            <div className="bonuses">
              <dt>Including</dt>
              <dd>
                {plan.earning.bonuses.map((bonus) => `${bonus.kind} +${bonus.points}`).join(', ')}
              </dd>
            </div>
          ) : null}
          <div>
            <dt>Balance after</dt>
            <dd data-testid="balance-after">{points(plan?.balanceAfter ?? card.balance)}</dd>
          </div>
        </dl>
        <ProblemText text={refusal?.inputKey === inputKey ? refusal.text : undefined} />
        <button
          type="submit"
          className="primary big confirm"
          disabled={!canConfirm}
          aria-keyshortcuts="Enter"
        >
          {busy ? 'Saving…' : 'Confirm checkout (Enter)'}
        </button>
      </form>
    </section>
  );
}
