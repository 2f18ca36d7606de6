import * as sql from 'pg-sql2';
import { foldStatement } from '../src/rollups/fold';
import { rebuildDailyStatements, rebuildLeadStatements, refreshStatement } from '../src/rollups/lead-facts';

/**
 * The rollup statements as PostgreSQL receives them, committed beside this test (PostGraphile's
 * habit): a change to a fragment, to an entity's columns or to the SLA case shows up in review as
 * a change to the SQL. `npx jest test/rollup-sql.test.ts -u` accepts an intended change.
 */
const LEAD = '00000000-0000-4000-8000-000000000001';

test('the refresh of a lead write: one statement', () => {
  expect(sql.compile(refreshStatement([LEAD]))).toMatchSnapshot();
});

test('the fold of the daily deltas: one statement', () => {
  expect(sql.compile(foldStatement())).toMatchSnapshot();
});

test('the full rebuild', () => {
  expect(
    [...rebuildLeadStatements(), ...rebuildDailyStatements()].map((statement) => sql.compile(statement)),
  ).toMatchSnapshot();
});
