import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { publishStarterRules } from '../src/cli/starter-rules';
import { Role } from '../src/entities/enums';
import { createLoaders } from '../src/loaders';
import { issueTokenFor } from '../src/services/user.service';
import { benchDatabase, percentile } from './bench-db';

/**
 * Issue 12, item 6: the write path. `createLead` and `recordActivity` (without and with a
 * campaign) through the GraphQL API of a server process, at 1 and at 20 concurrent clients, beside
 * the floor PostgreSQL itself sets on this machine: raw `pg` clients each running
 * BEGIN; INSERT activity; UPDATE lead; COMMIT against the same database. While 20 clients run,
 * pg_stat_activity is sampled, so the table says what the connections waited on.
 *
 * Each phase is BENCH_WRITES_SECONDS (5) long after a 1 s warm-up; everything on 127.0.0.1.
 */

const root = path.join(__dirname, '..');
const SECONDS = Number(process.env.BENCH_WRITES_SECONDS ?? 5);
const WARM_UP_SECONDS = 1;
const PORT = Number(process.env.BENCH_WRITES_PORT ?? 4711);
const CAMPAIGNS = 10;
const CLIENT_COUNTS = [1, 20] as const;

interface Phase {
  clients: number;
  ops: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
  /** Mean number of the database's connections in each wait state per sample (20 clients only). */
  waits?: Array<{ event: string; mean: number }>;
}

/** One unit of work: resolves when done, throws on an error. */
type Operation = (worker: number, iteration: number) => Promise<void>;

/**
 * `clients` loops, each running `operation` back to back for `seconds`, after a warm-up of the
 * same shape. Latencies are per operation, in ms.
 */
async function drive(clients: number, operation: Operation, sampler?: WaitSampler): Promise<Phase> {
  let iteration = 0;
  const runFor = async (
    seconds: number,
    latencies: number[] | undefined,
  ): Promise<{ errors: number; first?: string }> => {
    const deadline = performance.now() + seconds * 1000;
    let errors = 0;
    let first: string | undefined;
    await Promise.all(
      Array.from({ length: clients }, async (_, worker) => {
        while (performance.now() < deadline) {
          const started = performance.now();
          try {
            await operation(worker, (iteration += 1));
            latencies?.push(performance.now() - started);
          } catch (error) {
            errors += 1;
            first ??= error instanceof Error ? error.message : String(error);
          }
        }
      }),
    );
    return { errors, first };
  };
  await runFor(WARM_UP_SECONDS, undefined);
  const latencies: number[] = [];
  sampler?.start();
  const started = performance.now();
  const { errors, first } = await runFor(SECONDS, latencies);
  const elapsed = (performance.now() - started) / 1000;
  const waits = await sampler?.stop();
  return {
    clients,
    ops: latencies.length,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    firstError: first,
    waits,
  };
}

/**
 * Samples pg_stat_activity every 20 ms from its own connection: for each backend of the bench
 * database that is inside a statement or a transaction, its wait event (`CPU` when it waits on
 * nothing, i.e. runs). Reported as the mean number of connections per sample in each state.
 */
class WaitSampler {
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly client: Client) {}

  start(): void {
    this.counts.clear();
    this.samples = 0;
    this.stopped = false;
    this.running = (async () => {
      while (!this.stopped) {
        const { rows } = await this.client.query<{ event: string }>(
          `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') || CASE WHEN state = 'idle in transaction' THEN ' (idle in transaction)' ELSE '' END AS event
             FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
              AND state IN ('active', 'idle in transaction')`,
        );
        this.samples += 1;
        for (const row of rows) this.counts.set(row.event, (this.counts.get(row.event) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  }

  async stop(): Promise<Array<{ event: string; mean: number }>> {
    this.stopped = true;
    await this.running;
    return [...this.counts.entries()]
      .map(([event, count]) => ({ event, mean: count / Math.max(1, this.samples) }))
      .sort((a, b) => b.mean - a.mean)
      .slice(0, 6);
  }
}

/** A GraphQL POST over one keep-alive agent; throws on an HTTP or GraphQL error. */
function graphql(agent: http.Agent, token: string) {
  return (query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ query, variables });
      const req = http.request(
        {
          host: '127.0.0.1',
          port: PORT,
          path: '/graphql',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${token}`,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            try {
              const parsed = JSON.parse(text) as { data?: Record<string, unknown>; errors?: unknown[] };
              if (parsed.errors || !parsed.data)
                reject(new Error(JSON.stringify(parsed.errors ?? parsed).slice(0, 300)));
              else resolve(parsed.data);
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

async function startServer(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      // The benchmark's one user writes far more than a person would.
      RATE_LIMIT_MUTATIONS_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${PORT}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) return child;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error('the server did not become ready in 120 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function seed(dataSource: DataSource): Promise<{ token: string; campaignIds: string[] }> {
  const ctx = { requestId: 'bench', user: null, dataSource, loaders: createLoaders(dataSource) };
  // publishStarterRules takes the first OPS user as the author: create it first.
  const { token } = await issueTokenFor(ctx, 'bench-writer', Role.OPS);
  await publishStarterRules(dataSource);
  await dataSource.query(
    `INSERT INTO campaign (name, channel, version)
     SELECT 'Write bench ' || g, 'EMAIL', 1 FROM generate_series(1, ${CAMPAIGNS}) g
     WHERE NOT EXISTS (SELECT 1 FROM campaign WHERE name = 'Write bench ' || g)`,
  );
  const campaigns = await dataSource.query<Array<{ id: string }>>(
    `SELECT id FROM campaign WHERE name LIKE 'Write bench %' ORDER BY name`,
  );
  return { token, campaignIds: campaigns.map((row) => row.id) };
}

const CREATE_LEAD = `mutation($input: CreateLeadInput!) { createLead(input: $input) { id score } }`;
const RECORD_ACTIVITY = `mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }`;
const TYPES = ['PAGE_VIEW', 'EMAIL_OPEN', 'EMAIL_CLICK', 'CONTENT_DOWNLOAD', 'FORM_SUBMIT'];
const TITLES = ['VP Marketing', 'Engineer', 'Head of Sales', 'Student', 'CTO'];

function ratio(value: number, of: number): string {
  return Number.isFinite(value / of) ? (value / of).toFixed(3) : 'n/a';
}

export async function main(): Promise<string> {
  const db = await benchDatabase('writes');
  const { token, campaignIds } = await seed(db.dataSource);
  await db.dataSource.destroy();
  const run = `${Date.now().toString(36)}`;
  const server = await startServer(db.url);
  const monitor = new Client({ connectionString: db.url, application_name: 'bench-writes-monitor' });
  await monitor.connect();
  const results = new Map<string, Phase[]>();
  const leadIds: string[] = [];
  try {
    for (const clients of CLIENT_COUNTS) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
      const call = graphql(agent, token);
      const sampler = clients > 1 ? new WaitSampler(monitor) : undefined;
      const pick = (n: number): string => leadIds[(n * 7919) % leadIds.length]!;

      const createLead = await drive(
        clients,
        async (worker, n) => {
          const data = await call(CREATE_LEAD, {
            input: {
              email: `w-${run}-${clients}-${n}@bench${n % 50}.example.com`,
              firstName: `Bench${n}`,
              company: `Company ${n % 300}`,
              jobTitle: TITLES[n % TITLES.length],
              companySize: ((n % 20) + 1) * 100,
              industry: n % 2 ? 'Software' : 'Retail',
              country: 'DE',
              campaignId: n % 3 === 0 ? campaignIds[n % campaignIds.length] : undefined,
            },
          });
          leadIds.push((data.createLead as { id: string }).id);
        },
        sampler,
      );
      results.set('createLead', [...(results.get('createLead') ?? []), createLead]);
      const activity =
        (withCampaign: boolean): Operation =>
        async (_worker, n) => {
          await call(RECORD_ACTIVITY, {
            input: {
              leadId: pick(n),
              type: TYPES[n % TYPES.length],
              campaignId: withCampaign ? campaignIds[n % campaignIds.length] : undefined,
              metadata: { url: '/pricing' },
            },
          });
        };
      results.set('recordActivity', [
        ...(results.get('recordActivity') ?? []),
        await drive(clients, activity(false), sampler),
      ]);
      results.set('recordActivity with a campaign', [
        ...(results.get('recordActivity with a campaign') ?? []),
        await drive(clients, activity(true), sampler),
      ]);
      agent.destroy();
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }

  // The floor: what PostgreSQL on this machine allows for the smallest honest write of an activity.
  const floor: Phase[] = [];
  for (const clients of [...CLIENT_COUNTS].reverse()) {
    const pool = new Pool({ connectionString: db.url, max: clients, application_name: 'bench-writes-raw' });
    const sampler = clients > 1 ? new WaitSampler(monitor) : undefined;
    floor.unshift(
      await drive(
        clients,
        async (_worker, n) => {
          const client = await pool.connect();
          try {
            const leadId = leadIds[(n * 7919) % leadIds.length]!;
            await client.query('BEGIN');
            await client.query(
              `INSERT INTO activity (lead_id, type, occurred_at, metadata) VALUES ($1, 'PAGE_VIEW', now(), '{"url":"/pricing"}')`,
              [leadId],
            );
            await client.query('UPDATE lead SET updated_at = now(), version = version + 1 WHERE id = $1', [leadId]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            client.release();
          }
        },
        sampler,
      ),
    );
    await pool.end();
  }
  results.set('raw `pg`: INSERT activity + UPDATE lead, one transaction', floor);
  await monitor.end();
  await db.close();

  const floorAt20 = floor[1]!.rps;
  const rows = [...results.entries()]
    .map(([name, [one, twenty]]) => {
      const a = one!;
      const b = twenty!;
      return `| ${name} | ${Math.round(a.rps)}/s | ${a.p50.toFixed(1)} / ${a.p99.toFixed(1)} ms | ${Math.round(b.rps)}/s | ${b.p50.toFixed(1)} / ${b.p99.toFixed(1)} ms | ${ratio(b.rps, a.rps)} | ${ratio(b.rps, floorAt20)} | ${a.errors + b.errors} |`;
    })
    .join('\n');
  const waits = [...results.entries()]
    .map(([name, [, twenty]]) => {
      const top = (twenty!.waits ?? []).map((w) => `${w.event} ${w.mean.toFixed(1)}`).join(', ');
      return `| ${name} | ${top || 'none seen'} |`;
    })
    .join('\n');
  const errors = [...results.entries()]
    .flatMap(([name, phases]) =>
      phases
        .filter((p) => p.firstError)
        .map((p) => `- ${name}, ${p.clients} client${p.clients === 1 ? '' : 's'}: ${p.firstError}`),
    )
    .join('\n');
  return `## Writes: createLead and recordActivity at 1 and 20 clients

Through the GraphQL API of one server process (NODE_ENV=production, a pool of 10 connections, the starter rule sets published, ${CAMPAIGNS} campaigns; a third of the new leads name a campaign), and as raw \`pg\` transactions (BEGIN; INSERT activity; UPDATE lead; COMMIT) against the same database. Each phase runs ${SECONDS} s after a ${WARM_UP_SECONDS} s warm-up, with that many client loops each sending one request at a time (keep-alive HTTP on 127.0.0.1); recordActivity goes to leads made in the createLead phases, spread over all of them. Server, database and client share the machine's cores.

| operation | 1 client | p50 / p99 | 20 clients | p50 / p99 | 20 / 1 | share of the raw floor at 20 | errors |
|---|---|---|---|---|---|---|---|
${rows}

Wait events at 20 clients: pg_stat_activity of the bench database sampled every 20 ms, the mean number of connections per sample inside a statement or a transaction, by wait event (\`CPU\`: waiting on nothing; \`Client:ClientRead (idle in transaction)\`: the transaction is open and the server process is working between statements).

| operation | top wait events (mean connections) |
|---|---|
${waits}
${errors ? `\nFirst error of each phase that had any:\n${errors}\n` : ''}`;
}
