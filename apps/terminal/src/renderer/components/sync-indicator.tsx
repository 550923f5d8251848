import { useEffect, useState } from 'react';
import { changeKind, clockTime, count, sinceText } from '../format.js';
import { useApp } from '../store.js';

/** Always on screen: online or offline, what waits to be sent, when the till last synced. */
export function SyncIndicator() {
  const status = useApp((state) => state.status);
  const terminal = useApp((state) => state.terminal);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 5_000);
    return () => window.clearInterval(timer);
  }, []);
  // The operating system saying the network is back is a good moment to retry at once.
  useEffect(() => {
    if (!terminal) return;
    const retry = () => terminal.syncNow();
    window.addEventListener('online', retry);
    return () => window.removeEventListener('online', retry);
  }, [terminal]);
  if (!status) return null;
  const online = status.enrolled && status.online;
  const label = !status.enrolled ? 'Not set up' : online ? 'Online' : 'Offline';
  return (
    <div
      className={`sync ${online ? 'sync-online' : 'sync-offline'}`}
      role="status"
      aria-label="Sync status"
      data-testid="sync-indicator"
    >
      <span className="sync-dot" aria-hidden="true" />
      <span data-testid="sync-state">{label}</span>
      <Separator />
      <span>
        Pending: <strong data-testid="sync-pending">{status.pending}</strong>
      </span>
      <Separator />
      <span title={status.lastSyncAt ? clockTime(status.lastSyncAt) : undefined}>
        Last sync: <span data-testid="sync-last">{sinceText(status.lastSyncAt, now)}</span>
      </span>
      {status.firstLoad ? (
        <>
          <Separator />
          <span className="sync-loading" data-testid="sync-first-load">
            {status.firstLoad.membersDone
              ? 'Loading balances…'
              : `Loading members: ${count(status.firstLoad.members)}`}
          </span>
        </>
      ) : null}
      {status.held ? (
        <>
          <Separator />
          <span
            className="sync-held"
            data-testid="sync-held"
            title={`${status.held.count === 1 ? 'A sale is' : `${status.held.count} sales are`} held: kept on this till and sent again every few minutes. ${status.held.message}`}
          >
            Held: <strong>{status.held.count}</strong>
          </span>
        </>
      ) : null}
      {status.notSent ? (
        <>
          <Separator />
          <span
            className="sync-held"
            data-testid="sync-not-sent"
            title={`The server refuses these, and everything of the same kind from this till waits behind them. They stay on this till and are sent again. ${status.notSent.map((entry) => entry.message).join(' ')}`}
          >
            Not sent: {status.notSent.map((entry) => changeKind(entry.collection)).join(', ')}
          </span>
        </>
      ) : null}
      {status.error && !online ? (
        <span className="sync-error" data-testid="sync-error">
          {status.error.message}
        </span>
      ) : null}
      {status.enrolled && !online && terminal ? (
        <button type="button" className="sync-now" onClick={() => terminal.syncNow()}>
          Retry now
        </button>
      ) : null}
    </div>
  );
}

/** The dot between two parts of the indicator. */
function Separator() {
  return (
    <span className="sync-sep" aria-hidden="true">
      ·
    </span>
  );
}
