import path from 'node:path';
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
export const CONFIG_NAMESPACES = ['SMARKETING_', 'RATE_LIMIT_', 'MAX_QUERY_', 'EMBEDDED_PG_', 'METRICS_'];

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
};
