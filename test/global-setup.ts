import 'reflect-metadata';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../src/db/data-source';
import { migrateDatabase } from '../src/db/database';
import { afterMigrations } from '../src/release';
import { defaultTestDataDir, startEmbeddedPostgres } from '../src/db/embedded-postgres';

/** A port nothing listens on now: another checkout's test run may hold a fixed one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * One fresh database per test run: on the embedded server (its own data folder and port, apart
 * from the development server's) or, when DATABASE_URL is set, on that server. Migrations run
 * here, never `synchronize`. Workers read the URL from TEST_DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const name = `smarketing_test_${process.pid}`;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const embedded = await startEmbeddedPostgres({
      dataDir: process.env.TEST_EMBEDDED_PG_DIR ?? defaultTestDataDir(root),
      port: process.env.TEST_EMBEDDED_PG_PORT ? Number(process.env.TEST_EMBEDDED_PG_PORT) : await freePort(),
      database: 'postgres',
    });
    (globalThis as { __embeddedPostgres__?: typeof embedded }).__embeddedPostgres__ = embedded;
    adminUrl = embedded.adminUrl;
  }
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  process.env.TEST_DATABASE_URL = url.toString();
  process.env.TEST_ADMIN_DATABASE_URL = adminUrl;
  process.env.TEST_DATABASE_NAME = name;

  const dataSource = createDataSource(url.toString(), { poolSize: 2 });
  await dataSource.initialize();
  await migrateDatabase(dataSource, url.toString(), afterMigrations);
  await dataSource.destroy();
}
