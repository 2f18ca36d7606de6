import { Role } from '../src/entities/enums';
import { listSlaBreaches, slaReport } from '../src/reports/sla-report';
import { listOpenSlaCases } from '../src/reports/sla-worklist';
import { givenLead, gql, ok, startTestApp, systemContext, unique, type TestApp } from './helpers';

/**
 * The breach list and the worklist page their cases in SQL, each case judged by the one
 * definition in src/rollups/sla-case.ts that Lead.slaStatus reads too: three leads reach `mql`
 * one after another under a 4-hour response SLA; the pages follow each other by cursor, and every
 * case on them equals the lead's own slaStatus.
 */
let t: TestApp;
let sla: string;
const leads: string[] = [];

const WORKLIST = `query($slaId: ID!, $after: String) {
  openSlaCases(slaId: $slaId, atRiskOnly: false, first: 1, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { leadId status startedAt dueAt completedAt attempts lateLogged termsVersion }
  }
}`;
const STATUS = `query($id: ID!) {
  lead(id: $id) { slaStatus { slaId leadId status startedAt dueAt completedAt attempts lateLogged termsVersion } }
}`;

beforeAll(async () => {
  t = await startTestApp();
  const created = ok(
    await gql<{ createSla: { id: string } }>(
      t,
      'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }',
      {
        input: { name: unique('Sla'), stage: 'mql', kind: 'RESPONSE_TIME', withinHours: 4 },
      },
    ),
  );
  sla = created.createSla.id;
  for (let i = 0; i < 3; i++) {
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
    leads.push(lead.id);
  }
});
afterAll(() => t.close());

test('the worklist pages by cursor, and each case equals the lead’s slaStatus', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 3; page++) {
    const list: any = ok(await gql(t, WORKLIST, { slaId: sla, after }, { as: Role.SALES })).openSlaCases;
    expect(list.totalCount).toBe(3);
    expect(list.nodes).toHaveLength(1);
    expect(list.pageInfo).toMatchObject({ hasNextPage: page < 2, hasPreviousPage: page > 0 });
    const [node] = list.nodes;
    seen.push(node.leadId);
    const status = ok(await gql(t, STATUS, { id: node.leadId }, { as: Role.SALES })).lead.slaStatus;
    const { leadId: _lead, ...expected } = node;
    expect(status.find((row: any) => row.slaId === sla)).toMatchObject({ ...expected, status: 'ON_TRACK' });
    after = list.pageInfo.endCursor;
  }
  expect(seen).toEqual(leads);
});

test('the breach list pages newest first; a cursor of the worklist is refused there', async () => {
  const ctx = systemContext(t.dataSource);
  const report = await slaReport(ctx, sla, new Date(Date.now() - 3_600_000), new Date(Date.now() + 3_600_000));
  // Five hours on, every case is due and none was contacted: all three are breached.
  const later = { ...report, at: new Date(Date.now() + 5 * 3_600_000) };
  const first = await listSlaBreaches(ctx, later, 2, undefined);
  expect(await first.countTotal()).toBe(3);
  expect(first.hasNextPage).toBe(true);
  const second = await listSlaBreaches(ctx, later, 2, first.cursorAt(1));
  expect(second.hasNextPage).toBe(false);
  const cases = [...first.nodes, ...second.nodes];
  expect(cases.map((row) => row.leadId)).toEqual([...leads].reverse());
  for (const row of cases) {
    expect(row).toMatchObject({ status: 'BREACHED', slaId: sla, termsVersion: 1, attempts: 0, completedAt: null });
    expect(row.dueAt.getTime() - row.startedAt.getTime()).toBe(4 * 3_600_000);
  }
  // Not breached yet now: the same list at the report's own instant is empty.
  expect((await listSlaBreaches(ctx, report, 10, undefined)).nodes).toEqual([]);
  const worklist = await listOpenSlaCases(ctx, { slaId: sla, atRiskOnly: false, first: 1 });
  await expect(listSlaBreaches(ctx, later, 2, worklist.cursorAt(0))).rejects.toMatchObject({
    extensions: { code: 'BAD_USER_INPUT', field: 'after' },
  });
});
