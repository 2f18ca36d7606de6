import 'reflect-metadata';
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Express } from 'express';
import { Client } from 'pg';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import type { Context } from '../src/context';
import { createDataSource } from '../src/db/data-source';
import { Role } from '../src/entities/enums';
import { createLoaders } from '../src/loaders';
import { createApp, type AppOptions } from '../src/server';
import { issueTokenFor } from '../src/services/user.service';
import { freePort } from './global-setup';

export interface TestApp {
  app: Express;
  /** The app's HTTP server (not listening until a test calls listen): websockets attach to it. */
  httpServer: http.Server;
  dataSource: DataSource;
  /** Connection string of this file's own database. */
  url: string;
  tokens: Record<Role, string>;
  userIds: Record<Role, string>;
  close(): Promise<void>;
}

/**
 * A database of its own for one test file, cloned from the migrated template that the global
 * setup made: files never see each other's leads or published rule sets, even in parallel.
 * `empty` makes one with nothing in it, not even the migrations.
 */
export async function freshDatabase(
  options: { empty?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  const template = process.env.TEST_DATABASE_NAME!;
  const name = `${template}_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: process.env.TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${options.empty ? 'template0' : template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: process.env.TEST_ADMIN_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The app in process on a fresh test database, with one user and token per role. */
export async function startTestApp(options: Partial<AppOptions> = {}): Promise<TestApp> {
  const database = await freshDatabase();
  const dataSource = createDataSource(database.url, { poolSize: 10 });
  await dataSource.initialize();
  const { app, apollo, httpServer } = await createApp(dataSource, options);
  const tokens = {} as Record<Role, string>;
  const userIds = {} as Record<Role, string>;
  const suffix = randomUUID().slice(0, 8);
  for (const role of Object.values(Role)) {
    const { token, user } = await issueTokenFor(systemContext(dataSource), `${role.toLowerCase()}-${suffix}`, role);
    tokens[role] = token;
    userIds[role] = user.id;
  }
  return {
    app,
    httpServer,
    dataSource,
    url: database.url,
    tokens,
    userIds,
    close: async () => {
      await apollo.stop();
      await dataSource.destroy();
      await database.drop();
    },
  };
}

export function systemContext(dataSource: DataSource, user: Context['user'] = null): Context {
  return { requestId: 'test', user, dataSource, loaders: createLoaders(dataSource) };
}

export interface GqlResult<T = Record<string, any>> {
  status: number;
  data: T | null | undefined;
  errors: Array<{ message: string; path?: string[]; extensions: Record<string, any> }> | undefined;
}

/** Speaks GraphQL over HTTP as a client would. `as: null` sends no token. */
export async function gql<T = Record<string, any>>(
  t: TestApp,
  query: string,
  variables: Record<string, unknown> = {},
  options: { as?: Role | null; token?: string } = {},
): Promise<GqlResult<T>> {
  const req = request(t.app).post('/graphql').set('Content-Type', 'application/json');
  const token = options.token ?? (options.as === null ? undefined : t.tokens[options.as ?? Role.OPS]);
  if (token) req.set('Authorization', `Bearer ${token}`);
  const res = await req.send({ query, variables });
  return { status: res.status, data: res.body.data, errors: res.body.errors };
}

/** Fails the test with the errors' text when a call that should succeed did not. */
export function ok<T>(result: GqlResult<T>): T {
  if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
  return result.data as T;
}

export function unique(prefix = 'x'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function countRows(t: TestApp, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const rows: Array<{ count: string }> = await t.dataSource.query(
    `SELECT count(*) FROM "${table}" WHERE ${where}`,
    params,
  );
  return Number(rows[0]!.count);
}

const LEAD_FIELDS = 'id email firstName lastName company score version stage { key } stageEnteredAt createdAt';

export async function givenLead(
  t: TestApp,
  input: Record<string, unknown> = {},
  as: Role = Role.MARKETING,
): Promise<{ id: string; email: string; version: number; stage: { key: string } }> {
  const data = ok(
    await gql<{ createLead: { id: string; email: string; version: number; stage: { key: string } } }>(
      t,
      `mutation($input: CreateLeadInput!) { createLead(input: $input) { ${LEAD_FIELDS} } }`,
      { input: { email: `${unique('lead')}@example.com`, firstName: 'Ada', lastName: 'Lovelace', ...input } },
      { as },
    ),
  );
  return data.createLead;
}

export async function givenCampaign(
  t: TestApp,
  input: Record<string, unknown> = {},
): Promise<{ id: string; name: string }> {
  const data = ok(
    await gql<{ createCampaign: { id: string; name: string } }>(
      t,
      'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id name } }',
      { input: { name: unique('Campaign'), channel: 'EMAIL', ...input } },
      { as: Role.MARKETING },
    ),
  );
  return data.createCampaign;
}

export async function givenPersona(
  t: TestApp,
  input: Record<string, unknown> = {},
): Promise<{ id: string; name: string }> {
  const data = ok(
    await gql<{ createPersona: { id: string; name: string } }>(
      t,
      'mutation($input: CreatePersonaInput!) { createPersona(input: $input) { id name } }',
      { input: { name: unique('Persona'), ...input } },
      { as: Role.MARKETING },
    ),
  );
  return data.createPersona;
}

export const SCORE_RULE = (
  name: string,
  points: number,
  conditions: unknown,
  dimension = 'fit',
): Record<string, unknown> => ({
  name,
  conditions,
  event: { type: 'score', params: { points, dimension, reason: name } },
});

/** A rule set with one saved draft, through the API as OPS. */
export async function givenRuleSetDraft(
  t: TestApp,
  options: { kind?: 'SCORING' | 'QUALIFICATION'; rules?: unknown[]; caps?: unknown; testCases?: unknown } = {},
): Promise<{ ruleSetId: string; versionId: string; number: number }> {
  const kind = options.kind ?? 'SCORING';
  const created = ok(
    await gql<{ createRuleSet: { id: string } }>(
      t,
      'mutation($name: String!, $kind: RuleSetKind!) { createRuleSet(name: $name, kind: $kind) { id } }',
      { name: unique('Rules'), kind },
    ),
  ).createRuleSet;
  const rules =
    options.rules ??
    (kind === 'SCORING'
      ? [
          SCORE_RULE('Big company', 20, {
            all: [{ fact: 'company_size', operator: 'greaterThanInclusive', value: 500 }],
          }),
        ]
      : [
          {
            name: 'Hot lead',
            conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 50 }] },
            event: { type: 'qualify', params: { stage: 'mql', rank: 1 } },
          },
        ]);
  const saved = ok(
    await gql<{ saveRuleSetDraft: { version: { id: string; number: number } } }>(
      t,
      `mutation($id: ID!, $rules: JSON!, $caps: JSON, $testCases: JSON) {
        saveRuleSetDraft(ruleSetId: $id, rules: $rules, caps: $caps, testCases: $testCases) { version { id number } }
      }`,
      { id: created.id, rules, caps: options.caps ?? null, testCases: options.testCases ?? null },
    ),
  ).saveRuleSetDraft;
  return { ruleSetId: created.id, versionId: saved.version.id, number: saved.version.number };
}

/**
 * A fingerprint of everything the API stores: per table, its row count and the newest
 * transaction id among its rows (xmin changes on every insert and update). Equal fingerprints
 * before and after a call mean the call wrote nothing. `api_token` counts rows only: a token's
 * last use is recorded in the background. Rate-limit buckets are left out: every call counts
 * against its allowance, whether it writes or not.
 */
export async function databaseFingerprint(t: TestApp): Promise<Record<string, string>> {
  const tables: Array<{ name: string }> = await t.dataSource.query(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
        AND table_name NOT IN ('migrations', 'rate_limit_bucket') ORDER BY 1`,
  );
  const parts = tables.map(({ name }) =>
    name === 'api_token'
      ? `SELECT '${name}' AS name, count(*)::text AS print FROM "${name}"`
      : `SELECT '${name}' AS name, count(*) || ':' || coalesce(max(xmin::text::bigint), 0) AS print FROM "${name}"`,
  );
  const rows: Array<{ name: string; print: string }> = await t.dataSource.query(parts.join(' UNION ALL '));
  return Object.fromEntries(rows.map((row) => [row.name, row.print]));
}

/** Whether a process is alive (signal 0 probes it without signalling it). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster's pid from a PostgreSQL data folder, or undefined when no server has it open. */
export function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

/** Waits up to 5 s for a process to end. */
export async function untilEnded(pid: number): Promise<void> {
  for (let i = 0; i < 50 && isRunning(pid); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
}

export interface ServerProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then its exit code once it has drained and exited. */
  stop(): Promise<number | null>;
}

/**
 * A server process on `databaseUrl`, started as `npm start` starts one (src/main.ts), resolved
 * once `/readyz` answers 200. `env` adds or overrides variables (rate limits, MIGRATE_ON_START).
 */
export async function startServerProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '..', 'src', 'main.ts')],
    {
      cwd: path.join(__dirname, '..'),
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server: ServerProcess = {
    child,
    baseUrl,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  for (let attempt = 0; attempt < 240; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await request(baseUrl).get('/readyz')).status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await server.stop();
  throw new Error(`the server did not become ready:\n${output}`);
}

/** Probes until `done` holds or `timeoutMs` passes; returns the last value either way. */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The embedded PostgreSQL in a child process, as `npm start` runs it (the package is ESM-only,
 * so not inside jest); resolves once it is up, with the API role's URL for `database`.
 */
export function startEmbeddedChild(
  dataDir: string,
  port: number,
  database = 'lifecycle',
): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(__dirname, 'fixtures', 'embedded-child.ts'),
      dataDir,
      String(port),
      database,
    ],
    { cwd: path.join(__dirname, '..'), env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /started (\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]! });
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the PostgreSQL child exited with ${code}: ${output}`)));
  });
}
