import { useState } from 'react';
import type { FormEvent, KeyboardEvent } from 'react';
import { errorText } from '../format.js';
import { useApp } from '../store.js';

interface Props {
  readonly phone: string;
}

const CONSENTS = [
  { key: 'sms', label: 'Text messages' },
  { key: 'email', label: 'Email' },
  { key: 'specialOffers', label: 'Special offers' },
  { key: 'birthdayOffers', label: 'Birthday offers' },
] as const;

type ConsentKey = (typeof CONSENTS)[number]['key'];

/** A number nobody has: enroll the customer in a few keystrokes (name, Enter). */
export function EnrollForm({ phone }: Props) {
  const terminal = useApp((state) => state.terminal);
  const showMember = useApp((state) => state.showMember);
  const nextCustomer = useApp((state) => state.nextCustomer);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [birthday, setBirthday] = useState('');
  const [referral, setReferral] = useState('');
  const [consents, setConsents] = useState<Record<ConsentKey, boolean>>({
    sms: false,
    email: false,
    specialOffers: false,
    birthdayOffers: false,
  });
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!terminal || busy) return;
    setProblem(undefined);
    setBusy(true);
    try {
      const result = await terminal.enrollMember({
        phone,
        name,
        ...(email.trim() ? { email: email.trim() } : {}),
        ...(birthday.trim() ? { birthday: birthday.trim() } : {}),
        ...(referral.trim() ? { referralCode: referral.trim() } : {}),
        consents,
      });
      if (!result.ok) {
        setProblem(result.refusal.message);
        return;
      }
      showMember(result.value.card);
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  // Enter on a checkbox submits too, as in the text fields (a checkbox alone would not).
  function onKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (
      event.key === 'Enter' &&
      event.target instanceof HTMLInputElement &&
      event.target.type === 'checkbox'
    ) {
      event.preventDefault();
      event.currentTarget.requestSubmit();
    }
  }

  return (
    <section className="panel enroll" aria-labelledby="enroll-title">
      <h2 id="enroll-title">New member</h2>
      <p>
        No member has <strong data-testid="unknown-phone">{phone}</strong> yet. Type a name and
        press Enter to enroll; the rest is optional.
      </p>
      <form onSubmit={(event) => void submit(event)} onKeyDown={onKeyDown} noValidate>
        <label className="field">
          <span>Name</span>
          <input
            name="name"
            autoComplete="off"
            maxLength={120}
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
            autoFocus
          />
        </label>
        <div className="field-row">
          <label className="field">
            <span>Email (optional)</span>
            <input
              name="email"
              type="email"
              autoComplete="off"
              maxLength={254}
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          </label>
          <label className="field">
            <span>Birthday (optional, YYYY-MM-DD or --MM-DD)</span>
            <input
              name="birthday"
              autoComplete="off"
              maxLength={10}
              placeholder="1990-04-21"
              value={birthday}
              onChange={(event) => setBirthday(event.target.value)}
            />
          </label>
        </div>
        <fieldset className="consents">
          <legend>The customer agrees to receive</legend>
          {CONSENTS.map((consent) => (
            <label key={consent.key} className="check">
              <input
                type="checkbox"
                checked={consents[consent.key]}
                onChange={(event) =>
                  setConsents({ ...consents, [consent.key]: event.target.checked })
                }
              />
              {consent.label}
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>Referral code (optional)</span>
          <input
            name="referralCode"
            autoComplete="off"
            maxLength={32}
            value={referral}
            onChange={(event) => setReferral(event.target.value)}
          />
        </label>
        {problem ? (
          <p className="problem" role="alert">
            {problem}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="primary big" disabled={busy}>
            Enroll (Enter)
          </button>
          <button type="button" className="big" onClick={nextCustomer}>
            Cancel (Esc)
          </button>
        </div>
      </form>
    </section>
  );
}
