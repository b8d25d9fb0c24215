import React, { StrictMode, useCallback, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';

import 'virtual:graphiql-fonts.css';
import '@graphiql/react/dist/style.css';
import 'graphiql/src/style.css';
import './playground.css';

import {
  DEFAULT_ENDPOINT,
  createFetcher,
  endpointStorage,
  loadApiKey,
  loadEndpoint,
  loadRecentEndpoints,
  loadSessionToken,
  login,
  normalizeEndpoint,
  saveApiKey,
  saveEndpoint,
  saveSessionToken,
} from './settings.js';

const DEFAULT_QUERY = `# Apiary GraphQL playground
#
# Endpoint /graphql: the platform API;
# /graphql/{service}: one database service.
# The session token and API key from the
# toolbar are sent with every request.
#
# Run: Ctrl-Enter. Complete: Ctrl-Space.

{
  __typename
}
`;

// A text field that edits a draft and commits it on Enter or when it loses focus.
function CommitField({ label, value, onCommit, placeholder, list, invalid, title, secret, width }) {
  const [draft, setDraft] = useState(value);
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    // the committed value changed from outside (login, rejected input)
    setShown(value);
    setDraft(value);
  }
  const commit = () => {
    if (draft !== value) onCommit(draft.trim());
  };
  return (
    <label className="apiary-field" title={title}>
      <span>{label}</span>
      <input
        type={secret ? 'password' : 'text'}
        value={draft}
        list={list}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={invalid || undefined}
        style={width ? { width } : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setDraft(value);
        }}
      />
    </label>
  );
}

function LoginForm({ onToken, onClose }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onToken(await login(email, password));
      setPassword('');
      onClose();
    } catch (err) {
      setError(err && err.message ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="apiary-chrome apiary-login" onSubmit={submit}>
      <label className="apiary-field">
        <span>Email</span>
        <input type="email" required autoComplete="username" autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label className="apiary-field">
        <span>Password</span>
        <input type="password" required autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
      <button type="button" className="apiary-secondary" onClick={onClose}>Cancel</button>
      {error && <span className="apiary-error" role="alert">{error}</span>}
    </form>
  );
}

function Playground() {
  const initial = useMemo(loadEndpoint, []);
  const [endpoint, setEndpoint] = useState(initial.endpoint);
  const [recent, setRecent] = useState(loadRecentEndpoints);
  const [warning, setWarning] = useState(initial.warning);
  const [sessionToken, setSessionToken] = useState(loadSessionToken);
  const [apiKey, setApiKey] = useState(loadApiKey);
  const [loginOpen, setLoginOpen] = useState(false);

  const commitEndpoint = useCallback((value) => {
    const ep = value === '' ? DEFAULT_ENDPOINT : normalizeEndpoint(value);
    if (!ep) {
      setWarning(`"${value}" is not a path on this server (e.g. /graphql or /graphql/db).`);
      return;
    }
    setWarning('');
    saveEndpoint(ep);
    setRecent(loadRecentEndpoints());
    setEndpoint(ep);
    // keep ?endpoint= in the address bar in step, so the URL can be shared
    const url = new URL(window.location.href);
    if (url.searchParams.has('endpoint')) {
      url.searchParams.set('endpoint', ep);
      window.history.replaceState(null, '', url);
    }
  }, []);
  const commitToken = useCallback((v) => {
    saveSessionToken(v);
    setSessionToken(v);
  }, []);
  const commitApiKey = useCallback((v) => {
    saveApiKey(v);
    setApiKey(v);
  }, []);

  // A new fetcher makes GraphiQL re-run introspection with the new credentials.
  const fetcher = useMemo(() => createFetcher(endpoint, sessionToken, apiKey), [endpoint, sessionToken, apiKey]);
  const storage = useMemo(() => endpointStorage(endpoint), [endpoint]);
  const options = useMemo(() => {
    const all = [DEFAULT_ENDPOINT, ...recent];
    return [...new Set(all)];
  }, [recent]);

  return (
    <div className="apiary-root">
      <header className="apiary-chrome apiary-bar">
        <span className="apiary-brand">Apiary</span>
        <CommitField
          label="Endpoint"
          value={endpoint}
          onCommit={commitEndpoint}
          list="apiary-endpoints"
          placeholder={DEFAULT_ENDPOINT}
          title="/graphql (platform) or /graphql/{service} (a database service). Press Enter to apply."
          width="14em"
        />
        <datalist id="apiary-endpoints">
          {options.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
        <CommitField
          label="Session token"
          value={sessionToken}
          onCommit={commitToken}
          placeholder="X-DreamFactory-Session-Token"
          title="Sent as X-DreamFactory-Session-Token"
          secret
          width="16em"
        />
        <CommitField
          label="API key"
          value={apiKey}
          onCommit={commitApiKey}
          placeholder="X-DreamFactory-API-Key"
          title="Sent as X-DreamFactory-API-Key"
          secret
          width="12em"
        />
        {sessionToken ? (
          <button type="button" className="apiary-secondary" onClick={() => commitToken('')}>Forget token</button>
        ) : null}
        <button type="button" onClick={() => setLoginOpen((o) => !o)} aria-expanded={loginOpen}>
          Log in…
        </button>
      </header>
      {loginOpen && <LoginForm onToken={commitToken} onClose={() => setLoginOpen(false)} />}
      {warning && (
        <div className="apiary-chrome apiary-warning" role="status">
          {warning}
          <button type="button" className="apiary-secondary" onClick={() => setWarning('')} aria-label="Dismiss">×</button>
        </div>
      )}
      <main className="apiary-graphiql">
        <GraphiQL key={endpoint} fetcher={fetcher} storage={storage} defaultQuery={DEFAULT_QUERY} />
      </main>
    </div>
  );
}

createRoot(document.getElementById('graphiql')).render(
  <StrictMode>
    <Playground />
  </StrictMode>,
);
