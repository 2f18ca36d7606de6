import fs from 'node:fs';
import { createDataSource } from '../src/db/data-source';
import { printAppSchema, schemaFile } from '../src/schema/build-schema';

test('the committed schema.graphql is the schema the server builds (run `npm run schema:emit`)', () => {
  expect(fs.readFileSync(schemaFile, 'utf8')).toBe(printAppSchema());
});

test('entities and migrations agree: after migrating, the schema builder has nothing to do', async () => {
  const dataSource = createDataSource(process.env.TEST_DATABASE_URL!, { poolSize: 1 });
  await dataSource.initialize();
  try {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  } finally {
    await dataSource.destroy();
  }
});

test('the default funnel exists with a written definition for each stage', async () => {
  const dataSource = createDataSource(process.env.TEST_DATABASE_URL!, { poolSize: 1 });
  await dataSource.initialize();
  try {
    const stages: Array<{ key: string; definition: string }> = await dataSource.query(
      `SELECT key, definition FROM funnel_stage WHERE key = ANY($1) ORDER BY position`,
      [['lead', 'mql', 'sql', 'opportunity', 'customer', 'disqualified']],
    );
    expect(stages.map((stage) => stage.key)).toEqual(['lead', 'mql', 'sql', 'opportunity', 'customer', 'disqualified']);
    for (const stage of stages) expect(stage.definition.length).toBeGreaterThan(30);
  } finally {
    await dataSource.destroy();
  }
});
