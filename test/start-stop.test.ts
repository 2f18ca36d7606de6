import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { freePort } from './global-setup';
import { freshDatabase, until } from './helpers';

/**
 * `npm start` as an operator runs it: it says what it does, skips a build that is up to date,
 * and SIGINT sent to the npm process reaches the server, which drains and exits 0.
 */
const root = path.resolve(__dirname, '..');
let database: { url: string; drop: () => Promise<void> };

beforeAll(async () => {
  database = await freshDatabase({ empty: true });
});
afterAll(() => database.drop());

test('npm start skips an up-to-date build, migrates, and drains and exits 0 on SIGINT to the npm process', async () => {
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect(built.status).toBe(0);
  expect(built.stderr).toMatch(/smarketing: building dist\/ from \d+ TypeScript files/);

  const port = await freePort();
  const npm = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  try {
    const ready = await until(
      () =>
        request(`http://127.0.0.1:${port}`)
          .get('/readyz')
          .then((res) => res.status)
          .catch(() => 0),
      (status) => status === 200 || npm.exitCode !== null,
      90_000,
    );
    expect(ready).toBe(200);
    expect(output).toContain('smarketing: dist/ is up to date; not building');
    expect(output).toContain('smarketing: starting the server');
    expect(output).toContain('"msg":"migrating the database"');
    expect(output).toContain('"msg":"Smarketing API ready"');

    npm.kill('SIGINT'); // to npm itself, as Ctrl-C in a terminal or a supervisor would
    expect(await exited).toBe(0);
    expect(output).toContain('"signal":"SIGINT","msg":"draining requests, then closing the database"');
    await expect(request(`http://127.0.0.1:${port}`).get('/healthz')).rejects.toThrow();
  } finally {
    if (npm.exitCode === null) npm.kill('SIGKILL');
  }
}, 240_000);
