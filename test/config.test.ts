import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

/** Runs the server entry as `npm run dev` does, with `env` on top of a clean environment. */
function runServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const { DATABASE_URL: _url, ...inherited } = process.env;
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'main.ts')],
      {
        cwd: root,
        env: { ...inherited, NODE_ENV: 'production', ...env },
      },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not exit: ${stderr}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

/** A TCP port that counts the connections made to it: the "database" the server must not contact. */
async function countingPort(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('configuration checked at start', () => {
  test('every invalid value and unknown SMARKETING_ variable in one message, exit 1, the database never contacted', async () => {
    const database = await countingPort();
    try {
      const { code, stderr } = await runServer({
        DATABASE_URL: `postgres://app:s3cret-password@127.0.0.1:${database.port}/smarketing`,
        PORT: 'eighty',
        DB_POOL_SIZE: '0',
        LOG_LEVEL: 'loud',
        LOG_FORMAT: 'xml',
        METRICS_TOKEN: 'short',
        SEED_DEMO: 'yes',
        SMARKETING_PORT: '4000',
        RATE_LIMIT_MUTATION_PER_MINUTE: '100',
      });
      expect(code).toBe(1);
      const messages = stderr.match(/Invalid configuration/g) ?? [];
      expect(messages).toHaveLength(1);
      expect(stderr).toMatch(/Invalid configuration \(8 problems\)/);
      expect(stderr).toMatch(/PORT="eighty": must be a whole number/);
      expect(stderr).toMatch(/DB_POOL_SIZE="0": must be at least 1/);
      expect(stderr).toMatch(/LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent/);
      expect(stderr).toMatch(/LOG_FORMAT="xml": must be one of json, pretty/);
      expect(stderr).toMatch(/METRICS_TOKEN=\(value hidden\): must be at least 16 characters long/);
      expect(stderr).toMatch(/SEED_DEMO="yes": must be true or false/);
      expect(stderr).toMatch(/SMARKETING_PORT: unknown variable/);
      expect(stderr).toMatch(/RATE_LIMIT_MUTATION_PER_MINUTE: unknown variable/);
      // Secrets are named, never printed.
      expect(stderr).not.toContain('short');
      expect(database.connections()).toBe(0);
    } finally {
      await database.close();
    }
  }, 90_000);

  test('a malformed DATABASE_URL is named without its value; the embedded server is not started either', async () => {
    const { code, stderr } = await runServer({
      DATABASE_URL: 'mysql://root:hunter2@db/app',
      EMBEDDED_PG_DIR: path.join(root, '.data', `never-${process.pid}`),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/Invalid configuration \(1 problem\)/);
    expect(stderr).toMatch(/DATABASE_URL=\(value hidden\): must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(stderr).not.toContain('hunter2');
    expect(stderr).not.toMatch(/embedded PostgreSQL/);
  }, 90_000);

  test('the background job schedules: a bad cron, an out-of-range interval and an unknown JOBS_ variable, in one message', async () => {
    const database = await countingPort();
    try {
      const { code, stderr } = await runServer({
        DATABASE_URL: `postgres://app:pw@127.0.0.1:${database.port}/smarketing`,
        JOBS_RESCORE_DAILY_CRON: '0 3 * *',
        JOBS_IDEMPOTENCY_SWEEP_CRON: '61 * * * *',
        JOBS_CRON_CHECK_SECONDS: '60',
        JOBS_STAGE_TIMES_SECONDS: '0',
        JOBS_STAGE_TIME_SECONDS: '5',
      });
      expect(code).toBe(1);
      expect(stderr).toMatch(/Invalid configuration \(5 problems\)/);
      expect(stderr).toMatch(/JOBS_RESCORE_DAILY_CRON="0 3 \* \*": must be a cron expression of five fields/);
      expect(stderr).toMatch(/JOBS_IDEMPOTENCY_SWEEP_CRON="61 \* \* \* \*": must be a cron expression of five fields/);
      expect(stderr).toMatch(/JOBS_CRON_CHECK_SECONDS="60": must be at most 45/);
      expect(stderr).toMatch(/JOBS_STAGE_TIMES_SECONDS="0": must be at least 1/);
      expect(stderr).toMatch(/JOBS_STAGE_TIME_SECONDS: unknown variable/);
      expect(database.connections()).toBe(0);
    } finally {
      await database.close();
    }
  }, 90_000);
});
