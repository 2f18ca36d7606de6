import path from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded-postgres';

/**
 * The benchmarks' own database, `smarketing_bench_<name>`: on DATABASE_URL's server when set,
 * else on an embedded server with its own data folder. Kept between runs, so a large data set is
 * loaded once.
 */
export async function benchDatabase(
  name: string,
): Promise<{ dataSource: DataSource; url: string; close: () => Promise<void> }> {
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(__dirname, '..', '.data', 'postgres-bench'),
      port: Number(process.env.BENCH_PG_PORT ?? 54331),
      database: 'postgres',
    });
    // The superuser creates the bench database (the API role may not create databases).
    adminUrl = embedded.adminUrl;
  }
  const database = `smarketing_bench_${name.replace(/[^a-z0-9_]/g, '_')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const dataSource = createDataSource(url.toString(), { poolSize: 10 });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    url: url.toString(),
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
