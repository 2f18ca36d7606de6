import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { CREDENTIALS_FILE, EMBEDDED_APP_ROLE } from '../src/db/embedded-postgres';
import { freePort } from './global-setup';
import { postmasterPid, startEmbeddedChild, untilEnded } from './helpers';

/**
 * The embedded PostgreSQL that `npm start` runs without DATABASE_URL: no password written in the
 * source, a random one kept in the data folder for its owner only, loopback only, and an API
 * role that cannot run programs on the host.
 */
const root = path.resolve(__dirname, '..');
const folders: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  for (const dir of folders) {
    const pid = postmasterPid(dir);
    if (pid !== undefined) await untilEnded(pid);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(`${dir}.credentials.json`, { force: true });
  }
}, 60_000);

function newFolder(name: string): string {
  const dir = path.join(root, '.data', `${name}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  folders.push(dir);
  return dir;
}

/** The embedded server in a child process, as `npm start` runs it; resolves with the API's URL. */
async function startEmbedded(dataDir: string, port: number, database: string): Promise<string> {
  const { child, url } = await startEmbeddedChild(dataDir, port, database);
  children.push(child);
  return url;
}

async function connected<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function refusal(url: string): Promise<string | undefined> {
  try {
    await connected(url, (client) => client.query('SELECT 1'));
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

test('no password is written in the source: the embedded setup has none to give away', () => {
  const files = [path.join(root, 'ormconfig.ts')];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(full);
    }
  };
  walk(path.join(root, 'src'));
  const offenders = files.filter((file) => {
    const text = fs.readFileSync(file, 'utf8');
    // A password literal (`password: 'x'`, `PASSWORD = 'x'`) or one inside a connection string.
    return /password\s*[:=]\s*['"`][^'"`]+['"`]/i.test(text) || /postgres(ql)?:\/\/[^:/\s]+:[^@${\s]+@/.test(text);
  });
  expect(offenders).toEqual([]);
});

test('a new data folder gets a random superuser password in a 0600 file, loopback only, and the API role is no superuser', async () => {
  const dataDir = newFolder('embedded-security');
  const port = await freePort();
  const url = await startEmbedded(dataDir, port, 'secured');

  const file = path.join(dataDir, CREDENTIALS_FILE);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const credentials = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(credentials.superuserPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(credentials.appPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(credentials.appPassword).not.toBe(credentials.superuserPassword);
  expect(fs.existsSync(`${dataDir}.credentials.json`)).toBe(false); // moved into the folder

  // The API's connection string names its own role, and that role cannot run programs.
  expect(new URL(url).username).toBe(EMBEDDED_APP_ROLE);
  const seen = await connected(url, async (client) => {
    const [who] = (
      await client.query(
        `SELECT current_user AS role, r.rolsuper, r.rolcreaterole, r.rolcreatedb,
                pg_get_userbyid(d.datdba) AS owner, current_setting('listen_addresses') AS listen
           FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
      )
    ).rows;
    await client.query('CREATE TABLE owned_by_api (id int)');
    const copy = await client.query("COPY owned_by_api FROM PROGRAM 'id'").then(
      () => 'ran',
      (error: { code?: string }) => error.code,
    );
    return { who, copy };
  });
  expect(seen.who).toEqual({
    role: EMBEDDED_APP_ROLE,
    rolsuper: false,
    rolcreaterole: false,
    rolcreatedb: false,
    owner: EMBEDDED_APP_ROLE,
    listen: '127.0.0.1',
  });
  expect(seen.copy).toBe('42501'); // insufficient_privilege: only superusers run programs

  // The superuser answers to its random password only; the old fixed one is refused.
  const admin = `postgres://postgres:${encodeURIComponent(credentials.superuserPassword)}@127.0.0.1:${port}/postgres`;
  expect(await connected(admin, async (client) => (await client.query('SELECT 1 AS one')).rows[0].one)).toBe(1);
  expect(await refusal(`postgres://postgres:smarketing@127.0.0.1:${port}/postgres`)).toBe('28P01');
}, 180_000);

test('a data folder made with the old fixed password gets random ones, and its database moves to the API role', async () => {
  const dataDir = newFolder('embedded-legacy');
  const port = await freePort();
  const made = spawnSync(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(__dirname, 'fixtures', 'legacy-embedded-folder.ts'),
      dataDir,
      String(port),
    ],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  expect({ status: made.status, stderr: made.stderr }).toEqual({ status: 0, stderr: '' });
  expect(fs.existsSync(path.join(dataDir, CREDENTIALS_FILE))).toBe(false);

  const url = await startEmbedded(dataDir, port, 'legacy');
  const file = path.join(dataDir, CREDENTIALS_FILE);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const rows = await connected(url, async (client) => {
    // The API role now owns what the superuser made, so it can write and migrate it.
    await client.query("INSERT INTO legacy_note (body, mood) VALUES ('written by the API role', 'fine')");
    await client.query('ALTER TABLE legacy_note ADD COLUMN seen boolean');
    return (await client.query('SELECT body FROM legacy_note ORDER BY id')).rows.map((row) => row.body);
  });
  expect(rows).toEqual(['made before random passwords', 'written by the API role']);
  expect(await refusal(`postgres://postgres:smarketing@127.0.0.1:${port}/postgres`)).toBe('28P01');
  // The temporary trust rule used to set the new password is gone.
  expect(fs.existsSync(path.join(dataDir, 'pg_hba.adopt.conf'))).toBe(false);
}, 240_000);
