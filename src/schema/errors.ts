import { GraphQLError } from 'graphql';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  FORBIDDEN = 'FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  RULE_SET_INVALID = 'RULE_SET_INVALID',
  RATE_LIMITED = 'RATE_LIMITED',
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
  ) {
    const status = httpStatus[code];
    super(message, {
      extensions: { code, ...details, ...(status ? { http: { status } } : {}) },
    });
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
