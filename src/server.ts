import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
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
import { bearerToken } from './auth/tokens';
import type { Context } from './context';
import { createLoaders } from './loaders';
import { logger } from './logger';
import { buildAppSchema } from './schema/build-schema';
import { AppError, ErrorCode, KNOWN_CODES } from './schema/errors';
import { userForToken } from './services/user.service';
import { sqlState } from './services/transaction';

export const BODY_LIMIT = '1mb';

/** Turns a unique violation into CONFLICT naming the column, e.g. `Key (email)=(...)`. */
function uniqueViolation(original: unknown): AppError | undefined {
  if (sqlState(original) !== '23505') return undefined;
  const detail = (original as { detail?: string; driverError?: { detail?: string } }).driverError?.detail ?? '';
  const column = /Key \(([^)]+)\)/.exec(detail)?.[1] ?? 'input';
  return new AppError(ErrorCode.CONFLICT, `another record already has this ${column}`, { field: `input.${column}` });
}

/**
 * Known codes reach the client as they are; everything else is masked with an id that is in the
 * log, so no SQL, stack or host name leaks.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = (error as { originalError?: unknown }).originalError ?? error;
  const code = formatted.extensions?.code;
  const path = formatted.path ? { path: formatted.path } : {};

  const conflict = uniqueViolation(original);
  if (conflict) return { message: conflict.message, ...path, extensions: { ...conflict.extensions } };
  if (typeof code === 'string' && KNOWN_CODES.has(code)) {
    const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const errorId = randomUUID();
  logger.error({ err: original, errorId, path: formatted.path }, 'internal error');
  return {
    message: `Internal error (id ${errorId})`,
    ...path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId },
  };
}

async function contextFor(dataSource: DataSource, authorization: string | undefined): Promise<Context> {
  const base = { requestId: randomUUID(), dataSource, loaders: createLoaders(dataSource) };
  if (authorization === undefined || authorization === '') return { ...base, user: null };
  const token = bearerToken(authorization);
  const user = token ? await userForToken(base, token) : null;
  if (!user) {
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'The token is unknown, revoked or expired', {
      field: 'Authorization',
    });
  }
  return { ...base, user };
}

/** A JSON answer for bodies express cannot parse (malformed or too large), never an HTML page. */
const bodyErrors: ErrorRequestHandler = (error: { type?: string; status?: number }, _req, res, next) => {
  if (error.type === 'entity.too.large') {
    res
      .status(413)
      .json({
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

const lastResort: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const errorId = randomUUID();
  logger.error({ err: error, errorId }, 'unhandled HTTP error');
  res
    .status(500)
    .json({
      errors: [
        { message: `Internal error (id ${errorId})`, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId } },
      ],
    });
};

export interface App {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
}

/** The HTTP app: `/graphql` (Apollo Sandbox on GET from a browser), `/healthz`, `/readyz`. */
export async function createApp(dataSource: DataSource): Promise<App> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<Context>({
    schema: buildAppSchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    allowBatchedHttpRequests: false,
    // Compact JSON: Apollo pretty-prints by default, which costs time on every page of leads.
    stringifyResult: (result) => JSON.stringify(result),
    plugins: [
      // No cache hints or traces are used; without these plugins no resolver is wrapped per field.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await dataSource.query('SELECT 1');
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
    expressMiddleware(apollo, {
      context: async ({ req }) => contextFor(dataSource, req.headers.authorization),
    }),
  );
  app.use(lastResort);
  return { app, httpServer, apollo };
}
