import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { config } from '../src/config';
import { createDataSource } from '../src/db/data-source';
import { migrateDatabase } from '../src/db/database';
import { afterMigrations } from '../src/release';
import { embeddedAppUrl } from '../src/db/embedded-postgres';
import { Role } from '../src/entities/enums';
import { watchPublishedRules } from '../src/rules/rule-cache';
import { startJobs } from '../src/jobs/start-jobs';
import { issueTokenFor } from '../src/services/user.service';
import { createApp, type App } from '../src/server';
import { freePort } from './global-setup';
import {
  countRows,
  databaseFingerprint,
  givenLead,
  gql,
  isRunning,
  postmasterPid,
  startTestApp,
  startEmbeddedChild,
  systemContext,
  unique,
  untilEnded,
  type TestApp,
} from './helpers';

const root = path.resolve(__dirname, '..');
const CREATE_LEAD = 'mutation($input: CreateLeadInput!) { createLead(input: $input) { id email } }';
const UPDATE_LEAD = 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id firstName } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Sessions waiting for a lock: requests parked behind a row the test holds. Asked outside the
 * holding transaction, since pg_stat_activity stays one snapshot for a whole transaction.
 */
async function lockWaiters(t: TestApp): Promise<number> {
  const [row] = await t.dataSource.query<Array<{ count: number }>>(
    `SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return row!.count;
}

/** An `updateLead` on a connection of its own (the drain must finish requests on open connections). */
function updateOnOwnConnection(
  base: string,
  token: string,
  input: { id: string; firstName: string },
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query: UPDATE_LEAD, variables: { input } });
    const req = http.request(
      `${base}/graphql`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The API server as `npm start` runs it, in a child process; resolves once /readyz says ready. */
async function startServerProcess(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const server = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'main.ts')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await until(
    async () =>
      (
        await request(`http://127.0.0.1:${port}`)
          .get('/readyz')
          .catch(() => ({ status: 0 }))
      ).status === 200,
    90_000,
    'the server process',
  );
  return server;
}

describe('PostgreSQL stopped and restarted under a steady load', () => {
  const dataDir = path.join(root, '.data', `faults-${process.pid}`);
  // Taken once (the restart must come back on the same port), as every test server's port is:
  // a fixed range could be an ephemeral port the OS just gave another test file's server.
  let port: number;
  let postgres: ChildProcessWithoutNullStreams | undefined;
  let dataSource: DataSource;
  let app: App;
  let token: string;
  const stops: Array<() => Promise<void>> = [];

  /** The embedded PostgreSQL in a child process. */
  async function startPostgres(): Promise<string> {
    const started = await startEmbeddedChild(dataDir, port, 'faults');
    postgres = started.child;
    return started.url;
  }

  async function stopPostgres(): Promise<void> {
    const child = postgres;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }

  beforeAll(async () => {
    port = await freePort();
    const url = await startPostgres();
    // A small pool, as under load every connection is in use when the server goes away.
    dataSource = createDataSource(url, { poolSize: 4 });
    await dataSource.initialize();
    await migrateDatabase(dataSource, url, afterMigrations);
    token = (await issueTokenFor(systemContext(dataSource), 'loader', Role.MARKETING)).token;
    app = await createApp(dataSource);
    // The connections of their own must survive the restart too, without an unhandled error.
    stops.push(await watchPublishedRules(dataSource, url, 1000));
    stops.push(await startJobs(dataSource, url));
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await app?.apollo.stop();
    if (dataSource?.isInitialized) await dataSource.destroy();
    await stopPostgres();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  interface Outcome {
    email: string;
    status: number;
    ms: number;
    /** When the request was sent, and when its answer came. */
    startedAt: number;
    at: number;
    acknowledged: boolean;
    code?: string;
    message?: string;
  }

  test('the server stays up, fails fast while the database is down, serves again within 5 s, and loses no acknowledged write', async () => {
    const outcomes: Outcome[] = [];
    let loading = true;
    const worker = async (): Promise<void> => {
      while (loading) {
        const email = `${unique('load')}@example.com`;
        const started = Date.now();
        const res = await request(app.app)
          .post('/graphql')
          .set('Authorization', `Bearer ${token}`)
          .send({ query: CREATE_LEAD, variables: { input: { email } } });
        outcomes.push({
          email,
          status: res.status,
          ms: Date.now() - started,
          startedAt: started,
          at: Date.now(),
          acknowledged: res.status === 200 && res.body.data?.createLead?.email === email,
          code: res.body.errors?.[0]?.extensions?.code,
          message: res.body.errors?.[0]?.message,
        });
        if (res.status !== 200) await sleep(20);
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());

    await sleep(1500);
    const stopping = Date.now();
    await stopPostgres();
    const stopped = Date.now();

    await sleep(1500);
    const health = await request(app.app).get('/healthz');
    const ready = await request(app.app).get('/readyz');

    await startPostgres();
    const restarted = Date.now();
    await until(
      () => Promise.resolve(outcomes.some((o) => o.at > restarted && o.acknowledged)),
      10_000,
      'a write after the restart',
    );
    const recovered = Date.now();
    await sleep(1000);
    loading = false;
    await Promise.all(workers);

    // Up and serving throughout: /healthz never failed and /readyz said why it was not ready.
    expect(health.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'database unreachable' });

    const before = outcomes.filter((o) => o.at < stopping);
    // Sent while the database was down (a request sent before may have committed and be answered
    // late on a busy machine).
    const down = outcomes.filter((o) => o.startedAt > stopped + 200 && o.at < restarted);
    const after = outcomes.filter((o) => o.at > recovered);
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((o) => o.acknowledged)).toBe(true);

    // While down: every request refused quickly and cleanly.
    expect(down.length).toBeGreaterThan(10);
    for (const o of down) {
      expect({ status: o.status, code: o.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(o.ms).toBeLessThan(1500);
    }
    // Any failure at all is a clean SERVICE_UNAVAILABLE, never a masked internal error.
    expect(outcomes.filter((o) => !o.acknowledged && o.code !== 'SERVICE_UNAVAILABLE')).toEqual([]);

    // Back within 5 s of the database, in the same process.
    expect(recovered - restarted).toBeLessThan(5000);
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((o) => o.acknowledged)).toBe(true);

    // The rule-publish listener and the job queue have their connections back as well.
    const sessions = async (name: string) =>
      (
        await dataSource.query<Array<{ count: number }>>(
          'SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = $1',
          [name],
        )
      )[0]!.count;
    await until(async () => (await sessions('smarketing-api-listen')) === 1, 15_000, 'the rule listener to reconnect');
    await until(async () => (await sessions('smarketing-api-jobs')) > 0, 15_000, 'the job queue to reconnect');

    // Every acknowledged write is there.
    const acknowledged = outcomes.filter((o) => o.acknowledged).map((o) => o.email);
    const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM lead WHERE email = ANY($1)', [
      acknowledged,
    ]);
    expect(count).toBe(acknowledged.length);
  }, 120_000);
});

describe('faults inside one mutation and one pool', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function withTrigger(table: string, condition: string, run: () => Promise<void>): Promise<void> {
    const name = `inject_${unique('f').replace(/-/g, '_')}`;
    await t.dataSource.query(
      `CREATE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault in %', TG_TABLE_NAME; END $$ LANGUAGE plpgsql`,
    );
    await t.dataSource.query(
      `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW WHEN (${condition}) EXECUTE FUNCTION ${name}()`,
    );
    try {
      await run();
    } finally {
      await t.dataSource.query(`DROP TRIGGER ${name} ON ${table}`);
      await t.dataSource.query(`DROP FUNCTION ${name}()`);
    }
  }

  test('a fault between the lead and its first stage transition leaves neither', async () => {
    await withTrigger('stage_transition', 'true', async () => {
      const email = `${unique('fault')}@example.com`;
      const before = await databaseFingerprint(t);
      const result = await gql(t, CREATE_LEAD, { input: { email } });
      expect(result.errors?.[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(result.errors?.[0]?.message).toMatch(/^Internal error \(id [0-9a-f-]{36}\)$/);
      expect(JSON.stringify(result.errors)).not.toMatch(/injected|stage_transition|INSERT/);
      expect(await databaseFingerprint(t)).toEqual(before);
    });
  });

  test('a fault on the third activity of a batch records none of them and no score change', async () => {
    const lead = await givenLead(t);
    await withTrigger('activity', `NEW.metadata->>'n' = '3'`, async () => {
      const before = await databaseFingerprint(t);
      const result = await gql(
        t,
        'mutation($inputs: [RecordActivityInput!]!) { recordActivities(inputs: $inputs) { id } }',
        { inputs: [1, 2, 3, 4].map((n) => ({ leadId: lead.id, type: 'PAGE_VIEW', metadata: { n: String(n) } })) },
      );
      expect(result.errors?.[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await databaseFingerprint(t)).toEqual(before);
    });
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(0);
  });

  test('an exhausted pool fails fast with SERVICE_UNAVAILABLE and recovers; blocked writes complete', async () => {
    // A pool of 2 that waits at most 500 ms for a connection.
    const dataSource = createDataSource(t.url, { poolSize: 2, connectTimeoutMs: 500 });
    await dataSource.initialize();
    const small = await createApp(dataSource);
    const holder = new Client({ connectionString: t.url });
    await holder.connect();
    // Writes wait for a row lock at most LOCK_TIMEOUT_MS; here they must outlast the checks below.
    const lockTimeoutMs = config.lockTimeoutMs;
    config.lockTimeoutMs = 20_000;
    try {
      // Two leads: writes to one lead take turns before taking a connection, so only writes to
      // different leads can hold both connections of the pool.
      const leads = [await givenLead(t), await givenLead(t)];
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM lead WHERE id = ANY($1) FOR UPDATE', [leads.map((lead) => lead.id)]);
      // Two writes park behind the locks, holding both connections of the pool.
      const parked = ['Grace', 'Barbara'].map((firstName, i) =>
        request(small.app)
          .post('/graphql')
          .set('Authorization', `Bearer ${t.tokens.OPS}`)
          .send({ query: UPDATE_LEAD, variables: { input: { id: leads[i]!.id, firstName } } })
          .then((res) => res),
      );
      await until(async () => (await lockWaiters(t)) === 2, 10_000, 'two writes waiting on the lock');

      const started = Date.now();
      const refused = await request(small.app)
        .post('/graphql')
        .set('Authorization', `Bearer ${t.tokens.ANALYST}`)
        .send({ query: '{ leads(first: 1) { nodes { id } } }' });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('2');
      expect(refused.body.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 2 });
      expect(JSON.stringify(refused.body)).not.toMatch(/timeout exceeded|pg-pool/);
      const ready = await request(small.app).get('/readyz');
      expect(ready.status).toBe(503);

      await holder.query('COMMIT');
      const done = await Promise.all(parked);
      for (const res of done) expect(res.body.errors).toBeUndefined();
      expect(await countRows(t, 'lead', 'id = ANY($1) AND version = 2', [leads.map((lead) => lead.id)])).toBe(2);

      const again = await request(small.app)
        .post('/graphql')
        .set('Authorization', `Bearer ${t.tokens.ANALYST}`)
        .send({ query: '{ leads(first: 1) { nodes { id } } }' });
      expect(again.status).toBe(200);
      expect(again.body.errors).toBeUndefined();
      expect((await request(small.app).get('/readyz')).status).toBe(200);
    } finally {
      config.lockTimeoutMs = lockTimeoutMs;
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
      await small.apollo.stop();
      await dataSource.destroy();
    }
  }, 30_000);

  test('a statement over the statement timeout is cancelled: SERVICE_UNAVAILABLE, nothing written', async () => {
    const dataSource = createDataSource(t.url, { poolSize: 2, statementTimeoutMs: 300 });
    await dataSource.initialize();
    const strict = await createApp(dataSource);
    const holder = new Client({ connectionString: t.url });
    await holder.connect();
    try {
      const lead = await givenLead(t);
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM lead WHERE id = $1 FOR UPDATE', [lead.id]);
      const started = Date.now();
      const res = await request(strict.app)
        .post('/graphql')
        .set('Authorization', `Bearer ${t.tokens.OPS}`)
        .send({ query: UPDATE_LEAD, variables: { input: { id: lead.id, firstName: 'Late' } } });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.status).toBe(503);
      expect(res.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.body.errors[0].message).toMatch(/too busy/);
      await holder.query('COMMIT');
      expect(await countRows(t, 'lead', 'id = $1 AND first_name = $2', [lead.id, 'Late'])).toBe(0);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
      await strict.apollo.stop();
      await dataSource.destroy();
    }
  });
});

describe('SIGTERM with requests in flight', () => {
  let t: TestApp;
  let server: ChildProcess;
  let port: number;
  let base: string;

  beforeAll(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp();
    // The writes in flight wait on a row lock longer than the default LOCK_TIMEOUT_MS.
    server = await startServerProcess(port, { DATABASE_URL: t.url, DRAIN_DELAY_MS: '1000', LOCK_TIMEOUT_MS: '30000' });
  }, 90_000);

  afterAll(async () => {
    if (server.exitCode === null) {
      server.kill('SIGKILL');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    await t.close();
  });

  test('the server says it is draining, completes the writes in flight, then closes and exits 0', async () => {
    // One lead per write: writes to one lead take turns in memory, and here each must wait in PostgreSQL.
    const leads = [await givenLead(t), await givenLead(t), await givenLead(t)];
    const holder = new Client({ connectionString: t.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM lead WHERE id = ANY($1) FOR UPDATE', [leads.map((lead) => lead.id)]);
      const names = ['Grace', 'Barbara', 'Edsger'];
      const inFlight = names.map((firstName, i) =>
        updateOnOwnConnection(base, t.tokens.OPS, { id: leads[i]!.id, firstName }),
      );
      await until(async () => (await lockWaiters(t)) === 3, 10_000, 'three writes waiting on the lock');

      const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
      server.kill('SIGTERM');
      await until(
        async () =>
          (
            await request(base)
              .get('/readyz')
              .catch(() => ({ status: 0 }))
          ).status === 503,
        900,
        '/readyz to say draining',
      );
      expect((await request(base).get('/readyz')).body).toEqual({ status: 'draining' });
      expect(server.exitCode).toBeNull(); // still waiting for the writes

      await sleep(1500); // past the drain delay: the listening socket is closed, the writes wait on
      await holder.query('COMMIT');
      const answers = await Promise.all(inFlight);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.errors).toBeUndefined();
      }
      expect(await exited).toBe(0);
      const rows: Array<{ id: string; first_name: string; version: number }> = await t.dataSource.query(
        'SELECT id, first_name, version FROM lead WHERE id = ANY($1)',
        [leads.map((lead) => lead.id)],
      );
      for (const [i, lead] of leads.entries()) {
        expect(rows.find((row) => row.id === lead.id)).toMatchObject({
          first_name: names[i],
          version: lead.version + 1,
        });
      }
      await expect(request(base).get('/healthz')).rejects.toThrow();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }, 60_000);
});

describe('SIGTERM with the embedded PostgreSQL', () => {
  const dataDir = path.join(root, '.data', `drain-embedded-${process.pid}`);
  let server: ChildProcess | undefined;
  let base: string;
  let databaseUrl: string;

  beforeAll(async () => {
    const [httpPort, pgPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${httpPort}`;
    server = await startServerProcess(httpPort, {
      DATABASE_URL: '',
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      DRAIN_DELAY_MS: '300',
    });
    // As the API's role, with the password the server chose for this data folder.
    databaseUrl = embeddedAppUrl(dataDir, pgPort, 'smarketing');
  }, 120_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    const pid = postmasterPid(dataDir);
    if (pid !== undefined && isRunning(pid)) process.kill(pid, 'SIGINT');
    if (pid !== undefined) await untilEnded(pid);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  test('the server completes the write in flight before it stops its PostgreSQL, then exits 0', async () => {
    const dataSource = createDataSource(databaseUrl, { poolSize: 2 });
    await dataSource.initialize();
    const holder = new Client({ connectionString: databaseUrl });
    await holder.connect();
    try {
      const { token } = await issueTokenFor(systemContext(dataSource), unique('drainer'), Role.OPS);
      const created = await request(base)
        .post('/graphql')
        .set('authorization', `Bearer ${token}`)
        .send({ query: CREATE_LEAD, variables: { input: { email: `${unique('drain')}@example.com` } } });
      const leadId = created.body.data.createLead.id as string;
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM lead WHERE id = $1 FOR UPDATE', [leadId]);
      const inFlight = updateOnOwnConnection(base, token, { id: leadId, firstName: 'Radia' });
      await until(
        async () =>
          (
            await dataSource.query<Array<{ count: number }>>(
              `SELECT count(*)::int AS count FROM pg_stat_activity WHERE wait_event_type = 'Lock'`,
            )
          )[0]!.count === 1,
        10_000,
        'the write waiting on the lock',
      );

      const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
      const pid = postmasterPid(dataDir)!;
      server!.kill('SIGTERM');
      await sleep(1000); // past the drain delay: only the write in flight keeps the server up
      expect(server!.exitCode).toBeNull();
      expect(isRunning(pid)).toBe(true); // its database must outlive the drain

      await holder.query('COMMIT');
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.updateLead.firstName).toBe('Radia');
      const [row] = await dataSource.query('SELECT first_name FROM lead WHERE id = $1', [leadId]);
      expect(row.first_name).toBe('Radia');
      await holder.end();
      await dataSource.destroy();

      expect(await exited).toBe(0);
      await untilEnded(pid);
      expect(isRunning(pid)).toBe(false); // and it is stopped once the drain is over
    } finally {
      await holder.end().catch(() => undefined);
      if (dataSource.isInitialized) await dataSource.destroy();
    }
  }, 90_000);
});
