import { Client } from 'pg';
import type { EmbeddedDatabase } from '../src/db/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: process.env.TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${process.env.TEST_DATABASE_NAME} WITH (FORCE)`);
  await admin.end();
  await (globalThis as { __embeddedPostgres__?: EmbeddedDatabase }).__embeddedPostgres__?.stop();
}
