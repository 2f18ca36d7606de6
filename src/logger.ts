import pino from 'pino';
import pretty from 'pino-pretty';
import { config } from './config';

/** Fields of people that never belong in a log line, wherever they appear (one or two levels deep). */
const PERSONAL_FIELDS = ['email', 'firstName', 'lastName', 'phone', 'name', 'company', 'jobTitle', 'attributes'];

/**
 * What pino masks in every line: the caller's credentials, SQL parameter values and personal
 * fields. The error serializer below already keeps only safe properties of errors; this catches
 * the same data when someone logs it by another name.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'authorization',
  'token',
  'parameters',
  'params',
  'variables',
  '*.parameters',
  '*.variables',
  ...PERSONAL_FIELDS,
  ...PERSONAL_FIELDS.map((field) => `*.${field}`),
];

/**
 * PostgreSQL quotes the offending value at the end of some messages
 * (`invalid input syntax for type uuid: "..."`, `value too long for type ...`): the value goes,
 * the sentence stays.
 */
function withoutValues(message: string): string {
  return message.replace(/(: )"(?:[^"\\]|\\.)*"$/m, '$1"[redacted]"');
}

/** Properties of a database error that name things (SQLSTATE, constraint, table), never values. */
const SAFE_DRIVER_FIELDS = ['code', 'severity', 'constraint', 'table', 'column', 'schema', 'routine', 'dataType'];

/**
 * Errors as the log keeps them: type, message and stack, the code, and for a failed statement its
 * SQL text and SQLSTATE (TypeORM's QueryFailedError and pg's DatabaseError). Everything else is
 * left out on purpose: `parameters` (the values of a lead: email, names, phone), pg's `detail`
 * (`Key (email)=(...)`, `Failing row contains (...)`), `where`, and the driver's `client`
 * (connection settings). Causes (`cause`, `originalError`, `driverError`) are followed a few
 * levels, kept the same way.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!error || typeof error !== 'object') return { message: String(error) };
  const source = error as Record<string, unknown> & { constructor?: { name?: string } };
  const serialized: Record<string, unknown> = { type: source.constructor?.name ?? 'Error' };
  if (typeof source.message === 'string') serialized.message = withoutValues(source.message);
  if (typeof source.stack === 'string') {
    const message = typeof source.message === 'string' ? source.message : '';
    serialized.stack = message ? source.stack.replace(message, withoutValues(message)) : source.stack;
  }
  for (const field of SAFE_DRIVER_FIELDS) {
    const value = source[field];
    if (typeof value === 'string' || typeof value === 'number') serialized[field] = value;
  }
  if (typeof source.query === 'string') serialized.query = source.query;
  const extensions = source.extensions as { code?: unknown } | undefined;
  if (typeof extensions?.code === 'string') serialized.extensions = { code: extensions.code };
  if (depth < 4) {
    for (const link of ['driverError', 'originalError', 'cause'] as const) {
      const next = source[link];
      // TypeORM's QueryFailedError copies the driver error's fields onto itself; the driver error
      // adds nothing then, except its own type.
      if (next && typeof next === 'object' && next !== error) serialized[link] = serializeError(next, depth + 1);
    }
  }
  return serialized;
}

/** A logger with the project's settings (level, redaction, error serializer) writing to `destination`. */
export function createLogger(destination: pino.DestinationStream, level: string = config.logLevel): pino.Logger {
  return pino(
    {
      level,
      base: { service: 'smarketing-api' },
      serializers: { err: serializeError },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * Logs go to stderr, so CLI commands (`npm run token`) keep stdout for their answer. JSON for
 * machines; `LOG_FORMAT=pretty` for people (readable local times, the fields indented under each message).
 */
export const logger = createLogger(
  config.logFormat === 'pretty'
    ? pretty({ destination: 2, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' })
    : pino.destination(2),
);
