import type { AddressInfo } from 'node:net';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { Role } from '../src/entities/enums';
import { liveEventSubscribers } from '../src/events/live-events';
import { hashToken } from '../src/auth/tokens';
import { runRescoreJob } from '../src/services/rescore.service';
import { issueTokenFor } from '../src/services/user.service';
import { CLOSE_FORBIDDEN } from '../src/subscription-server';
import {
  givenLead,
  givenRuleSetDraft,
  gql,
  ok,
  startTestApp,
  systemContext,
  unique,
  until,
  type TestApp,
} from './helpers';

let t: TestApp;
let wsUrl: string;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestApp();
  await new Promise<void>((resolve) => t.httpServer.listen(0, '127.0.0.1', resolve));
  wsUrl = `ws://127.0.0.1:${(t.httpServer.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await t.close();
});

/** A graphql-ws client as a browser or a service would open it; `token: null` sends none. */
function clientAs(role: Role | null, options: { token?: string; url?: string } = {}): Client {
  const token = options.token ?? (role ? t.tokens[role] : undefined);
  const client = createClient({
    url: options.url ?? wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

type Message = FormattedExecutionResult<Record<string, any>, unknown>;

/** The messages of one subscription, read one at a time; a refusal rejects the next read. */
function subscribe(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): { next: (timeoutMs?: number) => Promise<IteratorResult<Message>>; stop: () => Promise<void> } {
  const iterator = client.iterate<Record<string, any>>({ query, variables });
  return {
    next: (timeoutMs = 15_000) =>
      Promise.race([
        iterator.next(),
        new Promise<never>((_resolve, reject) =>
          setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs).unref(),
        ),
      ]),
    stop: async () => {
      await iterator.return?.();
    },
  };
}

/** Resolves once this process serves `count` event subscriptions (the server registered ours). */
async function subscribed(count: number): Promise<void> {
  const served = await until(() => Promise.resolve(liveEventSubscribers(t.dataSource)), (n) => n >= count, 10_000);
  expect(served).toBeGreaterThanOrEqual(count);
}

/** The error payload of a refused subscription (graphql-ws `error` message) or the close event. */
async function refusal(read: Promise<unknown>): Promise<any> {
  try {
    await read;
  } catch (error) {
    return error;
  }
  throw new Error('the subscription was not refused');
}

const LEAD_EVENTS = `subscription($filter: LeadEventFilter) {
  leadEvents(filter: $filter) { id type leadId sequence occurredAt data stage ownerId }
}`;

describe('connection auth (connection_init payload)', () => {
  test('no token: the connection is closed with 4403 and a reason that says how to send one', async () => {
    const closed = await refusal(subscribe(clientAs(null), LEAD_EVENTS).next());
    expect(closed.code).toBe(CLOSE_FORBIDDEN);
    expect(closed.reason).toMatch(/authorization.*Bearer/);
  });

  test('an unknown token: closed with 4403, nothing delivered', async () => {
    const closed = await refusal(subscribe(clientAs(null, { token: 'smk_not-a-real-token' }), LEAD_EVENTS).next());
    expect(closed.code).toBe(CLOSE_FORBIDDEN);
    expect(closed.reason).toMatch(/unknown, revoked or expired/);
  });

  test('a revoked token: closed with 4403', async () => {
    const { token } = await issueTokenFor(systemContext(t.dataSource), unique('sales'), Role.SALES);
    await t.dataSource.query('UPDATE api_token SET revoked_at = now() WHERE token_hash = $1', [hashToken(token)]);
    const closed = await refusal(subscribe(clientAs(null, { token }), LEAD_EVENTS).next());
    expect(closed.code).toBe(CLOSE_FORBIDDEN);
  });
});

describe('role checks and query limits, as for queries (onSubscribe)', () => {
  test.each(['leadEvents', 'slaAlerts'])('ANALYST may not read %s: an error message with FORBIDDEN', async (field) => {
    const errors = await refusal(subscribe(clientAs(Role.ANALYST), `subscription { ${field} { type leadId } }`).next());
    expect(errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN', field }) }),
    ]);
  });

  test('ANALYST may follow a re-score (rescoreJob is readable to every role)', async () => {
    const { versionId } = await givenRuleSetDraft(t);
    const job = ok(
      await gql(t, 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { rescoreJob { id } } }', {
        id: versionId,
      }),
    ).publishRuleSetVersion.rescoreJob;
    const progress = subscribe(
      clientAs(Role.ANALYST),
      'subscription($id: ID!) { rescoreJobProgress(id: $id) { id status } }',
      { id: job.id },
    );
    const first = await progress.next();
    expect(first.value?.data?.rescoreJobProgress).toEqual({ id: job.id, status: 'QUEUED' });
    await progress.stop();
  });

  test('a subscription over the alias limit is refused with QUERY_TOO_COMPLEX before it starts', async () => {
    const aliases = Array.from({ length: 31 }, (_, index) => `a${index}: type`).join(' ');
    const errors = await refusal(subscribe(clientAs(Role.SALES), `subscription { leadEvents { ${aliases} } }`).next());
    expect(errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', max: 30 });
  });

  test('a subscription over the depth limit is refused with QUERY_TOO_COMPLEX', async () => {
    // A lead's feedback names its lead: the selection nests past MAX_QUERY_DEPTH (10).
    const deep = 'lead { feedback { lead { feedback { lead { feedback { lead { feedback { lead { id } } } } } } } } }';
    const errors = await refusal(subscribe(clientAs(Role.SALES), `subscription { leadEvents { ${deep} } }`).next());
    expect(errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth' });
  });

  test('a query over the websocket is refused: queries and mutations go over HTTP', async () => {
    const errors = await refusal(subscribe(clientAs(Role.SALES), '{ me { id } }').next());
    expect(errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  test('an unknown event type or stage in the filter is BAD_USER_INPUT naming the item', async () => {
    const types = subscribe(clientAs(Role.SALES), LEAD_EVENTS, { filter: { types: ['lead.qualified', 'lead.exploded'] } });
    const typeResult = (await types.next()).value as Message;
    expect(typeResult.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.types[1]' });
    const stages = subscribe(clientAs(Role.SALES), LEAD_EVENTS, { filter: { stages: ['nowhere'] } });
    const stageResult = (await stages.next()).value as Message;
    expect(stageResult.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.stages[0]' });
  });

  test('a subscription sent over HTTP is refused with a pointer to the websocket', async () => {
    const result = await gql(t, 'subscription { leadEvents { type } }', {}, { as: Role.SALES });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(result.errors?.[0]?.message).toMatch(/websocket \(graphql-ws\)/);
  });
});

describe('rescoreJobProgress', () => {
  test('emits the job until it is DONE, done counting up to total, then completes', async () => {
    for (let index = 0; index < 7; index += 1) await givenLead(t);
    const { versionId } = await givenRuleSetDraft(t);
    const job = ok(
      await gql(t, 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { rescoreJob { id } } }', {
        id: versionId,
      }),
    ).publishRuleSetVersion.rescoreJob;
    const progress = subscribe(
      clientAs(Role.OPS),
      'subscription($id: ID!) { rescoreJobProgress(id: $id) { id status done total } }',
      { id: job.id },
    );
    const seen: Array<{ status: string; done: number; total: number }> = [];
    const first = await progress.next();
    seen.push(first.value!.data!.rescoreJobProgress);
    // No job queue in this test process: the job runs here, in chunks of 2 leads.
    const run = runRescoreJob(t.dataSource, job.id, 2);
    for (;;) {
      const message = await progress.next();
      if (message.done) break;
      seen.push(message.value.data!.rescoreJobProgress);
    }
    const finished = await run;
    expect(seen[0]).toMatchObject({ status: 'QUEUED', done: 0 });
    expect(seen.at(-1)).toEqual({ id: job.id, status: 'DONE', done: finished.total, total: finished.total });
    expect(finished.total).toBeGreaterThanOrEqual(7);
    const counts = seen.map((job) => job.done);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
  });

  test('an unknown job is NOT_FOUND', async () => {
    const progress = subscribe(clientAs(Role.OPS), 'subscription($id: ID!) { rescoreJobProgress(id: $id) { id } }', {
      id: '00000000-0000-4000-8000-000000000000',
    });
    const result = (await progress.next()).value as Message;
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });
});

export { subscribed };
