import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/db/data-source';
import { Role } from '../src/entities/enums';
import { freshDatabase, givenLead, gql, ok, startTestApp, type TestApp } from './helpers';

/**
 * DATABASE_READ_URL: metric queries and list pages read the replica, everything else the
 * primary. The "replica" here is a second database that lags forever (a copy made before any
 * lead), so which one a query read is plain from its answer.
 */
let t: TestApp;
let replica: { url: string; drop: () => Promise<void> };
let readDataSource: DataSource;

beforeAll(async () => {
  replica = await freshDatabase();
  readDataSource = createDataSource(replica.url, { poolSize: 2, applicationName: 'smarketing-api-read' });
  await readDataSource.initialize();
  t = await startTestApp({ readDataSource });
});

afterAll(async () => {
  await t.close();
  await readDataSource.destroy();
  await replica.drop();
});

test('metric queries and lists read the replica; a write and reading it back use the primary', async () => {
  const lead = await givenLead(t, { companySize: 300 });

  // Read-your-writes: the lead just written is there, through the primary, and can be changed.
  const read = ok(
    await gql(t, 'query($id: ID!) { lead(id: $id) { id email } }', { id: lead.id }, { as: Role.ANALYST }),
  );
  expect(read.lead).toEqual({ id: lead.id, email: lead.email });
  const updated = ok(
    await gql(
      t,
      'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { firstName version } }',
      { input: { id: lead.id, expectedVersion: lead.version, firstName: 'Grace' } },
      { as: Role.MARKETING },
    ),
  );
  expect(updated.updateLead.firstName).toBe('Grace');

  // The replica has not caught up (here: never will), and the analyst's numbers say so.
  const report = ok(await gql(t, '{ funnelReport { leads } }', {}, { as: Role.ANALYST }));
  expect(report.funnelReport.leads).toBe(0);
  const page = ok(await gql(t, '{ leads(first: 10) { totalCount nodes { id } } }', {}, { as: Role.ANALYST }));
  expect(page.leads).toEqual({ totalCount: 0, nodes: [] });

  // The primary has the lead; the replica's connections carry their own application_name.
  const [primary] = await t.dataSource.query('SELECT count(*)::int AS n FROM lead');
  expect(primary.n).toBe(1);
  const [onReplica] = await t.dataSource.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'smarketing-api-read' AND datname = $1",
    [new URL(replica.url).pathname.slice(1)],
  );
  expect(onReplica.n).toBeGreaterThan(0);
});
