import { Role } from '../src/entities/enums';
import { foldRollupDeltas } from '../src/rollups/fold';
import { rebuildAllLeadFacts, refreshLeadFacts } from '../src/rollups/lead-facts';
import { countRows, databaseFingerprint, givenLead, gql, ok, startTestApp, unique, type TestApp } from './helpers';

/**
 * Evidence keeps its own time: an activity's recordedAt is the server's, and a contact attempt
 * logged more than SLA_BACKDATE_GRACE_MINUTES (60 by default) after its occurredAt counts for
 * SLAs at its recordedAt. The clock of each case is set by moving a lead into `mql` through the
 * API and then dating that entry back by SQL (the passage of time); the calls go through the API.
 */
let t: TestApp;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let mqlId: string;

beforeAll(async () => {
  t = await startTestApp();
  const [row] = await t.dataSource.query(`SELECT id FROM funnel_stage WHERE key = 'mql'`);
  mqlId = row.id;
});
afterAll(() => t.close());

const RECORD = `mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id occurredAt recordedAt } }`;
const RECORD_MANY = `mutation($inputs: [RecordActivityInput!]!) { recordActivities(inputs: $inputs) { id } }`;
const REPORT = `query($slaId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  slaReport(slaId: $slaId, from: $from, to: $to) {
    total { cases met breached pending lateLoggedCases compliance medianHoursToComplete }
    byOwner { owner { id } cases breached lateLoggedCases }
    breaches(first: 10) { totalCount nodes { lead { id } startedAt dueAt completedAt completedRecordedAt
                                             reportedCompletedAt lateLogged status owner { id } } }
  }
}`;

async function givenSla(withinHours: number): Promise<string> {
  const data = ok(
    await gql(t, 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', {
      input: { name: unique('Response'), kind: 'RESPONSE_TIME', stage: 'mql', withinHours },
    }),
  );
  return data.createSla.id as string;
}

/** A lead owned by SALES that entered `mql` at `enteredAt` (a whole second, in the past). */
async function leadInMqlSince(enteredAt: Date): Promise<string> {
  const lead = await givenLead(t, { ownerId: t.userIds.SALES });
  ok(
    await gql(
      t,
      'mutation($id: ID!) { moveLeadToStage(leadId: $id, stage: "mql") { id } }',
      { id: lead.id },
      {
        as: Role.SALES,
      },
    ),
  );
  await t.dataSource.query('UPDATE stage_transition SET at = $2 WHERE lead_id = $1 AND to_stage_id = $3', [
    lead.id,
    enteredAt,
    mqlId,
  ]);
  await refreshLeadFacts(t.dataSource, [lead.id]);
  return lead.id;
}

const wholeMinute = (ms: number): Date => new Date(Math.floor(ms / MINUTE) * MINUTE);
const dayOf = (date: Date): Date => new Date(Math.floor(date.getTime() / 86_400_000) * 86_400_000);

describe('a call logged days after the fact', () => {
  test('cannot turn a breached response-time case into a met one, and is counted as late-logged', async () => {
    const slaId = await givenSla(4);
    const entered = wholeMinute(Date.now() - 3 * 24 * HOUR);
    const leadId = await leadInMqlSince(entered);
    const reported = new Date(entered.getTime() + MINUTE);
    const call = ok(
      await gql(t, RECORD, { input: { leadId, type: 'CALL', occurredAt: reported.toISOString() } }, { as: Role.SALES }),
    ).recordActivity;
    // The reported time is kept as sent; the server's time is beside it.
    expect(call.occurredAt).toBe(reported.toISOString());
    const recordedAt = new Date(call.recordedAt);
    expect(Math.abs(recordedAt.getTime() - Date.now())).toBeLessThan(MINUTE);

    // Due 4 h after the entry, three days ago. At the reported time (1 minute) it would be met; it
    // was logged ~72 h later, beyond the 60-minute grace, so it counts then: breached, late-logged.
    const dueAt = new Date(entered.getTime() + 4 * HOUR).toISOString();
    const expectedBreach = {
      lead: { id: leadId },
      startedAt: entered.toISOString(),
      dueAt,
      completedAt: recordedAt.toISOString(),
      completedRecordedAt: recordedAt.toISOString(),
      reportedCompletedAt: reported.toISOString(),
      lateLogged: true,
      status: 'BREACHED',
      owner: { id: t.userIds.SALES },
    };
    const byCases = ok(
      await gql(
        t,
        REPORT,
        { slaId, from: entered.toISOString(), to: new Date(entered.getTime() + MINUTE).toISOString() },
        { as: Role.MARKETING },
      ),
    ).slaReport;
    expect(byCases.total).toEqual({
      cases: 1,
      met: 0,
      breached: 1,
      pending: 0,
      lateLoggedCases: 1,
      compliance: 0,
      medianHoursToComplete: expect.any(Number),
    });
    // From the entry to when the call was logged (the database keeps microseconds; the API shows milliseconds).
    expect(byCases.total.medianHoursToComplete).toBeCloseTo((recordedAt.getTime() - entered.getTime()) / HOUR, 5);
    expect(byCases.byOwner).toEqual([{ owner: { id: t.userIds.SALES }, cases: 1, breached: 1, lateLoggedCases: 1 }]);
    expect(byCases.breaches).toEqual({ totalCount: 1, nodes: [expectedBreach] });

    // The whole day of the entry is settled: read from the daily rollup, the same figures.
    const day = dayOf(entered);
    const byDay = ok(
      await gql(t, REPORT, {
        slaId,
        from: day.toISOString(),
        to: new Date(day.getTime() + 86_400_000).toISOString(),
      }),
    ).slaReport;
    expect(byDay.total).toMatchObject({ cases: 1, met: 0, breached: 1, lateLoggedCases: 1 });

    // Lead.slaStatus judges the case the same way.
    const status = ok(
      await gql(
        t,
        `query($id: ID!) { lead(id: $id) { slaStatus { slaId status completedAt completedRecordedAt reportedCompletedAt lateLogged } } }`,
        { id: leadId },
        { as: Role.SALES },
      ),
    ).lead.slaStatus.find((row: { slaId: string }) => row.slaId === slaId);
    expect(status).toEqual({
      slaId,
      status: 'BREACHED',
      completedAt: recordedAt.toISOString(),
      completedRecordedAt: recordedAt.toISOString(),
      reportedCompletedAt: reported.toISOString(),
      lateLogged: true,
    });

    // The activity is still there, with both times, as the lead's evidence.
    const activities = ok(
      await gql(t, 'query($id: ID!) { lead(id: $id) { activities { type occurredAt recordedAt } } }', { id: leadId }),
    ).lead.activities;
    expect(activities).toEqual([{ type: 'CALL', occurredAt: reported.toISOString(), recordedAt: call.recordedAt }]);
  });
});

describe('a call logged within the grace', () => {
  test('counts at its occurredAt; one logged past the grace counts when logged, and still meets a case not yet due', async () => {
    const slaId = await givenSla(4);
    // Two entries 20 minutes apart, far from the other tests' cases (1 and 3 days back).
    const first = wholeMinute(Date.now() - 50 * MINUTE);
    const second = new Date(first.getTime() - 20 * MINUTE);
    const inGrace = await leadInMqlSince(first);
    const pastGrace = await leadInMqlSince(second);
    // Each call reported 1 minute after its lead's entry: 49 and 69 minutes before it is logged.
    const a = ok(
      await gql(
        t,
        RECORD,
        { input: { leadId: inGrace, type: 'CALL', occurredAt: new Date(first.getTime() + MINUTE).toISOString() } },
        { as: Role.SALES },
      ),
    ).recordActivity;
    const b = ok(
      await gql(
        t,
        RECORD,
        {
          input: {
            leadId: pastGrace,
            type: 'EMAIL_SENT',
            occurredAt: new Date(second.getTime() + MINUTE).toISOString(),
          },
        },
        { as: Role.SALES },
      ),
    ).recordActivity;
    const report = ok(
      await gql(t, REPORT, {
        slaId,
        from: second.toISOString(),
        to: new Date(first.getTime() + MINUTE).toISOString(),
      }),
    ).slaReport;
    // Hours to complete: 1/60 (counted at occurredAt) and from the entry to b's recordedAt (~70 min).
    const hoursB = (new Date(b.recordedAt).getTime() - second.getTime()) / HOUR;
    expect(hoursB).toBeGreaterThan(1);
    expect(report.total).toMatchObject({
      cases: 2,
      met: 2,
      breached: 0,
      pending: 0,
      lateLoggedCases: 0,
      compliance: 1,
    });
    expect(report.total.medianHoursToComplete).toBeCloseTo((1 / 60 + hoursB) / 2, 6);
    const statuses = ok(
      await gql(
        t,
        'query($a: ID!, $b: ID!) { a: lead(id: $a) { slaStatus { slaId completedAt status } } b: lead(id: $b) { slaStatus { slaId completedAt status } } }',
        {
          a: inGrace,
          b: pastGrace,
        },
      ),
    );
    const mine = (rows: Array<{ slaId: string }>): unknown => rows.find((row) => row.slaId === slaId);
    expect(mine(statuses.a.slaStatus)).toEqual({ slaId, status: 'MET', completedAt: a.occurredAt });
    expect(mine(statuses.b.slaStatus)).toEqual({ slaId, status: 'MET', completedAt: b.recordedAt });
  });
});

describe('occurredAt in the future', () => {
  test('more than 5 minutes ahead is BAD_USER_INPUT naming occurredAt, and nothing is written', async () => {
    const lead = await givenLead(t);
    const before = await databaseFingerprint(t);
    const hourAhead = new Date(Date.now() + HOUR).toISOString();
    const single = await gql(
      t,
      RECORD,
      { input: { leadId: lead.id, type: 'CALL', occurredAt: hourAhead } },
      {
        as: Role.SALES,
      },
    );
    expect(single.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.occurredAt' });
    expect(single.data).toBeNull();
    const batch = await gql(
      t,
      RECORD_MANY,
      {
        inputs: [
          { leadId: lead.id, type: 'CALL' },
          { leadId: lead.id, type: 'MEETING', occurredAt: hourAhead },
        ],
      },
      { as: Role.SALES },
    );
    expect(batch.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs[1].occurredAt' });
    expect(await databaseFingerprint(t)).toEqual(before);
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(0);
  });

  test('a few minutes ahead (clock skew) and a year back are accepted', async () => {
    const lead = await givenLead(t);
    ok(
      await gql(
        t,
        RECORD_MANY,
        {
          inputs: [
            { leadId: lead.id, type: 'CALL', occurredAt: new Date(Date.now() + 3 * MINUTE).toISOString() },
            { leadId: lead.id, type: 'CALL', occurredAt: new Date(Date.now() - 365 * 24 * HOUR).toISOString() },
          ],
        },
        { as: Role.SALES },
      ),
    );
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(2);
  });
});

describe('recordedAt is the server’s', () => {
  test('clients cannot set it, and not even SQL can change it once written', async () => {
    const lead = await givenLead(t);
    const sent = await gql(
      t,
      RECORD,
      { input: { leadId: lead.id, type: 'CALL', recordedAt: '2020-01-01T00:00:00Z' } },
      {
        as: Role.SALES,
      },
    );
    expect(sent.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const call = ok(
      await gql(t, RECORD, { input: { leadId: lead.id, type: 'CALL' } }, { as: Role.SALES }),
    ).recordActivity;
    await expect(
      t.dataSource.query(`UPDATE activity SET recorded_at = recorded_at - interval '3 days' WHERE id = $1`, [call.id]),
    ).rejects.toThrow('activity.recorded_at never changes');
    const [row] = await t.dataSource.query('SELECT recorded_at FROM activity WHERE id = $1', [call.id]);
    expect(row.recorded_at.toISOString()).toBe(call.recordedAt);
  });
});

describe('the rollups stay equal to a rebuild', () => {
  test('stage_visit and sla_daily, with late-logged calls, case owners and terms versions, match a full rebuild', async () => {
    const rows = async (): Promise<unknown> =>
      t.dataSource.query(
        `SELECT (SELECT json_agg(v ORDER BY v.id) FROM stage_visit v)::text AS visits,
                (SELECT json_agg(d ORDER BY d.sla_id, d.day, d.owner_id, d.terms_version)
                   FROM sla_daily d WHERE NOT (met = 0 AND late = 0 AND open = 0 AND late_logged = 0))::text AS daily`,
      );
    const slaId = await givenSla(2);
    // 36 h back always falls on another UTC day than the other tests' cases (3 days back, and within the last
    // ~70 minutes), so this SLA's daily row holds this case alone at any time of day.
    const leadId = await leadInMqlSince(wholeMinute(Date.now() - 36 * HOUR));
    const [{ at }] = await t.dataSource.query(
      'SELECT at FROM stage_transition WHERE lead_id = $1 AND to_stage_id = $2',
      [leadId, mqlId],
    );
    ok(
      await gql(
        t,
        RECORD,
        { input: { leadId, type: 'MEETING', occurredAt: new Date(at.getTime() + 30 * MINUTE).toISOString() } },
        { as: Role.SALES },
      ),
    );
    // Reassigned afterwards: the case stays with SALES, in the rollups and in a rebuild.
    ok(
      await gql(t, 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id } }', {
        input: { id: leadId, ownerId: t.userIds.OPS },
      }),
    );
    // Folded, each key is one row (before, its deltas are separate rows that the reports sum).
    await foldRollupDeltas(t.dataSource);
    const kept = await rows();
    const [daily] = await t.dataSource.query(
      'SELECT owner_id, terms_version, met, late, open, late_logged FROM sla_daily WHERE sla_id = $1',
      [slaId],
    );
    expect(daily).toEqual({ owner_id: t.userIds.SALES, terms_version: 1, met: 0, late: 1, open: 0, late_logged: 1 });
    await rebuildAllLeadFacts(t.dataSource);
    expect(await rows()).toEqual(kept);
  });
});
