import type http from 'node:http';
import { serverAudits } from 'graphql-http';
import { startTestApp, type TestApp } from './helpers';

/**
 * The GraphQL-over-HTTP audit of the `graphql-http` package against the real server. No audit may
 * fail; the ones that warn or notice are pinned below, each with the reason we accept it, so a new
 * one (or one that goes away) fails this test and is looked at.
 */
const ACCEPTED: Record<string, { status: 'warn' | 'notice'; why: string }> = {
  '572B': {
    status: 'warn',
    why: 'Apollo answers a syntax error with 400 even to application/json clients (the legacy watershed); clients read the JSON error either way.',
  },
  FDE2: {
    status: 'warn',
    why: 'The same for a validation error: 400, with GRAPHQL_VALIDATION_FAILED or QUERY_TOO_COMPLEX.',
  },
  '7B9B': { status: 'warn', why: 'The same for bad variables: 400 with BAD_USER_INPUT.' },
  '5A70': {
    status: 'notice',
    why: 'A GET without a content-type or an apollo-require-preflight header is refused by CSRF prevention.',
  },
  D6D5: { status: 'notice', why: 'The same CSRF prevention, for a GET with variables.' },
  '6A70': { status: 'notice', why: 'The same CSRF prevention, for a GET with variables.' },
};

let t: TestApp;
let server: http.Server;
let url: string;

beforeAll(async () => {
  t = await startTestApp();
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

test('the GraphQL-over-HTTP audit has no errors, and only the accepted warnings and notices', async () => {
  const results: Array<{ id: string; name: string; status: string; reason?: string }> = [];
  for (const audit of serverAudits({ url })) {
    const result = await audit.fn();
    results.push({
      id: audit.id,
      name: audit.name,
      status: result.status,
      reason: result.status === 'ok' ? undefined : result.reason,
    });
  }
  expect(results.length).toBeGreaterThan(50);
  expect(results.filter((result) => result.status === 'error')).toEqual([]);
  const flagged = Object.fromEntries(
    results.filter((result) => result.status !== 'ok').map((result) => [result.id, result.status]),
  );
  expect(flagged).toEqual(Object.fromEntries(Object.entries(ACCEPTED).map(([id, { status }]) => [id, status])));
});
