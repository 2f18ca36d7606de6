import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { config } from '../src/config';
import type { Context } from '../src/context';
import { Role } from '../src/entities/enums';
import { createLoaders } from '../src/loaders';
import { installJobQueue, startJobQueue } from '../src/services/rescore.service';
import { createLead } from '../src/services/lead.service';
import { issueTokenFor } from '../src/services/user.service';
import { createWebhookEndpoint } from '../src/services/webhook-endpoint.service';
import { benchDatabase, percentile } from './bench-db';

/**
 * Issue 14: webhook delivery latency, from the commit of a createLead to its `lead.created`
 * arriving at a receiver on loopback (answering 204 at once), with the server's delivery worker
 * (pg-boss pump) in the same process; and the outbox's throughput under write load (concurrent
 * createLead calls through the service, each writing its events in its transaction).
 */

const PACED = 300;
const PACE_MS = 20;
const WRITERS = 8;
const LOAD_SECONDS = 15;

function summary(values: number[]): string {
  return `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms (n = ${values.length})`;
}

export async function main(): Promise<string> {
  config.webhooks.allowPrivate = true;
  const db = await benchDatabase('webhooks');
  await db.dataSource.query('TRUNCATE outbox_event, webhook_endpoint CASCADE');
  await installJobQueue(db.url);
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const arrived = performance.now();
      received += 1;
      const event = JSON.parse(body) as { type: string; data: { leadId: string } };
      const committed = event.type === 'lead.created' ? committedAt.get(event.data.leadId) : undefined;
      if (committed !== undefined) latencies.push(arrived - committed);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  const base: Context = {
    requestId: 'bench',
    user: null,
    dataSource: db.dataSource,
    loaders: createLoaders(db.dataSource),
  };
  const { user } = await issueTokenFor(base, 'bench-ops', Role.OPS);
  const ctx: Context = { ...base, user: { id: user.id, name: user.name, role: Role.OPS } };
  await createWebhookEndpoint(ctx, {
    url: `http://127.0.0.1:${port}/hook`,
    eventTypes: ['lead.created', 'lead.updated'],
    active: true,
  });
  const stopQueue = await startJobQueue(db.dataSource, db.url);
  const stamp = Date.now().toString(36);
  let serial = 0;
  const oneLead = async (): Promise<void> => {
    serial += 1;
    const lead = await createLead(ctx, { email: `bench-${stamp}-${serial}@example.com`, firstName: 'Bench' });
    committedAt.set(lead.id, performance.now());
  };
  const drain = async (expected: number): Promise<number> => {
    const started = performance.now();
    while (received < expected && performance.now() - started < 120_000) await new Promise((r) => setTimeout(r, 20));
    return performance.now() - started;
  };
  try {
    // Warm up (pool, pump, JIT).
    for (let i = 0; i < 20; i += 1) await oneLead();
    await drain(20);
    latencies.length = 0;

    // 1. Paced writes: one createLead every 20 ms.
    const pacedFrom = received;
    for (let i = 0; i < PACED; i += 1) {
      await oneLead();
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
    await drain(pacedFrom + PACED);
    const paced = [...latencies];
    latencies.length = 0;

    // 2. Write load: WRITERS concurrent createLead loops for LOAD_SECONDS.
    const loadFrom = received;
    const eventsBefore = Number((await db.dataSource.query('SELECT count(*) AS n FROM outbox_event'))[0].n);
    let writes = 0;
    const until = performance.now() + LOAD_SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (performance.now() < until) {
          await oneLead();
          writes += 1;
        }
      }),
    );
    const writeSeconds = (performance.now() - started) / 1000;
    const eventsWritten =
      Number((await db.dataSource.query('SELECT count(*) AS n FROM outbox_event'))[0].n) - eventsBefore;
    const deliveredDuringLoad = received - loadFrom;
    const drainMs = await drain(loadFrom + writes);
    const loaded = [...latencies];
    const deliverySeconds = writeSeconds + drainMs / 1000;
    return [
      '## Webhooks: delivery latency and outbox throughput (issue 14)',
      '',
      `One endpoint on loopback (answers 204 at once) subscribed to \`lead.created\` and \`lead.updated\`; the delivery worker (pg-boss pump, WEBHOOK_CONCURRENCY=${config.webhooks.concurrency}) in the same process; latency is from createLead's commit (its promise resolving) to the body arriving at the receiver.`,
      '',
      `| run | result |`,
      `|---|---|`,
      `| paced: ${PACED} createLead, one every ${PACE_MS} ms | commit → receiver ${summary(paced)} |`,
      `| write load: ${WRITERS} concurrent createLead loops, ${LOAD_SECONDS} s | ${writes} leads, ${(writes / writeSeconds).toFixed(0)} createLead/s, ${(eventsWritten / writeSeconds).toFixed(0)} outbox events/s written in the mutations' transactions |`,
      `| deliveries under that load | ${deliveredDuringLoad} delivered during the load, all ${writes} after ${(drainMs / 1000).toFixed(1)} s more: ${(writes / deliverySeconds).toFixed(0)} deliveries/s overall; commit → receiver ${summary(loaded)} |`,
    ].join('\n');
  } finally {
    await stopQueue();
    await new Promise((resolve) => receiver.close(resolve));
    await db.close();
  }
}
