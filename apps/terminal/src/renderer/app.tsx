import { useEffect } from 'react';
import { ErrorBoundary } from './components/error-boundary.js';
import { EnrollAgain } from './components/enroll-again.js';
import { OfflineBanner } from './components/offline-banner.js';
import { SyncIndicator } from './components/sync-indicator.js';
import { CheckoutScreen } from './screens/checkout.js';
import { CouponsScreen } from './screens/coupons.js';
import { FirstRun } from './screens/first-run.js';
import { Login } from './screens/login.js';
import { ReviewsScreen } from './screens/reviews.js';
import { TillSettingsScreen } from './screens/till-settings.js';
import { IdleTimer, idleLimitMs, idleSignOutNotice, watchIdle } from './idle-sign-out.js';
import { useApp } from './store.js';
import { defaultSettings } from '../shared/settings.js';

/** Signs the staff member out once the till has been left alone too long (settings `idleSignOut`). */
function useIdleSignOut() {
  const phase = useApp((state) => state.phase);
  const session = useApp((state) => state.session);
  const settings = useApp((state) => state.settings);
  const signOut = useApp((state) => state.signOut);
  useEffect(() => {
    if (phase !== 'till' || !session) return;
    const limit = idleLimitMs(session.role, (settings ?? defaultSettings()).idleSignOut);
    if (limit === undefined) return;
    return watchIdle(window, new IdleTimer(limit), () => signOut(idleSignOutNotice(limit)));
  }, [phase, session, settings, signOut]);
}

function TopBar() {
  const session = useApp((state) => state.session);
  const status = useApp((state) => state.status);
  const signOut = useApp((state) => state.signOut);
  const phase = useApp((state) => state.phase);
  const view = useApp((state) => state.view);
  const showView = useApp((state) => state.showView);
  const desk =
    phase === 'till' && session?.role === 'manager'
      ? ([
          ['till', 'Till'],
          ['reviews', 'Reviews'],
          ['coupons', 'Coupons'],
          ['settings', 'Settings'],
        ] as const)
      : [];
  return (
    <header className="top-bar">
      <span className="brand">Tillpoint</span>
      {status?.storeId ? <span className="muted">Store {status.storeId}</span> : null}
      <SyncIndicator />
      {desk.length > 0 ? (
        <nav className="desk-nav" aria-label="Manager desk">
          {desk.map(([target, label]) => (
            <button
              key={target}
              type="button"
              aria-pressed={view === target}
              onClick={() => showView(target)}
            >
              {label}
            </button>
          ))}
        </nav>
      ) : null}
      {session ? (
        <span className="who">
          <span data-testid="signed-in-as">
            {session.name} <span className="role">({session.role})</span>
          </span>
          <button type="button" onClick={() => signOut()}>
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
  const view = useApp((state) => state.view);
  const showView = useApp((state) => state.showView);
  useIdleSignOut();

  useEffect(() => {
    void start();
  }, [start]);

  return (
    <div className="app">
      <TopBar />
      <OfflineBanner />
      <EnrollAgain />
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
        {phase === 'till' && view === 'till' ? <CheckoutScreen /> : null}
        {phase === 'till' && view !== 'till' ? (
          <ErrorBoundary where="the manager desk" onReset={() => showView('till')}>
            {view === 'reviews' ? <ReviewsScreen /> : null}
            {view === 'coupons' ? <CouponsScreen /> : null}
            {view === 'settings' ? <TillSettingsScreen /> : null}
          </ErrorBoundary>
        ) : null}
      </ErrorBoundary>
      {phase === 'till' && view === 'till' ? <Shortcuts /> : null}
    </div>
  );
}
