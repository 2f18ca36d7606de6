import { Client } from 'pg';
import { Role } from '../src/entities/enums';
import { EVENTS_CHANNEL, type EventNotice } from '../src/events/event-types';
import { emitEvent, leadEvents, sweepOutbox } from '../src/events/outbox';
import { createLead } from '../src/services/lead.service';
import { inTransaction } from '../src/services/transaction';
import {
  databaseFingerprint,
  givenLead,
  givenRuleSetDraft,
  gql,
  ok,
  SCORE_RULE,
  startTestApp,
  systemContext,
  unique,
  type TestApp,
} from './helpers';

/**
 * The transactional outbox: every domain event is written in the transaction of its change, with
 * an id and a sequence per lead, and announced on NOTIFY only when that transaction commits.
 */
let t: TestApp;
let listener: Client;
const notices: EventNotice[] = [];

beforeAll(async () => {
  t = await startTestApp();
  listener = new Client({ connectionString: t.url });
  await listener.connect();
  listener.on('notification', (message) => {
    if (message.channel === EVENTS_CHANNEL) notices.push(JSON.parse(message.payload!) as EventNotice);
  });
  await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
});
afterAll(async () => {
  await listener.end();
  await t.close();
});

const UPDATE = 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id version } }';
const MOVE =
  'mutation($id: ID!, $stage: String!) { moveLeadToStage(leadId: $id, stage: $stage, reason: "call went well") { id } }';
const PUBLISH = 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { version { id } } }';

async function eventsOf(leadId: string): Promise<Array<{ id: string; type: string; data: Record<string, any> }>> {
  return leadEvents(t.dataSource.manager, leadId);
}

/** Waits until the notices for these event ids arrived (NOTIFY is asynchronous to the commit's answer). */
async function noticesFor(ids: string[]): Promise<EventNotice[]> {
  for (let i = 0; i < 100 && !ids.every((id) => notices.some((notice) => notice.id === id)); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return ids.map((id) => notices.find((notice) => notice.id === id)!);
}

describe('lead events carry an id and a sequence per lead, in the order of the changes', () => {
  test('create, update (with a new owner), a move by hand: one event each, numbered 1, 2, ...', async () => {
    const lead = await givenLead(t, { company: 'Acme' });
    ok(
      await gql(
        t,
        UPDATE,
        { input: { id: lead.id, company: 'Acme Corp', ownerId: t.userIds.SALES } },
        { as: Role.OPS },
      ),
    );
    ok(await gql(t, UPDATE, { input: { id: lead.id, company: 'Acme Corp' } }, { as: Role.OPS })); // no change: no event
    ok(await gql(t, MOVE, { id: lead.id, stage: 'mql' }, { as: Role.MARKETING }));

    const events = await eventsOf(lead.id);
    expect(events.map((event) => [event.type, event.data.sequence])).toEqual([
      ['lead.created', 1],
      ['lead.updated', 2],
      ['lead.owner_changed', 3],
      ['lead.stage_changed', 4],
    ]);
    for (const event of events) expect(event.data.leadId).toBe(lead.id);
    expect(events[0]!.data).toMatchObject({ email: lead.email, company: 'Acme', stage: 'lead', cause: 'MANUAL' });
    expect(events[1]!.data.changes).toEqual(
      expect.arrayContaining([
        { field: 'company', before: 'Acme', after: 'Acme Corp' },
        { field: 'ownerId', before: null, after: t.userIds.SALES },
      ]),
    );
    expect(events[2]!.data).toMatchObject({ from: null, to: t.userIds.SALES, actorId: t.userIds.OPS });
    expect(events[3]!.data).toMatchObject({
      from: 'lead',
      to: 'mql',
      cause: 'MANUAL',
      actorId: t.userIds.MARKETING,
      reason: 'call went well',
      ruleSetVersionId: null,
    });
    const announced = await noticesFor(events.map((event) => event.id));
    expect(announced.map((notice) => [notice.type, notice.leadId, notice.sequence])).toEqual(
      events.map((event) => [event.type, lead.id, event.data.sequence]),
    );
  });

  test('a rule that moves a lead says lead.score_changed, lead.stage_changed (cause RULE, version) and lead.qualified; an unchanged score says nothing', async () => {
    const scoring = await givenRuleSetDraft(t, {
      rules: [
        SCORE_RULE('Huge company', 60, {
          all: [{ fact: 'company_size', operator: 'greaterThanInclusive', value: 5000 }],
        }),
      ],
    });
    const qualification = await givenRuleSetDraft(t, { kind: 'QUALIFICATION' });
    ok(await gql(t, PUBLISH, { id: scoring.versionId }));
    ok(await gql(t, PUBLISH, { id: qualification.versionId }));
    const published = (await eventsOfType('rule_set.published')).map((event) => event.data.versionId);
    expect(published).toEqual(expect.arrayContaining([scoring.versionId, qualification.versionId]));

    const lead = await givenLead(t, { companySize: 10 });
    ok(await gql(t, UPDATE, { input: { id: lead.id, firstName: 'Grace' } }, { as: Role.OPS })); // score stays 0
    ok(await gql(t, UPDATE, { input: { id: lead.id, companySize: 10000 } }, { as: Role.OPS }));

    const events = await eventsOf(lead.id);
    expect(events.map((event) => event.type)).toEqual([
      'lead.created',
      'lead.updated',
      'lead.updated',
      'lead.score_changed',
      'lead.stage_changed',
      'lead.qualified',
    ]);
    expect(events.map((event) => event.data.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events[3]!.data).toMatchObject({
      from: { fitScore: 0, engagementScore: 0, score: 0 },
      to: { fitScore: 60, score: 60 },
    });
    expect(events[4]!.data).toMatchObject({
      from: 'lead',
      to: 'mql',
      cause: 'RULE',
      actorId: null,
      ruleSetVersionId: qualification.versionId,
    });
    expect(events[5]!.data).toMatchObject({
      from: 'lead',
      stage: 'mql',
      ruleSetVersionId: qualification.versionId,
      rule: 'Hot lead',
    });
  });

  test('feedback.submitted belongs to its lead; a verdict that moves the lead follows it', async () => {
    const lead = await givenLead(t, { stage: 'mql' });
    ok(
      await gql(
        t,
        'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }',
        { input: { leadId: lead.id, kind: 'LEAD_QUALITY', disposition: 'ACCEPTED', rating: 4, comment: 'good fit' } },
        { as: Role.SALES },
      ),
    );
    const types = (await eventsOf(lead.id)).map((event) => [event.type, event.data.sequence]);
    expect(types).toEqual([
      ['lead.created', 1],
      ['feedback.submitted', 2],
      ['lead.stage_changed', 3],
    ]);
    const [, feedback, move] = await eventsOf(lead.id);
    expect(feedback!.data).toMatchObject({
      kind: 'LEAD_QUALITY',
      disposition: 'ACCEPTED',
      rating: 4,
      authorId: t.userIds.SALES,
    });
    expect(move!.data).toMatchObject({ from: 'mql', to: 'sql', cause: 'FEEDBACK' });
  });
});

async function eventsOfType(type: string): Promise<Array<{ id: string; data: Record<string, any> }>> {
  return t.dataSource.query(`SELECT id, data FROM outbox_event WHERE type = $1 ORDER BY position`, [type]);
}

describe('a rolled-back change emits nothing', () => {
  test('a createLead refused after its insert (MARKETING may not put a lead in `customer`) writes no event and announces none', async () => {
    const before = await databaseFingerprint(t);
    const seen = notices.length;
    const result = await gql(
      t,
      'mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }',
      { input: { email: `${unique('late')}@example.com`, stage: 'customer' } },
      { as: Role.MARKETING },
    );
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'input.stage' });
    expect(await databaseFingerprint(t)).toEqual(before);
    // A later committed event is announced; nothing before it was.
    const marker = await givenLead(t);
    const [created] = await eventsOf(marker.id);
    await noticesFor([created!.id]);
    expect(notices.slice(seen).every((notice) => notice.leadId === marker.id)).toBe(true);
  });

  test('a transaction that emitted events and then failed leaves no row and no notice', async () => {
    const ctx = systemContext(t.dataSource, { id: t.userIds.OPS, name: 'ops', role: Role.OPS });
    const before = await databaseFingerprint(t);
    const seen = notices.length;
    let emittedIds: string[] = [];
    await expect(
      inTransaction(ctx, async (tx) => {
        const lead = await createLead(tx, { email: `${unique('rolled')}@example.com` });
        const extra = await emitEvent(tx, { type: 'sla.met', leadId: lead.id, data: { slaId: 'none' } });
        emittedIds = [...(await leadEvents(tx.manager!, lead.id)).map((event) => event.id), extra.id];
        throw new Error('forced failure after the events were written');
      }),
    ).rejects.toThrow('forced failure');
    expect(emittedIds.length).toBeGreaterThanOrEqual(2);
    expect(await databaseFingerprint(t)).toEqual(before);
    const marker = await givenLead(t);
    const [created] = await eventsOf(marker.id);
    await noticesFor([created!.id]);
    expect(notices.slice(seen).some((notice) => emittedIds.includes(notice.id))).toBe(false);
  });
});

describe('retention', () => {
  test("the sweep forgets delivered events past the retention, keeps each lead's latest, and the sequence goes on", async () => {
    const lead = await givenLead(t, { company: 'Old' });
    ok(await gql(t, UPDATE, { input: { id: lead.id, company: 'Older' } }, { as: Role.OPS }));
    ok(await gql(t, UPDATE, { input: { id: lead.id, company: 'Oldest' } }, { as: Role.OPS }));
    await t.dataSource.query(
      `UPDATE outbox_event SET occurred_at = occurred_at - interval '40 days', dispatched_at = coalesce(dispatched_at, now())
        WHERE lead_id = $1`,
      [lead.id],
    );
    expect(await sweepOutbox(t.dataSource.manager, 30)).toBeGreaterThanOrEqual(2);
    expect((await eventsOf(lead.id)).map((event) => event.data.sequence)).toEqual([3]);
    ok(await gql(t, UPDATE, { input: { id: lead.id, company: 'New' } }, { as: Role.OPS }));
    expect((await eventsOf(lead.id)).map((event) => event.data.sequence)).toEqual([3, 4]);
  });
});
