import { statementCounter } from '../src/db/data-source';
import { Role } from '../src/entities/enums';
import {
  SCORE_RULE,
  givenCampaign,
  givenLead,
  givenPersona,
  givenRuleSetDraft,
  gql,
  ok,
  startTestApp,
  unique,
  type TestApp,
} from './helpers';

/** A lead's own record of changes (Lead.changes), read by every role, and the audit of shared content. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const CHANGES = `query($id: ID!, $first: Int, $after: String, $fields: [String!]) {
  lead(id: $id) { changes(first: $first, after: $after, fields: $fields) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id field before after at cause actor { id } }
  } }
}`;
const UPDATE = 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id version } }';

interface Change {
  id: string;
  field: string;
  before: unknown;
  after: unknown;
  at: string;
  cause: string;
  actor: { id: string } | null;
}

async function changesOf(
  id: string,
  options: { fields?: string[]; first?: number; after?: string; as?: Role } = {},
): Promise<{ totalCount: number; nodes: Change[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> {
  const { as = Role.ANALYST, first = 100, ...rest } = options;
  return ok(await gql(t, CHANGES, { id, first, ...rest }, { as })).lead.changes;
}

/** field → [before, after, cause, actor id], for comparing a set of rows without their order. */
const summary = (nodes: Change[]) =>
  Object.fromEntries(nodes.map((c) => [c.field, [c.before, c.after, c.cause, c.actor?.id ?? null]]));

describe('a lead’s record of changes', () => {
  test('starts with the initial values, set by the creator in one moment, and the starting stage', async () => {
    const campaign = await givenCampaign(t);
    const lead = await givenLead(t, { company: 'Acme', campaignId: campaign.id, attributes: { plan: 'pro' } });
    const { nodes, totalCount } = await changesOf(lead.id);
    const marketing = t.userIds.MARKETING;
    expect(summary(nodes)).toEqual({
      email: [null, lead.email, 'MANUAL', marketing],
      firstName: [null, 'Ada', 'MANUAL', marketing],
      lastName: [null, 'Lovelace', 'MANUAL', marketing],
      company: [null, 'Acme', 'MANUAL', marketing],
      campaignId: [null, campaign.id, 'MANUAL', marketing],
      'attributes.plan': [null, 'pro', 'MANUAL', marketing],
      stage: [null, 'lead', 'MANUAL', marketing],
    });
    expect(totalCount).toBe(7);
    expect(new Set(nodes.map((c) => c.at)).size).toBe(1);
  });

  test('every deal value change by SALES is there with before and after, newest first, for every role to read', async () => {
    const lead = await givenLead(t, { dealValue: 1000 }, Role.SALES);
    ok(await gql(t, UPDATE, { input: { id: lead.id, dealValue: 2500.5 } }, { as: Role.SALES }));
    ok(await gql(t, UPDATE, { input: { id: lead.id, company: 'Acme' } }, { as: Role.MARKETING }));
    ok(await gql(t, UPDATE, { input: { id: lead.id, dealValue: null } }, { as: Role.OPS }));
    for (const role of [Role.ANALYST, Role.MARKETING, Role.SALES, Role.OPS, Role.ADMIN]) {
      const { nodes, totalCount } = await changesOf(lead.id, { fields: ['dealValue'], as: role });
      expect(totalCount).toBe(3);
      expect(nodes.map((c) => [c.before, c.after, c.actor?.id])).toEqual([
        [2500.5, null, t.userIds.OPS],
        [1000, 2500.5, t.userIds.SALES],
        [null, 1000, t.userIds.SALES],
      ]);
    }
  });

  test('owner, email and custom attributes are recorded one field at a time; an update that changes nothing adds nothing', async () => {
    const lead = await givenLead(t, { attributes: { plan: 'pro', seats: 10 } });
    const before = (await changesOf(lead.id)).totalCount;
    const email = `${unique('moved')}@example.com`;
    ok(
      await gql(
        t,
        UPDATE,
        {
          input: {
            id: lead.id,
            ownerId: t.userIds.SALES,
            email,
            attributes: { plan: null, seats: 12, region: 'emea' },
          },
        },
        { as: Role.OPS },
      ),
    );
    const { nodes, totalCount } = await changesOf(lead.id);
    expect(totalCount).toBe(before + 5);
    const ops = t.userIds.OPS;
    expect(summary(nodes.slice(0, 5))).toEqual({
      ownerId: [null, t.userIds.SALES, 'MANUAL', ops],
      email: [lead.email, email, 'MANUAL', ops],
      'attributes.plan': ['pro', null, 'MANUAL', ops],
      'attributes.seats': [10, 12, 'MANUAL', ops],
      'attributes.region': [null, 'emea', 'MANUAL', ops],
    });

    ok(await gql(t, UPDATE, { input: { id: lead.id, ownerId: t.userIds.SALES, attributes: { seats: 12 } } }));
    expect((await changesOf(lead.id)).totalCount).toBe(before + 5);
  });

  test('stage rows say what moved the lead: MANUAL by hand, IMPORT by upsertLead, FEEDBACK by a verdict', async () => {
    const lead = await givenLead(t);
    ok(
      await gql(
        t,
        'mutation($id: ID!) { moveLeadToStage(leadId: $id, stage: "mql", reason: "asked for a demo") { id } }',
        { id: lead.id },
        { as: Role.MARKETING },
      ),
    );
    ok(
      await gql(
        t,
        'mutation($id: ID!) { submitFeedback(input: { leadId: $id, kind: LEAD_QUALITY, disposition: ACCEPTED }) { id } }',
        { id: lead.id },
        { as: Role.SALES },
      ),
    );
    ok(
      await gql(
        t,
        'mutation($input: UpsertLeadInput!) { upsertLead(input: $input) { created } }',
        { input: { email: lead.email, stage: 'opportunity' } },
        { as: Role.SALES },
      ),
    );
    const { nodes } = await changesOf(lead.id, { fields: ['stage'] });
    expect(nodes.map((c) => [c.before, c.after, c.cause, c.actor?.id])).toEqual([
      ['sql', 'opportunity', 'IMPORT', t.userIds.SALES],
      ['mql', 'sql', 'FEEDBACK', t.userIds.SALES],
      ['lead', 'mql', 'MANUAL', t.userIds.MARKETING],
      [null, 'lead', 'MANUAL', t.userIds.MARKETING],
    ]);
  });

  test('pages by cursor: every change once, in order, whatever the page size', async () => {
    const lead = await givenLead(t, { company: 'A' });
    for (const company of ['B', 'C', 'D', 'E']) ok(await gql(t, UPDATE, { input: { id: lead.id, company } }));
    const all = await changesOf(lead.id);
    expect(all.pageInfo.hasNextPage).toBe(false);
    const paged: Change[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await changesOf(lead.id, { first: 2, after });
      paged.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(paged.map((c) => c.id)).toEqual(all.nodes.map((c) => c.id));
    expect(all.nodes.filter((c) => c.field === 'company').map((c) => c.after)).toEqual(['E', 'D', 'C', 'B', 'A']);

    const bad = await gql(t, CHANGES, { id: lead.id, first: 2, after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  test('a page of leads reads its changes in one statement for all of them', async () => {
    const tag = unique('Batch');
    for (let i = 0; i < 6; i += 1) await givenLead(t, { company: `${tag}-${i}` });
    const statementsFor = async (first: number): Promise<number> => {
      const before = statementCounter.count;
      const data = ok(
        await gql(
          t,
          `query($first: Int!, $tag: String!) { leads(first: $first, filter: { search: $tag }) {
            nodes { changes(first: 1, fields: ["company"]) { nodes { field after } } } } }`,
          { first, tag },
        ),
      );
      expect(data.leads.nodes).toHaveLength(first);
      for (const node of data.leads.nodes) {
        expect(node.changes.nodes).toEqual([{ field: 'company', after: expect.stringContaining(tag) }]);
      }
      return statementCounter.count - before;
    };
    expect(await statementsFor(6)).toBe(await statementsFor(2));
  });
});

describe('the rules change scores, not fields', () => {
  test('a rule move is a stage row with cause RULE and no actor; a re-score adds no rows', async () => {
    const scoring = await givenRuleSetDraft(t, {
      rules: [
        SCORE_RULE('Big company', 60, {
          all: [{ fact: 'company_size', operator: 'greaterThanInclusive', value: 500 }],
        }),
        SCORE_RULE(
          'Visited',
          5,
          { all: [{ fact: 'page_view_count_30d', operator: 'greaterThanInclusive', value: 1 }] },
          'engagement',
        ),
      ],
    });
    const qualification = await givenRuleSetDraft(t, { kind: 'QUALIFICATION' });
    for (const draft of [scoring, qualification]) {
      ok(
        await gql(t, 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { version { id } } }', {
          id: draft.versionId,
        }),
      );
    }

    const lead = await givenLead(t, { companySize: 1000 });
    const stages = (await changesOf(lead.id, { fields: ['stage'] })).nodes;
    expect(stages.map((c) => [c.before, c.after, c.cause, c.actor?.id ?? null])).toEqual([
      ['lead', 'mql', 'RULE', null],
      [null, 'lead', 'MANUAL', t.userIds.MARKETING],
    ]);

    const count = (await changesOf(lead.id)).totalCount;
    ok(
      await gql(t, 'mutation($id: ID!) { recordActivity(input: { leadId: $id, type: PAGE_VIEW }) { id } }', {
        id: lead.id,
      }),
    );
    const scored = ok(await gql(t, 'query($id: ID!) { lead(id: $id) { engagementScore } }', { id: lead.id }));
    expect(scored.lead.engagementScore).toBe(5);
    expect((await changesOf(lead.id)).totalCount).toBe(count);
  });
});

describe('campaign and persona edits are in the audit log', () => {
  const AUDIT = `query($subject: String!, $id: ID!) {
    auditLog(filter: { subject: $subject, subjectId: $id }) { nodes { action actor { id } before after } }
  }`;

  test('create, update and archive of a persona; create and update of a campaign, with who, before and after', async () => {
    const persona = await givenPersona(t, { description: 'Runs IT' });
    ok(
      await gql(
        t,
        'mutation($input: UpdatePersonaInput!) { updatePersona(input: $input) { id } }',
        { input: { id: persona.id, description: 'Runs IT and security' } },
        { as: Role.MARKETING },
      ),
    );
    ok(await gql(t, 'mutation($id: ID!) { archivePersona(id: $id) { id } }', { id: persona.id }, { as: Role.OPS }));
    const personaLog = ok(await gql(t, AUDIT, { subject: 'persona', id: persona.id }, { as: Role.ADMIN })).auditLog
      .nodes;
    expect(
      personaLog.map((e: any) => [e.action, e.actor.id, e.before?.description ?? null, e.after.description]),
    ).toEqual([
      ['archive', t.userIds.OPS, 'Runs IT and security', 'Runs IT and security'],
      ['update', t.userIds.MARKETING, 'Runs IT', 'Runs IT and security'],
      ['create', t.userIds.MARKETING, null, 'Runs IT'],
    ]);
    expect(personaLog[0].before.archivedAt).toBeNull();
    expect(personaLog[0].after.archivedAt).toEqual(expect.any(String));

    const campaign = await givenCampaign(t, { budget: 1000 });
    ok(
      await gql(
        t,
        'mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { id } }',
        { input: { id: campaign.id, budget: 5000, targetPersonaIds: [persona.id] } },
        { as: Role.MARKETING },
      ),
    );
    const campaignLog = ok(await gql(t, AUDIT, { subject: 'campaign', id: campaign.id }, { as: Role.ADMIN })).auditLog
      .nodes;
    expect(campaignLog).toHaveLength(2);
    expect(campaignLog[0]).toMatchObject({
      action: 'update',
      actor: { id: t.userIds.MARKETING },
      before: { budget: 1000, targetPersonaIds: [] },
      after: { budget: 5000, targetPersonaIds: [persona.id] },
    });
    expect(campaignLog[1]).toMatchObject({
      action: 'create',
      before: null,
      after: { name: campaign.name, budget: 1000 },
    });
  });
});
