import { useState } from 'react';
import type { FormEvent } from 'react';
import { errorText, points } from '../format.js';
import { useApp } from '../store.js';

/** Only shown to a manager (the terminal refuses these for a cashier anyway). */
export function ManagerActions({ memberId }: { readonly memberId: string }) {
  const terminal = useApp((state) => state.terminal);
  const refreshMember = useApp((state) => state.refreshMember);
  const [open, setOpen] = useState<'adjust' | 'note'>();
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'problem'; text: string }>();

  async function adjust(event: FormEvent) {
    event.preventDefault();
    if (!terminal) return;
    const value = Number(amount.trim());
    if (!/^[+-]?\d+$/.test(amount.trim()) || !Number.isSafeInteger(value)) {
      setMessage({ kind: 'problem', text: 'Enter whole points, e.g. 250 or -100.' });
      return;
    }
    try {
      const result = await terminal.adjustPoints(memberId, value, reason);
      if (!result.ok) {
        setMessage({ kind: 'problem', text: result.refusal.message });
        return;
      }
      setMessage({
        kind: 'ok',
        text: `Adjusted by ${points(value)}. New balance ${points(result.value.balance)}.`,
      });
      setAmount('');
      setReason('');
      setOpen(undefined);
      await refreshMember();
    } catch (error) {
      setMessage({ kind: 'problem', text: errorText(error) });
    }
  }

  async function addNote(event: FormEvent) {
    event.preventDefault();
    if (!terminal) return;
    try {
      const result = await terminal.addNote(memberId, note);
      if (!result.ok) {
        setMessage({ kind: 'problem', text: result.refusal.message });
        return;
      }
      setMessage({ kind: 'ok', text: 'Note saved.' });
      setNote('');
      setOpen(undefined);
      await refreshMember();
    } catch (error) {
      setMessage({ kind: 'problem', text: errorText(error) });
    }
  }

  return (
    <section className="manager" aria-label="Manager actions" data-testid="manager-actions">
      <div className="actions">
        <button
          type="button"
          onClick={() => setOpen(open === 'adjust' ? undefined : 'adjust')}
          aria-expanded={open === 'adjust'}
        >
          Adjust points
        </button>
        <button
          type="button"
          onClick={() => setOpen(open === 'note' ? undefined : 'note')}
          aria-expanded={open === 'note'}
        >
          Add note
        </button>
      </div>
      {open === 'adjust' ? (
        <form onSubmit={(event) => void adjust(event)} className="inline-form">
          <label className="field">
            <span>Points (negative to take away)</span>
            <input
              name="adjustPoints"
              inputMode="numeric"
              autoComplete="off"
              value={amount}
              onChange={(event) => setAmount(event.target.value)}
              autoFocus
            />
          </label>
          <label className="field">
            <span>Reason</span>
            <input
              name="adjustReason"
              autoComplete="off"
              maxLength={500}
              required
              value={reason}
              onChange={(event) => setReason(event.target.value)}
            />
          </label>
          <button type="submit" className="primary">
            Save adjustment
          </button>
        </form>
      ) : null}
      {open === 'note' ? (
        <form onSubmit={(event) => void addNote(event)} className="inline-form">
          <label className="field">
            <span>Note for staff</span>
            <input
              name="note"
              autoComplete="off"
              maxLength={1000}
              required
              value={note}
              onChange={(event) => setNote(event.target.value)}
              autoFocus
            />
          </label>
          <button type="submit" className="primary">
            Save note
          </button>
        </form>
      ) : null}
      {message ? (
        <p
          className={message.kind === 'ok' ? 'success' : 'problem'}
          role={message.kind === 'ok' ? 'status' : 'alert'}
        >
          {message.text}
        </p>
      ) : null}
    </section>
  );
}
