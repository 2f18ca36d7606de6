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

export function createDataSource(url: string, options: { poolSize?: number } = {}): DataSource {
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
    extra: {
      connectionTimeoutMillis: 5000,
      statement_timeout: config.statementTimeoutMs,
      application_name: 'smarketing-api',
    },
  });
}
