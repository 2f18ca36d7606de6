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
  /** Longest wait for a database connection (a new one, or a free one from a busy pool). */
  dbConnectTimeoutMs: number;
  /** Limits every operation must pass before it runs. */
  queryLimits: QueryLimits;
  /** Calls per minute and token of each rate-limited kind; 0 turns a limit off. */
  rateLimits: RateLimits;
  /** Longest wait of a write for a row lock, and for its turn at a lead, before LEAD_BUSY. */
  lockTimeoutMs: number;
  /** Writes to one lead that may wait for their turn in one process; more are LEAD_BUSY at once. */
  leadQueueMax: number;
  /** Totals per lead of its custom attributes, after an update is merged in. */
  leadAttributes: { maxKeys: number; maxBytes: number };
  /** After SIGTERM, how long `/readyz` answers 503 before the server stops taking connections. */
  drainDelayMs: number;
}

export interface QueryLimits {
  /** Nesting of fields (introspection is not counted, so Apollo Sandbox works). */
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Lexical tokens of the document (Apollo's parser stops past it). */
  maxTokens: number;
  /** Fields selected, with every fragment spread expanded. */
  maxSelections: number;
  /** Estimated cost: 1 per object field, list fields times `first` (or 10), plus declared costs. */
  maxCost: number;
  /** Size of a request's variables: characters of strings and keys, 8 for any other value. */
  maxVariablesSize: number;
}

export interface RateLimits {
  /** Root mutation fields per minute and token. */
  mutationsPerMinute: number;
  /** Expensive metric queries (fields marked `@RateLimit(RateBucket.METRICS)`) per minute and token. */
  metricsPerMinute: number;
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
  dbConnectTimeoutMs: intFromEnv('DB_CONNECT_TIMEOUT_MS', 10000),
  queryLimits: {
    maxDepth: intFromEnv('MAX_QUERY_DEPTH', 10),
    maxAliases: intFromEnv('MAX_QUERY_ALIASES', 30),
    maxDirectives: intFromEnv('MAX_QUERY_DIRECTIVES', 30),
    maxTokens: intFromEnv('MAX_QUERY_TOKENS', 4000),
    maxSelections: intFromEnv('MAX_QUERY_SELECTIONS', 2000),
    maxCost: intFromEnv('MAX_QUERY_COST', 10000),
    maxVariablesSize: intFromEnv('MAX_VARIABLES_SIZE', 512 * 1024),
  },
  rateLimits: {
    mutationsPerMinute: intFromEnv('RATE_LIMIT_MUTATIONS_PER_MINUTE', 600),
    metricsPerMinute: intFromEnv('RATE_LIMIT_METRICS_PER_MINUTE', 120),
  },
  drainDelayMs: intFromEnv('DRAIN_DELAY_MS', 0),
  lockTimeoutMs: intFromEnv('LOCK_TIMEOUT_MS', 2000),
  leadQueueMax: intFromEnv('LEAD_QUEUE_MAX', 50),
  leadAttributes: {
    maxKeys: intFromEnv('LEAD_ATTRIBUTES_MAX_KEYS', 100),
    maxBytes: intFromEnv('LEAD_ATTRIBUTES_MAX_BYTES', 64 * 1024),
  },
};
