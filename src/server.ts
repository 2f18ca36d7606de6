import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import type { DataSource } from 'typeorm';
import { rateLimitPlugin } from './auth/rate-limit';
import { bearerToken } from './auth/tokens';
import type { Context } from './context';
import { exportsRouter } from './csv-exports';
import { dashboardRouter } from './dashboard';
import { importRoute } from './resolvers/import.route';
import { databaseTrouble, logDatabaseTrouble, type DatabaseTrouble } from './db/db-errors';
import { createLoaders } from './loaders';
import { logger as defaultLogger } from './logger';
import type { Logger } from 'pino';
import { config, type QueryLimits, type RateLimits } from './config';
import { buildAppSchema } from './schema/build-schema';
import { jitGateway } from './schema/jit-executor';
import { AppError, ErrorCode, KNOWN_CODES } from './schema/errors';
import { costLimitPlugin, limitRules } from './schema/query-limits';
import { LONE_SURROGATE } from './schema/validation';
import { identityForToken, recordTokenUse, type Identity } from './services/api-token.service';
import { sqlState } from './services/transaction';
import { noSubscriptionsOverHttpRule, startSubscriptionServer } from './subscription-server';
import { countGraphqlError, graphqlMetricsPlugin, watchPool } from './observability/metrics';
import { graphqlTracingPlugin, tracingActive } from './observability/tracing';
import { httpMetrics, metricsHandler, observationOf, requestLogger } from './observability/http-observability';
import type { RequestObservation } from './context';

export const BODY_LIMIT = '1mb';

/** Turns a unique violation into CONFLICT naming the column, e.g. `Key (email)=(...)`. */
function uniqueViolation(original: unknown): AppError | undefined {
  if (sqlState(original) !== '23505') return undefined;
  const detail = (original as { detail?: string; driverError?: { detail?: string } }).driverError?.detail ?? '';
  const column = /Key \(([^)]+)\)/.exec(detail)?.[1] ?? 'input';
  return new AppError(ErrorCode.CONFLICT, `another record already has this ${column}`, { field: `input.${column}` });
}

/** Text PostgreSQL cannot store (a NUL that slipped past the guards) is the client's mistake. */
function unstorableText(original: unknown): AppError | undefined {
  const state = sqlState(original);
  if (state !== '22021' && state !== '22P05') return undefined;
  return new AppError(ErrorCode.BAD_USER_INPUT, 'Text may not contain NUL characters (\\u0000)');
}

/**
 * Apollo reports every validation failure as GRAPHQL_VALIDATION_FAILED; our own rules keep their
 * code, and a query limit says which limit it is, whichever rule found it: ours (depth, aliases,
 * directives), Apollo's expanded-selections count, or graphql-js's budget for comparing fields.
 */
function validationExtensions(
  formatted: GraphQLFormattedError,
  error: unknown,
  maxSelections: number,
): Record<string, unknown> | undefined {
  const original = (error as { originalError?: unknown }).originalError;
  if (original instanceof AppError) return { code: original.code };
  if (formatted.extensions?.code !== 'GRAPHQL_VALIDATION_FAILED') return undefined;
  if (formatted.extensions.validationErrorCode === 'MAX_RECURSIVE_SELECTIONS_EXCEEDED') {
    return { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'selections', max: maxSelections };
  }
  if (/Validation aborted\.$/.test(formatted.message))
    return { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'validation' };
  return undefined;
}

/**
 * A lone surrogate written in the document itself (raw, or as an escape such as `\uD800`) fails
 * parsing; like one in the variables, it is the client's text that is invalid: BAD_USER_INPUT.
 */
const SURROGATE_IN_DOCUMENT =
  /^Syntax Error: Invalid (character within String: U\+D[89A-F]|Unicode escape sequence: "\\u\{?[dD][89a-fA-F])/;

function surrogateInDocument(formatted: GraphQLFormattedError): Record<string, unknown> | undefined {
  if (formatted.extensions?.code !== 'GRAPHQL_PARSE_FAILED' || !SURROGATE_IN_DOCUMENT.test(formatted.message)) {
    return undefined;
  }
  return { code: ErrorCode.BAD_USER_INPUT, field: 'query' };
}

/** "Did you mean ...?" names fields and values a caller did not ask about. */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * Known codes reach the client as they are; everything else is masked with an id that is in the
 * log, so no SQL, stack or host name leaks. In production no message suggests schema names.
 */
export function createFormatError(
  options: Pick<AppOptions, 'production' | 'queryLimits'> & { logger?: Logger } = {
    production: config.production,
    queryLimits: config.queryLimits,
  },
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  const logger = options.logger ?? defaultLogger;
  return (formatted, error) => {
    const original = (error as { originalError?: unknown }).originalError ?? error;
    const limit =
      validationExtensions(formatted, error, options.queryLimits.maxSelections) ?? surrogateInDocument(formatted);
    const code = limit?.code ?? formatted.extensions?.code;
    const path = formatted.path ? { path: formatted.path } : {};

    const trouble = databaseTrouble(original);
    const known = uniqueViolation(original) ?? unstorableText(original) ?? (trouble && unavailable(trouble));
    if (known) {
      const { http: _http, ...extensions } = known.extensions;
      if (trouble) logDatabaseTrouble(original, { path: formatted.path });
      return { message: known.message, ...path, extensions };
    }
    if (typeof code === 'string' && KNOWN_CODES.has(code)) {
      const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
      const message = options.production ? formatted.message.replace(SUGGESTION, '') : formatted.message;
      return { ...formatted, message, extensions: { ...extensions, ...limit, code } };
    }
    const errorId = randomUUID();
    logger.error({ err: original, errorId, path: formatted.path }, 'internal error');
    return {
      message: `Internal error (id ${errorId})`,
      ...path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId },
    };
  };
}

export const formatError = createFormatError();

/** Answers for a database that cannot serve: HTTP 503 with a retry hint, never a masked 500. */
export const RETRY_AFTER_SECONDS = 2;

function unavailable(trouble: DatabaseTrouble): AppError {
  return new AppError(
    ErrorCode.SERVICE_UNAVAILABLE,
    trouble === 'timeout'
      ? 'The database is too busy to answer in time; retry shortly'
      : 'The database is unavailable; retry shortly',
    { retryAfterSeconds: RETRY_AFTER_SECONDS },
    { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  );
}

/**
 * An operation that failed because the database could not serve answers HTTP 503 with
 * Retry-After, so load balancers and clients back off; one with partial data keeps its 200.
 */
const databaseTroubleStatus: ApolloServerPlugin<Context> = {
  requestDidStart() {
    return Promise.resolve({
      willSendResponse({ errors, response }) {
        const body = response.body;
        const dataless =
          body.kind === 'single' && (body.singleResult.data === undefined || body.singleResult.data === null);
        if (dataless && errors?.some((error) => databaseTrouble(error.originalError ?? error))) {
          response.http.status = 503;
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
        }
        return Promise.resolve();
      },
    });
  },
};

async function contextFor(
  dataSource: DataSource,
  readDataSource: DataSource | undefined,
  authorization: string | undefined,
  requestId: string,
  observation: RequestObservation,
): Promise<Context> {
  const base = { requestId, dataSource, readDataSource, loaders: createLoaders(dataSource), observation };
  if (authorization === undefined || authorization === '') return { ...base, user: null, tokenId: null };
  const token = bearerToken(authorization);
  let identity: Identity | null = null;
  try {
    identity = token ? await identityForToken(base, token) : null;
  } catch (error) {
    const trouble = databaseTrouble(error);
    if (!trouble) throw error;
    logDatabaseTrouble(error, { requestId: base.requestId, while: 'authenticating' });
    throw unavailable(trouble);
  }
  if (!identity) {
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'The token is unknown, revoked or expired', {
      field: 'Authorization',
    });
  }
  recordTokenUse(dataSource, identity.tokenId);
  observation.userId = identity.user.id;
  return { ...base, user: identity.user, tokenId: identity.tokenId };
}

/** A JSON answer for bodies express cannot parse (malformed or too large), never an HTML page. */
const bodyErrors: ErrorRequestHandler = (error: { type?: string; status?: number }, _req, res, next) => {
  if (error.type === 'entity.too.large') {
    res.status(413).json({
      errors: [{ message: `Request body is larger than ${BODY_LIMIT}`, extensions: { code: 'BAD_REQUEST' } }],
    });
    return;
  }
  if (error.type === 'entity.parse.failed' || error.status === 400) {
    res
      .status(400)
      .json({ errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    return;
  }
  next(error);
};

/** JSON values (attributes, rules, metadata) never need more nesting than this. */
export const MAX_VARIABLES_DEPTH = 64;

interface VariablesShape {
  depth: number;
  /** Characters of every string and key, plus 8 for any other value; counting stops past the cap. */
  size: number;
  /** Path of the first string or key holding a NUL character or a lone surrogate. */
  badTextAt?: string;
  badText?: 'nul' | 'surrogate';
}

function badText(text: string): 'nul' | 'surrogate' | undefined {
  if (text.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(text) ? 'surrogate' : undefined;
}

/**
 * Walks parsed variables without recursion: how deep they nest (it stops counting past
 * `maxDepth`), how large they are (it stops past `maxSize`), and the path of the first string or
 * key holding text PostgreSQL cannot store: a NUL character or a lone surrogate.
 */
function inspectVariables(variables: object, maxDepth: number, maxSize: number): VariablesShape {
  let deepest = 0;
  let size = 0;
  const stack: Array<[unknown, number, string]> = [[variables, 0, '$']];
  while (stack.length > 0) {
    const [item, depth, path] = stack.pop()!;
    if (typeof item === 'string') {
      size += item.length;
      if (size > maxSize) return { depth: deepest, size };
      const bad = badText(item);
      if (bad) return { depth: deepest, size, badTextAt: path, badText: bad };
      continue;
    }
    if (item === null || typeof item !== 'object') {
      size += 8;
      continue;
    }
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > maxDepth) return { depth: deepest, size };
    for (const [key, child] of Object.entries(item)) {
      const childPath = Array.isArray(item) ? `${path}[${key}]` : path === '$' ? `$${key}` : `${path}.${key}`;
      size += key.length + 2;
      if (size > maxSize) return { depth: deepest, size };
      const bad = badText(key);
      if (bad) return { depth: deepest, size, badTextAt: path, badText: bad };
      stack.push([child, depth + 1, childPath]);
    }
  }
  return { depth: deepest, size };
}

function variablesOf(req: express.Request): unknown {
  if (req.method !== 'GET') return (req.body as { variables?: unknown } | undefined)?.variables;
  const raw = req.query.variables;
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined; // Apollo answers malformed variables itself
  }
}

function refuse(res: express.Response, message: string, extensions: Record<string, unknown>): void {
  res.status(400).json({ errors: [{ message, extensions }] });
}

/**
 * Variables nested absurdly deep are refused before GraphQL sees them, so no recursive walk
 * further on (validation, hashing, JSON.stringify into jsonb) can exhaust the stack; so are
 * variables larger than their cap, and text PostgreSQL cannot store (a NUL character or a lone
 * surrogate), which would otherwise fail deep in PostgreSQL as an internal error.
 */
function guardVariables(maxVariablesSize: number): express.RequestHandler {
  return (req, res, next) => {
    const variables = variablesOf(req);
    if (!variables || typeof variables !== 'object') {
      next();
      return;
    }
    const shape = inspectVariables(variables, MAX_VARIABLES_DEPTH, maxVariablesSize);
    if (shape.depth > MAX_VARIABLES_DEPTH) {
      refuse(res, `Variables are nested deeper than ${MAX_VARIABLES_DEPTH} levels`, {
        code: 'BAD_REQUEST',
        field: 'variables',
      });
    } else if (shape.size > maxVariablesSize) {
      refuse(res, `Variables are larger than ${maxVariablesSize} characters`, {
        code: 'BAD_REQUEST',
        field: 'variables',
        limit: 'variables',
        max: maxVariablesSize,
      });
    } else if (shape.badTextAt !== undefined) {
      refuse(
        res,
        shape.badText === 'nul'
          ? `${shape.badTextAt} holds a NUL character (\\u0000), which text may not contain`
          : `${shape.badTextAt} holds a lone surrogate (half of a UTF-16 pair), which is not valid text`,
        { code: ErrorCode.BAD_USER_INPUT, field: shape.badTextAt },
      );
    } else {
      next();
    }
  };
}

const lastResort =
  (logger: Logger): ErrorRequestHandler =>
  (error: unknown, req, res, _next) => {
    const errorId = randomUUID();
    logger.error({ err: error, errorId, requestId: req.id }, 'unhandled HTTP error');
    res.status(500).json({
      errors: [
        { message: `Internal error (id ${errorId})`, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId } },
      ],
    });
  };

export interface App {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  /** From now on `/readyz` answers 503, so a load balancer stops sending new requests. */
  startDraining: () => void;
}

/** What a deployment may tune; tests pass their own. Defaults come from `config`. */
export interface AppOptions {
  production: boolean;
  queryLimits: QueryLimits;
  rateLimits: RateLimits;
  /** The clock rate limits read; tests move it. */
  now: () => number;
  /** The read replica (DATABASE_READ_URL) for metric queries and lists, when there is one. */
  readDataSource: DataSource | undefined;
  /** Where request lines and internal errors are logged; tests capture them. */
  logger: Logger;
  /** Serve `/metrics` on this app (false when METRICS_PORT gives it a listener of its own). */
  serveMetrics: boolean;
  /** A bearer token that may read `/metrics`, besides ADMIN and OPS API tokens. */
  metricsToken: string | undefined;
  /** Time requests and operations for the metrics (METRICS_ENABLED). */
  metrics: boolean;
  /** One log line per request (REQUEST_LOG). */
  requestLog: boolean;
}

/**
 * The HTTP app: `/graphql` (Apollo Sandbox on GET from a browser), `/healthz`, `/readyz`, the
 * dashboard at `/` and the offline explorer at `/graphiql`.
 */
export async function createApp(dataSource: DataSource, overrides: Partial<AppOptions> = {}): Promise<App> {
  const options: AppOptions = {
    production: config.production,
    queryLimits: config.queryLimits,
    rateLimits: config.rateLimits,
    now: Date.now,
    readDataSource: undefined,
    logger: defaultLogger,
    serveMetrics: config.metricsEnabled && config.metricsPort === 0,
    metricsToken: config.metricsToken,
    metrics: config.metricsEnabled,
    requestLog: config.requestLog,
    ...overrides,
  };
  const limits = options.queryLimits;
  const app = express();
  app.disable('x-powered-by');
  // First, so every request is timed and logged, whatever answers it.
  if (options.requestLog) app.use(requestLogger(options.logger));
  if (options.metrics) app.use(httpMetrics);
  const unwatchPool = watchPool(dataSource);
  const httpServer = http.createServer(app);
  const schema = buildAppSchema();
  const formatError = createFormatError(options);
  // Subscriptions: graphql-ws on the same port and path; queries and mutations stay on HTTP.
  const subscriptions = startSubscriptionServer(httpServer, schema, dataSource, {
    ...options,
    path: '/graphql',
    formatError,
  });
  const apollo = new ApolloServer<Context>({
    gateway: jitGateway(schema),
    formatError,
    includeStacktraceInErrorResponses: false,
    // Analysts explore the schema in Apollo Sandbox, so introspection stays on; errors in
    // production still never suggest names ("Did you mean ...").
    introspection: true,
    hideSchemaDetailsFromClientErrors: options.production,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGTERM/SIGINT: drain, stop the job queue, close the database, exit. Apollo's
    // own handler raced it and left the process hanging in stop() under a real signal.
    stopOnTerminationSignals: false,
    // The parser stops past this many tokens, before any validation work (a syntax error, HTTP 400).
    parseOptions: { maxTokens: limits.maxTokens },
    // Fragment spreads expanded; the rules below run only when this count is within the limit.
    maxRecursiveSelections: limits.maxSelections,
    validationRules: [...limitRules(limits), noSubscriptionsOverHttpRule],
    // Compact JSON: Apollo pretty-prints by default, which costs time on every page of leads.
    stringifyResult: (result) => JSON.stringify(result),
    plugins: [
      // No cache hints or traces are used; without these plugins no resolver is wrapped per field.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's pattern for websockets: stopping closes every subscription socket (1001) and the
      // LISTEN connection that feeds them.
      { serverWillStart: () => Promise.resolve({ drainServer: () => subscriptions.dispose() }) },
      ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      // A refused operation costs no allowance: the cost check comes first.
      costLimitPlugin(limits),
      rateLimitPlugin(dataSource, options.rateLimits, options.now),
      databaseTroubleStatus,
      ...(options.metrics || options.requestLog ? [graphqlMetricsPlugin(options.metrics)] : []),
      ...(tracingActive() ? [graphqlTracingPlugin()] : []),
      {
        serverWillStart: () =>
          Promise.resolve({
            serverWillStop: () => {
              unwatchPool();
              return Promise.resolve();
            },
          }),
      },
    ],
  });
  await apollo.start();

  if (options.serveMetrics) {
    app.get('/metrics', metricsHandler({ metricsToken: options.metricsToken, dataSource }));
  }
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  let draining = false;
  app.get('/readyz', async (_req, res) => {
    if (draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    try {
      // A probe must answer quickly even when every connection is busy.
      await Promise.race([
        dataSource.query('SELECT 1'),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('readiness timeout')), 2000).unref()),
      ]);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
  });
  app.use(
    '/graphql',
    cors<cors.CorsRequest>(),
    express.json({ limit: BODY_LIMIT }),
    bodyErrors,
    guardVariables(limits.maxVariablesSize),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const observation = observationOf(res);
        try {
          return await contextFor(
            dataSource,
            options.readDataSource,
            req.headers.authorization,
            typeof req.id === 'string' ? req.id : randomUUID(),
            observation,
          );
        } catch (error) {
          // Refused before any operation starts, so no plugin sees it: counted and logged here.
          observation.operation = 'unknown';
          observation.code = countGraphqlError((error as { extensions?: { code?: unknown } }).extensions?.code);
          throw error;
        }
      },
    }),
  );
  // CSV downloads run the GraphQL operations above as the caller (csv-exports.ts).
  app.use(
    '/exports',
    exportsRouter(
      apollo,
      (req, res) =>
        contextFor(
          dataSource,
          options.readDataSource,
          req.headers.authorization,
          typeof req.id === 'string' ? req.id : randomUUID(),
          observationOf(res),
        ),
      options.logger,
    ),
  );
  // The file streams into the database: no body parser before it.
  app.post('/imports', importRoute(dataSource));
  app.use(dashboardRouter());
  app.use(lastResort(options.logger));
  return {
    app,
    httpServer,
    apollo,
    startDraining: () => {
      draining = true;
    },
  };
}
