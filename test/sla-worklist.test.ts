import { Role } from '../src/entities/enums';
import { listOpenSlaCases } from '../src/reports/sla-worklist';
import { databaseFingerprint, givenLead, gql, ok, startTestApp, systemContext, unique, type TestApp } from './helpers';

/**
 * Sales' worklist (openSlaCases): three leads reach `mql` now, one after another; one of them is
 * called at once. Under a 4-hour response SLA the other two are ON_TRACK now, AT_RISK from 3 hours
 * on, and off the list once due (breached) or contacted (met).
 */
let t: TestApp;
let responseSla: string;
let followUpSla: string;
let volumeSla: string;
const leads: string[] = [];

const WORKLIST = `query($slaId: ID!, $atRiskOnly: Boolean, $ownerId: ID) {
  openSlaCases(slaId: $slaId, atRiskOnly: $atRiskOnly, ownerId: $ownerId, first: 10) {
    totalCount nodes { leadId status dueAt startedAt attempts lead { email } }
  }
}`;

async function givenSla(input: Record<string, unknown>): Promise<string> {
  const data = ok(
    await gql<{ createSla: { id: string } }>(
      t,
      'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }',
      {
        input: { name: unique('Sla'), stage: 'mql', ...input },
      },
    ),
  );
  return data.createSla.id;
}

beforeAll(async () => {
  t = await startTestApp();
  responseSla = await givenSla({ kind: 'RESPONSE_TIME', withinHours: 4 });
  followUpSla = await givenSla({ kind: 'FOLLOW_UP', attempts: 2, withinDays: 1 });
  volumeSla = await givenSla({ kind: 'LEAD_VOLUME', target: 10, period: 'MONTH' });
  for (let i = 0; i < 3; i++) {
    const lead = await givenLead(t, { ownerId: t.userIds.SALES });
    ok(
      await gql(
        t,
        'mutation($id: ID!) { moveLeadToStage(leadId: $id, stage: "mql") { id } }',
        { id: lead.id },
        { as: Role.SALES },
      ),
    );
    leads.push(lead.id);
  }
  ok(
    await gql(
      t,
      'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }',
      {
        input: { leadId: leads[1], type: 'CALL' },
      },
      { as: Role.SALES },
    ),
  );
});
afterAll(() => t.close());

describe('openSlaCases', () => {
  test('lists the open cases due soonest first; the contacted lead is not on it', async () => {
    const all = ok(await gql(t, WORKLIST, { slaId: responseSla, atRiskOnly: false }, { as: Role.SALES })).openSlaCases;
    expect(all.totalCount).toBe(2);
    expect(all.nodes.map((row: any) => row.leadId)).toEqual([leads[0], leads[2]]);
    for (const row of all.nodes) {
      expect(row.status).toBe('ON_TRACK');
      expect(Date.parse(row.dueAt) - Date.parse(row.startedAt)).toBe(4 * 3_600_000);
    }
    // Nothing is at risk a moment after the clock started.
    expect(ok(await gql(t, WORKLIST, { slaId: responseSla })).openSlaCases.totalCount).toBe(0);
    // FOLLOW_UP needs two attempts: one call leaves the case open.
    const followUp = ok(await gql(t, WORKLIST, { slaId: followUpSla, atRiskOnly: false })).openSlaCases;
    expect(followUp.nodes.map((row: any) => [row.leadId, row.attempts])).toEqual([
      [leads[0], 0],
      [leads[1], 1],
      [leads[2], 0],
    ]);
  });

  test('cases are AT_RISK from 75% of the allowed time and leave the list once due', async () => {
    const ctx = systemContext(t.dataSource);
    const args = { slaId: responseSla, atRiskOnly: true, first: 10 };
    const inThreeHours = new Date(Date.now() + 3.1 * 3_600_000);
    const atRisk = await listOpenSlaCases(ctx, args, inThreeHours);
    expect(atRisk.nodes.map((row) => [row.leadId, row.status])).toEqual([
      [leads[0], 'AT_RISK'],
      [leads[2], 'AT_RISK'],
    ]);
    const later = await listOpenSlaCases(ctx, args, new Date(Date.now() + 4.1 * 3_600_000));
    expect(later.nodes).toEqual([]);
  });

  test('an owner filter narrows the list to that owner’s cases', async () => {
    const mine = ok(await gql(t, WORKLIST, { slaId: responseSla, atRiskOnly: false, ownerId: t.userIds.SALES }));
    expect(mine.openSlaCases.totalCount).toBe(2);
    const none = ok(await gql(t, WORKLIST, { slaId: responseSla, atRiskOnly: false, ownerId: t.userIds.OPS }));
    expect(none.openSlaCases.totalCount).toBe(0);
  });

  test('a LEAD_VOLUME SLA has no cases: BAD_USER_INPUT on slaId, nothing written', async () => {
    const before = await databaseFingerprint(t);
    const result = await gql(t, WORKLIST, { slaId: volumeSla });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'slaId' });
    const missing = await gql(t, WORKLIST, { slaId: '00000000-0000-4000-8000-000000000000' });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'slaId' });
    expect(await databaseFingerprint(t)).toEqual(before);
  });
});
