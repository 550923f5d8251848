import { useEffect } from 'react';
import { ErrorBoundary } from './components/error-boundary.js';
import { OfflineBanner } from './components/offline-banner.js';
import { SyncIndicator } from './components/sync-indicator.js';
import { CheckoutScreen } from './screens/checkout.js';
import { FirstRun } from './screens/first-run.js';
import { Login } from './screens/login.js';
import { useApp } from './store.js';

function TopBar() {
  const session = useApp((state) => state.session);
  const status = useApp((state) => state.status);
  const signOut = useApp((state) => state.signOut);
  return (
    <header className="top-bar">
      <span className="brand">Tillpoint</span>
      {status?.storeId ? <span className="muted">Store {status.storeId}</span> : null}
      <SyncIndicator />
      {session ? (
        <span className="who">
          <span data-testid="signed-in-as">
            {session.name} <span className="role">({session.role})</span>
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </span>
      ) : null}
    </header>
  );
}

function Shortcuts() {
  return (
    <footer className="shortcuts" aria-label="Keyboard shortcuts">
      <span>
        <kbd>Enter</kbd> find / confirm
      </span>
      <span>
        <kbd>Esc</kbd> next customer
      </span>
      <span>
        <kbd>Tab</kbd> next field
      </span>
      <span>
        <kbd>Alt</kbd>+<kbd>M</kbd> max points
      </span>
      <span>
        <kbd>Alt</kbd>+<kbd>L</kbd> add line
      </span>
      <span>
        <kbd>P</kbd> print receipt
      </span>
    </footer>
  );
}

export function App() {
  const phase = useApp((state) => state.phase);
  const start = useApp((state) => state.start);
  const startupError = useApp((state) => state.startupError);

  useEffect(() => {
    void start();
  }, [start]);

  return (
    <div className="app">
      <TopBar />
      <OfflineBanner />
      <ErrorBoundary where="the till" onReset={() => window.location.reload()}>
        {phase === 'starting' ? (
          <main className="centre-screen" aria-busy="true">
            <p role="status">Opening the till…</p>
          </main>
        ) : null}
        {phase === 'failed' ? (
          <main className="centre-screen">
            <section className="panel narrow" role="alert">
              <h1>The till could not open its local store</h1>
              <p>{startupError}</p>
              <button
                type="button"
                className="primary big"
                onClick={() => window.location.reload()}
                autoFocus
              >
                Try again
              </button>
            </section>
          </main>
        ) : null}
        {phase === 'first-run' ? <FirstRun /> : null}
        {phase === 'login' ? <Login /> : null}
        {phase === 'till' ? <CheckoutScreen /> : null}
      </ErrorBoundary>
      {phase === 'till' ? <Shortcuts /> : null}
    </div>
  );
}
