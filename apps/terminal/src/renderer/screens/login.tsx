import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { StaffRole } from '@tillpoint/protocol';
import { Numpad } from '../components/numpad.js';
import { ProblemText } from '../components/feedback.js';
import { TextField } from '../components/text-field.js';
import { useTerminalAction } from '../components/use-terminal-action.js';
import { useApp } from '../store.js';

interface StaffEntry {
  readonly id: string;
  readonly name: string;
  readonly role: StaffRole;
}

const MAX_PIN = 8;

/** Staff sign-in: pick your name, type your PIN (works offline: the PIN hashes are on the till). */
export function Login() {
  const signedIn = useApp((state) => state.signedIn);
  const signedOutNotice = useApp((state) => state.signedOutNotice);
  const { terminal, problem, setProblem, busy, run } = useTerminalAction();
  const [staff, setStaff] = useState<readonly StaffEntry[]>();
  const [selected, setSelected] = useState<string>();
  const [pin, setPin] = useState('');
  const pinRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!terminal) return;
    // Staff arrive with the first pull after enrollment: follow the local collection.
    const subscription = terminal.database.staff.$.subscribe(() => {
      void terminal.listStaff().then(setStaff);
    });
    void terminal.listStaff().then(setStaff);
    return () => subscription.unsubscribe();
  }, [terminal]);

  const chosen =
    staff?.find((entry) => entry.id === selected) ?? (staff?.length === 1 ? staff[0] : undefined);

  function choose(id: string) {
    setSelected(id);
    setPin('');
    setProblem(undefined);
    pinRef.current?.focus();
  }

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (!terminal || busy) return;
    if (!chosen) {
      setProblem('Choose your name first.');
      return;
    }
    await run(
      (till) => till.login(chosen.id, pin),
      signedIn,
      () => {
        setPin('');
        pinRef.current?.focus();
      },
    );
  }

  return (
    <main className="centre-screen">
      <form
        className="panel login"
        onSubmit={(event) => void submit(event)}
        aria-labelledby="login-title"
      >
        <h1 id="login-title">Sign in</h1>
        {signedOutNotice ? (
          <p role="status" className="notice" data-testid="signed-out-notice">
            {signedOutNotice}
          </p>
        ) : null}
        {staff === undefined ? <p role="status">Loading staff…</p> : null}
        {staff?.length === 0 ? (
          <p role="status">
            Waiting for the staff list from the server… (the till needs to be online once after
            set-up)
          </p>
        ) : null}
        <div className="login-grid">
          <fieldset className="staff-list">
            <legend>Who are you?</legend>
            {staff?.map((entry, index) => (
              <button
                key={entry.id}
                type="button"
                className={`staff-button${chosen?.id === entry.id ? ' selected' : ''}`}
                aria-pressed={chosen?.id === entry.id}
                onClick={() => choose(entry.id)}
                autoFocus={index === 0 && staff.length > 1}
              >
                <span className="staff-name">{entry.name}</span>
                <span className="staff-role">{entry.role}</span>
              </button>
            ))}
          </fieldset>
          <div className="pin-entry">
            <TextField
              label={chosen ? `PIN for ${chosen.name}` : 'PIN'}
              ref={pinRef}
              name="pin"
              type="password"
              inputMode="numeric"
              maxLength={MAX_PIN}
              value={pin}
              onText={(typed) => setPin(typed.replace(/\D/g, '').slice(0, MAX_PIN))}
              autoFocus={staff?.length === 1}
              aria-describedby={problem ? 'login-problem' : undefined}
            />
            <Numpad
              label="PIN keypad"
              onDigit={(digit) => setPin((value) => (value + digit).slice(0, MAX_PIN))}
              onBackspace={() => setPin((value) => value.slice(0, -1))}
              onClear={() => setPin('')}
            />
            <ProblemText text={problem} id="login-problem" testId="login-problem" />
            <button type="submit" className="primary big" disabled={busy || !chosen}>
              {busy ? 'Checking…' : 'Sign in (Enter)'}
            </button>
          </div>
        </div>
      </form>
    </main>
  );
}
