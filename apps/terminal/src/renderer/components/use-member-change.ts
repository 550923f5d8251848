import { useState } from 'react';
import type { Result } from '@tillpoint/loyalty';
import type { Terminal } from '@tillpoint/terminal-core';
import { errorText } from '../format.js';
import { useApp } from '../store.js';
import type { Message } from './feedback.js';

/**
 * One change to the member at the till (redeem, refund, adjust, note, profile) at a time: a
 * refusal or an error shows as the problem; on success `saved` says what was done, `after`
 * tidies the form, and the card is read again so it shows the change.
 */
export function useMemberChange() {
  const terminal = useApp((state) => state.terminal);
  const refreshMember = useApp((state) => state.refreshMember);
  const [message, setMessage] = useState<Message>();
  const [busy, setBusy] = useState(false);

  async function run<T>(
    action: (terminal: Terminal) => Promise<Result<T>>,
    saved: (value: T) => string,
    after?: () => void,
  ): Promise<void> {
    if (!terminal || busy) return;
    setBusy(true);
    try {
      const result = await action(terminal);
      if (!result.ok) {
        setMessage({ kind: 'problem', text: result.refusal.message });
        return;
      }
      setMessage({ kind: 'ok', text: saved(result.value) });
      after?.();
      await refreshMember();
    } catch (error) {
      setMessage({ kind: 'problem', text: errorText(error) });
    } finally {
      setBusy(false);
    }
  }

  return { message, setMessage, busy, run };
}
