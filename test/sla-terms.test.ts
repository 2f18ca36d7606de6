import { Role } from '../src/entities/enums';
import { rebuildAllLeadFacts, refreshLeadFacts } from '../src/rollups/lead-facts';
import { databaseFingerprint, givenLead, gql, ok, startTestApp, unique, type TestApp } from './helpers';

/**
 * Agreements keep their terms: an SLA's terms are versioned and each case is judged by the
 * version in force when its clock started; a case belongs to the owner the lead had then; a
 * stage's definition keeps its history. Each test works on its own funnel stage, so its cases are
 * the only ones its SLA sees.
 */
let t: TestApp;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const wholeMinute = (ms: number): Date => new Date(Math.floor(ms / MINUTE) * MINUTE);
const iso = (ms: number): string => new Date(ms).toISOString();

async function givenStage(): Promise<{ id: string; key: string }> {
  const key = unique('trial').replace('-', '_');
  const data = ok(
    await gql(t, 'mutation($input: CreateFunnelStageInput!) { createFunnelStage(input: $input) { id key } }', {
      input: { key, name: key, definition: 'Started a trial.' },
    }),
  );
  return data.createFunnelStage;
}

async function givenSla(stage: string, withinHours: number): Promise<string> {
  const data = ok(
    await gql(t, 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', {
      input: { name: unique('Response'), kind: 'RESPONSE_TIME', stage, withinHours },
    }),
  );
  return data.createSla.id as string;
}

const UPDATE_SLA = `mutation($input: UpdateSlaInput!) { updateSla(input: $input) {
  withinHours termsHistory { version effectiveFrom effectiveTo withinHours author { id } } } }`;

/** History written by SQL, as it happened: the lead entered the stage at `enteredAt`, a call `callAfter` ms later. */
async function caseOf(stageId: string, enteredAt: number, callAfter: number | null): Promise<string> {
  const lead = await givenLead(t, { ownerId: t.userIds.SALES });
  await t.dataSource.query(
    `INSERT INTO stage_transition (lead_id, from_stage_id, to_stage_id, at, cause, owner_id)
     SELECT id, stage_id, $2, $3, 'MANUAL', owner_id FROM lead WHERE id = $1`,
    [lead.id, stageId, iso(enteredAt)],
  );
  if (callAfter !== null) {
    await t.dataSource.query(
      `INSERT INTO activity (lead_id, type, occurred_at, recorded_at) VALUES ($1, 'CALL', $2, $2)`,
      [lead.id, iso(enteredAt + callAfter)],
    );
  }
  await refreshLeadFacts(t.dataSource, [lead.id]);
  return lead.id;
}

const REPORT = `query($slaId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  slaReport(slaId: $slaId, from: $from, to: $to) {
    total { cases met breached compliance }
    byTermsVersion { termsVersion cases met breached }
    byOwner { owner { id } cases met breached pending }
    breaches { totalCount nodes { lead { id } termsVersion dueAt owner { id } } }
  }
}`;

describe('SLA terms versions', () => {
  test('editing the hours leaves past cases judged by the old terms and judges later cases by the new', async () => {
    const stage = await givenStage();
    const slaId = await givenSla(stage.key, 4);
    // L1 entered 3 days ago and was called 6 h later: breached under 4 h.
    const t1 = wholeMinute(Date.now() - 3 * DAY).getTime();
    const l1 = await caseOf(stage.id, t1, 6 * HOUR);
    const effectiveFrom = wholeMinute(Date.now() - 2 * DAY).toISOString();

    // A backdated effectiveFrom before L1's clock start would re-judge it: refused, nothing written.
    const before = await databaseFingerprint(t);
    const refused = await gql(t, UPDATE_SLA, { input: { id: slaId, withinHours: 8, effectiveFrom: iso(t1) } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.effectiveFrom' });
    expect(await databaseFingerprint(t)).toEqual(before);

    const updated = ok(await gql(t, UPDATE_SLA, { input: { id: slaId, withinHours: 8, effectiveFrom } })).updateSla;
    expect(updated.withinHours).toBe(8);
    expect(updated.termsHistory).toEqual([
      { version: 1, effectiveFrom: null, effectiveTo: effectiveFrom, withinHours: 4, author: { id: t.userIds.OPS } },
      { version: 2, effectiveFrom, effectiveTo: null, withinHours: 8, author: { id: t.userIds.OPS } },
    ]);

    // L2's clock starts 1 day ago, after effectiveFrom; also called 6 h later: met under 8 h.
    const t2 = wholeMinute(Date.now() - DAY).getTime();
    const l2 = await caseOf(stage.id, t2, 6 * HOUR);
    const expected = {
      total: { cases: 2, met: 1, breached: 1, compliance: 0.5 },
      byTermsVersion: [
        { termsVersion: 1, cases: 1, met: 0, breached: 1 },
        { termsVersion: 2, cases: 1, met: 1, breached: 0 },
      ],
      byOwner: [{ owner: { id: t.userIds.SALES }, cases: 2, met: 1, breached: 1, pending: 0 }],
      breaches: {
        totalCount: 1,
        nodes: [{ lead: { id: l1 }, termsVersion: 1, dueAt: iso(t1 + 4 * HOUR), owner: { id: t.userIds.SALES } }],
      },
    };
    // A window of partial days reads the cases; one of whole days reads the daily rollup for the settled days.
    const byCases = ok(
      await gql(t, REPORT, { slaId, from: iso(t1), to: iso(t2 + MINUTE) }, { as: Role.ANALYST }),
    ).slaReport;
    expect(byCases).toEqual(expected);
    const dayStart = Math.floor(t1 / DAY) * DAY;
    const byDays = ok(
      await gql(t, REPORT, { slaId, from: iso(dayStart), to: iso(dayStart + 4 * DAY) }, { as: Role.SALES }),
    ).slaReport;
    expect(byDays).toEqual(expected);

    // The rollups equal a rebuild from the facts.
    const daily = (): Promise<unknown> =>
      t.dataSource.query(
        'SELECT day, owner_id, terms_version, met, late, open, late_logged FROM sla_daily WHERE sla_id = $1 ORDER BY day, terms_version',
        [slaId],
      );
    const kept = await daily();
    expect(kept).toHaveLength(2);
    await rebuildAllLeadFacts(t.dataSource);
    expect(await daily()).toEqual(kept);

    // The lead's own status says which terms judged it.
    const status = ok(
      await gql(t, 'query($id: ID!) { lead(id: $id) { slaStatus { slaId termsVersion status dueAt } } }', { id: l2 }),
    ).lead.slaStatus;
    expect(status).toEqual([{ slaId, termsVersion: 2, status: 'MET', dueAt: iso(t2 + 8 * HOUR) }]);
  });

  test('a change with the default effectiveFrom (now) re-judges no case; name edits are not terms', async () => {
    const stage = await givenStage();
    const slaId = await givenSla(stage.key, 4);
    const t1 = wholeMinute(Date.now() - 2 * DAY).getTime();
    await caseOf(stage.id, t1, 6 * HOUR);
    const report = async (): Promise<unknown> =>
      ok(await gql(t, REPORT, { slaId, from: iso(t1), to: iso(t1 + MINUTE) })).slaReport.total;
    expect(await report()).toEqual({ cases: 1, met: 0, breached: 1, compliance: 0 });
    const started = Date.now();
    const history = ok(await gql(t, UPDATE_SLA, { input: { id: slaId, withinHours: 12 } })).updateSla.termsHistory;
    expect(history).toHaveLength(2);
    expect(Date.parse(history[1].effectiveFrom)).toBeGreaterThanOrEqual(started - 1000);
    // Under 12 h the case would be met; it started under 4 h and stays breached.
    expect(await report()).toEqual({ cases: 1, met: 0, breached: 1, compliance: 0 });

    // Renaming changes no terms: no new version; and effectiveFrom without a change of terms is refused.
    const renamed = ok(await gql(t, UPDATE_SLA, { input: { id: slaId, name: unique('Renamed') } })).updateSla;
    expect(renamed.termsHistory).toHaveLength(2);
    const before = await databaseFingerprint(t);
    const pointless = await gql(t, UPDATE_SLA, {
      input: { id: slaId, name: unique('Again'), effectiveFrom: iso(Date.now() + DAY) },
    });
    expect(pointless.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.effectiveFrom' });
    expect(await databaseFingerprint(t)).toEqual(before);
  });
});

describe('LEAD_VOLUME terms', () => {
  test('a period is judged by the terms in force when it began; a new target applies from the next period', async () => {
    const stage = await givenStage();
    const created = ok(
      await gql(t, 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', {
        input: { name: unique('Volume'), kind: 'LEAD_VOLUME', stage: stage.key, target: 2, period: 'MONTH' },
      }),
    );
    const slaId = created.createSla.id as string;
    const lead = await givenLead(t);
    ok(
      await gql(t, 'mutation($id: ID!, $stage: String!) { moveLeadToStage(leadId: $id, stage: $stage) { id } }', {
        id: lead.id,
        stage: stage.key,
      }),
    );
    const now = new Date();
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    const monthAfter = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1);

    // Backdating the change into the running month would re-judge it: refused, nothing written.
    const before = await databaseFingerprint(t);
    const refused = await gql(t, UPDATE_SLA, { input: { id: slaId, target: 5, effectiveFrom: iso(monthStart - DAY) } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.effectiveFrom' });
    expect(await databaseFingerprint(t)).toEqual(before);

    ok(await gql(t, UPDATE_SLA, { input: { id: slaId, target: 5 } }));
    const report = ok(
      await gql(
        t,
        `query($slaId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { slaReport(slaId: $slaId, from: $from, to: $to) {
           periods { start actual target termsVersion status } } }`,
        { slaId, from: iso(monthStart), to: iso(monthAfter) },
        { as: Role.ANALYST },
      ),
    ).slaReport;
    expect(report.periods).toEqual([
      { start: iso(monthStart), actual: 1, target: 2, termsVersion: 1, status: 'PENDING' },
      { start: iso(nextMonth), actual: 0, target: 5, termsVersion: 2, status: 'PENDING' },
    ]);
    const goal = ok(
      await gql(t, 'query($id: ID!) { goalProgress(slaId: $id) { target actual } }', { id: slaId }),
    ).goalProgress;
    expect(goal).toEqual({ target: 2, actual: 1 });
  });
});

describe('a case belongs to the owner the lead had when its clock started', () => {
  test('reassigning a lead leaves its past breach with the old owner; its next case is the new owner’s', async () => {
    const stage = await givenStage();
    const slaId = await givenSla(stage.key, 4);
    const t1 = wholeMinute(Date.now() - 2 * DAY).getTime();
    const leadId = await caseOf(stage.id, t1, null);
    ok(
      await gql(
        t,
        'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { owner { id } } }',
        { input: { id: leadId, ownerId: t.userIds.OPS } },
        { as: Role.SALES },
      ),
    );
    // The lead comes back to the stage now, owned by OPS: a new case, pending.
    const move = 'mutation($id: ID!, $stage: String!) { moveLeadToStage(leadId: $id, stage: $stage) { id } }';
    ok(await gql(t, move, { id: leadId, stage: 'lead' }));
    ok(await gql(t, move, { id: leadId, stage: stage.key }));
    const report = ok(
      await gql(t, REPORT, { slaId, from: iso(t1), to: iso(Date.now() + MINUTE) }, { as: Role.MARKETING }),
    ).slaReport;
    // One case each: the report orders ties by owner id, so compare as a set.
    expect(report.byOwner).toHaveLength(2);
    expect(report.byOwner).toEqual(
      expect.arrayContaining([
        { owner: { id: t.userIds.OPS }, cases: 1, met: 0, breached: 0, pending: 1 },
        { owner: { id: t.userIds.SALES }, cases: 1, met: 0, breached: 1, pending: 0 },
      ]),
    );
    expect(report.breaches.nodes).toEqual([
      { lead: { id: leadId }, termsVersion: 1, dueAt: iso(t1 + 4 * HOUR), owner: { id: t.userIds.SALES } },
    ]);
    const [{ owner_id }] = await t.dataSource.query(
      'SELECT owner_id FROM stage_transition WHERE lead_id = $1 AND to_stage_id = $2 ORDER BY at DESC LIMIT 1',
      [leadId, stage.id],
    );
    expect(owner_id).toBe(t.userIds.OPS);
  });
});

describe('FunnelStage.definitionHistory', () => {
  test('keeps every definition with who and when, readable by every role', async () => {
    const key = unique('demo').replace('-', '_');
    ok(
      await gql(t, 'mutation($input: CreateFunnelStageInput!) { createFunnelStage(input: $input) { id } }', {
        input: { key, name: 'Demo', definition: 'Asked for a demo.' },
      }),
    );
    const update = 'mutation($input: UpdateFunnelStageInput!) { updateFunnelStage(input: $input) { definition } }';
    ok(await gql(t, update, { input: { key, definition: 'Attended a demo.' } }, { as: Role.ADMIN }));
    // A name edit is not a definition: no entry.
    ok(await gql(t, update, { input: { key, name: 'Demo done' } }));
    const read = async (as: Role): Promise<any> =>
      ok(
        await gql(
          t,
          '{ funnelStages { key definition definitionHistory { definition author { id } at } } }',
          {},
          { as },
        ),
      ).funnelStages;
    const stages = await read(Role.ANALYST);
    const stage = stages.find((row: { key: string }) => row.key === key);
    expect(stage.definition).toBe('Attended a demo.');
    expect(stage.definitionHistory.map(({ at: _at, ...rest }: { at: string }) => rest)).toEqual([
      { definition: 'Asked for a demo.', author: { id: t.userIds.OPS } },
      { definition: 'Attended a demo.', author: { id: t.userIds.ADMIN } },
    ]);
    const [first, second] = stage.definitionHistory.map((entry: { at: string }) => Date.parse(entry.at));
    expect(second).toBeGreaterThanOrEqual(first);
    expect(Date.now() - second).toBeLessThan(5 * MINUTE);
    // Stages from before the history was kept start with their text, no author (backfilled by the migration).
    const mql = stages.find((row: { key: string }) => row.key === 'mql');
    expect(mql.definitionHistory).toEqual([{ definition: mql.definition, author: null, at: expect.any(String) }]);
    for (const role of [Role.MARKETING, Role.SALES]) expect(await read(role)).toEqual(stages);
  });
});
