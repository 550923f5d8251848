import { useState } from 'react';
import type { FormEvent } from 'react';
import { useApp } from '../store.js';
import { ProblemText } from './feedback.js';
import { TextField } from './text-field.js';
import { useTerminalAction } from './use-terminal-action.js';

/**
 * When the server no longer accepts this till's token (revoked, or a server that does not know
 * it): the till keeps selling offline, and a manager enrolls it again here with a code made for
 * this terminal, keeping its unsent sales.
 */
export function EnrollAgain() {
  const status = useApp((state) => state.status);
  const { terminal, problem, busy, run } = useTerminalAction();
  const [code, setCode] = useState('');
  const refused = status?.error?.code === 'token-revoked' || status?.error?.code === 'unauthorized';
  if (!terminal || !refused) return null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(
      (till) => till.enrollTerminal(till.serverUrl ?? '', code),
      () => setCode(''),
    );
  }

  return (
    <aside className="offline-banner" role="alert" data-testid="enroll-again">
      <strong>The server no longer accepts this till.</strong> It keeps working offline and keeps
      its unsent sales. To enroll it again, a manager makes a code for this terminal on the server:{' '}
      <code>create-enrollment-code --terminal {terminal.terminalId}</code>
      <form className="inline-form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="Code for this till"
          name="reenrollmentCode"
          spellCheck={false}
          value={code}
          onText={setCode}
        />
        <button type="submit" className="primary" disabled={busy}>
          Enroll again
        </button>
      </form>
      <ProblemText text={problem} />
    </aside>
  );
}
