import { getNamedType, isInputObjectType, type GraphQLInputObjectType, type GraphQLInputType } from 'graphql';
import { Role } from '../src/entities/enums';
import { buildAppSchema } from '../src/schema/build-schema';
import {
  databaseFingerprint,
  givenCampaign,
  givenLead,
  gql,
  ok,
  startTestApp,
  unique,
  type GqlResult,
  type TestApp,
} from './helpers';

/**
 * The assertion policy, played role against role: the team a number measures tries to write it
 * and is refused with FORBIDDEN naming the field and the roles that may, and nothing is written.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const CREATE = 'mutation($input: CreateLeadInput!) { createLead(input: $input) { id stage { key } dealValue } }';
const UPSERT = `mutation($input: UpsertLeadInput!) {
  upsertLead(input: $input) { created lead { id stage { key } version dealValue } }
}`;
const UPDATE = 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id dealValue version } }';
const MOVE = `mutation($id: ID!, $stage: String!) {
  moveLeadToStage(leadId: $id, stage: $stage, reason: "by hand") { id stage { key } }
}`;
const FEEDBACK = `mutation($input: SubmitFeedbackInput!) {
  submitFeedback(input: $input) { id disposition actingForSales author { id } lead { stage { key } } }
}`;
const UPDATE_STAGE = `mutation($input: UpdateFunnelStageInput!) {
  updateFunnelStage(input: $input) { key manualEntryRoles version }
}`;
const LEAD = 'query($id: ID!) { lead(id: $id) { stage { key } dealValue version stageHistory { cause } } }';

const SALES_SIDE = ['ADMIN', 'OPS', 'SALES'];
const EVERY_WRITER = ['ADMIN', 'OPS', 'SALES', 'MARKETING'];

function expectForbidden(result: GqlResult, field: string, allowedRoles: string[], extra: object = {}): void {
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', field, allowedRoles, ...extra });
  expect(result.data ?? null).toBeNull();
}

/** Runs a call that must be refused and proves it wrote nothing at all. */
async function refusedWritingNothing(
  call: () => Promise<GqlResult>,
  field: string,
  allowedRoles: string[],
  extra: object = {},
): Promise<void> {
  const before = await databaseFingerprint(t);
  expectForbidden(await call(), field, allowedRoles, extra);
  expect(await databaseFingerprint(t)).toEqual(before);
}

async function stageOf(id: string): Promise<string> {
  return ok(await gql(t, LEAD, { id })).lead.stage.key;
}

describe('the default policy is data every role reads', () => {
  test('ANALYST reads which roles may put a lead in each stage by hand', async () => {
    const data = ok(await gql(t, '{ funnelStages { key kind manualEntryRoles } }', {}, { as: Role.ANALYST }));
    const byKey = Object.fromEntries(data.funnelStages.map((s: any) => [s.key, s.manualEntryRoles]));
    expect(byKey).toMatchObject({
      lead: EVERY_WRITER,
      mql: EVERY_WRITER,
      sql: SALES_SIDE,
      opportunity: SALES_SIDE,
      customer: SALES_SIDE,
      disqualified: SALES_SIDE,
    });
  });

  // Every writing role against every default stage, through moveLeadToStage.
  const matrix = ['lead', 'mql', 'sql', 'opportunity', 'customer', 'disqualified'].flatMap((stage) =>
    [Role.MARKETING, Role.SALES, Role.OPS, Role.ADMIN].map((role) => [stage, role] as const),
  );
  test.each(matrix)('moving a lead into %s by hand as %s follows the table', async (stage, role) => {
    const lead = await givenLead(t, { stage: stage === 'lead' ? 'mql' : 'lead' }, Role.SALES);
    const expected = stage === 'lead' || stage === 'mql' ? EVERY_WRITER : SALES_SIDE;
    if (expected.includes(role)) {
      expect(ok(await gql(t, MOVE, { id: lead.id, stage }, { as: role })).moveLeadToStage.stage.key).toBe(stage);
    } else {
      await refusedWritingNothing(() => gql(t, MOVE, { id: lead.id, stage }, { as: role }), 'stage', expected, {
        stage,
      });
      expect(await stageOf(lead.id)).not.toBe(stage);
    }
  });
});

describe('MARKETING cannot write the numbers that measure marketing', () => {
  test('a lead created straight into `customer` with a huge deal value and a campaign is refused, and the campaign earns nothing', async () => {
    const campaign = await givenCampaign(t, { budget: 1000 });
    const performance = `query($ids: [ID!]) { campaignPerformance(filter: { campaignIds: $ids }) {
      campaign { id } firstTouch { leads customers wonRevenue roi } linear { wonRevenue roi } } }`;
    const before = ok(await gql(t, performance, { ids: [campaign.id] }, { as: Role.ANALYST }));
    const email = `${unique('fabricated')}@example.com`;
    const input = { email, stage: 'customer', dealValue: 999999999999, campaignId: campaign.id };

    await refusedWritingNothing(() => gql(t, CREATE, { input }, { as: Role.MARKETING }), 'input.stage', SALES_SIDE, {
      stage: 'customer',
    });
    // Through the ingestion path too.
    await refusedWritingNothing(() => gql(t, UPSERT, { input }, { as: Role.MARKETING }), 'input.stage', SALES_SIDE);

    const after = ok(await gql(t, performance, { ids: [campaign.id] }, { as: Role.ANALYST }));
    expect(after).toEqual(before);
    expect(after.campaignPerformance[0].firstTouch).toMatchObject({ leads: 0, customers: 0, wonRevenue: 0 });
  });

  test('a deal value is refused on createLead, upsertLead and updateLead, even in a stage marketing may use', async () => {
    const email = `${unique('deal')}@example.com`;
    await refusedWritingNothing(
      () => gql(t, CREATE, { input: { email, dealValue: 50000 } }, { as: Role.MARKETING }),
      'input.dealValue',
      SALES_SIDE,
    );
    await refusedWritingNothing(
      () => gql(t, UPSERT, { input: { email, dealValue: 50000 } }, { as: Role.MARKETING }),
      'input.dealValue',
      SALES_SIDE,
    );

    const lead = await givenLead(t, { dealValue: 1200 }, Role.SALES);
    await refusedWritingNothing(
      () => gql(t, UPDATE, { input: { id: lead.id, dealValue: 99999 } }, { as: Role.MARKETING }),
      'input.dealValue',
      SALES_SIDE,
    );
    await refusedWritingNothing(
      () => gql(t, UPDATE, { input: { id: lead.id, dealValue: null } }, { as: Role.MARKETING }),
      'input.dealValue',
      SALES_SIDE,
    );
    await refusedWritingNothing(
      () => gql(t, UPSERT, { input: { email: lead.email, dealValue: 1 } }, { as: Role.MARKETING }),
      'input.dealValue',
      SALES_SIDE,
    );
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead).toMatchObject({ dealValue: 1200, version: lead.version });
  });

  test('marketing still edits its own fields of the lead, and sending the deal value unchanged is no change', async () => {
    const lead = await givenLead(t, { dealValue: 700 }, Role.SALES);
    const updated = ok(
      await gql(t, UPDATE, { input: { id: lead.id, company: 'Acme', dealValue: 700 } }, { as: Role.MARKETING }),
    ).updateLead;
    expect(updated).toMatchObject({ dealValue: 700, version: lead.version + 1 });
  });

  test('SALES, OPS and ADMIN set and change deal values', async () => {
    for (const role of [Role.SALES, Role.OPS, Role.ADMIN]) {
      const lead = await givenLead(t, { dealValue: 10 }, role);
      const updated = ok(await gql(t, UPDATE, { input: { id: lead.id, dealValue: 20.5 } }, { as: role })).updateLead;
      expect(updated.dealValue).toBe(20.5);
    }
  });

  test('MARKETING moving a lead to `sql` is refused; SALES moving it is allowed and recorded', async () => {
    const lead = await givenLead(t, { stage: 'mql' });
    await refusedWritingNothing(
      () => gql(t, MOVE, { id: lead.id, stage: 'sql' }, { as: Role.MARKETING }),
      'stage',
      SALES_SIDE,
      { stage: 'sql' },
    );
    expect(await stageOf(lead.id)).toBe('mql');

    ok(await gql(t, MOVE, { id: lead.id, stage: 'sql' }, { as: Role.SALES }));
    const after = ok(await gql(t, LEAD, { id: lead.id })).lead;
    expect(after.stage.key).toBe('sql');
    expect(after.stageHistory.map((entry: any) => entry.cause)).toEqual(['MANUAL', 'MANUAL']);
  });
});

describe('a verdict is sales’ word', () => {
  test('MARKETING submitting ACCEPTED or REJECTED is refused and the lead stays handed over', async () => {
    const lead = await givenLead(t, { stage: 'mql' });
    await refusedWritingNothing(
      () =>
        gql(
          t,
          FEEDBACK,
          { input: { kind: 'LEAD_QUALITY', leadId: lead.id, disposition: 'ACCEPTED' } },
          { as: Role.MARKETING },
        ),
      'input.disposition',
      SALES_SIDE,
    );
    await refusedWritingNothing(
      () =>
        gql(
          t,
          FEEDBACK,
          { input: { kind: 'LEAD_QUALITY', leadId: lead.id, disposition: 'REJECTED', rejectionReason: 'BAD_FIT' } },
          { as: Role.MARKETING },
        ),
      'input.disposition',
      SALES_SIDE,
    );
    expect(await stageOf(lead.id)).toBe('mql');
  });

  test('MARKETING still gives the other kinds of feedback, without a disposition', async () => {
    const lead = await givenLead(t, { stage: 'mql' });
    const campaign = await givenCampaign(t);
    for (const input of [
      { kind: 'LEAD_QUALITY', leadId: lead.id, rating: 4, comment: 'looked good to us' },
      { kind: 'CAMPAIGN', campaignId: campaign.id, comment: 'great webinar' },
    ]) {
      const feedback = ok(await gql(t, FEEDBACK, { input }, { as: Role.MARKETING })).submitFeedback;
      expect(feedback).toMatchObject({ disposition: null, actingForSales: false });
    }
    expect(await stageOf(lead.id)).toBe('mql');
  });

  test('SALES gives a verdict in its own name; OPS and ADMIN are recorded as acting for sales', async () => {
    const cases: Array<[Role, boolean]> = [
      [Role.SALES, false],
      [Role.OPS, true],
      [Role.ADMIN, true],
    ];
    for (const [role, actingForSales] of cases) {
      const lead = await givenLead(t, { stage: 'mql' });
      const feedback = ok(
        await gql(
          t,
          FEEDBACK,
          { input: { kind: 'LEAD_QUALITY', leadId: lead.id, disposition: 'ACCEPTED' } },
          { as: role },
        ),
      ).submitFeedback;
      expect(feedback).toMatchObject({
        disposition: 'ACCEPTED',
        actingForSales,
        author: { id: t.userIds[role] },
        lead: { stage: { key: 'sql' } },
      });
      // Everyone reads who gave the verdict and in whose name.
      const listed = ok(
        await gql(
          t,
          'query($id: ID!) { feedback(filter: { leadId: $id }) { nodes { id actingForSales } } }',
          { id: lead.id },
          { as: Role.ANALYST },
        ),
      ).feedback.nodes;
      expect(listed).toEqual([{ id: feedback.id, actingForSales }]);
    }
  });
});

describe('upsertLead naming a stage for an existing lead moves it or is refused, never ignores it', () => {
  test('SALES upserting `sql` moves the lead, with a transition; the same upsert again changes nothing', async () => {
    const lead = await givenLead(t, { stage: 'mql' });
    const moved = ok(
      await gql(t, UPSERT, { input: { email: lead.email, stage: 'sql' } }, { as: Role.SALES }),
    ).upsertLead;
    expect(moved).toMatchObject({ created: false, lead: { id: lead.id, stage: { key: 'sql' } } });
    const history = ok(await gql(t, LEAD, { id: lead.id })).lead.stageHistory;
    expect(history.map((entry: any) => entry.cause)).toEqual(['MANUAL', 'IMPORT']);

    const before = await databaseFingerprint(t);
    const again = ok(
      await gql(t, UPSERT, { input: { email: lead.email, stage: 'sql' } }, { as: Role.SALES }),
    ).upsertLead;
    expect(again.lead.version).toBe(moved.lead.version);
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test('MARKETING upserting `mql` moves a lead; upserting `opportunity` is refused and writes nothing', async () => {
    const lead = await givenLead(t);
    const moved = ok(
      await gql(t, UPSERT, { input: { email: lead.email, stage: 'mql' } }, { as: Role.MARKETING }),
    ).upsertLead;
    expect(moved.lead.stage.key).toBe('mql');

    await refusedWritingNothing(
      () =>
        gql(t, UPSERT, { input: { email: lead.email, stage: 'opportunity', company: 'Acme' } }, { as: Role.MARKETING }),
      'input.stage',
      SALES_SIDE,
      { stage: 'opportunity' },
    );
    expect(await stageOf(lead.id)).toBe('mql');
  });
});

describe('OPS and ADMIN edit the policy; every edit is audited and then enforced', () => {
  const AUDIT = `query($id: ID!) { auditLog(filter: { subject: "funnel_stage", subjectId: $id }) {
    nodes { action actor { id } before after } } }`;

  test('OPS lets MARKETING move leads into `sql`: audited, enforced, and taken back', async () => {
    const stages = ok(await gql(t, '{ funnelStages { id key version } }')).funnelStages;
    const sql = stages.find((stage: any) => stage.key === 'sql');
    const lead = await givenLead(t, { stage: 'mql' });
    await refusedWritingNothing(
      () => gql(t, MOVE, { id: lead.id, stage: 'sql' }, { as: Role.MARKETING }),
      'stage',
      SALES_SIDE,
    );

    const widened = ok(
      await gql(
        t,
        UPDATE_STAGE,
        { input: { key: 'sql', manualEntryRoles: ['SALES', 'MARKETING', 'OPS'] } },
        { as: Role.OPS },
      ),
    ).updateFunnelStage;
    // ADMIN is always in, and the list has one order.
    expect(widened).toEqual({ key: 'sql', manualEntryRoles: EVERY_WRITER, version: sql.version + 1 });
    const audit = ok(await gql(t, AUDIT, { id: sql.id }, { as: Role.ADMIN })).auditLog.nodes;
    expect(audit[0]).toMatchObject({
      action: 'update',
      actor: { id: t.userIds.OPS },
      before: { key: 'sql', manualEntryRoles: SALES_SIDE },
      after: { key: 'sql', manualEntryRoles: EVERY_WRITER },
    });
    expect(
      ok(await gql(t, MOVE, { id: lead.id, stage: 'sql' }, { as: Role.MARKETING })).moveLeadToStage.stage.key,
    ).toBe('sql');

    ok(await gql(t, UPDATE_STAGE, { input: { key: 'sql', manualEntryRoles: ['SALES', 'OPS'] } }, { as: Role.ADMIN }));
    const other = await givenLead(t, { stage: 'mql' });
    await refusedWritingNothing(
      () => gql(t, MOVE, { id: other.id, stage: 'sql' }, { as: Role.MARKETING }),
      'stage',
      SALES_SIDE,
    );
  });

  test('MARKETING and SALES cannot edit the policy; ANALYST cannot be given a stage; nothing is written', async () => {
    for (const role of [Role.MARKETING, Role.SALES]) {
      const before = await databaseFingerprint(t);
      const result = await gql(t, UPDATE_STAGE, { input: { key: 'customer', manualEntryRoles: [role] } }, { as: role });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'updateFunnelStage' });
      expect(await databaseFingerprint(t)).toEqual(before);
    }
    const before = await databaseFingerprint(t);
    const result = await gql(t, UPDATE_STAGE, { input: { key: 'customer', manualEntryRoles: ['ANALYST'] } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.manualEntryRoles' });
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test('a new stage gets the default for its kind and place unless OPS names the roles', async () => {
    const create = `mutation($input: CreateFunnelStageInput!) { createFunnelStage(input: $input) { key manualEntryRoles } }`;
    const key = () => unique('stage').replace('-', '_');
    const made = async (input: Record<string, unknown>) =>
      ok(await gql(t, create, { input: { key: key(), name: 'New', definition: 'For the test.', ...input } }))
        .createFunnelStage.manualEntryRoles;
    expect(await made({ kind: 'OPEN' })).toEqual(SALES_SIDE); // last: after the hand-over stage
    expect(await made({ kind: 'OPEN', position: 1 })).toEqual(EVERY_WRITER); // before `mql`
    expect(await made({ kind: 'WON', position: 1 })).toEqual(SALES_SIDE);
    expect(await made({ kind: 'LOST' })).toEqual(SALES_SIDE);
    expect(await made({ kind: 'LOST', manualEntryRoles: ['MARKETING'] })).toEqual(['ADMIN', 'MARKETING']);
  });
});

describe('no API path writes the past', () => {
  /**
   * Creation dates, past stage moves and past verdicts come only from an import, marked as
   * imported: no mutation that writes a lead, a stage move or a verdict takes a time at all.
   */
  test('no mutation input lets a client set a creation date, a stage move time or a verdict time', () => {
    const schema = buildAppSchema();
    const timedFields = (type: GraphQLInputType, path: string, seen = new Set<string>()): string[] => {
      const named = getNamedType(type);
      if (!isInputObjectType(named)) return named.name === 'DateTimeISO' ? [path] : [];
      if (seen.has(named.name)) return [];
      seen.add(named.name);
      return Object.values(named.getFields()).flatMap((field) =>
        timedFields(field.type, `${path}.${field.name}`, seen),
      );
    };
    const writers = Object.values(schema.getMutationType()!.getFields()).filter((field) =>
      /lead|feedback|stage/i.test(field.name),
    );
    expect(writers.map((field) => field.name)).toEqual(
      expect.arrayContaining(['createLead', 'upsertLead', 'updateLead', 'moveLeadToStage', 'submitFeedback']),
    );
    for (const mutation of writers) {
      expect(mutation.args.flatMap((arg) => timedFields(arg.type, `${mutation.name}(${arg.name})`))).toEqual([]);
    }
    // And no lead, stage-move or feedback input has a field named for a time under another type.
    for (const name of ['CreateLeadInput', 'UpsertLeadInput', 'UpdateLeadInput', 'SubmitFeedbackInput']) {
      const fields = Object.keys((schema.getType(name) as GraphQLInputObjectType).getFields());
      expect(fields.filter((field) => /at$|date|time|entered/i.test(field))).toEqual([]);
    }
    const move = schema.getMutationType()!.getFields().moveLeadToStage!;
    expect(move.args.map((arg) => arg.name).sort()).toEqual(['leadId', 'reason', 'stage']);
  });
});
