import { useState } from 'react';
import type { FormEvent } from 'react';
import type { MemberDoc } from '@tillpoint/protocol';
import type { ProfilePatch } from '@tillpoint/terminal-core';
import { errorText, points } from '../format.js';
import { useApp } from '../store.js';

/** Only shown to a manager (the terminal refuses these for a cashier anyway). */
export function ManagerActions({
  memberId,
  member,
}: {
  readonly memberId: string;
  readonly member: MemberDoc;
}) {
  const terminal = useApp((state) => state.terminal);
  const refreshMember = useApp((state) => state.refreshMember);
  const [open, setOpen] = useState<'adjust' | 'note' | 'profile'>();
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
        <button
          type="button"
          onClick={() => setOpen(open === 'profile' ? undefined : 'profile')}
          aria-expanded={open === 'profile'}
        >
          Edit profile
        </button>
      </div>
      {open === 'profile' ? (
        <ProfileForm
          member={member}
          onSave={async (patch) => {
            if (!terminal) return;
            try {
              const result = await terminal.editProfile(memberId, patch);
              if (!result.ok) {
                setMessage({ kind: 'problem', text: result.refusal.message });
                return;
              }
              setMessage({ kind: 'ok', text: 'Profile saved.' });
              setOpen(undefined);
              await refreshMember();
            } catch (error) {
              setMessage({ kind: 'problem', text: errorText(error) });
            }
          }}
        />
      ) : null}
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

const listText = (items: readonly string[]) => items.join(', ');
const listOf = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

type EditableStatus = NonNullable<ProfilePatch['status']>;

/** The profile fields a manager corrects at the till; empty optional fields are cleared. */
function ProfileForm({
  member,
  onSave,
}: {
  readonly member: MemberDoc;
  readonly onSave: (patch: ProfilePatch) => Promise<void>;
}) {
  const [name, setName] = useState(member.name);
  const [email, setEmail] = useState(member.email ?? '');
  const [birthday, setBirthday] = useState(member.birthday ?? '');
  const [anniversary, setAnniversary] = useState(member.anniversary ?? '');
  const [allergies, setAllergies] = useState(listText(member.preferences.allergies));
  const [dietary, setDietary] = useState(listText(member.preferences.dietary));
  const [tags, setTags] = useState(listText(member.tags));
  const editableStatus = ['active', 'inactive', 'blocked'].includes(member.status);
  const [status, setStatus] = useState<EditableStatus>(
    editableStatus ? (member.status as EditableStatus) : 'active',
  );
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    // The member record holds at most 20 of each, of at most 64 characters.
    const preferences = { allergies: listOf(allergies), dietary: listOf(dietary) };
    for (const [label, items] of [
      ['Allergies', preferences.allergies],
      ['Dietary needs', preferences.dietary],
    ] as const) {
      if (items.length > 20 || items.some((item) => item.length > 64)) {
        setProblem(`${label}: at most 20 entries of at most 64 characters each.`);
        return;
      }
    }
    setProblem(undefined);
    setBusy(true);
    try {
      await onSave({
        name,
        email: email.trim() || null,
        birthday: birthday.trim() || null,
        anniversary: anniversary.trim() || null,
        preferences,
        tags: listOf(tags),
        ...(editableStatus ? { status } : {}),
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      onSubmit={(event) => void submit(event)}
      className="inline-form profile-form"
      aria-label="Edit profile"
      noValidate
    >
      <label className="field">
        <span>Name</span>
        <input
          name="profileName"
          autoComplete="off"
          maxLength={120}
          value={name}
          onChange={(event) => setName(event.target.value)}
          autoFocus
        />
      </label>
      <label className="field">
        <span>Email</span>
        <input
          name="profileEmail"
          type="email"
          autoComplete="off"
          maxLength={254}
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
      </label>
      <label className="field">
        <span>Birthday (YYYY-MM-DD or --MM-DD)</span>
        <input
          name="profileBirthday"
          autoComplete="off"
          maxLength={10}
          value={birthday}
          onChange={(event) => setBirthday(event.target.value)}
        />
      </label>
      <label className="field">
        <span>Anniversary (YYYY-MM-DD)</span>
        <input
          name="profileAnniversary"
          autoComplete="off"
          maxLength={10}
          value={anniversary}
          onChange={(event) => setAnniversary(event.target.value)}
        />
      </label>
      <label className="field">
        <span>Allergies (comma separated)</span>
        <input
          name="profileAllergies"
          autoComplete="off"
          maxLength={1000}
          value={allergies}
          onChange={(event) => setAllergies(event.target.value)}
        />
      </label>
      <label className="field">
        <span>Dietary needs (comma separated)</span>
        <input
          name="profileDietary"
          autoComplete="off"
          maxLength={1000}
          value={dietary}
          onChange={(event) => setDietary(event.target.value)}
        />
      </label>
      <label className="field">
        <span>Tags (comma separated)</span>
        <input
          name="profileTags"
          autoComplete="off"
          maxLength={2000}
          value={tags}
          onChange={(event) => setTags(event.target.value)}
        />
      </label>
      {editableStatus ? (
        <label className="field">
          <span>Status</span>
          <select
            name="profileStatus"
            value={status}
            onChange={(event) => setStatus(event.target.value as EditableStatus)}
          >
            <option value="active">active</option>
            <option value="inactive">inactive</option>
            <option value="blocked">blocked</option>
          </select>
        </label>
      ) : null}
      {problem ? (
        <p className="problem" role="alert">
          {problem}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        Save profile
      </button>
    </form>
  );
}
