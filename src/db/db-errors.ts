import { logger } from '../logger';

/**
 * Errors that say the database cannot serve right now (down, restarting, unreachable, out of
 * connections, too slow), as opposed to a bug or bad input. Clients get SERVICE_UNAVAILABLE with
 * HTTP 503 for these and may retry; everything else stays a masked internal error.
 */
export type DatabaseTrouble = 'unavailable' | 'timeout';

/** SQLSTATEs: class 08 (connection exception), shutdowns, startup, too many connections. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
/** statement_timeout and idle-in-transaction timeouts. */
const TIMEOUT_STATES = new Set(['57014', '25P03']);
/** Socket errors of node:net. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg and pg-pool report these without a code. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
  /terminating connection due to administrator command/,
];

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && chain.length < 5 && !chain.includes(current)) {
    chain.push(current);
    const candidate = current as { driverError?: unknown; originalError?: unknown; cause?: unknown };
    current = candidate.driverError ?? candidate.originalError ?? candidate.cause;
  }
  return chain;
}

export function databaseTrouble(error: unknown): DatabaseTrouble | undefined {
  for (const cause of causes(error)) {
    const { code, message, name } = cause as { code?: unknown; message?: unknown; name?: unknown };
    // TypeORM releases a transaction's connection when the connection fails; the transaction's
    // next statement (or its COMMIT, which then never reached the server) reports this instead.
    if (name === 'QueryRunnerAlreadyReleasedError' || name === 'QueryRunnerProviderAlreadyReleasedError') {
      return 'unavailable';
    }
    if (typeof code === 'string') {
      if (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || SOCKET_CODES.has(code)) return 'unavailable';
      if (TIMEOUT_STATES.has(code)) return 'timeout';
    }
    if (typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message))) {
      return message.includes('timeout exceeded') ? 'timeout' : 'unavailable';
    }
  }
  return undefined;
}

/** While the database is down every request fails alike: one warning per interval, with a count. */
const LOG_INTERVAL_MS = 5000;
let lastLogged = 0;
let suppressed = 0;

export function logDatabaseTrouble(error: unknown, context: Record<string, unknown> = {}, now = Date.now()): void {
  if (now - lastLogged < LOG_INTERVAL_MS) {
    suppressed += 1;
    return;
  }
  logger.warn({ err: error, ...context, alikeSinceLastWarning: suppressed }, 'database unavailable');
  lastLogged = now;
  suppressed = 0;
}
