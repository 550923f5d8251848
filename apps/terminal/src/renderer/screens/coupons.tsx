import { useState } from 'react';
import type { FormEvent } from 'react';
import { minorToDecimalString, parseMoney } from '@tillpoint/loyalty';
import type { CouponKind, ProgramSettings } from '@tillpoint/loyalty';
import type { CouponDoc } from '@tillpoint/protocol';
import { couponDraftOf } from '@tillpoint/terminal-core';
import type { CouponDraft } from '@tillpoint/terminal-core';
import { CheckField } from '../components/check-field.js';
import { ColumnHeads } from '../components/column-heads.js';
import { ProblemText } from '../components/feedback.js';
import { TextField } from '../components/text-field.js';
import { useTerminalLoad } from '../components/use-terminal-load.js';
import { money } from '../format.js';
import { useApp } from '../store.js';
import { useTerminalAction } from '../components/use-terminal-action.js';

interface CouponForm {
  readonly code: string;
  readonly name: string;
  readonly kind: CouponKind;
  readonly value: string;
  readonly maxDiscount: string;
  readonly itemSku: string;
  readonly itemName: string;
  readonly itemValue: string;
  readonly minimumOrder: string;
  readonly startsOn: string;
  readonly lastDay: string;
  readonly usageLimit: string;
  readonly perMemberLimit: string;
  readonly active: boolean;
  /** 0 = Sunday … 6 = Saturday; none = every day. */
  readonly weekdays: readonly number[];
  readonly hoursFrom: string;
  readonly hoursTo: string;
  readonly tiers: readonly string[];
  readonly newMembersOnly: boolean;
  /** Comma-separated names. */
  readonly segments: string;
  readonly stores: string;
  readonly regions: string;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

const EMPTY_FORM: CouponForm = {
  code: '',
  name: '',
  kind: 'fixed',
  value: '',
  maxDiscount: '',
  itemSku: '',
  itemName: '',
  itemValue: '',
  minimumOrder: '',
  startsOn: '',
  lastDay: '',
  usageLimit: '',
  perMemberLimit: '',
  active: true,
  weekdays: [],
  hoursFrom: '',
  hoursTo: '',
  tiers: [],
  newMembersOnly: false,
  segments: '',
  stores: '',
  regions: '',
};

/** "a, b ,, c" → ['a', 'b', 'c'] (no duplicates). */
function names(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    ),
  ];
}

/** An amount as the manager types it back: whole units, the currency's own decimals. */
const plainAmount = (minor: number | undefined, currency: string) =>
  minor === undefined ? '' : minorToDecimalString(minor, currency);

function localDate(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of a YYYY-MM-DD day, `days` later, as a UTC instant; undefined if unreadable. */
function startOfDay(day: string, days = 0): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function formOf(coupon: CouponDoc, currency: string): CouponForm {
  return {
    code: coupon.code,
    name: coupon.name,
    kind: coupon.kind,
    value: coupon.kind === 'percent' ? String(coupon.value) : plainAmount(coupon.value, currency),
    maxDiscount: plainAmount(coupon.maxDiscount, currency),
    itemSku: coupon.freeItem?.sku ?? '',
    itemName: coupon.freeItem?.name ?? '',
    itemValue: plainAmount(coupon.freeItem?.value, currency),
    minimumOrder: coupon.minimumOrder > 0 ? plainAmount(coupon.minimumOrder, currency) : '',
    startsOn: coupon.startsAt ? localDate(Date.parse(coupon.startsAt)) : '',
    lastDay: coupon.expiresAt ? localDate(Date.parse(coupon.expiresAt) - 1) : '',
    usageLimit: coupon.usageLimit !== undefined ? String(coupon.usageLimit) : '',
    perMemberLimit: coupon.perMemberLimit !== undefined ? String(coupon.perMemberLimit) : '',
    active: coupon.active,
    weekdays: coupon.weekdays,
    hoursFrom: coupon.hours?.from ?? '',
    hoursTo: coupon.hours?.to ?? '',
    tiers: coupon.eligibility.tiers,
    newMembersOnly: coupon.eligibility.newMembersOnly,
    segments: coupon.eligibility.segments.join(', '),
    stores: coupon.eligibility.stores.join(', '),
    regions: coupon.eligibility.regions.join(', '),
  };
}

type Built = { readonly draft: CouponDraft } | { readonly problem: string };

/**
 * What was typed, read into a draft (amounts, counts, days, hours and names); the rules
 * themselves are terminal-core's.
 */
function buildDraft(form: CouponForm, editing: CouponDoc | undefined, currency: string): Built {
  const amount = (label: string, text: string, required: boolean) => {
    const trimmed = text.trim();
    if (trimmed === '') return required ? { problem: `${label}: enter an amount.` } : {};
    const parsed = parseMoney(trimmed, currency);
    return parsed.ok ? { value: parsed.value } : { problem: `${label}: ${parsed.refusal.message}` };
  };
  const count = (label: string, text: string) => {
    const trimmed = text.trim();
    if (trimmed === '') return {};
    return /^\d{1,9}$/.test(trimmed) && Number(trimmed) > 0
      ? { value: Number(trimmed) }
      : { problem: `${label}: enter a whole number of 1 or more, or leave it empty.` };
  };
  let value = 0;
  if (form.kind === 'percent') {
    if (!/^\d{1,3}$/.test(form.value.trim())) {
      return { problem: 'Percent off: enter a whole number from 1 to 100.' };
    }
    value = Number(form.value.trim());
  } else if (form.kind === 'fixed') {
    const off = amount('Amount off', form.value, true);
    if ('problem' in off) return { problem: off.problem as string };
    value = off.value ?? 0;
  }
  const maxDiscount =
    form.kind === 'percent' ? amount('Largest discount', form.maxDiscount, false) : {};
  const itemValue =
    form.kind === 'free-item' ? amount('Free item value', form.itemValue, true) : {};
  const minimumOrder = amount('Minimum order', form.minimumOrder, false);
  const usageLimit = count('Total uses', form.usageLimit);
  const perMemberLimit = count('Uses per member', form.perMemberLimit);
  for (const part of [maxDiscount, itemValue, minimumOrder, usageLimit, perMemberLimit]) {
    if ('problem' in part) return { problem: part.problem as string };
  }
  const startsAt = form.startsOn.trim() ? startOfDay(form.startsOn.trim()) : undefined;
  const expiresAt = form.lastDay.trim() ? startOfDay(form.lastDay.trim(), 1) : undefined;
  if (form.startsOn.trim() && !startsAt) return { problem: 'First day: enter a date.' };
  if (form.lastDay.trim() && !expiresAt) return { problem: 'Last day: enter a date.' };
  const hoursFrom = form.hoursFrom.trim();
  const hoursTo = form.hoursTo.trim();
  if ((hoursFrom === '') !== (hoursTo === '')) {
    return { problem: 'Hours: enter both the start and the end, or neither.' };
  }
  const kept = editing ? couponDraftOf(editing) : {};
  const {
    startsAt: _startsAt,
    expiresAt: _expiresAt,
    maxDiscount: _maxDiscount,
    freeItem: _freeItem,
    usageLimit: _usageLimit,
    perMemberLimit: _perMemberLimit,
    hours: _hours,
    ...rest
  } = kept as CouponDraft;
  return {
    draft: {
      ...rest,
      ...(editing ? { id: editing.id } : {}),
      code: form.code,
      name: form.name.trim(),
      kind: form.kind,
      value,
      minimumOrder: 'value' in minimumOrder ? (minimumOrder.value ?? 0) : 0,
      active: form.active,
      ...('value' in maxDiscount && maxDiscount.value !== undefined
        ? { maxDiscount: maxDiscount.value }
        : {}),
      ...(form.kind === 'free-item'
        ? {
            freeItem: {
              sku: form.itemSku.trim(),
              name: form.itemName.trim(),
              value: 'value' in itemValue ? (itemValue.value ?? 0) : 0,
            },
          }
        : {}),
      ...('value' in usageLimit ? { usageLimit: usageLimit.value } : {}),
      ...('value' in perMemberLimit ? { perMemberLimit: perMemberLimit.value } : {}),
      ...(startsAt ? { startsAt } : {}),
      ...(expiresAt ? { expiresAt } : {}),
      weekdays: [...form.weekdays].sort((a, b) => a - b),
      ...(hoursFrom !== '' ? { hours: { from: hoursFrom, to: hoursTo } } : {}),
      eligibility: {
        tiers: [...form.tiers],
        newMembersOnly: form.newMembersOnly,
        segments: names(form.segments),
        stores: names(form.stores),
        regions: names(form.regions),
      },
    } as CouponDraft,
  };
}

function describe(coupon: CouponDoc, currency: string): string {
  const fmt = (minor: number) => money(minor, { currency });
  switch (coupon.kind) {
    case 'percent':
      return `${coupon.value}% off${coupon.maxDiscount ? ` (at most ${fmt(coupon.maxDiscount)})` : ''}`;
    case 'fixed':
      return `${fmt(coupon.value)} off`;
    case 'free-item':
      return `free ${coupon.freeItem?.name ?? 'item'}`;
  }
}

/** Coupons: the list with their usage, and the editor for a new or an existing one. */
export function CouponsScreen() {
  const program = useApp((state) => state.program);
  const storedAt = useApp((state) => state.status?.storedAt);
  const [coupons, setCoupons] = useState<readonly CouponDoc[]>();
  const [problem, setProblem] = useState<string>();
  const [editing, setEditing] = useState<CouponDoc | 'new'>();
  const [saved, setSaved] = useState<string>();
  const [reload, setReload] = useState(0);
  const currency = program?.currency ?? 'USD';

  useTerminalLoad((loading) => loading.listCoupons(), setCoupons, setProblem, [storedAt, reload]);

  return (
    <main className="desk">
      {editing ? (
        <CouponEditor
          key={editing === 'new' ? 'new' : editing.id}
          editing={editing === 'new' ? undefined : editing}
          currency={currency}
          tiers={program?.tiers.list ?? []}
          onDone={(message) => {
            setEditing(undefined);
            setSaved(message);
            setReload((value) => value + 1);
          }}
        />
      ) : null}
      <section className="panel" aria-labelledby="coupons-title">
        <header className="desk-head">
          <h1 id="coupons-title">Coupons</h1>
          <button
            type="button"
            className="primary"
            onClick={() => {
              setSaved(undefined);
              setEditing('new');
            }}
          >
            New coupon
          </button>
        </header>
        {saved ? (
          <p className="success" role="status">
            {saved}
          </p>
        ) : null}
        <ProblemText text={problem} />
        {coupons === undefined && !problem ? <p className="muted">Loading…</p> : null}
        {coupons && coupons.length > 0 ? (
          <table className="coupon-table">
            <ColumnHeads columns={['Code', 'Name', 'Gives', 'Used', 'State']} />
            <tbody>
              {coupons.map((coupon) => (
                <tr key={coupon.id} data-testid="coupon-row" data-code={coupon.code}>
                  <td>
                    <code>{coupon.code}</code>
                  </td>
                  <td>{coupon.name}</td>
                  <td>{describe(coupon, currency)}</td>
                  <td data-testid="coupon-used">
                    {coupon.usage.used}
                    {coupon.usageLimit !== undefined ? ` of ${coupon.usageLimit}` : ''}
                  </td>
                  <td>{coupon.active ? 'on' : 'off'}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Edit ${coupon.code}`}
                      onClick={() => {
                        setSaved(undefined);
                        setEditing(coupon);
                      }}
                    >
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </main>
  );
}

function CouponEditor({
  editing,
  currency,
  tiers,
  onDone,
}: {
  readonly editing: CouponDoc | undefined;
  readonly currency: string;
  readonly tiers: ProgramSettings['tiers']['list'];
  readonly onDone: (message?: string) => void;
}) {
  const [form, setForm] = useState<CouponForm>(editing ? formOf(editing, currency) : EMPTY_FORM);
  const { terminal, problem, setProblem, busy, run } = useTerminalAction();
  const set = (patch: Partial<CouponForm>) => setForm((current) => ({ ...current, ...patch }));
  const toggle = <T,>(list: readonly T[], item: T, on: boolean): T[] =>
    on ? [...list.filter((entry) => entry !== item), item] : list.filter((entry) => entry !== item);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!terminal || busy) return;
    const built = buildDraft(form, editing, currency);
    if ('problem' in built) {
      setProblem(built.problem);
      return;
    }
    await run(
      (till) => till.saveCoupon(built.draft),
      (coupon) => onDone(`Coupon ${coupon.code} saved.`),
    );
  }

  const text = (
    label: string,
    name: keyof CouponForm,
    options: { maxLength?: number; placeholder?: string; inputMode?: 'decimal' | 'numeric' } = {},
  ) => (
    <TextField
      label={label}
      name={name}
      spellCheck={false}
      maxLength={options.maxLength ?? 40}
      placeholder={options.placeholder}
      inputMode={options.inputMode}
      value={String(form[name])}
      onText={(typed) => set({ [name]: typed })}
    />
  );

  /** A day or a time of day, with the browser's own picker. */
  const picker = (
    label: string,
    name: 'startsOn' | 'lastDay' | 'hoursFrom' | 'hoursTo',
    type: 'date' | 'time',
  ) => (
    <label className="field">
      <span>{label}</span>
      <input
        name={name}
        type={type}
        value={form[name]}
        onChange={(event) => set({ [name]: event.target.value })}
      />
    </label>
  );

  return (
    <section className="panel coupon-editor" aria-labelledby="coupon-editor-title">
      <h2 id="coupon-editor-title">{editing ? `Edit ${editing.code}` : 'New coupon'}</h2>
      <form onSubmit={(event) => void save(event)} noValidate>
        <div className="field-row">
          <TextField
            label="Code"
            name="code"
            spellCheck={false}
            maxLength={40}
            value={form.code}
            onText={(code) => set({ code })}
            autoFocus
          />
          {text('Name', 'name', { maxLength: 120 })}
        </div>
        <div className="field-row">
          <label className="field">
            <span>Kind</span>
            <select
              name="kind"
              value={form.kind}
              onChange={(event) => set({ kind: event.target.value as CouponKind })}
            >
              <option value="fixed">Amount off</option>
              <option value="percent">Percent off</option>
              <option value="free-item">Free item</option>
            </select>
          </label>
          {form.kind === 'percent'
            ? text('Percent off', 'value', {
                maxLength: 3,
                inputMode: 'numeric',
                placeholder: '10',
              })
            : null}
          {form.kind === 'fixed'
            ? text('Amount off', 'value', {
                maxLength: 20,
                inputMode: 'decimal',
                placeholder: '5.00',
              })
            : null}
          {form.kind === 'percent'
            ? text('Largest discount (optional)', 'maxDiscount', {
                maxLength: 20,
                inputMode: 'decimal',
              })
            : null}
        </div>
        {form.kind === 'free-item' ? (
          <div className="field-row">
            {text('Item code (SKU)', 'itemSku', { maxLength: 64 })}
            {text('Item name', 'itemName', { maxLength: 120 })}
            {text('Item value', 'itemValue', { maxLength: 20, inputMode: 'decimal' })}
          </div>
        ) : null}
        <div className="field-row">
          {text('Minimum order (optional)', 'minimumOrder', {
            maxLength: 20,
            inputMode: 'decimal',
          })}
          {text('Total uses (optional)', 'usageLimit', { maxLength: 9, inputMode: 'numeric' })}
          {text('Uses per member (optional)', 'perMemberLimit', {
            maxLength: 9,
            inputMode: 'numeric',
          })}
        </div>
        <div className="field-row">
          {picker('First day (optional)', 'startsOn', 'date')}
          {picker('Last day (optional)', 'lastDay', 'date')}
        </div>
        <fieldset>
          <legend>When (optional)</legend>
          <div role="group" aria-label="Days">
            {WEEKDAYS.map((day, index) => (
              <CheckField
                key={day}
                label={day}
                name={`weekday-${day}`}
                checked={form.weekdays.includes(index)}
                onCheck={(checked) => set({ weekdays: toggle(form.weekdays, index, checked) })}
              />
            ))}
            <span className="muted">No day ticked: every day.</span>
          </div>
          <div className="field-row">
            {picker('From (time)', 'hoursFrom', 'time')}
            {picker('Until (time)', 'hoursTo', 'time')}
          </div>
        </fieldset>
        <fieldset>
          <legend>Who (optional)</legend>
          {tiers.length > 0 ? (
            <div role="group" aria-label="Tiers">
              {tiers.map((tier) => (
                <CheckField
                  key={tier.id}
                  label={tier.name}
                  name={`tier-${tier.id}`}
                  checked={form.tiers.includes(tier.id)}
                  onCheck={(checked) => set({ tiers: toggle(form.tiers, tier.id, checked) })}
                />
              ))}
              <span className="muted">No tier ticked: every tier.</span>
            </div>
          ) : null}
          <CheckField
            label="New members only"
            name="newMembersOnly"
            checked={form.newMembersOnly}
            onCheck={(newMembersOnly) => set({ newMembersOnly })}
          />
          <div className="field-row">
            {text('Segments (comma-separated)', 'segments', { maxLength: 400 })}
            {text('Stores (comma-separated)', 'stores', { maxLength: 2000 })}
            {text('Regions (comma-separated)', 'regions', { maxLength: 800 })}
          </div>
        </fieldset>
        <CheckField
          label="Active (cashiers can use it)"
          name="active"
          checked={form.active}
          onCheck={(active) => set({ active })}
        />
        {editing ? (
          <p className="muted" data-testid="coupon-usage">
            Used {editing.usage.used} time{editing.usage.used === 1 ? '' : 's'} so far (counted by
            the server).
          </p>
        ) : null}
        <ProblemText text={problem} testId="coupon-problem" />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save coupon
          </button>
          <button type="button" onClick={() => onDone()}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
