import 'reflect-metadata';
import { config } from './src/config';
import { createDataSource } from './src/db/data-source';
import { embeddedAppUrl } from './src/db/embedded-postgres';

/**
 * The data source of the TypeORM CLI (`npm run migration:*`). Without DATABASE_URL it points at
 * the embedded server that `npm start` runs, as the API's role, with the password kept in its
 * data folder.
 */
export default createDataSource(
  config.databaseUrl ?? embeddedAppUrl(config.embeddedDataDir, config.embeddedPort, 'smarketing'),
);
