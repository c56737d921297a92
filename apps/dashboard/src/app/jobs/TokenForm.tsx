'use client';
import { useEffect, useState, type FormEvent } from 'react';
import { TOKEN_KEY } from '../../lib/trpc';

/** The shared API token, kept in this browser only; the tRPC client sends it with every request. */
export function TokenForm() {
  const [token, setToken] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  // localStorage exists only in the browser: read it after the first render
  useEffect(() => setToken(window.localStorage.getItem(TOKEN_KEY) ?? ''), []);

  function save(e: FormEvent) {
    e.preventDefault();
    const value = token.trim();
    if (value) window.localStorage.setItem(TOKEN_KEY, value);
    else window.localStorage.removeItem(TOKEN_KEY);
    setSaved(value ? 'Saved: it is sent with every request from this browser.' : 'Cleared.');
  }

  return (
    <section className="card">
      <h2>API token</h2>
      <p className="hint">
        Needed only when the server sets <code>GRADLOC_API_TOKEN</code>: then creating and cancelling jobs requires it. Leave it empty otherwise.
      </p>
      <form className="row" onSubmit={save}>
        <label className="field grow">
          <span>Token</span>
          <input type="password" data-testid="api-token" autoComplete="off" value={token} onChange={(e) => (setToken(e.target.value), setSaved(null))} />
        </label>
        <button type="submit" data-testid="save-token">
          Save token
        </button>
      </form>
      {saved && <p className="muted" role="status">{saved}</p>}
    </section>
  );
}
