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
  /** After SIGTERM, how long `/readyz` answers 503 before the server stops taking connections. */
  drainDelayMs: number;
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
}

export interface RateLimits {
  /** Root mutation fields per minute and token. */
  mutationsPerMinute: number;
  /** Expensive metric queries (fields marked `@RateLimit(RateBucket.METRICS)`) per minute and token. */
  metricsPerMinute: number;
  /** Rule work on demand (`validateRules`, `simulateRuleSetVersion`) per minute and token. */
  ruleWorkPerMinute?: number;
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
  },
  rateLimits: {
    mutationsPerMinute: intFromEnv('RATE_LIMIT_MUTATIONS_PER_MINUTE', 600),
    metricsPerMinute: intFromEnv('RATE_LIMIT_METRICS_PER_MINUTE', 120),
    ruleWorkPerMinute: intFromEnv('RATE_LIMIT_RULE_WORK_PER_MINUTE', 30),
  },
  drainDelayMs: intFromEnv('DRAIN_DELAY_MS', 0),
  ruleWork: {
    workerThreads: intFromEnv('RULE_WORKER_THREADS', 2),
    taskBudgetMs: intFromEnv('RULE_TASK_BUDGET_MS', 5000),
    bulkTaskBudgetMs: intFromEnv('RULE_BULK_TASK_BUDGET_MS', 10000),
    simulationBudgetMs: intFromEnv('RULE_SIMULATION_BUDGET_MS', 60000),
    maxConditions: intFromEnv('RULE_SET_MAX_CONDITIONS', 1000),
    maxListValues: intFromEnv('RULE_SET_MAX_LIST_VALUES', 2000),
    maxStringLength: intFromEnv('RULE_SET_MAX_STRING_LENGTH', 500),
    maxTextChars: intFromEnv('RULE_SET_MAX_TEXT_CHARS', 100000),
    maxInForcePerKind: intFromEnv('RULE_SETS_IN_FORCE_PER_KIND', 5),
    explanationMaxFiredRules: intFromEnv('EXPLANATION_MAX_FIRED_RULES', 25),
    explanationMaxListValues: intFromEnv('EXPLANATION_MAX_LIST_VALUES', 10),
    explanationMaxBytes: intFromEnv('EXPLANATION_MAX_BYTES', 16384),
    rescoreRetryLimit: intFromEnv('RESCORE_RETRY_LIMIT', 3),
    rescoreRetryDelaySeconds: intFromEnv('RESCORE_RETRY_DELAY_SECONDS', 5),
  },
};
