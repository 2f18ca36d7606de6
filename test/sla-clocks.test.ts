import { Role } from '../src/entities/enums';
import { runSlaClock } from '../src/jobs/sla-clock.job';
import { givenLead, gql, ok, startTestApp, unique, type TestApp } from './helpers';

/**
 * SLA clocks that fire: `sla.at_risk` past 75 % of the allowed time, `sla.breached` past due,
 * `sla.met` when a case is completed in time, each exactly once per case, whatever the restarts
 * and however many clocks run. The clock's time is injected; Lead.slaStatus (which uses the real
 * time) is checked on leads whose clock started hours ago.
 */
let t: TestApp;
let response: string;
let followUp: string;
const HOUR = 3_600_000;

async function givenSla(input: Record<string, unknown>): Promise<string> {
  return ok(
    await gql(t, 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', {
      input: { name: unique('Sla'), stage: 'mql', ...input },
    }),
  ).createSla.id;
}

/** A lead that entered `mql` `hoursAgo` hours ago (its history moved back in time). */
async function leadInMqlSince(hoursAgo: number): Promise<string> {
  const lead = await givenLead(t, { stage: 'mql', ownerId: t.userIds.SALES });
  await backdate(lead.id, hoursAgo);
  return lead.id;
}

async function backdate(leadId: string, hours: number): Promise<void> {
  await t.dataSource.query(`UPDATE stage_transition SET at = at - interval '1 hour' * $2 WHERE lead_id = $1`, [
    leadId,
    hours,
  ]);
  await t.dataSource.query(
    `UPDATE stage_visit SET entered_at = entered_at - interval '1 hour' * $2 WHERE lead_id = $1`,
    [leadId, hours],
  );
}

async function call(leadId: string): Promise<void> {
  ok(
    await gql(
      t,
      'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }',
      { input: { leadId, type: 'CALL' } },
      { as: Role.SALES },
    ),
  );
}

interface Alert {
  type: string;
  lead_id: string;
  sequence: number;
  data: Record<string, any>;
}

async function alerts(leadId?: string): Promise<Alert[]> {
  return t.dataSource.query(
    `SELECT type, lead_id, sequence, data FROM outbox_event
      WHERE type LIKE 'sla.%' AND ($1::uuid IS NULL OR lead_id = $1) ORDER BY position`,
    [leadId ?? null],
  );
}

async function statusOf(leadId: string, slaId: string): Promise<string> {
  const lead = ok(
    await gql(t, 'query($id: ID!) { lead(id: $id) { slaStatus { slaId status } } }', { id: leadId }),
  ).lead;
  return lead.slaStatus.find((c: any) => c.slaId === slaId).status;
}

beforeAll(async () => {
  t = await startTestApp();
  response = await givenSla({ kind: 'RESPONSE_TIME', withinHours: 4 });
  followUp = await givenSla({ kind: 'FOLLOW_UP', attempts: 2, withinDays: 1 });
});
afterAll(() => t.close());

test('past 75 % one sla.at_risk, past due one sla.breached, once per case across restarts and concurrent clocks; Lead.slaStatus agrees', async () => {
  const lead = await leadInMqlSince(3.5);
  expect(await statusOf(lead, response)).toBe('AT_RISK');
  expect(await statusOf(lead, followUp)).toBe('ON_TRACK');

  const now = new Date();
  expect(await runSlaClock(t.dataSource, now)).toBe(1);
  const [atRisk] = await alerts(lead);
  expect(atRisk).toMatchObject({
    type: 'sla.at_risk',
    data: { slaId: response, status: 'AT_RISK', stage: 'mql', ownerId: t.userIds.SALES, completedAt: null },
  });
  const dueAt = new Date(atRisk!.data.dueAt).getTime();
  expect(Math.abs(dueAt - (now.getTime() + 0.5 * HOUR))).toBeLessThan(60_000);

  // A restarted clock, and two clocks at once, find nothing left to fire.
  expect(await runSlaClock(t.dataSource, now)).toBe(0);
  expect(await Promise.all([runSlaClock(t.dataSource, now), runSlaClock(t.dataSource, now)])).toEqual([0, 0]);

  // One hour later the response case is due: breached, once.
  const later = new Date(now.getTime() + HOUR);
  const fired = await Promise.all([runSlaClock(t.dataSource, later), runSlaClock(t.dataSource, later)]);
  expect(fired[0] + fired[1]).toBe(1);
  expect(await runSlaClock(t.dataSource, later)).toBe(0);
  expect((await alerts(lead)).map((a) => [a.type, a.data.slaId])).toEqual([
    ['sla.at_risk', response],
    ['sla.breached', response],
  ]);
  // Lead.slaStatus, at the real time that is now past due, says what the clock said.
  await backdate(lead, 1);
  expect(await statusOf(lead, response)).toBe('BREACHED');
  expect(await runSlaClock(t.dataSource, new Date())).toBe(0);

  // The events carry the lead's sequence after its earlier events.
  const sequences = (await alerts(lead)).map((a) => a.sequence);
  expect(sequences[1]).toBe(sequences[0]! + 1);
});

test('a case contacted in time fires sla.met (and sla.at_risk first only when the contact came after 75 %)', async () => {
  const early = await leadInMqlSince(1);
  const late = await leadInMqlSince(3.5);
  await runSlaClock(t.dataSource, new Date());
  await call(early);
  await call(late);
  expect(await statusOf(early, response)).toBe('MET');
  await runSlaClock(t.dataSource, new Date());
  expect(await runSlaClock(t.dataSource, new Date())).toBe(0);
  expect((await alerts(early)).map((a) => [a.type, a.data.slaId])).toEqual([['sla.met', response]]);
  expect((await alerts(late)).map((a) => [a.type, a.data.slaId, a.data.status])).toEqual([
    ['sla.at_risk', response, 'AT_RISK'],
    ['sla.met', response, 'MET'],
  ]);
  const [, met] = await alerts(late);
  expect(met!.data.completedAt).toEqual(expect.any(String));
});

test('a clock that was stopped past due fires at_risk and breached together, in that order, for every case', async () => {
  const before = (await alerts()).length;
  // A day later every follow-up case (2 attempts within 1 day) of the leads above is overdue.
  const dayLater = new Date(Date.now() + 25 * HOUR);
  const fired = await runSlaClock(t.dataSource, dayLater);
  const fresh = (await alerts()).slice(before);
  expect(fired).toBe(fresh.length);
  const byCase = new Map<string, string[]>();
  for (const alert of fresh) {
    expect(alert.data.slaId).toBe(followUp);
    byCase.set(alert.data.caseId, [...(byCase.get(alert.data.caseId) ?? []), alert.type]);
  }
  expect(byCase.size).toBe(3);
  for (const kinds of byCase.values()) expect(kinds).toEqual(['sla.at_risk', 'sla.breached']);
  expect(await runSlaClock(t.dataSource, dayLater)).toBe(0);
});
