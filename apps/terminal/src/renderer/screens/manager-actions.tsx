import { useState } from 'react';
import type { FormEvent } from 'react';
import type { MemberConsents, MemberDoc } from '@tillpoint/protocol';
import type { Result } from '@tillpoint/loyalty';
import type { ProfilePatch, Terminal } from '@tillpoint/terminal-core';
import { CONSENT_LABELS, ConsentChecks } from '../components/consent-checks.js';
import type { ConsentKey } from '../components/consent-checks.js';
import { Feedback, ProblemText } from '../components/feedback.js';
import { useMemberChange } from '../components/use-member-change.js';
import { TextField } from '../components/text-field.js';
import { points } from '../format.js';

type Panel = 'adjust' | 'note' | 'profile';

const PANELS: readonly { readonly panel: Panel; readonly label: string }[] = [
  { panel: 'adjust', label: 'Adjust points' },
  { panel: 'note', label: 'Add note' },
  { panel: 'profile', label: 'Edit profile' },
];

/** Only shown to a manager (the terminal refuses these for a cashier anyway). */
export function ManagerActions({
  memberId,
  member,
}: {
  readonly memberId: string;
  readonly member: MemberDoc;
}) {
  const [open, setOpen] = useState<Panel>();
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const { message, setMessage, run } = useMemberChange();

  /** A change to the member; on success the open form also closes. */
  async function change<T>(
    action: (terminal: Terminal) => Promise<Result<T>>,
    saved: (value: T) => string,
    clearForm?: () => void,
  ) {
    await run(action, saved, () => {
      clearForm?.();
      setOpen(undefined);
    });
  }

  async function adjust(event: FormEvent) {
    event.preventDefault();
    const value = Number(amount.trim());
    if (!/^[+-]?\d+$/.test(amount.trim()) || !Number.isSafeInteger(value)) {
      setMessage({ kind: 'problem', text: 'Enter whole points, e.g. 250 or -100.' });
      return;
    }
    await change(
      (till) => till.adjustPoints(memberId, value, reason),
      (adjusted) => `Adjusted by ${points(value)}. New balance ${points(adjusted.balance)}.`,
      () => {
        setAmount('');
        setReason('');
      },
    );
  }

  async function addNote(event: FormEvent) {
    event.preventDefault();
    await change(
      (till) => till.addNote(memberId, note),
      () => 'Note saved.',
      () => setNote(''),
    );
  }

  return (
    <section className="manager" aria-label="Manager actions" data-testid="manager-actions">
      <div className="actions">
        {PANELS.map(({ panel, label }) => (
          <button
            key={panel}
            type="button"
            onClick={() => setOpen(open === panel ? undefined : panel)}
            aria-expanded={open === panel}
          >
            {label}
          </button>
        ))}
      </div>
      {open === 'profile' ? (
        <ProfileForm
          member={member}
          onSave={(patch) =>
            change(
              (till) => till.editProfile(memberId, patch),
              () => 'Profile saved.',
            )
          }
        />
      ) : null}
      {open === 'adjust' ? (
        <form onSubmit={(event) => void adjust(event)} className="inline-form">
          <TextField
            label="Points (negative to take away)"
            name="adjustPoints"
            inputMode="numeric"
            value={amount}
            onText={setAmount}
            autoFocus
          />
          <TextField
            label="Reason"
            name="adjustReason"
            maxLength={500}
            required
            value={reason}
            onText={setReason}
          />
          <button type="submit" className="primary">
            Save adjustment
          </button>
        </form>
      ) : null}
      {open === 'note' ? (
        <form onSubmit={(event) => void addNote(event)} className="inline-form">
          <TextField
            label="Note for staff"
            name="note"
            maxLength={1000}
            required
            value={note}
            onText={setNote}
            autoFocus
          />
          <button type="submit" className="primary">
            Save note
          </button>
        </form>
      ) : null}
      <Feedback message={message} />
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

const CONSENT_KEYS = Object.keys(CONSENT_LABELS) as ConsentKey[];

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
  const [consents, setConsents] = useState<MemberConsents>(member.consents);
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
        consents,
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
      <TextField
        label="Name"
        name="profileName"
        maxLength={120}
        value={name}
        onText={setName}
        autoFocus
      />
      <TextField
        label="Email"
        name="profileEmail"
        type="email"
        maxLength={254}
        value={email}
        onText={setEmail}
      />
      <TextField
        label="Birthday (YYYY-MM-DD or --MM-DD)"
        name="profileBirthday"
        maxLength={10}
        value={birthday}
        onText={setBirthday}
      />
      <TextField
        label="Anniversary (YYYY-MM-DD)"
        name="profileAnniversary"
        maxLength={10}
        value={anniversary}
        onText={setAnniversary}
      />
      <TextField
        label="Allergies (comma separated)"
        name="profileAllergies"
        maxLength={1000}
        value={allergies}
        onText={setAllergies}
      />
      <TextField
        label="Dietary needs (comma separated)"
        name="profileDietary"
        maxLength={1000}
        value={dietary}
        onText={setDietary}
      />
      <TextField
        label="Tags (comma separated)"
        name="profileTags"
        maxLength={2000}
        value={tags}
        onText={setTags}
      />
      <ConsentChecks
        keys={CONSENT_KEYS}
        value={consents}
        onChange={setConsents}
        legend="The member agrees to receive"
      />
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
      <ProblemText text={problem} />
      <button type="submit" className="primary" disabled={busy}>
        Save profile
      </button>
    </form>
  );
}
