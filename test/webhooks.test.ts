import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { config } from '../src/config';
import { Role } from '../src/entities/enums';
import { WEBHOOK_QUEUE } from '../src/events/webhooks-worker';
import { backgroundJobs } from '../src/jobs/background-jobs';
import { startJobs } from '../src/jobs/start-jobs';
import { databaseFingerprint, givenLead, gql, ok, startTestApp, until, type TestApp } from './helpers';

/**
 * Signed webhooks from the outbox, through the job queue, to a real HTTP receiver on 127.0.0.1
 * that verifies every signature with the standardwebhooks library (as any receiver would).
 */
let t: TestApp;
let stopQueue: () => Promise<void>;
let receiver: http.Server;
let base: string;
const saved = { ...config.webhooks };

interface Received {
  path: string;
  id: string;
  status: number;
  body: { type: string; timestamp: string; data: Record<string, any> };
}
/** Every request the receiver got, in arrival order, after its signature was verified. */
const received: Received[] = [];
/** The answer of each path: a function of how many times this event id came before. */
const behaviour = new Map<string, (seenBefore: number) => number>();
const secrets = new Map<string, string>();
const badSignatures: string[] = [];

beforeAll(async () => {
  Object.assign(config.webhooks, { allowPrivate: true, retryBaseMs: 40, maxAttempts: 3, pauseAfterFailures: 1000 });
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const path = req.url!;
      try {
        new Webhook(secrets.get(path)!).verify(body, req.headers as Record<string, string>);
      } catch (error) {
        badSignatures.push(`${path}: ${(error as Error).message}`);
        res.writeHead(400).end();
        return;
      }
      const id = req.headers['webhook-id'] as string;
      const seenBefore = received.filter((r) => r.path === path && r.id === id).length;
      const status = (behaviour.get(path) ?? (() => 200))(seenBefore);
      received.push({ path, id, status, body: JSON.parse(body) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestApp();
  // The webhook queue only: the other background jobs (the rollup fold every 2 s among them) would
  // change the database between the fingerprints of the tests that check nothing was written.
  stopQueue = await startJobs(
    t.dataSource,
    t.url,
    backgroundJobs().filter((job) => job.queue === WEBHOOK_QUEUE),
  );
});
afterAll(async () => {
  await stopQueue();
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
  Object.assign(config.webhooks, saved);
});

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { id secret endpoint { id url eventTypes active paused } }
}`;
const DELIVERIES = `query($filter: WebhookDeliveriesFilter) {
  webhookDeliveries(first: 100, filter: $filter) {
    nodes { id eventId eventType leadId status attempts lastStatusCode lastLatencyMs nextAttemptAt deliveredAt deadAt
            attemptLog { statusCode latencyMs error } payload }
  }
}`;
const UPDATE_LEAD = 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id } }';
const DELETE = 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }';

async function givenEndpoint(
  name: string,
  eventTypes: string[],
  answer: (seenBefore: number) => number = () => 200,
): Promise<{ id: string; path: string; secret: string }> {
  const path = `/hook/${name}`;
  behaviour.set(path, answer);
  const created = ok(
    await gql(t, CREATE, { input: { url: `${base}${path}`, eventTypes, active: true } }),
  ).createWebhookEndpoint;
  expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
  expect(created.id).toBe(created.endpoint.id);
  secrets.set(path, created.secret);
  return { id: created.endpoint.id, path, secret: created.secret };
}

async function deliveriesOf(endpointId: string): Promise<any[]> {
  return ok(await gql(t, DELIVERIES, { filter: { endpointId } })).webhookDeliveries.nodes;
}

async function untilSettled(endpointId: string, count: number): Promise<any[]> {
  return until(
    () => deliveriesOf(endpointId),
    (nodes) => nodes.length >= count && nodes.every((node: any) => node.status !== 'PENDING'),
    20_000,
  );
}

describe('delivery: signed, at least once, in order per lead', () => {
  test("a receiver answering 500 twice then 200 gets each event three times with the same id and applies it once; a lead's events arrive in order", async () => {
    const endpoint = await givenEndpoint('flaky', ['lead.created', 'lead.updated'], (seen) => (seen < 2 ? 500 : 200));
    const lead = await givenLead(t, { company: 'Initech' });
    ok(await gql(t, UPDATE_LEAD, { input: { id: lead.id, company: 'Initech 2' } }, { as: Role.OPS }));
    ok(await gql(t, UPDATE_LEAD, { input: { id: lead.id, company: 'Initech 3' } }, { as: Role.OPS }));

    const deliveries = await untilSettled(endpoint.id, 3);
    expect(badSignatures).toEqual([]);
    expect(deliveries.map((d) => [d.status, d.attempts, d.lastStatusCode])).toEqual([
      ['DELIVERED', 3, 200],
      ['DELIVERED', 3, 200],
      ['DELIVERED', 3, 200],
    ]);
    for (const delivery of deliveries) {
      expect(delivery.attemptLog.map((a: any) => a.statusCode)).toEqual([500, 500, 200]);
      expect(delivery.lastLatencyMs).toEqual(expect.any(Number));
      expect(delivery.nextAttemptAt).toBeNull();
    }

    const mine = received.filter((r) => r.path === endpoint.path);
    // The same webhook-id on every attempt: the receiver applies each event once, by id.
    const applied = mine.filter((r) => r.status === 200);
    expect(new Set(applied.map((r) => r.id)).size).toBe(3);
    for (const r of applied) expect(mine.filter((other) => other.id === r.id)).toHaveLength(3);
    // In order per lead: nothing of a later event arrives before the earlier one was acknowledged.
    expect(mine.map((r) => r.body.data.sequence)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect(applied.map((r) => r.body.type)).toEqual(['lead.created', 'lead.updated', 'lead.updated']);
    expect(applied[0]!.body).toEqual({
      type: 'lead.created',
      timestamp: expect.any(String),
      data: expect.objectContaining({ leadId: lead.id, sequence: 1, company: 'Initech', stage: 'lead' }),
    });
    expect(applied[2]!.body.data.changes).toEqual([{ field: 'company', before: 'Initech 2', after: 'Initech 3' }]);
    expect(deliveries.find((d) => d.eventId === applied[0]!.id)!.payload).toEqual(applied[0]!.body);
    ok(await gql(t, DELETE, { id: endpoint.id }));
  });

  test('an endpoint receives only the event types it subscribes to', async () => {
    const endpoint = await givenEndpoint('updates-only', ['lead.updated']);
    const lead = await givenLead(t);
    ok(await gql(t, UPDATE_LEAD, { input: { id: lead.id, company: 'Umbrella' } }, { as: Role.OPS }));
    const deliveries = await untilSettled(endpoint.id, 1);
    expect(deliveries.map((d) => d.eventType)).toEqual(['lead.updated']);
    const byArgument = ok(
      await gql(t, 'query($id: ID) { webhookDeliveries(endpointId: $id) { nodes { id } } }', { id: endpoint.id }),
    ).webhookDeliveries.nodes;
    expect(byArgument.map((d: any) => d.id)).toEqual(deliveries.map((d) => d.id));
    ok(await gql(t, DELETE, { id: endpoint.id }));
  });
});

describe('failures: dead letters, pausing, redelivery', () => {
  test(`after WEBHOOK_MAX_ATTEMPTS failures a delivery is dead-lettered; the lead's next event then goes out; redeliverWebhooks replays it with the same id`, async () => {
    let healthy = false;
    const endpoint = await givenEndpoint('down', ['lead.created', 'lead.updated'], () => (healthy ? 200 : 503));
    const from = new Date();
    const lead = await givenLead(t);
    const [dead] = await untilSettled(endpoint.id, 1);
    expect(dead).toMatchObject({ status: 'DEAD', attempts: 3, lastStatusCode: 503, deadAt: expect.any(String) });
    expect(dead.attemptLog.map((a: any) => a.statusCode)).toEqual([503, 503, 503]);
    const failures = `query { webhookEndpoints { id paused failures { deadDeliveries failedAttempts consecutiveFailures pendingDeliveries } } }`;
    const listed = ok(await gql(t, failures)).webhookEndpoints.find((e: any) => e.id === endpoint.id);
    expect(listed.failures).toEqual({
      deadDeliveries: 1,
      failedAttempts: 3,
      consecutiveFailures: 3,
      pendingDeliveries: 0,
    });

    healthy = true;
    ok(await gql(t, UPDATE_LEAD, { input: { id: lead.id, company: 'Later' } }, { as: Role.OPS }));
    await untilSettled(endpoint.id, 2);
    const replayed = ok(
      await gql(
        t,
        'mutation($id: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { redeliverWebhooks(endpointId: $id, from: $from, to: $to) }',
        { id: endpoint.id, from: from.toISOString(), to: new Date(Date.now() + 1000).toISOString() },
      ),
    ).redeliverWebhooks;
    expect(replayed).toBe(2);
    const after = await until(
      () => deliveriesOf(endpoint.id),
      (nodes) => nodes.every((node: any) => node.status === 'DELIVERED'),
      20_000,
    );
    expect(after.map((d) => d.status)).toEqual(['DELIVERED', 'DELIVERED']);
    const ids = received.filter((r) => r.path === endpoint.path && r.status === 200).map((r) => r.id);
    expect(ids).toContain(dead.eventId);
    ok(await gql(t, DELETE, { id: endpoint.id }));
  });

  test('an endpoint that keeps failing is paused; its events wait; updateWebhookEndpoint(active: true) resumes it', async () => {
    config.webhooks.pauseAfterFailures = 2;
    try {
      let healthy = false;
      const endpoint = await givenEndpoint('pausing', ['lead.created'], () => (healthy ? 200 : 500));
      await givenLead(t);
      const paused = await until(
        async () => ok(await gql(t, `query { webhookEndpoints { id paused pausedAt } }`)).webhookEndpoints,
        (list: any[]) => list.some((e) => e.id === endpoint.id && e.paused),
        20_000,
      );
      expect(paused.find((e: any) => e.id === endpoint.id).pausedAt).toEqual(expect.any(String));
      const [waiting] = await deliveriesOf(endpoint.id);
      expect(waiting).toMatchObject({ status: 'PENDING', attempts: 2 });
      expect(ok(await gql(t, '{ outboxLag }')).outboxLag).toEqual(expect.any(Number));

      healthy = true;
      const resumed = ok(
        await gql(
          t,
          'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { paused active } }',
          {
            input: { id: endpoint.id, active: true },
          },
        ),
      ).updateWebhookEndpoint;
      expect(resumed).toEqual({ paused: false, active: true });
      const [delivered] = await untilSettled(endpoint.id, 1);
      expect(delivered).toMatchObject({ status: 'DELIVERED', attempts: 3 });
      ok(await gql(t, DELETE, { id: endpoint.id }));
    } finally {
      config.webhooks.pauseAfterFailures = 1000;
    }
  });
});

describe('managing endpoints', () => {
  test('private, loopback and link-local targets are refused without WEBHOOK_ALLOW_PRIVATE, and nothing is written', async () => {
    config.webhooks.allowPrivate = false;
    try {
      for (const url of [
        `${base}/hook/x`,
        'http://localhost:8080/x',
        'http://169.254.169.254/latest',
        'http://[::1]/x',
        'http://10.1.2.3/x',
      ]) {
        const before = await databaseFingerprint(t);
        const result = await gql(t, CREATE, { input: { url, eventTypes: ['lead.created'], active: true } });
        expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
        expect(await databaseFingerprint(t)).toEqual(before);
      }
    } finally {
      config.webhooks.allowPrivate = true;
    }
  });

  test('bad event types and URLs are refused with their field', async () => {
    const before = await databaseFingerprint(t);
    const badType = await gql(t, CREATE, {
      input: { url: `${base}/x`, eventTypes: ['lead.created', 'lead.exploded'], active: true },
    });
    expect(badType.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.eventTypes[1]' });
    const noType = await gql(t, CREATE, { input: { url: `${base}/x`, eventTypes: [], active: true } });
    expect(noType.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.eventTypes' });
    const badUrl = await gql(t, CREATE, {
      input: { url: 'ftp://example.com/x', eventTypes: ['lead.created'], active: true },
    });
    expect(badUrl.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test('the secret is answered once; the list never shows it; every change is audited without it', async () => {
    const endpoint = await givenEndpoint('audited', ['lead.qualified']);
    const noSecret = await gql(t, '{ webhookEndpoints { id secret } }');
    expect(noSecret.errors?.[0]?.message).toMatch(/Cannot query field "secret"/);
    const rotated = ok(
      await gql(t, 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }', {
        id: endpoint.id,
      }),
    ).rotateWebhookSecret;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);
    ok(
      await gql(t, 'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { id } }', {
        input: { id: endpoint.id, eventTypes: ['lead.qualified', 'sla.breached'] },
      }),
    );
    ok(await gql(t, DELETE, { id: endpoint.id }));
    const log = ok(
      await gql(
        t,
        'query($id: ID!) { auditLog(first: 10, filter: { subjectId: $id }) { nodes { action before after actor { id } } } }',
        { id: endpoint.id },
        { as: Role.ADMIN },
      ),
    ).auditLog.nodes;
    expect(log.map((entry: any) => entry.action).sort()).toEqual(['create', 'delete', 'rotate_secret', 'update']);
    expect(JSON.stringify(log)).not.toContain('whsec_');
    expect(log[0].actor.id).toBe(t.userIds.OPS);
  });

  test('SALES may not read or manage webhooks', async () => {
    const result = await gql(t, '{ webhookEndpoints { id } }', {}, { as: Role.SALES });
    expect(result.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });

  test('the outbox lag and per-endpoint failures are Prometheus metrics', async () => {
    const endpoint = await givenEndpoint('metrics', ['lead.created']);
    const res = await request(t.app).get('/metrics').set('Authorization', `Bearer ${t.tokens.OPS}`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^smarketing_outbox_lag_seconds \d/m);
    expect(res.text).toContain(`smarketing_webhook_endpoint_deliveries{endpoint_id="${endpoint.id}",kind="dead"} 0`);
    ok(await gql(t, DELETE, { id: endpoint.id }));
  });
});
