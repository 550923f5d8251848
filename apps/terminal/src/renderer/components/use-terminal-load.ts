import { useEffect } from 'react';
import type { DependencyList } from 'react';
import type { Result } from '@tillpoint/loyalty';
import type { Terminal } from '@tillpoint/terminal-core';
import { errorText } from '../format.js';
import { useApp } from '../store.js';

/**
 * Loads from the terminal at first and whenever `deps` change. An answer that arrives after
 * the next load has started, or after the screen has closed, is dropped, so an older answer
 * never overwrites a newer one.
 */
export function useTerminalLoad<T>(
  load: (terminal: Terminal) => Promise<Result<T>>,
  onLoaded: (value: T) => void,
  onProblem: (text: string) => void,
  deps: DependencyList,
): void {
  const terminal = useApp((state) => state.terminal);
  useEffect(() => {
    if (!terminal) return;
    let live = true;
    load(terminal).then(
      (result) => {
        if (!live) return;
        if (result.ok) onLoaded(result.value);
        else onProblem(result.refusal.message);
      },
      (error: unknown) => {
        if (live) onProblem(errorText(error));
      },
    );
    return () => {
      live = false;
    };
    // The callbacks are new on every render; what should reload is what the caller names.
  }, [terminal, ...deps]);
}
