import { statementCounter } from '../src/db/data-source';
import { Role } from '../src/entities/enums';
import {
  countRows,
  givenCampaign,
  givenLead,
  givenPersona,
  gql,
  ok,
  startTestApp,
  unique,
  type TestApp,
} from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const UPSERT = `mutation($input: UpsertLeadInput!) {
  upsertLead(input: $input) { created lead { id email company jobTitle attributes version } }
}`;

describe('creating leads', () => {
  test('email is trimmed and lower-cased, and the lead starts in `lead` with one history entry', async () => {
    const email = `${unique('Mixed')}@Example.COM`;
    const lead = await givenLead(t, { email: `  ${email}\t` });
    expect(lead.email).toBe(email.toLowerCase());
    const data = ok(
      await gql(
        t,
        'query($id: ID!) { lead(id: $id) { stage { key } stageHistory { from { key } to { key } cause actor { id } } } }',
        {
          id: lead.id,
        },
      ),
    );
    expect(data.lead.stage.key).toBe('lead');
    expect(data.lead.stageHistory).toEqual([
      { from: null, to: { key: 'lead' }, cause: 'MANUAL', actor: { id: t.userIds.MARKETING } },
    ]);
  });

  test('a second lead with the same email in other letter case is a CONFLICT naming the first', async () => {
    const email = `${unique('dup')}@example.com`;
    const first = await givenLead(t, { email });
    const result = await gql(t, 'mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }', {
      input: { email: email.toUpperCase(), company: 'Other' },
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'input.email',
      existingLeadId: first.id,
    });
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(1);
  });

  test('a lead can start in a given stage; its first history entry says so', async () => {
    const lead = await givenLead(t, { stage: 'mql' });
    expect(lead.stage.key).toBe('mql');
  });
});

describe('upsertLead', () => {
  test('creates once, then merges; repeating the same input changes nothing', async () => {
    const email = `${unique('up')}@example.com`;
    const first = ok(
      await gql(t, UPSERT, { input: { email, company: 'Acme', attributes: { plan: 'pro' } } }),
    ).upsertLead;
    expect(first.created).toBe(true);
    const again = ok(
      await gql(t, UPSERT, { input: { email: email.toUpperCase(), company: 'Acme', attributes: { plan: 'pro' } } }),
    ).upsertLead;
    expect(again).toEqual({ ...first, created: false });

    const merged = ok(
      await gql(t, UPSERT, { input: { email, jobTitle: 'CTO', attributes: { seats: 40, plan: null } } }),
    ).upsertLead;
    expect(merged.created).toBe(false);
    expect(merged.lead).toMatchObject({
      id: first.lead.id,
      company: 'Acme',
      jobTitle: 'CTO',
      attributes: { seats: 40 },
    });
    expect(merged.lead.version).toBe(first.lead.version + 1);
    expect(await countRows(t, 'stage_transition', 'lead_id = $1', [first.lead.id])).toBe(1);
  });

  test('concurrent upserts of one new email make one lead', async () => {
    const email = `${unique('race')}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => gql(t, UPSERT, { input: { email, company: `Co ${i % 2}` } })),
    );
    const ids = new Set(results.map((result) => ok(result).upsertLead.lead.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => ok(result).upsertLead.created)).toHaveLength(1);
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(1);
  });
});

describe('updateLead', () => {
  test('changes the given fields only and bumps the version; a stale version is refused', async () => {
    const lead = await givenLead(t, { company: 'Before', jobTitle: 'CEO' });
    const UPDATE =
      'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { company jobTitle version country } }';
    const updated = ok(
      await gql(t, UPDATE, { input: { id: lead.id, company: 'After', country: 'de', expectedVersion: lead.version } }),
    );
    expect(updated.updateLead).toEqual({ company: 'After', jobTitle: 'CEO', version: lead.version + 1, country: 'DE' });
    const stale = await gql(t, UPDATE, { input: { id: lead.id, company: 'Lost', expectedVersion: lead.version } });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'VERSION_CONFLICT', field: 'input.expectedVersion' });
    expect(await countRows(t, 'lead', "id = $1 AND company = 'After'", [lead.id])).toBe(1);
  });
});

describe('moveLeadToStage', () => {
  const MOVE = `mutation($leadId: ID!, $stage: String!, $reason: String) {
    moveLeadToStage(leadId: $leadId, stage: $stage, reason: $reason) {
      stage { key } stageEnteredAt version
      stageHistory { from { key } to { key } cause reason actor { id } at }
    }
  }`;

  test('records who moved the lead, from where, to where, when and why', async () => {
    const lead = await givenLead(t);
    const moved = ok(
      await gql(t, MOVE, { leadId: lead.id, stage: 'sql', reason: 'called, has budget' }, { as: Role.SALES }),
    );
    const history = moved.moveLeadToStage.stageHistory;
    expect(moved.moveLeadToStage.stage.key).toBe('sql');
    expect(history).toHaveLength(2);
    expect(history[1]).toMatchObject({
      from: { key: 'lead' },
      to: { key: 'sql' },
      cause: 'MANUAL',
      reason: 'called, has budget',
      actor: { id: t.userIds.SALES },
    });
    expect(moved.moveLeadToStage.stageEnteredAt).toBe(history[1].at);
    expect(new Date(history[1].at).getTime()).toBeGreaterThan(new Date(history[0].at).getTime() - 1);
  });

  test('moving a lead to the stage it is in changes nothing', async () => {
    const lead = await givenLead(t);
    const same = ok(await gql(t, MOVE, { leadId: lead.id, stage: 'lead' }, { as: Role.SALES }));
    expect(same.moveLeadToStage.version).toBe(lead.version);
    expect(await countRows(t, 'stage_transition', 'lead_id = $1', [lead.id])).toBe(1);
  });

  test('an unknown stage is refused and writes nothing', async () => {
    const lead = await givenLead(t);
    const result = await gql(t, MOVE, { leadId: lead.id, stage: 'nirvana' }, { as: Role.SALES });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'stage' });
    expect(await countRows(t, 'stage_transition', 'lead_id = $1', [lead.id])).toBe(1);
  });
});

describe('listing leads', () => {
  const LEADS = `query($first: Int, $after: String, $filter: LeadFilter, $orderBy: LeadOrder) {
    leads(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id email } }
      nodes { id email company score }
      pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
    }
  }`;

  test('pages by cursor through every matching lead exactly once, in order', async () => {
    const campaign = await givenCampaign(t);
    const created: string[] = [];
    for (let i = 0; i < 7; i += 1) created.push((await givenLead(t, { campaignId: campaign.id })).id);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = ok(await gql(t, LEADS, { first: 3, after, filter: { campaignId: campaign.id } })).leads;
      expect(page.totalCount).toBe(7);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== undefined);
      seen.push(...page.nodes.map((node: { id: string }) => node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...created].reverse());
  });

  test('filters by stage, owner, persona, score range, creation time and text', async () => {
    const campaign = await givenCampaign(t);
    const persona = await givenPersona(t);
    const tag = unique('Zyx');
    const a = await givenLead(t, { campaignId: campaign.id, company: `${tag} Widgets`, personaId: persona.id });
    const b = await givenLead(t, { campaignId: campaign.id, ownerId: t.userIds.SALES, lastName: `${tag}son` });
    const c = await givenLead(t, { campaignId: campaign.id, stage: 'mql' });
    await t.dataSource.query('UPDATE lead SET score = 50 WHERE id = $1', [c.id]);
    const ids = async (filter: Record<string, unknown>): Promise<string[]> =>
      ok(await gql(t, LEADS, { first: 100, filter: { campaignId: campaign.id, ...filter } })).leads.nodes.map(
        (node: { id: string }) => node.id,
      );
    expect(await ids({ stages: ['mql'] })).toEqual([c.id]);
    expect(await ids({ stages: ['lead', 'mql'] })).toHaveLength(3);
    expect(await ids({ ownerId: t.userIds.SALES })).toEqual([b.id]);
    expect(await ids({ personaId: persona.id })).toEqual([a.id]);
    expect(await ids({ scoreMin: 10 })).toEqual([c.id]);
    expect(await ids({ scoreMax: 0 })).toEqual([b.id, a.id]);
    expect(await ids({ search: tag.toUpperCase() })).toEqual([b.id, a.id]);
    expect(await ids({ search: '%' })).toEqual([]);
    expect(await ids({ createdFrom: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(await ids({ createdTo: new Date(Date.now() + 60_000).toISOString() })).toHaveLength(3);
  });

  test('orders by score, highest first, ties broken stably', async () => {
    const campaign = await givenCampaign(t);
    const leads = [
      await givenLead(t, { campaignId: campaign.id }),
      await givenLead(t, { campaignId: campaign.id }),
      await givenLead(t, { campaignId: campaign.id }),
    ];
    await t.dataSource.query('UPDATE lead SET score = 30 WHERE id = $1', [leads[1]!.id]);
    const first = ok(
      await gql(t, LEADS, { first: 1, filter: { campaignId: campaign.id }, orderBy: 'SCORE_DESC' }),
    ).leads;
    expect(first.nodes[0].id).toBe(leads[1]!.id);
    const rest = ok(
      await gql(t, LEADS, {
        first: 5,
        after: first.pageInfo.endCursor,
        filter: { campaignId: campaign.id },
        orderBy: 'SCORE_DESC',
      }),
    ).leads;
    expect(rest.nodes.map((node: { id: string }) => node.id).sort()).toEqual([leads[0]!.id, leads[2]!.id].sort());
  });

  test('first: 0 returns no leads but still tells whether there are any', async () => {
    const campaign = await givenCampaign(t);
    await givenLead(t, { campaignId: campaign.id });
    const page = ok(await gql(t, LEADS, { first: 0, filter: { campaignId: campaign.id } })).leads;
    expect(page.nodes).toEqual([]);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });
});

describe('statement count', () => {
  const PAGE = `query($first: Int, $filter: LeadFilter) {
    leads(first: $first, filter: $filter) {
      nodes {
        id email stage { key }
        campaign { name targetPersonas { name } } persona { name } owner { name }
        stageHistory { at from { key } to { key } actor { name } }
      }
    }
  }`;

  test('a page of leads with campaign, persona, owner and stage history costs the same few statements at any size', async () => {
    const campaigns = [await givenCampaign(t), await givenCampaign(t)];
    const persona = await givenPersona(t);
    const tag = unique('count');
    for (let i = 0; i < 50; i += 1) {
      const lead = await givenLead(t, {
        company: tag,
        campaignId: campaigns[i % 2]!.id,
        personaId: persona.id,
        ownerId: t.userIds.SALES,
      });
      if (i % 3 === 0) {
        ok(
          await gql(
            t,
            'mutation($id: ID!) { moveLeadToStage(leadId: $id, stage: "mql") { id } }',
            { id: lead.id },
            { as: Role.SALES },
          ),
        );
      }
    }
    const statementsFor = async (first: number): Promise<number> => {
      const before = statementCounter.count;
      const page = ok(await gql(t, PAGE, { first, filter: { search: tag } }));
      expect(page.leads.nodes).toHaveLength(first);
      expect(page.leads.nodes[0].stageHistory.length).toBeGreaterThan(0);
      return statementCounter.count - before;
    };
    const forFifty = await statementsFor(50);
    const forTen = await statementsFor(10);
    // token, leads, stages, campaigns, personas (persona + target personas), owners, history
    expect(forFifty).toBeLessThanOrEqual(9);
    expect(forFifty).toBe(forTen);
    console.info(`statements for a page of 50 leads with campaign, persona, owner and stage history: ${forFifty}`);
  });
});
