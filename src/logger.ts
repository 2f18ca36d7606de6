import pino from 'pino';
import { config } from './config';

/**
 * Errors as pino serializes them, without the driver's connection object that pg and pg-boss
 * attach as `client`: it is large and holds connection settings that do not belong in logs.
 */
function serializeError(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  delete serialized.client;
  return serialized;
}

/** Logs go to stderr, so CLI commands (`npm run token`) keep stdout for their answer. */
export const logger = pino(
  { level: config.logLevel, base: { service: 'smarketing-api' }, serializers: { err: serializeError } },
  pino.destination(2),
);
