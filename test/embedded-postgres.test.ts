import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from './global-setup';
import { isRunning, postmasterPid, startEmbeddedChild, untilEnded } from './helpers';

const root = path.resolve(__dirname, '..');
const dataDir = path.join(root, '.data', `embedded-lifecycle-${process.pid}`);
/** Taken when the file starts (as every other test server's port): a fixed range could be the
 * ephemeral port the OS just gave another test file's server. Kept for the file, so a restart
 * takes the port back from the server a killed run left. */
let port: number;

beforeAll(async () => {
  port = await freePort();
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** The embedded server in a child process, as `npm start` runs it. Resolves with its URL. */
function startChild(): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  return startEmbeddedChild(dataDir, port);
}

async function select1(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one;
  } finally {
    await client.end();
  }
}

test('a server left by a killed run is cleared, the data folder reused, and SIGTERM stops the server', async () => {
  const first = await startChild();
  const orphan = postmasterPid(dataDir)!;
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  expect(isRunning(orphan)).toBe(true); // the crash left PostgreSQL running without its parent

  const second = await startChild();
  expect(isRunning(orphan)).toBe(false);
  expect(await select1(second.url)).toBe(1);
  const server = postmasterPid(dataDir)!;
  expect(server).not.toBe(orphan);

  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
  await untilEnded(server);
  expect(isRunning(server)).toBe(false);
  expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true); // kept for the next start
}, 120_000);
