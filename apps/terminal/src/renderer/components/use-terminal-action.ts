import { useState } from 'react';
import type { Result } from '@tillpoint/loyalty';
import type { Terminal } from '@tillpoint/terminal-core';
import { errorText } from '../format.js';
import { useApp } from '../store.js';

/**
 * A form's one action on the till at a time: while it runs `busy` is set; a refusal or an error
 * shows as `problem` (in plain words), and a refusal calls `refused`; on success `done` gets the
 * value. A second submit while
 * busy, or before the till is open, does nothing. An action that ends after the session it
 * started in (signed out when idle meanwhile) does what it did on the till, but its `done` is
 * not run: what it would show belongs to that session, not the next person's.
 */
export function useTerminalAction() {
  const terminal = useApp((state) => state.terminal);
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function run<T>(
    action: (terminal: Terminal) => Promise<Result<T>>,
    done: (value: T) => void | Promise<void>,
    /** After a refusal, once it is shown (e.g. clear a PIN field). */
    refused?: () => void,
  ): Promise<void> {
    if (!terminal || busy) return;
    setProblem(undefined);
    setBusy(true);
    const session = useApp.getState().session;
    try {
      const result = await action(terminal);
      if (useApp.getState().session !== session) return;
      if (!result.ok) {
        setProblem(result.refusal.message);
        refused?.();
        return;
      }
      await done(result.value);
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  return { terminal, problem, setProblem, busy, run };
}
