import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  FORBIDDEN = 'FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  RULE_SET_INVALID = 'RULE_SET_INVALID',
  /** The operation is over a query limit (depth, aliases, directives, cost, selections): HTTP 400. */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  /** Too many calls of a kind for this token; `retryAfterSeconds` says when to retry: HTTP 429. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** The same idempotency key was sent before with another payload or mutation. */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  /**
   * Other writes to the same lead held it longer than LOCK_TIMEOUT_MS; nothing was written and
   * the same request may be sent again after `retryAfterSeconds` (`retryable: true`).
   */
  LEAD_BUSY = 'LEAD_BUSY',
  /** Rule work (validation, test cases, simulation) ran past its time budget and was stopped; nothing was written. */
  RULE_BUDGET_EXCEEDED = 'RULE_BUDGET_EXCEEDED',
  /** The database cannot be reached or is overloaded; nothing was written: HTTP 503. */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  /** A subscriber read its events too slowly and more than 10,000 waited: the subscription ended. */
  SUBSCRIBER_TOO_SLOW = 'SUBSCRIBER_TOO_SLOW',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** One problem with an input: where it is and what is wrong. */
export interface Problem {
  path: string;
  code: string;
  message: string;
}

const httpStatus: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.QUERY_TOO_COMPLEX]: 400,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
};

/**
 * The one error the services throw. `extensions.code` is from ErrorCode; `field` names the
 * offending argument or input field (`input.email`); `problems` lists every problem when there
 * are several.
 */
export class AppError extends GraphQLError {
  constructor(
    code: ErrorCode,
    message: string,
    details: { field?: string; problems?: Problem[]; [key: string]: unknown } = {},
    /** HTTP headers for the answer when this error decides it, e.g. `Retry-After`. */
    headers: Record<string, string> = {},
  ) {
    const status = httpStatus[code];
    const http = status ? { http: { status, headers: new HeaderMap(Object.entries(headers)) } } : {};
    super(message, { extensions: { code, ...details, ...http } });
  }

  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export const notFound = (what: string, id: string, field: string): AppError =>
  new AppError(ErrorCode.NOT_FOUND, `${what} ${id} does not exist`, { field });

export const badInput = (field: string, message: string): AppError =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, { field });

/** The codes that reach clients as they are; anything else is masked by formatError. */
export const KNOWN_CODES: ReadonlySet<string> = new Set([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);
