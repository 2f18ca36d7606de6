import path from 'node:path';
import { parseExpression } from 'cron-parser';
import { z } from 'zod';

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
  /** Stage a lead moves to when sales accepts it (ACCEPTED); metrics count "reached" it as accepted by sales. */
  acceptedStageKey: string;
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
  /** Rows of an import stored per chunk and imported per transaction (IMPORT_BATCH_ROWS). */
  importBatchRows: number;
  /** Totals per lead of its custom attributes, after an update is merged in. */
  leadAttributes: { maxKeys: number; maxBytes: number };
  /** After SIGTERM, how long `/readyz` answers 503 before the server stops taking connections. */
  drainDelayMs: number;
  /** A contact attempt counts for an SLA at its occurredAt only when recorded within this many minutes of it. */
  slaBackdateGraceMinutes: number;
  /**
   * Activity metadata older than this many days is cleared by the retention run (the activity
   * itself, its type, time and campaign stay, so every metric keeps its counts); undefined keeps
   * it forever. At least 30: the rules read metadata of the last 30 days (pricing_page_views_30d).
   */
  activityRetentionDays: number | undefined;
  /** How far in the future an activity's occurredAt may be (clock skew); beyond it is refused. */
  activityFutureToleranceMinutes: number;
  /** Run the migrations (under a lock) when the server starts; `false` on replicas when `npm run migrate` is the release step. */
  migrateOnStart: boolean;
  /** A read replica for metric queries and lists; unset, everything reads the primary. */
  databaseReadUrl: string | undefined;
  /** `json` for log pipelines, `pretty` (pino-pretty, readable times) for people. */
  logFormat: 'json' | 'pretty';
  /** When not 0, `/metrics` is served on this port (bound to `metricsHost`) instead of the API's. */
  metricsPort: number;
  metricsHost: string;
  /** A bearer token that may read `/metrics` (besides ADMIN and OPS API tokens). */
  metricsToken: string | undefined;
  /** Seed the demo data at start (as `--demo` does). */
  seedDemo: boolean;
  /** Collect and serve Prometheus metrics (on by default). */
  metricsEnabled: boolean;
  /** Log one line per HTTP request (on by default; written at info level, probes at debug). */
  requestLog: boolean;
  /** What rule work may cost: worker threads, time budgets, rule-set cost and explanation size. */
  ruleWork: RuleWorkLimits;
  /** When the background jobs run (src/jobs/background-jobs.ts). */
  jobs: JobSchedules;
  /** Webhook delivery: retries, timeouts, which targets are allowed. */
  webhooks: WebhookSettings;
}

export interface JobSchedules {
  /** Cron (five fields, UTC) of the daily re-score of every lead. */
  rescoreDailyCron: string;
  /** Cron of the sweep that sends re-score jobs a crash or a CLI left unfinished. */
  rescoreRequeueCron: string;
  /** Cron of the sweep that deletes idempotency keys past their 24 h. */
  idempotencySweepCron: string;
  /** Seconds between the end of one stage-time pass and the start of the next. */
  stageTimesSeconds: number;
  /** Seconds between the end of one fold of the daily rollup deltas and the start of the next. */
  rollupFoldSeconds: number;
  /** How often one process checks the cron schedules (pg-boss: 1 to 45 s). */
  cronCheckSeconds: number;
  /** How often each process polls a queue for jobs. */
  pollSeconds: number;
}

export interface WebhookSettings {
  /** First retry delay; attempt n waits base * 2^(n-1), with up to 50 % random jitter, capped at 1 h. */
  retryBaseMs: number;
  /** Attempts of one delivery before it is dead-lettered. */
  maxAttempts: number;
  /** Consecutive failed attempts (over all its deliveries) after which an endpoint is paused. */
  pauseAfterFailures: number;
  /** Longest wait for an endpoint's answer; longer counts as a failure. */
  timeoutMs: number;
  /** Deliveries in flight at once in one process. */
  concurrency: number;
  /** Allow targets on private, loopback and link-local addresses (tests, local development). */
  allowPrivate: boolean;
  /** Days delivered events (and their delivery log) are kept; each lead's latest event is kept for its sequence. */
  outboxRetentionDays: number;
}

export interface RuleWorkLimits {
  /** Worker threads that run validation, test cases, simulations and re-score chunks. */
  workerThreads: number;
  /** Longest one validation (with its test cases) may run in a worker. */
  taskBudgetMs: number;
  /** Longest one batch of leads (a re-score chunk, a simulation batch) may run in a worker. */
  bulkTaskBudgetMs: number;
  /** Longest a whole simulation may run. */
  simulationBudgetMs: number;
  /** Conditions (facts tested) in one rule set, over all its rules. */
  maxConditions: number;
  /** Values in the `in` / `notIn` / `textContainsAny` lists of one rule set, over all its rules. */
  maxListValues: number;
  /** Characters of one string in a rule set (a value, a reason). */
  maxStringLength: number;
  /** Characters of all the strings of one rule set's conditions together. */
  maxTextChars: number;
  /** Rule sets in force (published) at once per kind (scoring, qualification). */
  maxInForcePerKind: number;
  /** Fired rules listed in one explanation (the rest are counted). */
  explanationMaxFiredRules: number;
  /** Values of a list shown in an explanation before it is cut with a marker. */
  explanationMaxListValues: number;
  /** Size of one explanation as JSON, in bytes. */
  explanationMaxBytes: number;
  /** Times a failing re-score job is retried before it is FAILED for good. */
  rescoreRetryLimit: number;
  rescoreRetryDelaySeconds: number;
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
  /** Rule work on demand (`validateRules`, `simulateRuleSetVersion`) per minute and token. */
  ruleWorkPerMinute?: number;
}

/**
 * The environment is checked as it is read: each `intFromEnv`/`stringFromEnv`/... call names a
 * variable (so it becomes known) and validates its value with zod. Nothing throws here; every
 * problem is collected, and `configProblems()` lists them together with unknown variables in the
 * project's namespace, so one message names them all (main.ts prints it and exits 1 before the
 * database is touched). Adding a setting is one property below, e.g.
 * `lockTimeoutMs: intFromEnv('LOCK_TIMEOUT_MS', 2000)`.
 */
const knownVariables = new Set<string>(['NODE_ENV']);
const invalidValues: string[] = [];

/** Unknown variables with these prefixes are refused: they can only be a typo of one of ours. */
export const CONFIG_NAMESPACES = ['SMARKETING_', 'RATE_LIMIT_', 'MAX_QUERY_', 'EMBEDDED_PG_', 'METRICS_', 'JOBS_', 'WEBHOOK_'];

function fromEnv<T>(name: string, schema: z.ZodType<T>, fallback: T, options: { secret?: boolean } = {}): T {
  knownVariables.add(name);
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const shown = options.secret ? '(value hidden)' : JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}...` : raw);
  invalidValues.push(`${name}=${shown}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  return fallback;
}

function intFromEnv(name: string, fallback: number, options: { min?: number; max?: number } = {}): number {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = options;
  const schema = z
    .string()
    .trim()
    .regex(/^-?\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { message: `must be at least ${min}` })
        .max(max, { message: `must be at most ${max}` }),
    );
  return fromEnv(name, schema, fallback);
}

function optionalIntFromEnv(name: string, options: { min: number; max: number }): number | undefined {
  const schema = z
    .string()
    .trim()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(options.min, { message: `must be at least ${options.min}` })
        .max(options.max, { message: `must be at most ${options.max}` }),
    );
  return fromEnv<number | undefined>(name, schema, undefined);
}

function stringFromEnv(name: string, fallback: string, options: { secret?: boolean } = {}): string {
  return fromEnv(name, z.string().trim().min(1), fallback, options);
}

function optionalStringFromEnv(
  name: string,
  options: { secret?: boolean; minLength?: number } = {},
): string | undefined {
  const min = options.minLength ?? 1;
  return fromEnv<string | undefined>(
    name,
    z.string().min(min, { message: `must be at least ${min} characters long` }),
    undefined,
    options,
  );
}

function enumFromEnv<T extends string>(name: string, values: readonly [T, ...T[]], fallback: T): T {
  return fromEnv(name, z.enum(values, { message: `must be one of ${values.join(', ')}` }), fallback);
}

/** A cron expression of five fields (minute hour day-of-month month day-of-week), as pg-boss takes it. */
function cronFromEnv(name: string, fallback: string): string {
  const schema = z
    .string()
    .trim()
    .refine(
      (value) => {
        if (value.split(/\s+/).length !== 5) return false;
        try {
          parseExpression(value, { tz: 'UTC' });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be a cron expression of five fields, e.g. "0 3 * * *"' },
    );
  return fromEnv(name, schema, fallback);
}

function booleanFromEnv(name: string, fallback: boolean): boolean {
  return fromEnv(
    name,
    z
      .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
      .transform((v) => v === 'true' || v === '1'),
    fallback,
  );
}

function postgresUrlFromEnv(name: string): string | undefined {
  const schema = z.string().refine(
    (value) => {
      try {
        return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: 'must be a postgres:// or postgresql:// URL' },
  );
  // The URL may hold a password: a bad value is named, never printed.
  return fromEnv<string | undefined>(name, schema, undefined, { secret: true });
}

/**
 * Every problem with the environment: invalid values of known variables, then variables in the
 * project's namespaces that nothing reads (a typo would otherwise be ignored silently).
 */
export function configProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const unknown = Object.keys(env)
    .filter((name) => CONFIG_NAMESPACES.some((prefix) => name.startsWith(prefix)) && !knownVariables.has(name))
    .sort()
    .map((name) => `${name}: unknown variable (the known ones are listed in the README, "Configuration")`);
  return [...invalidValues, ...unknown];
}

/** The one message that lists every problem, for people reading a failed start. */
export function configProblemsMessage(problems: string[]): string {
  return [
    `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was started:`,
    ...problems.map((problem) => `  - ${problem}`),
  ].join('\n');
}

export const projectRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Settings that a running process also takes from its environment when a variable changes after
 * start (a test that sets WEBHOOK_ALLOW_PRIVATE or WEBHOOK_RETRY_BASE_MS after importing the
 * server): a variable whose value differs from the one read at start wins, an unset one means the
 * default; otherwise the value read at start, or the one last assigned (`config.webhooks.x = ...`).
 */
function liveSettings<T extends Record<string, number | boolean>>(
  read: T,
  variables: { [K in keyof T]: [string, T[K]] },
): T {
  const live = {} as T;
  for (const key of Object.keys(read) as Array<keyof T>) {
    const [name, fallback] = variables[key];
    const atStart = process.env[name];
    let value = read[key];
    Object.defineProperty(live, key, {
      enumerable: true,
      get: (): T[keyof T] => {
        const now = process.env[name];
        if (now === atStart) return value;
        if (now === undefined || now.trim() === '') return fallback;
        if (typeof fallback === 'boolean') return (now.trim() === 'true' || now.trim() === '1') as T[keyof T];
        const parsed = Number(now);
        return (Number.isFinite(parsed) ? parsed : value) as T[keyof T];
      },
      set: (next: T[keyof T]) => {
        value = next;
      },
    });
  }
  return live;
}

export const config: Config = {
  databaseUrl: postgresUrlFromEnv('DATABASE_URL'),
  embeddedPort: intFromEnv('EMBEDDED_PG_PORT', 54329, { min: 1, max: 65535 }),
  embeddedDataDir: stringFromEnv('EMBEDDED_PG_DIR', path.join(projectRoot, '.data', 'postgres')),
  port: intFromEnv('PORT', 4000, { max: 65535 }),
  host: stringFromEnv('HOST', '0.0.0.0'),
  logLevel: enumFromEnv('LOG_LEVEL', LOG_LEVELS, process.env.NODE_ENV === 'test' ? 'warn' : 'info'),
  logFormat: enumFromEnv('LOG_FORMAT', ['json', 'pretty'], 'json'),
  production: process.env.NODE_ENV === 'production',
  maxPageSize: 100,
  dbPoolSize: intFromEnv('DB_POOL_SIZE', 10, { min: 1, max: 1000 }),
  statementTimeoutMs: intFromEnv('DB_STATEMENT_TIMEOUT_MS', 15000),
  nurtureStageKey: stringFromEnv('NURTURE_STAGE', 'lead'),
  handoverStageKey: stringFromEnv('HANDOVER_STAGE', 'mql'),
  acceptedStageKey: stringFromEnv('ACCEPTED_STAGE', 'sql'),
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
    ruleWorkPerMinute: intFromEnv('RATE_LIMIT_RULE_WORK_PER_MINUTE', 30),
  },
  drainDelayMs: intFromEnv('DRAIN_DELAY_MS', 0),
  slaBackdateGraceMinutes: intFromEnv('SLA_BACKDATE_GRACE_MINUTES', 60),
  activityRetentionDays: optionalIntFromEnv('ACTIVITY_RETENTION_DAYS', { min: 30, max: 36_500 }),
  activityFutureToleranceMinutes: intFromEnv('ACTIVITY_FUTURE_TOLERANCE_MINUTES', 5),
  migrateOnStart: booleanFromEnv('MIGRATE_ON_START', true),
  databaseReadUrl: postgresUrlFromEnv('DATABASE_READ_URL'),
  metricsPort: intFromEnv('METRICS_PORT', 0, { max: 65535 }),
  metricsHost: stringFromEnv('METRICS_HOST', '127.0.0.1'),
  metricsToken: optionalStringFromEnv('METRICS_TOKEN', { secret: true, minLength: 16 }),
  seedDemo: booleanFromEnv('SEED_DEMO', false),
  metricsEnabled: booleanFromEnv('METRICS_ENABLED', true),
  requestLog: booleanFromEnv('REQUEST_LOG', true),
  lockTimeoutMs: intFromEnv('LOCK_TIMEOUT_MS', 2000),
  leadQueueMax: intFromEnv('LEAD_QUEUE_MAX', 50),
  importBatchRows: intFromEnv('IMPORT_BATCH_ROWS', 10000, { min: 1, max: 100000 }),
  leadAttributes: {
    maxKeys: intFromEnv('LEAD_ATTRIBUTES_MAX_KEYS', 100),
    maxBytes: intFromEnv('LEAD_ATTRIBUTES_MAX_BYTES', 64 * 1024),
  },
  ruleWork: {
    workerThreads: intFromEnv('RULE_WORKER_THREADS', 2, { min: 1, max: 64 }),
    taskBudgetMs: intFromEnv('RULE_TASK_BUDGET_MS', 5000, { min: 1 }),
    bulkTaskBudgetMs: intFromEnv('RULE_BULK_TASK_BUDGET_MS', 10000, { min: 1 }),
    simulationBudgetMs: intFromEnv('RULE_SIMULATION_BUDGET_MS', 60000, { min: 1 }),
    maxConditions: intFromEnv('RULE_SET_MAX_CONDITIONS', 1000),
    maxListValues: intFromEnv('RULE_SET_MAX_LIST_VALUES', 2000),
    maxStringLength: intFromEnv('RULE_SET_MAX_STRING_LENGTH', 500),
    maxTextChars: intFromEnv('RULE_SET_MAX_TEXT_CHARS', 100000),
    maxInForcePerKind: intFromEnv('RULE_SETS_IN_FORCE_PER_KIND', 5, { min: 1 }),
    explanationMaxFiredRules: intFromEnv('EXPLANATION_MAX_FIRED_RULES', 25),
    explanationMaxListValues: intFromEnv('EXPLANATION_MAX_LIST_VALUES', 10),
    explanationMaxBytes: intFromEnv('EXPLANATION_MAX_BYTES', 16384),
    rescoreRetryLimit: intFromEnv('RESCORE_RETRY_LIMIT', 3),
    rescoreRetryDelaySeconds: intFromEnv('RESCORE_RETRY_DELAY_SECONDS', 5),
  },
  jobs: {
    rescoreDailyCron: cronFromEnv('JOBS_RESCORE_DAILY_CRON', '0 3 * * *'),
    rescoreRequeueCron: cronFromEnv('JOBS_RESCORE_REQUEUE_CRON', '* * * * *'),
    idempotencySweepCron: cronFromEnv('JOBS_IDEMPOTENCY_SWEEP_CRON', '17 * * * *'),
    stageTimesSeconds: intFromEnv('JOBS_STAGE_TIMES_SECONDS', 5, { min: 1, max: 3600 }),
    rollupFoldSeconds: intFromEnv('JOBS_ROLLUP_FOLD_SECONDS', 2, { min: 1, max: 3600 }),
    cronCheckSeconds: intFromEnv('JOBS_CRON_CHECK_SECONDS', 30, { min: 1, max: 45 }),
    pollSeconds: intFromEnv('JOBS_POLL_SECONDS', 2, { min: 1, max: 60 }),
  },
  webhooks: liveSettings(
    {
      retryBaseMs: intFromEnv('WEBHOOK_RETRY_BASE_MS', 5000, { min: 1 }),
      maxAttempts: intFromEnv('WEBHOOK_MAX_ATTEMPTS', 8, { min: 1, max: 100 }),
      pauseAfterFailures: intFromEnv('WEBHOOK_PAUSE_AFTER_FAILURES', 50, { min: 1 }),
      timeoutMs: intFromEnv('WEBHOOK_TIMEOUT_MS', 10000, { min: 1 }),
      concurrency: intFromEnv('WEBHOOK_CONCURRENCY', 8, { min: 1, max: 256 }),
      allowPrivate: booleanFromEnv('WEBHOOK_ALLOW_PRIVATE', false),
      outboxRetentionDays: intFromEnv('OUTBOX_RETENTION_DAYS', 30, { min: 1 }),
    },
    {
      retryBaseMs: ['WEBHOOK_RETRY_BASE_MS', 5000],
      maxAttempts: ['WEBHOOK_MAX_ATTEMPTS', 8],
      pauseAfterFailures: ['WEBHOOK_PAUSE_AFTER_FAILURES', 50],
      timeoutMs: ['WEBHOOK_TIMEOUT_MS', 10000],
      concurrency: ['WEBHOOK_CONCURRENCY', 8],
      allowPrivate: ['WEBHOOK_ALLOW_PRIVATE', false],
      outboxRetentionDays: ['OUTBOX_RETENTION_DAYS', 30],
    },
  ),
};
