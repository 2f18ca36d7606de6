import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import pinoHttp from 'pino-http';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { bearerToken } from '../auth/tokens';
import type { RequestObservation } from '../context';
import { Role } from '../entities/enums';
import { identityForToken } from '../services/api-token.service';
import { httpRequestDuration, metricsRegistry } from './metrics';

/** An `x-request-id` we accept from a caller (a proxy, a load balancer): short and plain. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The paths we serve; anything else is "other" in metric labels and logs keep only the path. */
const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);
const PROBES = new Set(['/healthz', '/readyz']);

/** The path asked for, without its query string (express rewrites `url` under a mounted path). */
function pathOf(req: http.IncomingMessage): string {
  const url = (req as Partial<express.Request>).originalUrl ?? req.url ?? '/';
  const path = url.split('?', 1)[0]!;
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}

/** What a request's handlers note for its log line (GraphQL operation, user, error code). */
export function observationOf(res: http.ServerResponse): RequestObservation {
  const locals = (res as express.Response).locals as { observation?: RequestObservation } | undefined;
  if (!locals) return {};
  return (locals.observation ??= {});
}

/**
 * One log line per request (pino-http) when it ends: request id (taken from `x-request-id` when
 * the caller sent a plausible one, generated otherwise, and echoed in the answer), method, path
 * without its query string, status, duration, and for GraphQL the operation, the user's id and
 * the first error code. Never a header, a token or a variable. Health probes that pass log at
 * debug level; 5xx at error.
 */
export function requestLogger(logger: Logger): express.RequestHandler {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    serializers: { req: (req: http.IncomingMessage) => ({ method: req.method, path: pathOf(req) }) },
    customAttributeKeys: { reqId: 'requestId' },
    genReqId(req, res) {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel(req, res, error) {
      if (error || res.statusCode >= 500) return 'error';
      if (PROBES.has(pathOf(req)) && res.statusCode < 400) return 'debug';
      return 'info';
    },
    customSuccessObject: (req, res, value: { responseTime: number }) => lineFor(req, res, value.responseTime),
    customErrorObject: (req, res, _error, value: { responseTime: number }) => lineFor(req, res, value.responseTime),
    customSuccessMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
  });
}

function lineFor(req: http.IncomingMessage, res: http.ServerResponse, durationMs: number): Record<string, unknown> {
  const observation = observationOf(res);
  return {
    method: req.method,
    path: pathOf(req),
    status: res.statusCode,
    durationMs,
    ...(observation.operation !== undefined && { operation: observation.operation }),
    ...(observation.userId !== undefined && { userId: observation.userId }),
    ...(observation.code !== undefined && { code: observation.code }),
  };
}

/** Times every HTTP request by method, route, GraphQL operation (`none` for other routes) and status. */
export const httpMetrics: express.RequestHandler = (req, res, next) => {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const path = pathOf(req);
    httpRequestDuration.observe(
      {
        method: req.method,
        route: ROUTES.has(path) ? path : 'other',
        operation: observationOf(res).operation ?? 'none',
        status: String(res.statusCode),
      },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
  });
  next();
};

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Roles whose API tokens may read the metrics (they see the system's load, not its data). */
export const METRICS_ROLES: ReadonlySet<Role> = new Set([Role.ADMIN, Role.OPS]);

/** The token's role when it may read metrics. */
async function roleOf(dataSource: DataSource, token: string): Promise<Role | undefined> {
  const identity = await identityForToken({ dataSource }, token).catch(() => null);
  return identity && METRICS_ROLES.has(identity.user.role) ? identity.user.role : undefined;
}

/**
 * `/metrics` in Prometheus text. Who may read it: a bearer `metricsToken` (METRICS_TOKEN), or,
 * when `dataSource` is given, an ADMIN or OPS API token; nobody else (401 without a credential,
 * 403 with another role's token). With `open` (the loopback-only METRICS_PORT listener without a
 * METRICS_TOKEN) anyone who can reach it.
 */
export function metricsHandler(options: {
  metricsToken?: string;
  dataSource?: DataSource;
  open?: boolean;
}): express.RequestHandler {
  return async (req, res) => {
    if (!options.open) {
      const token = bearerToken(req.headers.authorization);
      if (!token) {
        res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'a bearer token is required' });
        return;
      }
      const allowed =
        (options.metricsToken !== undefined && sameSecret(token, options.metricsToken)) ||
        (options.dataSource !== undefined && (await roleOf(options.dataSource, token)) !== undefined);
      if (!allowed) {
        res.status(403).json({ error: 'this token may not read metrics' });
        return;
      }
    }
    res.set('Content-Type', metricsRegistry.contentType);
    res.end(await metricsRegistry.metrics());
  };
}

/**
 * A listener of its own for `/metrics` (METRICS_PORT), bound to `host` (loopback by default) so
 * only the machine, or a sidecar in its network namespace, can scrape it.
 */
export async function startMetricsServer(
  port: number,
  host: string,
  metricsToken: string | undefined,
): Promise<http.Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler({ metricsToken, open: metricsToken === undefined }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}
