import { useState } from 'react';

export function SignIn({ problem, onToken }: { problem?: string | undefined; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <main className="signin">
      <h1>Local Bento</h1>
      <p>
        This page needs the daemon&apos;s token. Open the link <code>bento ui</code> prints, or paste the token from{' '}
        <code>daemon.json</code> in the data directory.
      </p>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <label>
          Token
          <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
        </label>
        <button type="submit">Connect</button>
      </form>
    </main>
  );
}
