import { GraphiQL } from 'graphiql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { storedToken } from './api';
import 'graphiql/style.css';

/**
 * The offline explorer: GraphiQL bundled with the dashboard, so it needs nothing from another
 * host. It sends the token the dashboard signed in with (this tab's sessionStorage).
 */
async function fetcher(params: unknown): Promise<unknown> {
  const token = storedToken();
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(params),
  });
  return response.json();
}

const DEFAULT_QUERY = `# Signed in with the dashboard's token (sign in at / first).
# Every field carries its definition: open the docs on the left.
{
  me { name role }
  funnelStages { key name definition }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher as never} defaultQuery={DEFAULT_QUERY} shouldPersistHeaders={false}>
      <GraphiQL.Logo>
        <a href="/">Smarketing</a> explorer
      </GraphiQL.Logo>
    </GraphiQL>
  </StrictMode>,
);
