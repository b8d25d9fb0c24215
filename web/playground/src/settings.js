// Persistent playground settings (endpoint, credentials) and the GraphQL fetcher.

export const DEFAULT_ENDPOINT = '/graphql';

export const SESSION_HEADER = 'X-DreamFactory-Session-Token';
export const API_KEY_HEADER = 'X-DreamFactory-API-Key';

export const LOGIN_PATH = '/api/v2/system/admin/session';

const KEY_PREFIX = 'apiary.playground.';
const KEYS = {
  endpoint: KEY_PREFIX + 'endpoint',
  recent: KEY_PREFIX + 'recentEndpoints',
  sessionToken: KEY_PREFIX + 'sessionToken',
  apiKey: KEY_PREFIX + 'apiKey',
};

function read(key) {
  try {
    return window.localStorage.getItem(key) || '';
  } catch {
    return '';
  }
}

function write(key, value) {
  try {
    if (value) window.localStorage.setItem(key, value);
    else window.localStorage.removeItem(key);
  } catch {
    // storage disabled or full: the setting just is not remembered
  }
}

// normalizeEndpoint accepts only endpoints on this origin ("/graphql",
// "/graphql/db", "graphql/db") and returns their path (plus query), or null.
// Cross-origin endpoints are refused so that a crafted ?endpoint= link cannot
// make the playground send the session token to another host.
export function normalizeEndpoint(value) {
  const raw = String(value ?? '').trim();
  if (!raw) return null;
  let url;
  try {
    // absolute URLs ("https://host/x", "//host/x") are parsed as such and must
    // be on this origin; anything else is a path, "graphql/db" meaning "/graphql/db"
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(raw) || /^[\\/]{2}/.test(raw);
    url = new URL(absolute || raw.startsWith('/') ? raw : '/' + raw, window.location.origin);
  } catch {
    return null;
  }
  if (url.origin !== window.location.origin) return null;
  return url.pathname + url.search;
}

export function loadEndpoint() {
  const fromQuery = new URLSearchParams(window.location.search).get('endpoint');
  if (fromQuery !== null) {
    const ep = normalizeEndpoint(fromQuery);
    if (ep) {
      saveEndpoint(ep);
      return { endpoint: ep, warning: '' };
    }
    return {
      endpoint: normalizeEndpoint(read(KEYS.endpoint)) || DEFAULT_ENDPOINT,
      warning: `Ignored ?endpoint=${fromQuery}: only paths on this server are allowed.`,
    };
  }
  return { endpoint: normalizeEndpoint(read(KEYS.endpoint)) || DEFAULT_ENDPOINT, warning: '' };
}

export function saveEndpoint(endpoint) {
  write(KEYS.endpoint, endpoint);
  const recent = loadRecentEndpoints().filter((e) => e !== endpoint);
  recent.unshift(endpoint);
  write(KEYS.recent, JSON.stringify(recent.slice(0, 10)));
}

export function loadRecentEndpoints() {
  try {
    const list = JSON.parse(read(KEYS.recent) || '[]');
    return Array.isArray(list) ? list.filter((e) => typeof e === 'string' && normalizeEndpoint(e) === e) : [];
  } catch {
    return [];
  }
}

export const loadSessionToken = () => read(KEYS.sessionToken);
export const saveSessionToken = (v) => write(KEYS.sessionToken, v);
export const loadApiKey = () => read(KEYS.apiKey);
export const saveApiKey = (v) => write(KEYS.apiKey, v);

// authHeaders returns the credential headers for the toolbar values.
export function authHeaders(sessionToken, apiKey) {
  const h = {};
  if (sessionToken) h[SESSION_HEADER] = sessionToken;
  if (apiKey) h[API_KEY_HEADER] = apiKey;
  return h;
}

// createFetcher returns a GraphiQL fetcher that POSTs to endpoint with the
// credential headers. Headers typed into GraphiQL's header editor are sent too
// and win over the toolbar values for the same header name.
export function createFetcher(endpoint, sessionToken, apiKey) {
  return async function fetcher(params, opts) {
    const headers = {
      Accept: 'application/graphql-response+json, application/json',
      'Content-Type': 'application/json',
      ...authHeaders(sessionToken, apiKey),
      ...(opts && opts.headers ? opts.headers : {}),
    };
    const res = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(params),
      credentials: 'same-origin',
    });
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return {
        errors: [{ message: `HTTP ${res.status} ${res.statusText}: ${text.slice(0, 2000)}` }],
      };
    }
  };
}

// login calls the admin session endpoint and returns the session token.
// It throws an Error carrying the server's error message on failure.
export async function login(email, password) {
  let res;
  try {
    res = await fetch(LOGIN_PATH, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new Error(`Login request failed: ${e && e.message ? e.message : e}`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok || !body || typeof body.session_token !== 'string' || !body.session_token) {
    const msg =
      (body && body.error && (body.error.message || (typeof body.error === 'string' && body.error))) ||
      (res.ok ? 'The response did not contain a session_token.' : `HTTP ${res.status} ${res.statusText}`);
    throw new Error(msg);
  }
  return body.session_token;
}

// endpointStorage keeps GraphiQL's tabs, history and headers separate per
// endpoint, while UI preferences (theme, pane sizes) stay shared.
export function endpointStorage(endpoint) {
  try {
    window.localStorage.getItem('graphiql:probe');
  } catch {
    return null; // storage disabled: GraphiQL keeps state in memory only
  }
  const shared = /^graphiql:(theme|editorFlex|docExplorerFlex|secondaryEditorFlex|visiblePlugin)$/;
  const ns = `graphiql@${endpoint}:`;
  const map = (key) => (shared.test(key) ? key : key.startsWith('graphiql:') ? ns + key.slice(9) : key);
  const ls = () => window.localStorage;
  return {
    getItem: (key) => ls().getItem(map(key)),
    setItem: (key, value) => ls().setItem(map(key), value),
    removeItem: (key) => ls().removeItem(map(key)),
    get length() {
      let n = 0;
      for (let i = 0; i < ls().length; i++) if (ls().key(i)?.startsWith(ns)) n++;
      return n;
    },
    clear() {
      const keys = [];
      for (let i = 0; i < ls().length; i++) {
        const k = ls().key(i);
        if (k && k.startsWith(ns)) keys.push(k);
      }
      keys.forEach((k) => ls().removeItem(k));
    },
  };
}
