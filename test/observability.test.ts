import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import request from 'supertest';
import { QueryFailedError } from 'typeorm';
import { Role } from '../src/entities/enums';
import { createLogger, serializeError } from '../src/logger';
import { startMetricsServer } from '../src/observability/http-observability';
import { MAX_OPERATION_LABELS, operationLabel } from '../src/observability/metrics';
import { runRescoreJob } from '../src/services/rescore.service';
import { givenRuleSetDraft, gql, ok, startTestApp, unique, type TestApp } from './helpers';

/** A logger with the production settings whose lines the test reads back. */
function captureLogs(): {
  logger: ReturnType<typeof createLogger>;
  lines: () => Array<Record<string, any>>;
  text: () => string;
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger(destination, 'debug'),
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, any>),
  };
}

/**
 * The sum of a metric's samples whose labels include `labels`, from Prometheus text, e.g.
 * `sample(text, 'x_total', { code: 'A' })`; undefined when there is none.
 */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

const LEADS_PAGE = 'query LeadsPage($first: Int) { leads(first: $first) { totalCount nodes { id email } } }';
const CREATE = 'mutation CreateLead($input: CreateLeadInput!) { createLead(input: $input) { id } }';

describe('/metrics', () => {
  let t: TestApp;
  const metricsToken = `metrics-${randomUUID()}`;

  beforeAll(async () => {
    t = await startTestApp({
      rateLimits: { mutationsPerMinute: 2, metricsPerMinute: 100 },
      metricsToken,
    });
  });
  afterAll(() => t.close());

  test('after a few requests: operation histogram, errors by code, pool gauges, rate-limit refusals', async () => {
    // A published scoring rule set, so lead writes evaluate rules; its re-score runs here.
    const { versionId } = await givenRuleSetDraft(t);
    const published = ok(
      await gql(
        t,
        'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { rescoreJob { id } } }',
        { id: versionId },
        { as: Role.ADMIN },
      ),
    ).publishRuleSetVersion;
    for (let i = 0; i < 3; i += 1) ok(await gql(t, LEADS_PAGE, { first: 5 }, { as: Role.ANALYST }));
    ok(await gql(t, '{ funnelStages { key } }', {}, { as: Role.ANALYST }));
    // Two mutations pass, the third is refused: RATE_LIMITED.
    const statuses: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const result = await gql(t, CREATE, { input: { email: `${unique('m')}@example.com` } }, { as: Role.MARKETING });
      statuses.push(result.errors?.[0]?.extensions.code ?? 'ok');
    }
    expect(statuses).toEqual(['ok', 'ok', 'RATE_LIMITED']);
    const missing = await gql(t, 'query OneLead($id: ID!) { lead(id: $id) { id } }', { id: randomUUID() });
    expect(missing.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    const unauthenticated = await gql(t, LEADS_PAGE, {}, { token: 'smk_not-a-real-token' });
    expect(unauthenticated.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');

    await runRescoreJob(t.dataSource, published.rescoreJob.id);
    // A job half done, as a running re-score elsewhere would leave it.
    await t.dataSource.query(
      `INSERT INTO rescore_job (reason, status, total, done) VALUES ('metrics test', 'RUNNING', 10, 4)`,
    );

    const res = await request(t.app).get('/metrics').set('Authorization', `Bearer ${t.tokens.OPS}`);
    await t.dataSource.query(`DELETE FROM rescore_job WHERE reason = 'metrics test'`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    const histogram = 'smarketing_graphql_operation_duration_seconds_count';
    expect(sample(text, histogram, { operation: 'LeadsPage', type: 'query' })).toBe(3);
    expect(sample(text, histogram, { operation: 'anonymous', type: 'query' })).toBe(1);
    expect(sample(text, histogram, { operation: 'CreateLead', type: 'mutation' })).toBe(3);
    expect(sample(text, 'smarketing_graphql_errors_total', { code: 'RATE_LIMITED' })).toBe(1);
    expect(sample(text, 'smarketing_graphql_errors_total', { code: 'NOT_FOUND' })).toBe(1);
    expect(sample(text, 'smarketing_graphql_errors_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(text, 'smarketing_rate_limit_refusals_total', { bucket: 'mutations' })).toBe(1);
    // The HTTP histogram counts every request on /graphql answered before this scrape, by status
    // (3 for the rule set, 3 pages, 1 funnel, 2 leads created, 1 lead not found: all 200).
    const http = (status: string) =>
      sample(text, 'smarketing_http_request_duration_seconds_count', { route: '/graphql', status });
    expect([http('200'), http('429'), http('401')]).toEqual([10, 1, unauthenticated.status === 401 ? 1 : undefined]);
    expect(
      sample(text, 'smarketing_http_request_duration_seconds_count', { route: '/graphql', operation: 'LeadsPage' }),
    ).toBe(3);
    // The pool: this scrape's own token lookup has returned its connection; the pool is open.
    expect(sample(text, 'smarketing_db_pool_connections')).toBeGreaterThan(0);
    expect(sample(text, 'smarketing_db_pool_connections_in_use')).toBe(0);
    expect(sample(text, 'smarketing_db_pool_waiting')).toBe(0);
    // Two mutations evaluated rules (one lead each), the re-score one chunk of both leads.
    expect(sample(text, 'smarketing_rule_evaluation_seconds_count', { mode: 'engine' })).toBe(2);
    expect(sample(text, 'smarketing_rule_evaluation_seconds_count', { mode: 'fast' })).toBe(1);
    expect(sample(text, 'smarketing_rescore_leads_total')).toBe(2);
    expect(sample(text, 'smarketing_rescore_leads_remaining', { status: 'RUNNING' })).toBe(6);
    expect(sample(text, 'smarketing_rescore_leads_remaining', { status: 'QUEUED' })).toBe(0);
    // Default process metrics.
    expect(sample(text, 'smarketing_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'smarketing_nodejs_eventloop_lag_p99_seconds')).toBeDefined();
  });

  test('pool gauges show connections held by requests in flight and requests waiting', async () => {
    // Hold every pooled connection in an open transaction; two more queries wait.
    const runners = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const runner = t.dataSource.createQueryRunner();
        await runner.connect();
        await runner.startTransaction();
        return runner;
      }),
    );
    const waiting = [t.dataSource.query('SELECT 1'), t.dataSource.query('SELECT 1')];
    try {
      const res = await request(t.app).get('/metrics').set('Authorization', `Bearer ${metricsToken}`);
      expect(res.status).toBe(200);
      expect(sample(res.text, 'smarketing_db_pool_connections_in_use')).toBe(10);
      expect(sample(res.text, 'smarketing_db_pool_waiting')).toBe(2);
    } finally {
      for (const runner of runners) {
        await runner.rollbackTransaction();
        await runner.release();
      }
      await Promise.all(waiting);
    }
  });

  test('operation names are bounded: past the cap they count as "other"', async () => {
    for (let i = 0; i < MAX_OPERATION_LABELS + 5; i += 1) operationLabel(`Op${i}`, true);
    const res = await request(t.app).get('/metrics').set('Authorization', `Bearer ${metricsToken}`);
    const named = new Set(
      [...res.text.matchAll(/^smarketing_graphql_operation_duration_seconds_count\{operation="([^"]+)"/gm)].map(
        (m) => m[1],
      ),
    );
    expect(named.size).toBeLessThanOrEqual(MAX_OPERATION_LABELS + 3);
    ok(await gql(t, 'query BrandNewName { funnelStages { key } }', {}, { as: Role.ANALYST }));
    const after = await request(t.app).get('/metrics').set('Authorization', `Bearer ${metricsToken}`);
    expect(after.text).not.toMatch(/operation="BrandNewName"/);
    expect(sample(after.text, 'smarketing_graphql_operation_duration_seconds_count', { operation: 'other' })).toBe(1);
  });

  test('not public: no credential is 401, a role other than ADMIN/OPS is 403, ADMIN and the metrics token read it', async () => {
    const get = (token?: string) => {
      const req = request(t.app).get('/metrics');
      return token ? req.set('Authorization', `Bearer ${token}`) : req;
    };
    expect((await get()).status).toBe(401);
    expect((await get()).text).not.toMatch(/smarketing_/);
    for (const role of [Role.MARKETING, Role.SALES, Role.ANALYST]) {
      const res = await get(t.tokens[role]);
      expect([role, res.status]).toEqual([role, 403]);
      expect(res.text).not.toMatch(/smarketing_/);
    }
    expect((await get('smk_unknown-token')).status).toBe(403);
    expect((await get(`${metricsToken}x`)).status).toBe(403);
    expect((await get(t.tokens.ADMIN)).status).toBe(200);
    expect((await get(metricsToken)).text).toMatch(/smarketing_graphql_operation_duration_seconds/);
  });
});

describe('/metrics on a listener of its own (METRICS_PORT)', () => {
  test('the API port does not serve it; the metrics listener on loopback does, without a token', async () => {
    const t = await startTestApp({ serveMetrics: false });
    const server = await startMetricsServer(0, '127.0.0.1', undefined);
    try {
      expect((await request(t.app).get('/metrics').set('Authorization', `Bearer ${t.tokens.ADMIN}`)).status).toBe(404);
      const address = server.address() as { address: string; port: number };
      expect(address.address).toBe('127.0.0.1');
      const res = await request(`http://127.0.0.1:${address.port}`).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/smarketing_db_pool_connections/);
    } finally {
      server.close();
      await t.close();
    }
  });
});

describe('request logs', () => {
  let t: TestApp;
  const logs = captureLogs();

  beforeAll(async () => {
    t = await startTestApp({ logger: logs.logger });
  });
  afterAll(() => t.close());

  const lineFor = (requestId: string) => logs.lines().find((line) => line.requestId === requestId && line.status);

  test('one line per request: the x-request-id echoed, operation, user id, duration and status; never the token', async () => {
    const requestId = `lb-${randomUUID()}`;
    const res = await request(t.app)
      .post('/graphql')
      .set('Authorization', `Bearer ${t.tokens.SALES}`)
      .set('x-request-id', requestId)
      .send({ query: LEADS_PAGE, variables: { first: 2 } });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(requestId);
    const line = lineFor(requestId);
    expect(line).toMatchObject({
      level: 30,
      requestId,
      method: 'POST',
      path: '/graphql',
      status: 200,
      operation: 'LeadsPage',
      userId: t.userIds.SALES,
    });
    expect(typeof line!.durationMs).toBe('number');
    expect(line!.code).toBeUndefined();
    expect(logs.lines().filter((l) => l.requestId === requestId && l.status)).toHaveLength(1);
    expect(logs.text()).not.toContain(t.tokens.SALES);
    expect(logs.text()).not.toMatch(/authorization/i);
  });

  test('without an x-request-id (or with an implausible one) a fresh id is generated and echoed', async () => {
    const plain = await request(t.app).get('/healthz');
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await request(t.app).get('/healthz').set('x-request-id', 'a b\tc'.repeat(40));
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // Passing health probes log at debug level.
    expect(lineFor(plain.headers['x-request-id'] as string)).toMatchObject({
      level: 20,
      path: '/healthz',
      status: 200,
    });
  });

  test('the outcome code: a GraphQL error code with its status, and a refused token never logged', async () => {
    const requestId = randomUUID();
    const badToken = `smk_${randomUUID()}`;
    const refused = await request(t.app)
      .post('/graphql')
      .set('Authorization', `Bearer ${badToken}`)
      .set('x-request-id', requestId)
      .send({ query: LEADS_PAGE });
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(lineFor(requestId)).toMatchObject({ status: refused.status, code: 'UNAUTHENTICATED' });
    expect(lineFor(requestId)!.userId).toBeUndefined();
    expect(logs.text()).not.toContain(badToken);

    const forbiddenId = randomUUID();
    const forbidden = await request(t.app)
      .post('/graphql')
      .set('Authorization', `Bearer ${t.tokens.ANALYST}`)
      .set('x-request-id', forbiddenId)
      .send({ query: CREATE, variables: { input: { email: `${unique('f')}@example.com` } } });
    expect(forbidden.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(lineFor(forbiddenId)).toMatchObject({
      operation: 'CreateLead',
      userId: t.userIds.ANALYST,
      code: 'FORBIDDEN',
    });
  });
});

describe('log privacy', () => {
  let t: TestApp;
  const logs = captureLogs();

  beforeAll(async () => {
    t = await startTestApp({ logger: logs.logger });
  });
  afterAll(() => t.close());

  test('a masked internal error on a lead write logs SQL text, SQLSTATE and error id, never the email or any parameter', async () => {
    const marker = unique('privacy').replace(/-/g, '_');
    await t.dataSource.query(`
      CREATE FUNCTION fail_${marker}() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'injected fault' USING ERRCODE = 'XX001'; END $$ LANGUAGE plpgsql`);
    await t.dataSource.query(
      `CREATE TRIGGER fail_${marker} BEFORE INSERT ON lead FOR EACH ROW EXECUTE FUNCTION fail_${marker}()`,
    );
    const email = `${unique('zelda')}@private.example.com`;
    try {
      const result = await gql(
        t,
        CREATE,
        { input: { email, firstName: 'Zebulon', lastName: 'Quixote', company: 'Hushhush Ltd' } },
        { as: Role.MARKETING },
      );
      expect(result.errors?.[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
      const errorId = result.errors![0]!.extensions.errorId as string;
      const line = logs.lines().find((l) => l.errorId === errorId);
      expect(line).toBeDefined();
      expect(line!.msg).toBe('internal error');
      expect(line!.err.code).toBe('XX001');
      expect(line!.err.query).toMatch(/^INSERT INTO "lead"/);
      const text = JSON.stringify(line);
      for (const secret of [email, 'Zebulon', 'Quixote', 'Hushhush']) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/"parameters"|"detail"/);
      // Nowhere else in the log either (the request line, debug SQL lines).
      for (const secret of [email, 'Zebulon', 'Quixote', 'Hushhush']) expect(logs.text()).not.toContain(secret);
    } finally {
      await t.dataSource.query(`DROP TRIGGER fail_${marker} ON lead`);
    }
  });

  test('values PostgreSQL quotes in its messages and details are cut; names stay', async () => {
    let failure: unknown;
    try {
      await t.dataSource.query('SELECT $1::uuid', ['secret-value@example.com']);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(QueryFailedError);
    const serialized = JSON.stringify(serializeError(failure));
    expect(serialized).toContain('invalid input syntax for type uuid');
    expect(serialized).toContain('22P02');
    expect(serialized).toContain('SELECT $1::uuid');
    expect(serialized).not.toContain('secret-value');
    // Any personal field logged by name is masked by redaction.
    logs.logger.warn({ lead: { email: 'redact-me@example.com', firstName: 'Redact' } }, 'careless');
    expect(logs.text()).not.toContain('redact-me');
    expect(logs.text()).not.toContain('"Redact"');
  });
});
