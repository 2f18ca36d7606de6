import path from 'node:path';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { config } from '../config';
import { entities } from '../entities';
import { logger } from '../logger';
import { SnakeNamingStrategy } from './naming-strategy';

/**
 * Counts every statement sent through TypeORM. Tests read it to prove that a page of leads costs
 * a constant number of statements whatever its size.
 */
export const statementCounter = { count: 0 };

class CountingLogger implements TypeOrmLogger {
  logQuery(query: string): void {
    statementCounter.count += 1;
    if (logger.isLevelEnabled('trace')) logger.trace({ query }, 'sql');
  }
  logQueryError(error: string | Error, query: string): void {
    logger.debug({ err: error, query }, 'sql failed');
  }
  logQuerySlow(time: number, query: string): void {
    logger.warn({ time, query: query.slice(0, 500) }, 'slow sql');
  }
  logSchemaBuild(message: string): void {
    logger.debug(message);
  }
  logMigration(message: string): void {
    logger.info(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') logger.warn({ typeorm: message });
    else logger.debug({ typeorm: message });
  }
}

const migrationsGlob = path.join(__dirname, '..', 'migrations', '*.{ts,js}');

export function createDataSource(
  url: string,
  options: { poolSize?: number; connectTimeoutMs?: number; statementTimeoutMs?: number; applicationName?: string } = {},
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations: [migrationsGlob],
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    uuidExtension: 'pgcrypto',
    namingStrategy: new SnakeNamingStrategy(),
    logging: ['query', 'error', 'schema', 'warn', 'migration'],
    logger: new CountingLogger(),
    maxQueryExecutionTime: 1000,
    poolSize: options.poolSize ?? config.dbPoolSize,
    // A pool error (an idle connection dropped by a restarting server) must never go unhandled:
    // the pool discards that connection and opens a new one when next asked.
    poolErrorHandler: (error: unknown) => logger.warn({ err: error }, 'database connection lost'),
    extra: {
      // Waiting for a connection, new or from a busy pool, ends with an error, not a hang.
      connectionTimeoutMillis: options.connectTimeoutMs ?? config.dbConnectTimeoutMs,
      statement_timeout: options.statementTimeoutMs ?? config.statementTimeoutMs,
      // A transaction left open (a bug, a stuck client) releases its locks after a minute.
      idle_in_transaction_session_timeout: 60_000,
      // Dead peers (a host gone without closing its sockets) are noticed.
      keepAlive: true,
      application_name: options.applicationName ?? 'smarketing-api',
    },
  });
}
