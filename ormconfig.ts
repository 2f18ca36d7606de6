import 'reflect-metadata';
import { config } from './src/config';
import { createDataSource } from './src/db/data-source';

/**
 * The data source of the TypeORM CLI (`npm run migration:*`). Without DATABASE_URL it points at
 * the embedded server that `npm start` runs.
 */
export default createDataSource(
  config.databaseUrl ?? `postgres://postgres:smarketing@127.0.0.1:${config.embeddedPort}/smarketing`,
);
