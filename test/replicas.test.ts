import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/db/data-source';
import { Role } from '../src/entities/enums';
import { runRescoreJob } from '../src/services/rescore.service';
import { issueTokenFor } from '../src/services/user.service';
import { freshDatabase, startServerProcess, systemContext, until, type ServerProcess } from './helpers';

/**
 * Two server processes on one database, as two replicas behind a load balancer: started at the
 * same moment on an empty database, sharing one rate-limit allowance per token, and running a
 * re-score job once between them.
 */
let database: { url: string; drop: () => Promise<void> };
let servers: ServerProcess[] = [];
let dataSource: DataSource;
const REPLICA_ENV = { RATE_LIMIT_MUTATIONS_PER_MINUTE: '6' };

async function startBoth(): Promise<void> {
  servers = await Promise.all([
    startServerProcess(database.url, REPLICA_ENV),
    startServerProcess(database.url, REPLICA_ENV),
  ]);
}

async function stopBoth(): Promise<Array<number | null>> {
  const codes = await Promise.all(servers.map((server) => server.stop()));
  servers = [];
  return codes;
}

beforeAll(async () => {
  database = await freshDatabase({ empty: true });
  await startBoth();
  dataSource = createDataSource(database.url, { poolSize: 3 });
  await dataSource.initialize();
}, 240_000);

afterAll(async () => {
  await stopBoth();
  if (dataSource?.isInitialized) await dataSource.destroy();
  await database.drop();
}, 60_000);

test('two processes started at the same moment on an empty database both come up, and each migration runs once', async () => {
  for (const server of servers) expect((await request(server.baseUrl).get('/readyz')).status).toBe(200);
  const files = fs.readdirSync(path.join(__dirname, '..', 'src', 'migrations')).filter((f) => f.endsWith('.ts'));
  const applied: Array<{ name: string; times: number }> = await dataSource.query(
    'SELECT name, count(*)::int AS times FROM migrations GROUP BY name ORDER BY name',
  );
  expect(applied).toHaveLength(files.length);
  expect(applied.every((row) => row.times === 1)).toBe(true);
  // pg-boss's own schema was installed once too (two installs at once deadlock), and each process's
  // start created the queues (stately: see test/jobs.test.ts) without tripping over the other's.
  const [version] = await dataSource.query('SELECT count(*)::int AS n FROM pgboss.version');
  expect(version.n).toBe(1);
  const queues = await dataSource.query("SELECT name, policy FROM pgboss.queue WHERE name LIKE 'rescore%' ORDER BY 1");
  expect(queues).toEqual([
    { name: 'rescore', policy: 'stately' },
    { name: 'rescore-daily', policy: 'stately' },
    { name: 'rescore-requeue', policy: 'stately' },
  ]);
});

test('a token has one allowance across both processes: 3 + 3 mutations pass, the rest are 429 with Retry-After', async () => {
  const ctx = systemContext(dataSource);
  const { token } = await issueTokenFor(ctx, 'replica-marketer', Role.MARKETING);
  const { token: other } = await issueTokenFor(ctx, 'replica-ops', Role.OPS);
  const create = (server: ServerProcess, name: string, as = token) =>
    request(server.baseUrl).post('/graphql').set('Authorization', `Bearer ${as}`).send({
      query: 'mutation($name: String!) { createPersona(input: { name: $name }) { id } }',
      variables: { name },
    });

  const answers = [];
  for (let i = 0; i < 8; i += 1) answers.push(await create(servers[i % 2]!, `Replica persona ${i}`));
  const accepted = answers.filter((res) => res.status === 200 && !res.body.errors);
  expect(accepted).toHaveLength(6);
  // Each process let 3 through: alone, each would have allowed 6.
  expect(answers.slice(0, 6).every((res) => res.status === 200 && !res.body.errors)).toBe(true);
  for (const refused of answers.slice(6)) {
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(10); // one call refills in 10 s at 6 a minute
    expect(refused.body.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      bucket: 'mutations',
      limitPerMinute: 6,
      retryAfterSeconds: wait,
    });
  }
  const [written] = await dataSource.query(
    "SELECT count(*)::int AS n FROM persona WHERE name LIKE 'Replica persona %'",
  );
  expect(written.n).toBe(6);
  // Another token has its own row and its own allowance.
  const unrelated = await create(servers[0]!, 'Replica persona by ops', other);
  expect(unrelated.body.errors).toBeUndefined();
}, 60_000);

test('a re-score job left queued is run by one process only, though both sweep it up when they start', async () => {
  await stopBoth();
  await dataSource.query(
    `INSERT INTO lead (email, company_size, stage_id, version)
     SELECT 'replica' || i || '@example.com', i, (SELECT id FROM funnel_stage WHERE key = 'lead'), 1
       FROM generate_series(1, 50) i`,
  );
  // A job queued by a process without a queue (a CLI), or left by a crash: each replica's start
  // sweeps it up. Before, each sent its own copy to pg-boss and both could run it.
  const [job] = await dataSource.query(
    "INSERT INTO rescore_job (reason, status) VALUES ('replicas test', 'QUEUED') RETURNING id",
  );
  await startBoth();
  const done = await until(
    async () => (await dataSource.query('SELECT status, done, total FROM rescore_job WHERE id = $1', [job.id]))[0],
    (row: { status: string }) => row.status === 'DONE',
    60_000,
  );
  expect(done).toMatchObject({ status: 'DONE', done: 50, total: 50 });
  const copies = await dataSource.query('SELECT state FROM pgboss.job WHERE name = $1 AND singleton_key = $2', [
    'rescore',
    job.id,
  ]);
  expect(copies).toEqual([{ state: 'completed' }]);
}, 240_000);

test('a second run of a job that another process is running ends at once and leaves the job to it', async () => {
  const [job] = await dataSource.query(
    "INSERT INTO rescore_job (reason, status) VALUES ('held elsewhere', 'QUEUED') RETURNING id",
  );
  // Another process's run, as far as PostgreSQL can tell: the job's advisory lock on another session.
  const elsewhere = new Client({ connectionString: database.url });
  await elsewhere.connect();
  try {
    await elsewhere.query("SELECT pg_advisory_lock(hashtext('smarketing.rescore'), hashtext($1))", [job.id]);
    const second = await runRescoreJob(dataSource, job.id, 10);
    expect(second.status).toBe('QUEUED'); // untouched: no chunk ran
    await elsewhere.query("SELECT pg_advisory_unlock(hashtext('smarketing.rescore'), hashtext($1))", [job.id]);
    const run = await runRescoreJob(dataSource, job.id, 10);
    expect(run).toMatchObject({ status: 'DONE', done: 50, total: 50 });
  } finally {
    await elsewhere.end();
  }
});
