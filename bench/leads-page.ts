import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { Role } from '../src/entities/enums';
import { createLoaders } from '../src/loaders';
import { issueTokenFor } from '../src/services/user.service';
import { benchDatabase } from './bench-db';

const root = path.join(__dirname, '..');
const LEADS = 10_000;
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;

async function seed(dataSource: DataSource): Promise<void> {
  const [row] = await dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM lead');
  if ((row?.count ?? 0) >= LEADS) return;
  await dataSource.query(
    `INSERT INTO campaign (name, channel, version) SELECT 'Campaign ' || g, 'EMAIL', 1 FROM generate_series(1, 20) g ON CONFLICT DO NOTHING`,
  );
  await dataSource.query(`
    INSERT INTO lead (email, first_name, last_name, company, score, campaign_id, stage_id, version, created_at)
    SELECT 'page' || g || '@example.com', 'First' || g, 'Last' || g, 'Company ' || (g % 500), g % 100,
      (SELECT id FROM campaign ORDER BY name OFFSET g % 20 LIMIT 1),
      (SELECT id FROM funnel_stage WHERE key = 'lead'), 1, now() - g * interval '1 minute'
    FROM generate_series(1, ${LEADS}) g`);
  await dataSource.query('ANALYZE');
}

async function start(
  command: string,
  args: string[],
  env: Record<string, string>,
  readyUrl: string | undefined,
  stderr: 'inherit' | 'ignore' = 'inherit',
): Promise<ChildProcess> {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', stderr],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    if (readyUrl === undefined)
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    else {
      const poll = (): void => {
        fetch(readyUrl).then(
          (res) => (res.ok ? resolve() : setTimeout(poll, 300)),
          () => setTimeout(poll, 300),
        );
      };
      poll();
    }
  });
  child.stdout?.resume();
  return child;
}

interface Measured {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time per request of the server process and of the PostgreSQL backends serving it. */
  serverCpuMs: number;
  databaseCpuMs: number;
}

/** User + system CPU time of a process so far, in ms (Linux: /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined; // the process has ended
  }
}

/** CPU ms the processes used from now until the returned function is called (an ended one adds nothing). */
function cpuMeter(pids: number[]): () => number {
  const before = pids.map(cpuMs);
  return () => pids.reduce((sum, pid, i) => sum + ((cpuMs(pid) ?? before[i] ?? 0) - (before[i] ?? 0)), 0);
}

/** The backends connected to the bench database (the server's pool), asked from outside it. */
async function backendPids(databaseUrl: string): Promise<number[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

async function load(
  name: string,
  server: ChildProcess,
  databaseUrl: string,
  url: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<Measured> {
  const options = {
    url,
    method: 'POST' as const,
    connections: CONNECTIONS,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  };
  const check = await fetch(url, { method: 'POST', headers: options.headers, body: options.body });
  const body = (await check.json()) as { errors?: unknown; data?: Record<string, unknown> };
  if (body.errors || !body.data) throw new Error(`${name}: ${JSON.stringify(body).slice(0, 300)}`);
  await autocannon({ ...options, duration: 3 }); // warm-up: the pools are full after it
  const serverCpu = cpuMeter([server.pid!]);
  const databaseCpu = cpuMeter(await backendPids(databaseUrl));
  const result = await autocannon({ ...options, duration: DURATION });
  const requests = result.requests.total;
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    serverCpuMs: serverCpu() / requests,
    databaseCpuMs: databaseCpu() / requests,
  };
}

/** Mean server CPU per request of two runs. */
function mean(a: Measured, b: Measured): number {
  return (a.serverCpuMs + b.serverCpuMs) / 2;
}

export async function main(): Promise<string> {
  const db = await benchDatabase('page');
  await seed(db.dataSource);
  const { token } = await issueTokenFor(
    { requestId: 'bench', user: null, dataSource: db.dataSource, loaders: createLoaders(db.dataSource) },
    'bench-analyst',
    Role.ANALYST,
  );
  await db.dataSource.destroy();
  if (!fs.existsSync(path.join(__dirname, 'postgraphile', 'node_modules'))) {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: path.join(__dirname, 'postgraphile'),
      stdio: 'inherit',
    });
  }
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  const children: ChildProcess[] = [];
  try {
    const page = '{ leads(first: 50) { nodes { id email firstName lastName company score campaign { id name } } } }';
    /**
     * Our server on its own port; `observed` turns metrics and request logs on (the request lines
     * are written at info level, to a stderr that goes nowhere) or off.
     */
    const ourServer = async (port: number, observed: boolean, name: string): Promise<Measured> => {
      const child = await start(
        process.execPath,
        ['dist/src/main.js'],
        {
          DATABASE_URL: db.url,
          PORT: String(port),
          HOST: '127.0.0.1',
          NODE_ENV: 'production',
          LOG_LEVEL: observed ? 'info' : 'warn',
          METRICS_ENABLED: String(observed),
          REQUEST_LOG: String(observed),
        },
        `http://127.0.0.1:${port}/readyz`,
        observed ? 'ignore' : 'inherit',
      );
      children.push(child);
      try {
        return await load(name, child, db.url, `http://127.0.0.1:${port}/graphql`, page, {
          authorization: `Bearer ${token}`,
        });
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    };
    // Metrics and request logs on and off, alternating, so a change in the machine's load touches both.
    const on1 = await ourServer(4701, true, 'Smarketing API');
    const off1 = await ourServer(4704, false, 'Smarketing API, metrics and request logs off');
    const on2 = await ourServer(4705, true, 'Smarketing API (again)');
    const off2 = await ourServer(4706, false, 'Smarketing API, metrics and request logs off (again)');
    const ours = on1;
    children.push(
      await start(process.execPath, [path.join(__dirname, 'postgraphile', 'server.js'), db.url, '4702'], {}, undefined),
    );
    const postgraphile = await load(
      'PostGraphile 4',
      children[children.length - 1]!,
      db.url,
      'http://127.0.0.1:4702/graphql',
      '{ allLeads(first: 50, orderBy: CREATED_AT_DESC) { nodes { id email firstName lastName company score campaignByCampaignId { id name } } } }',
    );
    children.push(
      await start(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'minimal-apollo.ts'), db.url, '4703'],
        {},
        undefined,
      ),
    );
    const minimal = await load(
      'minimal hand-written Apollo Server',
      children[children.length - 1]!,
      db.url,
      'http://127.0.0.1:4703/',
      '{ leads(first: 50) { id email firstName lastName company score campaign { id name } } }',
    );
    const rows = [on1, off1, on2, off2, postgraphile, minimal]
      .map(
        (m) =>
          `| ${m.name} | ${Math.round(m.rps)} | ${(m.rps / postgraphile.rps).toFixed(2)} | ${m.p50} ms | ${m.p99} ms | ${m.errors} | ${m.serverCpuMs.toFixed(2)} ms | ${m.databaseCpuMs.toFixed(2)} ms |`,
      )
      .join('\n');
    return `## Leads page: 50 leads with their campaign

The same page from three servers on the same database (${LEADS.toLocaleString('en-US')} leads, 20 campaigns), one after the other, ${CONNECTIONS} connections for ${DURATION} s after a 3 s warm-up (autocannon, on the same machine). Smarketing API runs with NODE_ENV=production and checks the bearer token on every request.

| server | req/s | vs PostGraphile | p50 | p99 | errors | server CPU per request | PostgreSQL CPU per request |
|---|---|---|---|---|---|---|---|
${rows}

CPU per request is the user + system time, over the measured run, of the server process and of the PostgreSQL backends its pool holds, divided by the requests served (from /proc). Server, database and load generator share the two cores, so throughput follows the sum: Smarketing API spends ${(ours.serverCpuMs / postgraphile.serverCpuMs).toFixed(1)}× PostGraphile's server CPU and ${(ours.databaseCpuMs / postgraphile.databaseCpuMs).toFixed(1)}× its database CPU on this page (PostGraphile runs one SQL statement that builds the JSON; ours runs three: the token, the page, the campaigns through a DataLoader, and executes the query with graphql-jit behind Apollo Server).

Metrics and request logs (prom-client histograms for HTTP and the GraphQL operation, one pino-http line per request written at info level) against the same server with METRICS_ENABLED=false and REQUEST_LOG=false, run alternately: server CPU per request ${mean(on1, on2).toFixed(2)} ms with them and ${mean(off1, off2).toFixed(2)} ms without, so they add ${(mean(on1, on2) - mean(off1, off2)).toFixed(2)} ms (${(((mean(on1, on2) - mean(off1, off2)) / mean(off1, off2)) * 100).toFixed(0)}%) per request; throughput ${Math.round((on1.rps + on2.rps) / 2)} against ${Math.round((off1.rps + off2.rps) / 2)} req/s.`;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await db.close();
  }
}
