import PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/db/data-source';
import { backgroundJobs } from '../src/jobs/background-jobs';
import { freshDatabase, startServerProcess, until, type ServerProcess } from './helpers';

/**
 * One mechanism for background work (issue 12, item 5): two server processes on one database, as
 * two replicas, with every schedule ticking each minute and the stage-time pass chained every
 * second. Whatever the number of processes, each scheduled job runs once per tick, an `every`
 * chain holds one copy, and no job ever runs twice at once.
 */
let database: { url: string; drop: () => Promise<void> };
let servers: ServerProcess[] = [];
let dataSource: DataSource;

const EVERY_MINUTE = '* * * * *';
const ENV = {
  JOBS_RESCORE_DAILY_CRON: EVERY_MINUTE,
  JOBS_IDEMPOTENCY_SWEEP_CRON: EVERY_MINUTE,
  JOBS_STAGE_TIMES_SECONDS: '1',
  JOBS_CRON_CHECK_SECONDS: '1',
  JOBS_POLL_SECONDS: '1',
};

interface JobRow {
  name: string;
  state: string;
  key: string | null;
  created: Date;
  started: Date | null;
  completed: Date | null;
}

/** Every job of our queues pg-boss holds or has archived (completed jobs stay in pgboss.job for hours). */
async function jobs(): Promise<JobRow[]> {
  return dataSource.query(
    `SELECT name, state, singleton_key AS key, created_on AS created, started_on AS started, completed_on AS completed
       FROM pgboss.job WHERE name NOT LIKE '\\_\\_pgboss%' ORDER BY started_on NULLS LAST`,
  );
}

beforeAll(async () => {
  database = await freshDatabase();
  dataSource = createDataSource(database.url, { poolSize: 3 });
  await dataSource.initialize();
  servers = await Promise.all([startServerProcess(database.url, ENV), startServerProcess(database.url, ENV)]);
}, 240_000);

afterAll(async () => {
  const codes = await Promise.all(servers.map((server) => server.stop()));
  expect(codes).toEqual([0, 0]);
  if (dataSource?.isInitialized) await dataSource.destroy();
  await database.drop();
}, 60_000);

test('the queues exist once, stately, with one schedule each', async () => {
  // Every queue of src/jobs/background-jobs.ts exists once, with its policy: stately, but for the
  // import queue (an import's advisory lock decides which run works on it; see IMPORT_QUEUE).
  const definitions = backgroundJobs();
  const queues = await dataSource.query(
    "SELECT name, policy FROM pgboss.queue WHERE name NOT LIKE '\\_\\_pgboss%' ORDER BY name",
  );
  expect(queues).toEqual(
    definitions.map((job) => ({ name: job.queue, policy: job.policy })).sort((x, y) => x.name.localeCompare(y.name)),
  );
  expect(queues.length).toBeGreaterThanOrEqual(10);
  expect(queues.filter((queue: { policy: string }) => queue.policy !== 'stately')).toEqual([
    { name: 'import', policy: 'standard' },
  ]);
  // One schedule per cron job (at the cron the processes were given) and per `every` chain (its
  // keeper, every minute, restarts a chain a crash broke); none for the on-demand queues.
  const schedules: Array<{ name: string; cron: string }> = await dataSource.query(
    'SELECT name, cron FROM pgboss.schedule ORDER BY name',
  );
  expect(schedules.map((row) => row.name)).toEqual(
    definitions
      .filter((job) => !('onDemand' in job.timing))
      .map((job) => job.queue)
      .sort(),
  );
  const cronOf = Object.fromEntries(schedules.map((row) => [row.name, row.cron]));
  for (const name of ['rescore-daily', 'idempotency-sweep', 'rescore-requeue', 'stage-times', 'rollup-fold']) {
    expect({ name, cron: cronOf[name] }).toEqual({ name, cron: EVERY_MINUTE });
  }
});

test('with two processes, each scheduled job runs once per tick, and no job has two copies queued or running', async () => {
  const since = new Date();
  // Sampled while both processes work, until two minute ticks after both started have been run.
  const samples: JobRow[][] = [];
  const ticks = (rows: JobRow[]): number =>
    rows.filter((row) => row.name === 'rescore-daily' && row.state === 'completed' && row.created > since).length;
  const last = await until(
    async () => {
      const rows = await jobs();
      samples.push(rows);
      return rows;
    },
    // At least 30 s too, so the chain has run many times (the first tick may come at once).
    (rows) => ticks(rows) >= 2 && Date.now() - since.getTime() >= 30_000,
    150_000,
  );
  expect(ticks(last)).toBeGreaterThanOrEqual(2);

  // At no sampled instant did a queue hold two queued or two active copies of one job.
  for (const rows of samples) {
    const counts = new Map<string, number>();
    for (const row of rows.filter((r) => r.state === 'created' || r.state === 'active')) {
      const key = `${row.name} ${row.key ?? ''} ${row.state}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.entries()].filter(([, n]) => n > 1)).toEqual([]);
  }

  // Once per minute tick, for the whole system: one job per schedule and minute.
  for (const name of ['rescore-daily', 'idempotency-sweep']) {
    const minutes = last
      .filter((row) => row.name === name)
      .map((row) => new Date(row.created).toISOString().slice(0, 16));
    expect(minutes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(minutes).size).toBe(minutes.length);
  }
  // Each daily tick made one re-score job, run once to the end by one of the two processes.
  const daily = await dataSource.query<Array<{ status: string; attempts: number }>>(
    "SELECT status, attempts FROM rescore_job WHERE reason = 'daily'",
  );
  const done = await until(
    () =>
      dataSource.query<Array<{ status: string; attempts: number }>>(
        "SELECT status, attempts FROM rescore_job WHERE reason = 'daily'",
      ),
    (rows) => rows.every((row) => row.status === 'DONE'),
    30_000,
  );
  expect(done).toHaveLength(daily.length);
  expect(done.every((row) => row.status === 'DONE' && row.attempts === 1)).toBe(true);

  // No two runs of one queue overlapped in time, in either process: the stage-time chain ran
  // many times (about every second), always one after the other.
  const final = await jobs();
  for (const name of ['stage-times', 'rescore-daily', 'idempotency-sweep', 'rescore-requeue']) {
    const runs = final
      .filter((row) => row.name === name && row.started && row.completed)
      .sort((a, b) => +new Date(a.started!) - +new Date(b.started!));
    if (name === 'stage-times') expect(runs.length).toBeGreaterThan(10);
    for (let i = 1; i < runs.length; i += 1) {
      expect(+new Date(runs[i]!.started!)).toBeGreaterThanOrEqual(+new Date(runs[i - 1]!.completed!));
    }
  }
}, 240_000);

test('a copy sent while the chain holds one is refused; the chain survives a process stopping', async () => {
  const boss = new PgBoss({
    connectionString: database.url,
    max: 1,
    supervise: false,
    schedule: false,
    migrate: false,
  });
  await boss.start();
  try {
    // The chain's next run is queued (start_after in the future) or running: a second is refused.
    await until(
      async () => (await jobs()).filter((row) => row.name === 'stage-times' && row.state === 'created').length,
      (queued) => queued === 1,
      10_000,
    );
    expect(await boss.send('stage-times', {})).toBeNull();
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
  // One replica goes; the other carries the chain on alone.
  expect(await servers[1]!.stop()).toBe(0);
  const stoppedAt = new Date();
  const later = await until(
    async () =>
      (await jobs()).filter((row) => row.name === 'stage-times' && row.completed && row.started! > stoppedAt).length,
    (runs) => runs >= 3,
    30_000,
  );
  expect(later).toBeGreaterThanOrEqual(3);
  servers[1] = await startServerProcess(database.url, ENV);
}, 120_000);
