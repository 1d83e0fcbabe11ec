// The shell: sign-in when the page has no token, else the views under one
// query client fed by the daemon's event stream.

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, Route, Router, Switch, useLocation } from 'wouter';
import { useHashLocation } from 'wouter/use-hash-location';
import { SIGNED_OUT, api, setToken } from './api/client';
import { forgetToken, loadToken, storeToken } from './api/connection';
import { followEvents, useFeedState } from './api/events';
import { JobDetailView } from './views/JobDetailView';
import { JobsView } from './views/JobsView';
import { ProveView } from './views/ProveView';
import { ReceiptsView } from './views/ReceiptsView';
import { SettingsView } from './views/SettingsView';
import { SignIn } from './views/SignIn';
import { VerifyView } from './views/VerifyView';

type Auth = { state: 'checking' } | { state: 'signed-out'; problem?: string } | { state: 'signed-in' };

async function check(token: string): Promise<Auth> {
  setToken(token);
  try {
    await api.jobs({ limit: 1 });
    return { state: 'signed-in' };
  } catch (err) {
    // A refused token is forgotten by the SIGNED_OUT handler the client's 401 triggers.
    return { state: 'signed-out', problem: (err as Error).message };
  }
}

export function App() {
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  useEffect(() => {
    void loadToken().then((token) => (token ? check(token).then(setAuth) : setAuth({ state: 'signed-out' })));
    const signedOut = (): void => {
      forgetToken();
      setAuth({
        state: 'signed-out',
        problem:
          "The daemon no longer accepts this page's token (was it restarted?): open the link `bento ui` prints now.",
      });
    };
    window.addEventListener(SIGNED_OUT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT, signedOut);
  }, []);
  if (auth.state === 'checking') return <p className="centered">Connecting to the daemon…</p>;
  if (auth.state === 'signed-out') {
    return (
      <SignIn
        problem={auth.problem}
        onToken={(token) => {
          storeToken(token);
          void check(token).then(setAuth);
        }}
      />
    );
  }
  return <SignedIn />;
}

const NAV = [
  { href: '/', label: 'Prove' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/receipts', label: 'Receipts' },
  { href: '/verify', label: 'Verify' },
  { href: '/settings', label: 'Workers & settings' },
];

function Nav() {
  const [location] = useLocation();
  const feed = useFeedState();
  return (
    <header className="topbar">
      <span className="brand">Local Bento</span>
      <nav aria-label="Views">
        {NAV.map((n) => {
          const current = n.href === '/' ? location === '/' : location.startsWith(n.href);
          return (
            <Link
              key={n.href}
              href={n.href}
              aria-current={current ? 'page' : undefined}
              className={current ? 'current' : undefined}
            >
              {n.label}
            </Link>
          );
        })}
      </nav>
      <span className={`feed feed-${feed}`} role="status" aria-live="polite">
        {feed === 'live' ? 'live' : feed === 'connecting' ? 'connecting…' : 'reconnecting…'}
      </span>
    </header>
  );
}

function SignedIn() {
  const [client] = useState(
    () =>
      new QueryClient({ defaultOptions: { queries: { staleTime: 30_000, refetchOnWindowFocus: false, retry: 1 } } }),
  );
  useEffect(() => followEvents(client), [client]);
  return (
    <QueryClientProvider client={client}>
      <Router hook={useHashLocation}>
        <Nav />
        <main>
          <Switch>
            <Route path="/" component={ProveView} />
            <Route path="/jobs" component={JobsView} />
            <Route path="/jobs/:id">{(params) => <JobDetailView key={params.id} jobId={params.id} />}</Route>
            <Route path="/receipts" component={ReceiptsView} />
            <Route path="/verify" component={VerifyView} />
            <Route path="/settings" component={SettingsView} />
            <Route>
              <p>
                No such view. <Link href="/">Back to Prove</Link>
              </p>
            </Route>
          </Switch>
        </main>
      </Router>
    </QueryClientProvider>
  );
}
