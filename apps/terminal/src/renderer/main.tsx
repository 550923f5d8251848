import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { applyProvisionedServer, platform } from './platform.js';
import './styles.css';

/** What the till shows while it opens its local database and finds its server. */
function Starting() {
  const [version, setVersion] = useState<string>();
  const [server, setServer] = useState<string | null>();
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    platform.appVersion().then(setVersion, () => setVersion(undefined));
    applyProvisionedServer().then(
      (settings) => setServer(settings.serverUrl),
      (error: unknown) => setProblem(error instanceof Error ? error.message : String(error)),
    );
  }, []);

  return (
    <main className="starting" aria-busy="true">
      <h1>Tillpoint</h1>
      <p role="status">Starting…</p>
      {problem ? <p role="alert">{problem}</p> : null}
      {server === null ? <p>No sync server is set up yet.</p> : null}
      {server ? <p>Sync server: {server}</p> : null}
      {version ? <p>Version {version}</p> : null}
    </main>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <Starting />
  </StrictMode>,
);
