import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { Role } from '../src/entities/enums';
import type { EventType } from '../src/events/event-types';
import { liveEventSubscribers } from '../src/events/live-events';
import { emitEvent } from '../src/events/outbox';
import { runSlaClock } from '../src/jobs/sla-clock.job';
import { hashToken } from '../src/auth/tokens';
import { runRescoreJob } from '../src/services/rescore.service';
import { inTransaction } from '../src/services/transaction';
import { issueTokenFor } from '../src/services/user.service';
import { CLOSE_UNAUTHORIZED, MAX_SUBSCRIPTIONS_PER_CONNECTION } from '../src/subscription-server';
import {
  givenLead,
  startServerProcess,
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
function clientAs(role: Role | null, options: { token?: string; url?: string; retryAttempts?: number } = {}): Client {
  const token = options.token ?? (role ? t.tokens[role] : undefined);
  const client = createClient({
    url: options.url ?? wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 'retryAttempts' in options ? options.retryAttempts : 0,
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

const served = (): Promise<number> => Promise.resolve(liveEventSubscribers(t.dataSource));

/** Resolves once the subscriptions of earlier tests have ended on the server. */
async function noSubscribers(): Promise<void> {
  expect(await until(served, (count) => count === 0, 10_000)).toBe(0);
}

/** Resolves once the server registered a subscription (events from now on reach it). */
async function subscribed(): Promise<void> {
  expect(await until(served, (count) => count === 1, 10_000)).toBe(1);
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
  test('no token: the connection is closed with 4401 and a reason that says how to send one', async () => {
    // A client with graphql-ws's default retries: 4401 is final for it, so the refusal comes at once.
    const closed = await refusal(subscribe(clientAs(null, { retryAttempts: undefined }), LEAD_EVENTS).next(3000));
    expect(closed.code).toBe(CLOSE_UNAUTHORIZED);
    expect(closed.reason).toMatch(/authorization.*Bearer/);
  });

  test('an unknown token: closed with 4401, nothing delivered', async () => {
    const closed = await refusal(subscribe(clientAs(null, { token: 'smk_not-a-real-token' }), LEAD_EVENTS).next());
    expect(closed.code).toBe(CLOSE_UNAUTHORIZED);
    expect(closed.reason).toMatch(/unknown, revoked or expired/);
  });

  test('a revoked token: closed with 4401', async () => {
    const { token } = await issueTokenFor(systemContext(t.dataSource), unique('sales'), Role.SALES);
    await t.dataSource.query('UPDATE api_token SET revoked_at = now() WHERE token_hash = $1', [hashToken(token)]);
    const closed = await refusal(subscribe(clientAs(null, { token }), LEAD_EVENTS).next());
    expect(closed.code).toBe(CLOSE_UNAUTHORIZED);
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

  test('one connection holds at most 100 subscriptions: the next is refused with QUERY_TOO_COMPLEX', async () => {
    const client = clientAs(Role.SALES);
    const held = Array.from({ length: MAX_SUBSCRIPTIONS_PER_CONNECTION }, () =>
      subscribe(client, 'subscription { leadEvents { type } }'),
    );
    const pending = held.map((subscription) => subscription.next(60_000).catch((error: unknown) => error));
    const errors = await refusal(subscribe(client, 'subscription { leadEvents { type } }').next());
    expect(errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'subscriptions', max: 100 });
    await Promise.all(held.map((subscription) => subscription.stop()));
    await Promise.all(pending);
  });

  test('a query over the websocket is refused: queries and mutations go over HTTP', async () => {
    const errors = await refusal(subscribe(clientAs(Role.SALES), '{ me { id } }').next());
    expect(errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  test('an unknown event type or stage in the filter is BAD_USER_INPUT naming the item', async () => {
    const types = subscribe(clientAs(Role.SALES), LEAD_EVENTS, {
      filter: { types: ['lead.qualified', 'lead.exploded'] },
    });
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

/** A published qualification rule: two demo requests in 30 days make a lead an MQL. */
async function givenDemoRequestQualification(): Promise<void> {
  const { versionId } = await givenRuleSetDraft(t, {
    kind: 'QUALIFICATION',
    rules: [
      {
        name: 'Asked for a demo twice',
        conditions: { all: [{ fact: 'demo_request_count_30d', operator: 'greaterThanInclusive', value: 2 }] },
        event: { type: 'qualify', params: { stage: 'mql', rank: 1, reason: 'two demo requests' } },
      },
    ],
  });
  ok(
    await gql(t, 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { version { id } } }', { id: versionId }),
  );
}

/** Records a demo request; answers the lead's stage after it. */
async function recordDemoRequest(leadId: string, as: Role = Role.SALES): Promise<string> {
  ok(
    await gql(
      t,
      'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }',
      { input: { leadId, type: 'DEMO_REQUEST' } },
      { as },
    ),
  );
  const data = ok(await gql(t, 'query($id: ID!) { lead(id: $id) { stage { key } } }', { id: leadId }, { as }));
  return data.lead.stage.key;
}

describe('leadEvents', () => {
  beforeAll(givenDemoRequestQualification);

  test('SALES receives lead.qualified when a rule qualifies a lead, with its type, lead, sequence and data', async () => {
    await noSubscribers();
    const events = subscribe(clientAs(Role.SALES), LEAD_EVENTS, { filter: { types: ['lead.qualified'] } });
    const first = events.next();
    await subscribed();
    const lead = await givenLead(t, {}, Role.SALES);
    const stages: string[] = [];
    // Activities until the rule qualifies the lead (the second demo request).
    while (stages.at(-1) !== 'mql' && stages.length < 5) stages.push(await recordDemoRequest(lead.id));
    expect(stages).toEqual(['lead', 'mql']);
    const message = (await first).value as Message;
    expect(message.errors).toBeUndefined();
    const event = message.data!.leadEvents;
    expect(event).toMatchObject({ type: 'lead.qualified', leadId: lead.id, stage: 'mql' });
    expect(event.data).toMatchObject({ leadId: lead.id, sequence: event.sequence, stage: 'mql', from: 'lead' });
    const stored = await t.dataSource.query<Array<{ sequence: number }>>(
      "SELECT sequence FROM outbox_event WHERE id = $1 AND type = 'lead.qualified'",
      [event.id],
    );
    expect(stored).toEqual([{ sequence: event.sequence }]);
    await events.stop();
  });

  test('filters: only events after which the lead is in one of the stages and owned by the given user', async () => {
    const owner = t.userIds.SALES;
    await noSubscribers();
    const events = subscribe(clientAs(Role.SALES), LEAD_EVENTS, { filter: { stages: ['mql'], ownerId: owner } });
    const first = events.next();
    await subscribed();
    // Someone else's lead qualifies first; then one of the owner's leads is created and qualifies.
    const other = await givenLead(t, { ownerId: t.userIds.OPS }, Role.OPS);
    await recordDemoRequest(other.id, Role.OPS);
    await recordDemoRequest(other.id, Role.OPS);
    const mine = await givenLead(t, { ownerId: owner }, Role.SALES);
    await recordDemoRequest(mine.id);
    await recordDemoRequest(mine.id);
    // Events arrive in commit order: had the other lead's passed the filter, it would be first.
    const received: Array<{ type: string; leadId: string; stage: string; ownerId: string }> = [];
    received.push(((await first).value as Message).data!.leadEvents);
    received.push(((await events.next()).value as Message).data!.leadEvents);
    expect(received.map((event) => event.type)).toEqual(['lead.stage_changed', 'lead.qualified']);
    for (const event of received) expect(event).toMatchObject({ leadId: mine.id, stage: 'mql', ownerId: owner });
    await events.stop();
  });

  test('a lost LISTEN connection is reopened, and what was committed meanwhile still arrives', async () => {
    await noSubscribers();
    const events = subscribe(clientAs(Role.SALES), LEAD_EVENTS, { filter: { types: ['lead.created'] } });
    const first = events.next(30_000);
    await subscribed();
    const database = new URL(t.url).pathname.slice(1);
    const listening =
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'smarketing-api-subscriptions' AND datname = $1";
    const [listener] = await t.dataSource.query<Array<{ pid: number }>>(listening, [database]);
    await t.dataSource.query('SELECT pg_terminate_backend($1)', [listener!.pid]);
    // Committed while no process of this app listens: its NOTIFY reaches nobody.
    const lead = await givenLead(t);
    const event = ((await first).value as Message).data!.leadEvents;
    expect(event).toMatchObject({ type: 'lead.created', leadId: lead.id });
    const [reopened] = await t.dataSource.query<Array<{ pid: number }>>(listening, [database]);
    expect(reopened!.pid).not.toBe(listener!.pid);
    await events.stop();
  });

  test('a subscriber on one server process receives what another process commits (LISTEN/NOTIFY)', async () => {
    const second = await startServerProcess(t.url);
    try {
      const url = `${second.baseUrl.replace(/^http/, 'ws')}/graphql`;
      const events = subscribe(clientAs(Role.SALES, { url }), LEAD_EVENTS, { filter: { types: ['lead.created'] } });
      const first = events.next(60_000);
      let arrived: Message | undefined;
      void first.then((message) => (arrived = message.value as Message));
      // The other process's subscription starts at some moment we cannot see from here: leads are
      // created on this process until one of them is announced there.
      const created: string[] = [];
      while (!arrived && created.length < 60) {
        created.push((await givenLead(t)).id);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const event = ((await first).value as Message).data!.leadEvents;
      expect(event.type).toBe('lead.created');
      expect(created).toContain(event.leadId);
      await events.stop();
    } finally {
      await second.stop();
    }
  }, 120_000);
});

describe('slaAlerts', () => {
  /** An SLA event as the SLA clock job writes it: `data.ownerId` is the case owner. */
  const emitSlaEvent = (leadId: string, type: EventType, ownerId: string): Promise<unknown> =>
    inTransaction(systemContext(t.dataSource), (tx) =>
      emitEvent(tx, { type, leadId, data: { slaId: randomUUID(), caseId: randomUUID(), ownerId } }),
    );

  test("sla.at_risk and sla.breached of the given owner's cases, and nothing else", async () => {
    await noSubscribers();
    const alerts = subscribe(
      clientAs(Role.SALES),
      'subscription($owner: ID) { slaAlerts(ownerId: $owner) { type leadId ownerId data lead { id } } }',
      { owner: t.userIds.SALES },
    );
    const first = alerts.next();
    await subscribed();
    const mine = await givenLead(t, { ownerId: t.userIds.SALES }, Role.SALES);
    const other = await givenLead(t, { ownerId: t.userIds.OPS }, Role.OPS);
    await emitSlaEvent(other.id, 'sla.breached', t.userIds.OPS);
    await emitSlaEvent(mine.id, 'sla.met', t.userIds.SALES);
    await emitSlaEvent(mine.id, 'sla.at_risk', t.userIds.SALES);
    await emitSlaEvent(mine.id, 'sla.breached', t.userIds.SALES);
    const received = [((await first).value as Message).data!.slaAlerts];
    received.push(((await alerts.next()).value as Message).data!.slaAlerts);
    expect(received.map((alert: { type: string }) => alert.type)).toEqual(['sla.at_risk', 'sla.breached']);
    for (const alert of received) {
      expect(alert).toMatchObject({ leadId: mine.id, ownerId: t.userIds.SALES, lead: { id: mine.id } });
      expect(alert.data).toMatchObject({ ownerId: t.userIds.SALES, leadId: mine.id });
    }
    await alerts.stop();
  });
});

describe('slaAlerts from the SLA clock', () => {
  const HOUR = 3_600_000;

  /** A lead of `ownerId` that entered `mql` `hoursAgo` hours ago (its history moved back). */
  async function leadInMqlSince(hoursAgo: number, ownerId: string): Promise<string> {
    const lead = await givenLead(t, { stage: 'mql', ownerId }, Role.OPS);
    for (const table of ['stage_transition SET at = at', 'stage_visit SET entered_at = entered_at']) {
      await t.dataSource.query(`UPDATE ${table} - interval '1 hour' * $2 WHERE lead_id = $1`, [lead.id, hoursAgo]);
    }
    return lead.id;
  }

  test("the owner receives the clock's sla.at_risk and then sla.breached for their case, not another owner's", async () => {
    ok(
      await gql(t, 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', {
        input: { name: unique('Response'), stage: 'mql', kind: 'RESPONSE_TIME', withinHours: 4 },
      }),
    );
    await noSubscribers();
    const alerts = subscribe(
      clientAs(Role.SALES),
      'subscription($owner: ID) { slaAlerts(ownerId: $owner) { type leadId ownerId data } }',
      { owner: t.userIds.SALES },
    );
    const first = alerts.next();
    await subscribed();
    const mine = await leadInMqlSince(3.5, t.userIds.SALES); // past 75 % of 4 hours
    await leadInMqlSince(3.5, t.userIds.OPS);
    await runSlaClock(t.dataSource);
    const atRisk = ((await first).value as Message).data!.slaAlerts;
    expect(atRisk).toMatchObject({ type: 'sla.at_risk', leadId: mine, ownerId: t.userIds.SALES });
    await runSlaClock(t.dataSource, new Date(Date.now() + HOUR)); // past due
    const breached = ((await alerts.next()).value as Message).data!.slaAlerts;
    expect(breached).toMatchObject({ type: 'sla.breached', leadId: mine, ownerId: t.userIds.SALES });
    expect(breached.data.caseId).toBe(atRisk.data.caseId);
    await alerts.stop();
  });
});

describe('shutdown', () => {
  test("stopping the server (Apollo's drain) closes subscription sockets with 1001 and ends their streams", async () => {
    const own = await startTestApp();
    await new Promise<void>((resolve) => own.httpServer.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(own.httpServer.address() as AddressInfo).port}/graphql`;
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${own.tokens.SALES}` },
      retryAttempts: 0,
    });
    const closed = new Promise<{ code: number }>((resolve) =>
      client.on('closed', (event) => resolve(event as { code: number })),
    );
    const iterator = client.iterate({ query: 'subscription { leadEvents { type } }' });
    const ended = iterator.next().catch((error: unknown) => error);
    const served = await until(
      () => Promise.resolve(liveEventSubscribers(own.dataSource)),
      (count) => count === 1,
      10_000,
    );
    expect(served).toBe(1);
    await own.close();
    expect((await closed).code).toBe(1001);
    expect(await ended).toMatchObject({ code: 1001 });
    expect(liveEventSubscribers(own.dataSource)).toBe(0);
    await client.dispose();
  });
});
