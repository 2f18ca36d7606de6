import { StrictMode, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, forgetToken, gql, storedToken, storeToken } from './api';
import { loadDefinitions } from './definitions';
import { AuditPage } from './pages/audit';
import { CampaignsPage } from './pages/campaigns';
import { FunnelPage } from './pages/funnel';
import { GlossaryPage } from './pages/glossary';
import { LeadPage } from './pages/lead';
import { OverviewPage } from './pages/overview';
import { QualityPage } from './pages/quality';
import { ReviewPage } from './pages/review';
import { RulesPage } from './pages/rules';
import { SlasPage } from './pages/slas';
import { DefinitionsContext, MeContext, type Me } from './ui';
import './styles.css';

interface Route {
  path: string;
  title: string;
  /** Roles that may read what the page shows; all when absent. */
  roles?: ReadonlyArray<Me['role']>;
  page: (param: string | undefined) => ReactNode;
}

/**
 * The pages, in the navigation's order. A page whose data a role may not read is neither linked
 * nor rendered for it (the API would refuse it anyway).
 */
const ROUTES: Route[] = [
  { path: 'overview', title: 'Overview', page: () => <OverviewPage /> },
  { path: 'funnel', title: 'Funnel', page: () => <FunnelPage /> },
  { path: 'slas', title: 'SLAs', page: () => <SlasPage /> },
  { path: 'campaigns', title: 'Campaigns', page: () => <CampaignsPage /> },
  { path: 'quality', title: 'Lead quality', page: () => <QualityPage /> },
  { path: 'rules', title: 'Rules', page: () => <RulesPage /> },
  { path: 'review', title: 'Review', page: (id) => <ReviewPage id={id} /> },
  { path: 'lead', title: 'Leads', page: (id) => <LeadPage id={id} /> },
  { path: 'glossary', title: 'Glossary', page: (def) => <GlossaryPage focus={def} /> },
  { path: 'audit', title: 'Audit log', roles: ['ADMIN'], page: () => <AuditPage /> },
];

function currentHash(): { path: string; param: string | undefined } {
  const [path = 'overview', ...rest] = window.location.hash.replace(/^#\/?/, '').split('/');
  return { path: path || 'overview', param: rest.length ? decodeURIComponent(rest.join('/')) : undefined };
}

function useHash(): { path: string; param: string | undefined } {
  const [hash, setHash] = useState(currentHash);
  useEffect(() => {
    const onChange = (): void => setHash(currentHash());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function SignIn({ onSignedIn, problem }: { onSignedIn: (token: string) => void; problem: string | null }): ReactNode {
  const [token, setToken] = useState('');
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (token.trim()) onSignedIn(token.trim());
  };
  return (
    <main className="sign-in">
      <h1>Smarketing</h1>
      <p>One funnel, one vocabulary, one set of numbers. Sign in with your API token.</p>
      <form onSubmit={submit} aria-label="Sign in">
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <button type="submit">Sign in</button>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
      </form>
      <p className="muted">
        A token comes from <code>npm run token -- --name NAME --role ROLE</code>. It is kept for this browser tab only.
        The <a href="/graphiql">explorer</a> works offline too.
      </p>
    </main>
  );
}

function App(): ReactNode {
  const [token, setToken] = useState(storedToken);
  const [me, setMe] = useState<Me | null>(null);
  const [definitions, setDefinitions] = useState<Map<string, string>>(new Map());
  const [problem, setProblem] = useState<string | null>(null);
  const { path, param } = useHash();

  useEffect(() => {
    if (!token) return;
    let current = true;
    Promise.all([gql<{ me: Me }>('{ me { id name role } }', {}, token), loadDefinitions(token)]).then(
      ([{ me: user }, loaded]) => {
        if (!current) return;
        setMe(user);
        setDefinitions(loaded);
      },
      (error: unknown) => {
        if (!current) return;
        forgetToken();
        setToken(null);
        setProblem(
          error instanceof ApiError && error.code === 'UNAUTHENTICATED'
            ? 'That token is unknown, revoked or expired.'
            : String(error),
        );
      },
    );
    return () => {
      current = false;
    };
  }, [token]);

  if (!token) {
    return (
      <SignIn
        problem={problem}
        onSignedIn={(value) => {
          storeToken(value);
          setProblem(null);
          setToken(value);
        }}
      />
    );
  }
  if (!me) return <p className="muted">Signing in…</p>;
  const allowed = ROUTES.filter((route) => !route.roles || route.roles.includes(me.role));
  const route = allowed.find((candidate) => candidate.path === path) ?? allowed[0]!;
  const signOut = (): void => {
    forgetToken();
    setMe(null);
    setToken(null);
  };
  return (
    <MeContext.Provider value={me}>
      <DefinitionsContext.Provider value={definitions}>
        <header className="top">
          <a className="brand" href="#/overview">
            Smarketing
          </a>
          <nav aria-label="Pages">
            {allowed.map((candidate) => (
              <a
                key={candidate.path}
                href={`#/${candidate.path}`}
                aria-current={candidate === route ? 'page' : undefined}
              >
                {candidate.title}
              </a>
            ))}
            <a href="/graphiql">Explorer</a>
          </nav>
          <span className="who">
            {me.name} ({me.role})
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </span>
        </header>
        <main className="page" data-page={route.path}>
          <h2>{route.title}</h2>
          {route.page(param)}
        </main>
      </DefinitionsContext.Provider>
    </MeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
