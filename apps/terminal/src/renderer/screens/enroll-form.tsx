import { useState } from 'react';
import type { FormEvent, KeyboardEvent } from 'react';
import { ConsentChecks } from '../components/consent-checks.js';
import { ProblemText } from '../components/feedback.js';
import { TextField } from '../components/text-field.js';
import { count } from '../format.js';
import { useApp } from '../store.js';
import { useTerminalAction } from '../components/use-terminal-action.js';

interface Props {
  readonly phone: string;
}

/** The consents asked at enrolment (the others start off and are set in the profile). */
const ENROLL_CONSENTS = ['sms', 'email', 'specialOffers', 'birthdayOffers'] as const;

type EnrollConsent = (typeof ENROLL_CONSENTS)[number];

/** A number nobody has: enroll the customer in a few keystrokes (name, Enter). */
export function EnrollForm({ phone }: Props) {
  const showMember = useApp((state) => state.showMember);
  const nextCustomer = useApp((state) => state.nextCustomer);
  const firstLoad = useApp((state) => state.status?.firstLoad);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [birthday, setBirthday] = useState('');
  const [referral, setReferral] = useState('');
  const [consents, setConsents] = useState<Record<EnrollConsent, boolean>>({
    sms: false,
    email: false,
    specialOffers: false,
    birthdayOffers: false,
  });
  const { problem, busy, run } = useTerminalAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(
      (till) =>
        till.enrollMember({
          phone,
          name,
          ...(email.trim() ? { email: email.trim() } : {}),
          ...(birthday.trim() ? { birthday: birthday.trim() } : {}),
          ...(referral.trim() ? { referralCode: referral.trim() } : {}),
          consents,
        }),
      (value) => showMember(value.card),
    );
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
      {firstLoad && !firstLoad.membersDone ? (
        <p className="warning" role="note" data-testid="enroll-first-load">
          This till is still loading the members from the server ({count(firstLoad.members)} so
          far): the customer may be a member it has not loaded yet. If they say they are, look them
          up again once loading has finished.
        </p>
      ) : null}
      <form onSubmit={(event) => void submit(event)} onKeyDown={onKeyDown} noValidate>
        <TextField
          label="Name"
          name="name"
          maxLength={120}
          required
          value={name}
          onText={setName}
          autoFocus
        />
        <div className="field-row">
          <TextField
            label="Email (optional)"
            name="email"
            type="email"
            maxLength={254}
            value={email}
            onText={setEmail}
          />
          <TextField
            label="Birthday (optional, YYYY-MM-DD or --MM-DD)"
            name="birthday"
            maxLength={10}
            placeholder="1990-04-21"
            value={birthday}
            onText={setBirthday}
          />
        </div>
        <ConsentChecks keys={ENROLL_CONSENTS} value={consents} onChange={setConsents} />
        <TextField
          label="Referral code (optional)"
          name="referralCode"
          maxLength={32}
          value={referral}
          onText={setReferral}
        />
        <ProblemText text={problem} />
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
