import { useState } from 'react';
import type { FormEvent } from 'react';
import { ServerUrlSchema } from '../../shared/settings.js';
import { ProblemText } from '../components/feedback.js';
import { TextField } from '../components/text-field.js';
import { errorText } from '../format.js';
import { platform, provisioning } from '../platform.js';
import { useApp } from '../store.js';

/** Under Electron a new server URL reloads the page; the code typed waits here meanwhile. */
const PENDING_CODE_KEY = 'tillpoint.pending-enrollment-code';

/** First run: which server, and the single-use code a manager made for this till. */
export function FirstRun() {
  const terminal = useApp((state) => state.terminal);
  const settings = useApp((state) => state.settings);
  const enrolled = useApp((state) => state.enrolled);
  const [serverUrl, setServerUrl] = useState(
    () => provisioning?.serverUrl ?? settings?.serverUrl ?? '',
  );
  const [code, setCode] = useState(
    () => provisioning?.enrollmentCode ?? window.sessionStorage.getItem(PENDING_CODE_KEY) ?? '',
  );
  const [tillName, setTillName] = useState('Till 1');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!terminal || busy) return;
    setProblem(undefined);
    const url = ServerUrlSchema.safeParse(serverUrl);
    if (!url.success) {
      setProblem(`The server address ${url.error.issues[0]?.message ?? 'is not valid'}.`);
      return;
    }
    if (code.trim() === '') {
      setProblem('Enter the enrollment code a manager gave you.');
      return;
    }
    setBusy(true);
    try {
      if (settings?.serverUrl !== url.data) {
        window.sessionStorage.setItem(PENDING_CODE_KEY, code.trim());
        await platform.settings.set({ serverUrl: url.data });
        // Electron reloads the page to allow the new server; the browser carries on.
        if (platform.platform.kind === 'electron') return;
      }
      const result = await terminal.enrollTerminal(url.data, code, tillName.trim() || 'Till');
      if (!result.ok) {
        setProblem(result.refusal.message);
        return;
      }
      window.sessionStorage.removeItem(PENDING_CODE_KEY);
      enrolled();
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="centre-screen">
      <form
        className="panel narrow"
        onSubmit={(event) => void submit(event)}
        aria-labelledby="first-run-title"
        noValidate
      >
        <h1 id="first-run-title">Set up this till</h1>
        <p className="muted">
          Connect the till to your store once. A manager makes the enrollment code on the server.
        </p>
        <TextField
          label="Server address"
          name="serverUrl"
          type="url"
          inputMode="url"
          spellCheck={false}
          required
          value={serverUrl}
          onText={setServerUrl}
          placeholder="https://sync.example.com"
          autoFocus={serverUrl === ''}
        />
        <TextField
          label="Enrollment code"
          name="enrollmentCode"
          spellCheck={false}
          required
          value={code}
          onText={setCode}
          autoFocus={serverUrl !== ''}
        />
        <TextField
          label="Name of this till"
          name="tillName"
          maxLength={60}
          value={tillName}
          onText={setTillName}
        />
        <ProblemText text={problem} />
        <button type="submit" className="primary big" disabled={busy}>
          {busy ? 'Connecting…' : 'Connect this till (Enter)'}
        </button>
      </form>
    </main>
  );
}
