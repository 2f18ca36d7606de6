import path from 'node:path';

/** The one typed view of the environment. Read once; everything else imports `config`. */
export interface Config {
  /** External PostgreSQL; when absent an embedded server is started in `embeddedDataDir`. */
  databaseUrl: string | undefined;
  embeddedPort: number;
  embeddedDataDir: string;
  port: number;
  host: string;
  logLevel: string;
  production: boolean;
  /** Largest `first` a connection accepts. */
  maxPageSize: number;
  dbPoolSize: number;
  statementTimeoutMs: number;
  /** Stage a lead returns to when sales rejects it. */
  nurtureStageKey: string;
  /** Stage in which marketing hands a lead to sales: sales' ACCEPTED / REJECTED verdicts apply there. */
  handoverStageKey: string;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

export const projectRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

export const config: Config = {
  databaseUrl: process.env.DATABASE_URL || undefined,
  embeddedPort: intFromEnv('EMBEDDED_PG_PORT', 54329),
  embeddedDataDir: process.env.EMBEDDED_PG_DIR ?? path.join(projectRoot, '.data', 'postgres'),
  port: intFromEnv('PORT', 4000),
  host: process.env.HOST ?? '0.0.0.0',
  logLevel: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'info'),
  production: process.env.NODE_ENV === 'production',
  maxPageSize: 100,
  dbPoolSize: intFromEnv('DB_POOL_SIZE', 10),
  statementTimeoutMs: intFromEnv('DB_STATEMENT_TIMEOUT_MS', 15000),
  nurtureStageKey: process.env.NURTURE_STAGE ?? 'lead',
  handoverStageKey: process.env.HANDOVER_STAGE ?? 'mql',
};
