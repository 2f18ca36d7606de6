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
  type GqlResult,
  type TestApp,
} from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** A valid uuid that no row has. It sorts after every real id, so batch items with it are handled last. */
const UNKNOWN_ID = 'ffffffff-ffff-4fff-bfff-ffffffffffff';

/** What must never reach a client: SQL, a stack frame, the driver's error class. */
const LEAK = /\bSELECT\b|\bINSERT\b|at \/|QueryFailedError/;

function expectNoLeak(result: GqlResult): void {
  for (const error of result.errors ?? []) {
    expect(JSON.stringify(error)).not.toMatch(LEAK);
    expect(error.extensions).not.toHaveProperty('stacktrace');
    expect(error.extensions).not.toHaveProperty('exception');
  }
}

/** Every call in this file goes through here, so every error is checked for leaks. */
async function call(
  document: string,
  variables: Record<string, unknown> = {},
  as: Role = Role.OPS,
): Promise<GqlResult> {
  const result = await gql(t, document, variables, { as });
  expectNoLeak(result);
  return result;
}

/** The one error a client gets, with its code and the field it names; no data. */
function expectError(result: GqlResult, code: string, field: string): Record<string, any> {
  expect(result.errors).toHaveLength(1);
  const error = result.errors![0]!;
  expect(error.extensions).toMatchObject({ code, field });
  expect(result.data ?? null).toBeNull();
  return error.extensions;
}

async function leadRow(
  id: string,
): Promise<{ email: string; first_name: string | null; version: number; stage: string; campaign_id: string | null }> {
  const [row] = await t.dataSource.query(
    `SELECT lead.email, lead.first_name, lead.version, lead.campaign_id, stage.key AS stage
       FROM lead JOIN funnel_stage stage ON stage.id = lead.stage_id WHERE lead.id = $1`,
    [id],
  );
  return row;
}

async function versionOf(table: string, id: string): Promise<number> {
  const [row] = await t.dataSource.query(`SELECT version FROM "${table}" WHERE id = $1`, [id]);
  return row.version;
}

/** Leads whose email contains `marker`, however the email was mangled. */
const leadsWith = (marker: string) => countRows(t, 'lead', 'position($1 in email) > 0', [marker]);

/** A valid email of exactly `length` characters: a 64-character local part and 63-character labels. */
function emailOfLength(length: number, marker: string): string {
  const local = marker.padEnd(64, 'a');
  let remaining = length - local.length - 1 - '.com'.length;
  const labels: string[] = [];
  while (remaining > 64) {
    labels.push('b'.repeat(63));
    remaining -= 64;
  }
  labels.push('c'.repeat(remaining));
  return `${local}@${labels.join('.')}.com`;
}

const CREATE_LEAD = 'mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }';
const UPSERT_LEAD = 'mutation($input: UpsertLeadInput!) { upsertLead(input: $input) { created } }';
const UPDATE_LEAD = 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id } }';
const MOVE_LEAD =
  'mutation($leadId: ID!, $stage: String!, $reason: String) { moveLeadToStage(leadId: $leadId, stage: $stage, reason: $reason) { id } }';
const RECORD_ACTIVITY = 'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }';
const RECORD_ACTIVITIES = 'mutation($inputs: [RecordActivityInput!]!) { recordActivities(inputs: $inputs) { id } }';
const SUBMIT_FEEDBACK = 'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }';
const CREATE_PERSONA = 'mutation($input: CreatePersonaInput!) { createPersona(input: $input) { id } }';
const UPDATE_PERSONA = 'mutation($input: UpdatePersonaInput!) { updatePersona(input: $input) { id } }';
const ARCHIVE_PERSONA = 'mutation($id: ID!) { archivePersona(id: $id) { id } }';
const CREATE_CAMPAIGN = 'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }';
const UPDATE_CAMPAIGN = 'mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { id } }';
const CREATE_STAGE = 'mutation($input: CreateFunnelStageInput!) { createFunnelStage(input: $input) { id } }';
const UPDATE_STAGE = 'mutation($input: UpdateFunnelStageInput!) { updateFunnelStage(input: $input) { id } }';
const REORDER_STAGES = 'mutation($keys: [String!]!) { reorderFunnelStages(keys: $keys) { key } }';
const CREATE_SLA = 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }';
const UPDATE_SLA = 'mutation($input: UpdateSlaInput!) { updateSla(input: $input) { id } }';
const ARCHIVE_SLA = 'mutation($id: ID!) { archiveSla(id: $id) { id } }';
const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }';
const DELETE_USER = 'mutation($id: ID!) { deleteUser(id: $id) { id } }';
const CREATE_TOKEN = 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { tokenId } }';

describe('createLead refuses bad input and writes nothing', () => {
  test.each([
    ['an invalid email', (m: string) => ({ email: `${m}-at-example.com` }), 'BAD_USER_INPUT', 'input.email'],
    ['a 255-character email', (m: string) => ({ email: emailOfLength(255, m) }), 'BAD_USER_INPUT', 'input.email'],
    [
      'a much longer email',
      (m: string) => ({ email: `${m}@${'x'.repeat(1000)}.com` }),
      'BAD_USER_INPUT',
      'input.email',
    ],
    [
      'an email with CR/LF inside',
      (m: string) => ({ email: `${m}@example.com\r\nBcc: victim@example.com` }),
      'BAD_USER_INPUT',
      'input.email',
    ],
    [
      'an email with a LF in the local part',
      (m: string) => ({ email: `${m}\nx@example.com` }),
      'BAD_USER_INPUT',
      'input.email',
    ],
    [
      'a 101-character firstName',
      (m: string) => ({ email: `${m}@example.com`, firstName: 'a'.repeat(101) }),
      'BAD_USER_INPUT',
      'input.firstName',
    ],
    [
      'country "Germany"',
      (m: string) => ({ email: `${m}@example.com`, country: 'Germany' }),
      'BAD_USER_INPUT',
      'input.country',
    ],
    [
      'companySize -1',
      (m: string) => ({ email: `${m}@example.com`, companySize: -1 }),
      'BAD_USER_INPUT',
      'input.companySize',
    ],
    [
      'an unknown campaignId',
      (m: string) => ({ email: `${m}@example.com`, campaignId: UNKNOWN_ID }),
      'NOT_FOUND',
      'input.campaignId',
    ],
    [
      'an unknown personaId',
      (m: string) => ({ email: `${m}@example.com`, personaId: UNKNOWN_ID }),
      'NOT_FOUND',
      'input.personaId',
    ],
    [
      'an unknown ownerId',
      (m: string) => ({ email: `${m}@example.com`, ownerId: UNKNOWN_ID }),
      'NOT_FOUND',
      'input.ownerId',
    ],
    [
      'a campaignId that is not a uuid',
      (m: string) => ({ email: `${m}@example.com`, campaignId: 'abc' }),
      'BAD_USER_INPUT',
      'input.campaignId',
    ],
    [
      'an unknown stage key',
      (m: string) => ({ email: `${m}@example.com`, stage: 'nope' }),
      'BAD_USER_INPUT',
      'input.stage',
    ],
    [
      'attributes holding a nested object',
      (m: string) => ({ email: `${m}@example.com`, attributes: { address: { city: 'Berlin' } } }),
      'BAD_USER_INPUT',
      'input.attributes.address',
    ],
    [
      'attributes holding an array',
      (m: string) => ({ email: `${m}@example.com`, attributes: { tags: ['a', 'b'] } }),
      'BAD_USER_INPUT',
      'input.attributes.tags',
    ],
    [
      'attributes with a __proto__ key',
      (m: string) => ({ email: `${m}@example.com`, attributes: JSON.parse('{"__proto__": {"isAdmin": true}}') }),
      'BAD_USER_INPUT',
      'input.attributes.__proto__',
    ],
  ])('%s', async (_label, input, code, field) => {
    const marker = unique('bad');
    expectError(await call(CREATE_LEAD, { input: input(marker) }), code, field);
    expect(await leadsWith(marker)).toBe(0);
  });

  test('an email of exactly 254 characters is accepted', async () => {
    const marker = unique('edge');
    const email = emailOfLength(254, marker);
    ok(await call(CREATE_LEAD, { input: { email } }));
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(1);
  });

  test('an email that is already known in other letter case is a CONFLICT naming the existing lead', async () => {
    const marker = unique('dup');
    const first = await givenLead(t, { email: `${marker}@Example.com` });
    const extensions = expectError(
      await call(CREATE_LEAD, { input: { email: `  ${marker.toUpperCase()}@EXAMPLE.COM ` } }),
      'CONFLICT',
      'input.email',
    );
    expect(extensions.existingLeadId).toBe(first.id);
    expect(await leadsWith(marker)).toBe(1);
    expect(await versionOf('lead', first.id)).toBe(first.version);
  });

  test('a request body over 1 MB is refused as BAD_REQUEST with HTTP 413', async () => {
    const marker = unique('huge');
    const result = await call(CREATE_LEAD, {
      input: { email: `${marker}@example.com`, firstName: 'a'.repeat(1024 * 1024) },
    });
    expect(result.status).toBe(413);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions.code).toBe('BAD_REQUEST');
    expect(await leadsWith(marker)).toBe(0);
  });

  test('a 500 KB firstName inside the variables cap is refused naming the field', async () => {
    const marker = unique('big');
    const result = await call(CREATE_LEAD, {
      input: { email: `${marker}@example.com`, firstName: 'a'.repeat(500 * 1024) },
    });
    expectError(result, 'BAD_USER_INPUT', 'input.firstName');
    expect(JSON.stringify(result.errors).length).toBeLessThan(10_000);
    expect(await leadsWith(marker)).toBe(0);
  });
});

describe('upsertLead refuses bad input and writes nothing', () => {
  test('an invalid email', async () => {
    const marker = unique('bad');
    expectError(await call(UPSERT_LEAD, { input: { email: `${marker}@` } }), 'BAD_USER_INPUT', 'input.email');
    expect(await leadsWith(marker)).toBe(0);
  });

  test('an unknown campaignId for a known email leaves the lead as it was', async () => {
    const lead = await givenLead(t);
    expectError(
      await call(UPSERT_LEAD, { input: { email: lead.email, campaignId: UNKNOWN_ID } }),
      'NOT_FOUND',
      'input.campaignId',
    );
    expect(await leadRow(lead.id)).toMatchObject({ version: lead.version, campaign_id: null });
  });
});

describe('updateLead refuses bad input and changes nothing', () => {
  test('a stale expectedVersion is a VERSION_CONFLICT with the current version', async () => {
    const lead = await givenLead(t);
    ok(await call(UPDATE_LEAD, { input: { id: lead.id, firstName: 'Grace' } }));
    const extensions = expectError(
      await call(UPDATE_LEAD, { input: { id: lead.id, expectedVersion: lead.version, firstName: 'Stale' } }),
      'VERSION_CONFLICT',
      'input.expectedVersion',
    );
    expect(extensions.currentVersion).toBe(lead.version + 1);
    expect(await leadRow(lead.id)).toMatchObject({ first_name: 'Grace', version: lead.version + 1 });
  });

  test("another lead's email, in other letter case, is a CONFLICT naming that lead", async () => {
    const lead = await givenLead(t);
    const other = await givenLead(t);
    const extensions = expectError(
      await call(UPDATE_LEAD, { input: { id: lead.id, email: other.email.toUpperCase(), firstName: 'Changed' } }),
      'CONFLICT',
      'input.email',
    );
    expect(extensions.existingLeadId).toBe(other.id);
    expect(await leadRow(lead.id)).toMatchObject({ email: lead.email, first_name: 'Ada', version: lead.version });
  });

  test('an invalid email', async () => {
    const lead = await givenLead(t);
    expectError(
      await call(UPDATE_LEAD, { input: { id: lead.id, email: 'not an email' } }),
      'BAD_USER_INPUT',
      'input.email',
    );
    expect(await leadRow(lead.id)).toMatchObject({ email: lead.email, version: lead.version });
  });

  test('an unknown lead id is NOT_FOUND', async () => {
    const firstName = unique('Ghost');
    expectError(await call(UPDATE_LEAD, { input: { id: UNKNOWN_ID, firstName } }), 'NOT_FOUND', 'input.id');
    expect(await countRows(t, 'lead', 'first_name = $1', [firstName])).toBe(0);
  });
});

describe('moveLeadToStage refuses bad input and records no move', () => {
  test('an unknown lead id is NOT_FOUND', async () => {
    const reason = unique('reason');
    expectError(await call(MOVE_LEAD, { leadId: UNKNOWN_ID, stage: 'mql', reason }), 'NOT_FOUND', 'leadId');
    expect(await countRows(t, 'stage_transition', 'reason = $1', [reason])).toBe(0);
  });

  test('an unknown stage is BAD_USER_INPUT naming `stage`, and the lead stays where it was', async () => {
    const lead = await givenLead(t);
    expectError(await call(MOVE_LEAD, { leadId: lead.id, stage: 'nope' }), 'BAD_USER_INPUT', 'stage');
    expect(await countRows(t, 'stage_transition', 'lead_id = $1', [lead.id])).toBe(1);
    expect(await leadRow(lead.id)).toMatchObject({ stage: 'lead', version: lead.version });
  });

  test('a lead id that is not a uuid is a client error naming leadId, not an internal error', async () => {
    const result = await call(MOVE_LEAD, { leadId: 'not-a-uuid', stage: 'mql' });
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions.field).toBe('leadId');
  });
});

describe('recordActivity refuses bad input and records nothing', () => {
  test('an unknown lead id is NOT_FOUND', async () => {
    const marker = unique('ghost');
    expectError(
      await call(RECORD_ACTIVITY, { input: { leadId: UNKNOWN_ID, type: 'PAGE_VIEW', metadata: { marker } } }),
      'NOT_FOUND',
      'input.leadId',
    );
    expect(await countRows(t, 'activity', "metadata->>'marker' = $1", [marker])).toBe(0);
  });

  test.each([
    ['occurredAt far in the future', { occurredAt: '2999-01-01T00:00:00Z' }, 'BAD_USER_INPUT', 'input.occurredAt'],
    [
      'occurredAt two days ahead',
      { occurredAt: new Date(Date.now() + 2 * 86_400_000).toISOString() },
      'BAD_USER_INPUT',
      'input.occurredAt',
    ],
    ['occurredAt before 1990', { occurredAt: '1989-12-31T23:59:59Z' }, 'BAD_USER_INPUT', 'input.occurredAt'],
    ['an unknown campaignId', { campaignId: UNKNOWN_ID }, 'NOT_FOUND', 'input.campaignId'],
    [
      'metadata holding a nested object',
      { metadata: { page: { url: '/pricing' } } },
      'BAD_USER_INPUT',
      'input.metadata.page',
    ],
  ])('%s', async (_label, fields, code, field) => {
    const lead = await givenLead(t);
    expectError(await call(RECORD_ACTIVITY, { input: { leadId: lead.id, type: 'PAGE_VIEW', ...fields } }), code, field);
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(0);
  });
});

describe('recordActivities is all or nothing', () => {
  test('one unknown lead among good items records none of them and names its index', async () => {
    const lead = await givenLead(t);
    const inputs = [
      { leadId: lead.id, type: 'PAGE_VIEW' },
      { leadId: UNKNOWN_ID, type: 'PAGE_VIEW' },
      { leadId: lead.id, type: 'EMAIL_OPEN' },
    ];
    expectError(await call(RECORD_ACTIVITIES, { inputs }), 'NOT_FOUND', 'inputs[1].leadId');
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(0);
  });

  test('a bad occurredAt after two good items records none of them and names its index', async () => {
    const lead = await givenLead(t);
    const inputs = [
      { leadId: lead.id, type: 'PAGE_VIEW' },
      { leadId: lead.id, type: 'EMAIL_OPEN' },
      { leadId: lead.id, type: 'EMAIL_CLICK', occurredAt: '2999-01-01T00:00:00Z' },
    ];
    expectError(await call(RECORD_ACTIVITIES, { inputs }), 'BAD_USER_INPUT', 'inputs[2].occurredAt');
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(0);
  });

  test('an empty list is BAD_USER_INPUT naming inputs', async () => {
    expectError(await call(RECORD_ACTIVITIES, { inputs: [] }), 'BAD_USER_INPUT', 'inputs');
  });

  test('more than 500 items are refused and none is recorded', async () => {
    const lead = await givenLead(t);
    const inputs = Array.from({ length: 501 }, () => ({ leadId: lead.id, type: 'PAGE_VIEW' }));
    expectError(await call(RECORD_ACTIVITIES, { inputs }), 'BAD_USER_INPUT', 'inputs');
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(0);
  });

  test('a lead id that is not a uuid is refused and none is recorded', async () => {
    const lead = await givenLead(t);
    const inputs = [
      { leadId: lead.id, type: 'PAGE_VIEW' },
      { leadId: 'not-a-uuid', type: 'PAGE_VIEW' },
    ];
    expect((await call(RECORD_ACTIVITIES, { inputs })).errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(0);
  });

  test('a lead id that is not a uuid is named with its index (inputs[1].leadId)', async () => {
    const lead = await givenLead(t);
    const inputs = [
      { leadId: lead.id, type: 'PAGE_VIEW' },
      { leadId: 'not-a-uuid', type: 'PAGE_VIEW' },
    ];
    expectError(await call(RECORD_ACTIVITIES, { inputs }), 'BAD_USER_INPUT', 'inputs[1].leadId');
  });
});

describe('submitFeedback refuses bad input and stores nothing', () => {
  test.each([
    ['neither a lead nor a campaign', () => ({ kind: 'DEMO' }), 'BAD_USER_INPUT', 'input.leadId'],
    [
      'REJECTED without a rejectionReason',
      (lead: string) => ({ kind: 'LEAD_QUALITY', leadId: lead, disposition: 'REJECTED' }),
      'BAD_USER_INPUT',
      'input.rejectionReason',
    ],
    [
      'a rejectionReason without REJECTED',
      (lead: string) => ({ kind: 'LEAD_QUALITY', leadId: lead, disposition: 'ACCEPTED', rejectionReason: 'NO_BUDGET' }),
      'BAD_USER_INPUT',
      'input.rejectionReason',
    ],
    [
      'rating 6',
      (lead: string) => ({ kind: 'LEAD_QUALITY', leadId: lead, rating: 6 }),
      'BAD_USER_INPUT',
      'input.rating',
    ],
    [
      'rating 0',
      (lead: string) => ({ kind: 'LEAD_QUALITY', leadId: lead, rating: 0 }),
      'BAD_USER_INPUT',
      'input.rating',
    ],
    [
      'a 4001-character comment',
      (lead: string) => ({ kind: 'LEAD_QUALITY', leadId: lead, comment: 'x'.repeat(4001) }),
      'BAD_USER_INPUT',
      'input.comment',
    ],
    [
      'a disposition about a campaign only',
      () => ({ kind: 'CAMPAIGN', campaignId: UNKNOWN_ID, disposition: 'ACCEPTED' }),
      'BAD_USER_INPUT',
      'input.leadId',
    ],
    ['an unknown lead', () => ({ kind: 'LEAD_QUALITY', leadId: UNKNOWN_ID }), 'NOT_FOUND', 'input.leadId'],
    ['an unknown campaign', () => ({ kind: 'CAMPAIGN', campaignId: UNKNOWN_ID }), 'NOT_FOUND', 'input.campaignId'],
  ])('%s', async (_label, input, code, field) => {
    // The lead is in `mql`, so a disposition that slipped through would move it.
    const lead = await givenLead(t, { stage: 'mql' });
    const comment = unique('comment');
    expectError(await call(SUBMIT_FEEDBACK, { input: { comment, ...input(lead.id) } }, Role.SALES), code, field);
    expect(await countRows(t, 'feedback', 'comment = $1 OR lead_id = $2', [comment, lead.id])).toBe(0);
    expect(await leadRow(lead.id)).toMatchObject({ stage: 'mql', version: lead.version });
  });
});

describe('personas refuse bad input and change nothing', () => {
  test('createPersona with a name that is taken is a CONFLICT naming the holder', async () => {
    const persona = await givenPersona(t);
    const extensions = expectError(
      await call(CREATE_PERSONA, { input: { name: persona.name } }, Role.MARKETING),
      'CONFLICT',
      'input.name',
    );
    expect(extensions.existingId).toBe(persona.id);
    expect(await countRows(t, 'persona', 'name = $1', [persona.name])).toBe(1);
  });

  test('createPersona with an empty name', async () => {
    const description = unique('description');
    expectError(
      await call(CREATE_PERSONA, { input: { name: '', description } }, Role.MARKETING),
      'BAD_USER_INPUT',
      'input.name',
    );
    expect(await countRows(t, 'persona', 'description = $1', [description])).toBe(0);
  });

  test('updatePersona with an unknown id is NOT_FOUND', async () => {
    const description = unique('description');
    expectError(
      await call(UPDATE_PERSONA, { input: { id: UNKNOWN_ID, description } }, Role.MARKETING),
      'NOT_FOUND',
      'input.id',
    );
    expect(await countRows(t, 'persona', 'description = $1', [description])).toBe(0);
  });

  test('updatePersona with a stale expectedVersion is a VERSION_CONFLICT', async () => {
    const persona = await givenPersona(t);
    const version = await versionOf('persona', persona.id);
    expectError(
      await call(
        UPDATE_PERSONA,
        { input: { id: persona.id, expectedVersion: version + 1, description: 'stale' } },
        Role.MARKETING,
      ),
      'VERSION_CONFLICT',
      'input.expectedVersion',
    );
    expect(await versionOf('persona', persona.id)).toBe(version);
  });

  test("updatePersona to another persona's name is a CONFLICT", async () => {
    const persona = await givenPersona(t);
    const other = await givenPersona(t);
    expectError(
      await call(UPDATE_PERSONA, { input: { id: persona.id, name: other.name } }, Role.MARKETING),
      'CONFLICT',
      'input.name',
    );
    expect(await countRows(t, 'persona', 'id = $1 AND name = $2', [persona.id, persona.name])).toBe(1);
  });

  test('archivePersona with an unknown id is NOT_FOUND', async () => {
    expectError(await call(ARCHIVE_PERSONA, { id: UNKNOWN_ID }, Role.MARKETING), 'NOT_FOUND', 'id');
    expect(await countRows(t, 'persona', 'id = $1', [UNKNOWN_ID])).toBe(0);
  });
});

describe('campaigns refuse bad input and change nothing', () => {
  test('createCampaign with a name that is taken is a CONFLICT naming the holder', async () => {
    const campaign = await givenCampaign(t);
    const extensions = expectError(
      await call(CREATE_CAMPAIGN, { input: { name: campaign.name, channel: 'SEO' } }, Role.MARKETING),
      'CONFLICT',
      'input.name',
    );
    expect(extensions.existingId).toBe(campaign.id);
    expect(await countRows(t, 'campaign', 'name = $1', [campaign.name])).toBe(1);
  });

  test.each([
    [
      'endsAt before startsAt',
      { startsAt: '2030-02-01T00:00:00Z', endsAt: '2030-01-31T23:59:59Z' },
      'BAD_USER_INPUT',
      'input.endsAt',
    ],
    ['a negative budget', { budget: -1 }, 'BAD_USER_INPUT', 'input.budget'],
    ['an unknown target persona', { targetPersonaIds: [UNKNOWN_ID] }, 'NOT_FOUND', 'input.targetPersonaIds'],
  ])('createCampaign with %s', async (_label, fields, code, field) => {
    const name = unique('Campaign');
    expectError(
      await call(CREATE_CAMPAIGN, { input: { name, channel: 'EMAIL', ...fields } }, Role.MARKETING),
      code,
      field,
    );
    expect(await countRows(t, 'campaign', 'name = $1', [name])).toBe(0);
  });

  test('updateCampaign with an unknown id is NOT_FOUND', async () => {
    const description = unique('description');
    expectError(
      await call(UPDATE_CAMPAIGN, { input: { id: UNKNOWN_ID, description } }, Role.MARKETING),
      'NOT_FOUND',
      'input.id',
    );
    expect(await countRows(t, 'campaign', 'description = $1', [description])).toBe(0);
  });

  test('updateCampaign with an endsAt before the stored startsAt', async () => {
    const campaign = await givenCampaign(t, { startsAt: '2030-02-01T00:00:00Z' });
    const version = await versionOf('campaign', campaign.id);
    expectError(
      await call(UPDATE_CAMPAIGN, { input: { id: campaign.id, endsAt: '2030-01-01T00:00:00Z' } }, Role.MARKETING),
      'BAD_USER_INPUT',
      'input.endsAt',
    );
    expect(await versionOf('campaign', campaign.id)).toBe(version);
    expect(await countRows(t, 'campaign', 'id = $1 AND ends_at IS NULL', [campaign.id])).toBe(1);
  });
});

describe('the funnel refuses bad input and changes nothing', () => {
  test.each([
    ['a key with a space and capitals ("Bad Key")', { key: 'Bad Key' }, 'BAD_USER_INPUT', 'input.key'],
    ['a key that exists', { key: 'mql' }, 'CONFLICT', 'input.key'],
    ['position 0', { key: 'fresh_stage_zero', position: 0 }, 'BAD_USER_INPUT', 'input.position'],
    ['a position past the end', { key: 'fresh_stage_late', position: 999 }, 'BAD_USER_INPUT', 'input.position'],
  ])('createFunnelStage with %s', async (_label, fields, code, field) => {
    const name = unique('Stage');
    expectError(
      await call(CREATE_STAGE, { input: { name, definition: 'A stage that must not exist.', ...fields } }),
      code,
      field,
    );
    expect(await countRows(t, 'funnel_stage', 'name = $1', [name])).toBe(0);
  });

  test('updateFunnelStage with an unknown key is refused', async () => {
    const name = unique('Stage');
    const result = await call(UPDATE_STAGE, { input: { key: 'nope', name } });
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(await countRows(t, 'funnel_stage', 'name = $1', [name])).toBe(0);
  });

  test('updateFunnelStage with an unknown key names the field input.key', async () => {
    expectError(
      await call(UPDATE_STAGE, { input: { key: 'nope', name: unique('Stage') } }),
      'BAD_USER_INPUT',
      'input.key',
    );
  });

  test('updateFunnelStage with a stale expectedVersion is a VERSION_CONFLICT', async () => {
    const before = await t.dataSource.query(`SELECT name, version FROM funnel_stage WHERE key = 'mql'`);
    const extensions = expectError(
      await call(UPDATE_STAGE, {
        input: { key: 'mql', expectedVersion: before[0].version + 1, name: unique('Stale') },
      }),
      'VERSION_CONFLICT',
      'input.expectedVersion',
    );
    expect(extensions.currentVersion).toBe(before[0].version);
    expect(await t.dataSource.query(`SELECT name, version FROM funnel_stage WHERE key = 'mql'`)).toEqual(before);
  });

  const reorders = () => countRows(t, 'audit_entry', `actor_id = $1 AND subject = 'funnel'`, [t.userIds.OPS]);
  const currentKeys = async () =>
    (await t.dataSource.query<Array<{ key: string }>>('SELECT key FROM funnel_stage ORDER BY position')).map(
      (row) => row.key,
    );

  test.each([
    ['a key missing', (keys: string[]) => keys.slice(0, -1)],
    ['an unknown key', (keys: string[]) => [...keys.slice(0, -1), 'nope']],
    ['a key twice', (keys: string[]) => [...keys, keys[0]!]],
  ])('reorderFunnelStages with %s is BAD_USER_INPUT naming keys', async (_label, change) => {
    const before = await reorders();
    expectError(
      await call(REORDER_STAGES, { keys: change((await currentKeys()).reverse()) }),
      'BAD_USER_INPUT',
      'keys',
    );
    expect(await reorders()).toBe(before);
  });
});

describe('SLAs refuse bad input and change nothing', () => {
  async function givenSla(): Promise<{ id: string; name: string }> {
    const name = unique('Sla');
    const data = ok(await call(CREATE_SLA, { input: { name, kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 4 } }));
    return { id: data.createSla.id, name };
  }

  test.each([
    [
      'LEAD_VOLUME without a target',
      { kind: 'LEAD_VOLUME', stage: 'mql', period: 'MONTH' },
      'BAD_USER_INPUT',
      'input.target',
    ],
    [
      'RESPONSE_TIME with a target',
      { kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 4, target: 10 },
      'BAD_USER_INPUT',
      'input.target',
    ],
    [
      'FOLLOW_UP without withinDays',
      { kind: 'FOLLOW_UP', stage: 'sql', attempts: 3 },
      'BAD_USER_INPUT',
      'input.withinDays',
    ],
    ['an unknown stage', { kind: 'RESPONSE_TIME', stage: 'nope', withinHours: 4 }, 'BAD_USER_INPUT', 'input.stage'],
    [
      'an unknown persona',
      { kind: 'LEAD_VOLUME', stage: 'mql', period: 'MONTH', target: 5, personaId: UNKNOWN_ID },
      'NOT_FOUND',
      'input.personaId',
    ],
    ['withinHours 0', { kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 0 }, 'BAD_USER_INPUT', 'input.withinHours'],
  ])('createSla with %s', async (_label, fields, code, field) => {
    const name = unique('Sla');
    expectError(await call(CREATE_SLA, { input: { name, ...fields } }), code, field);
    expect(await countRows(t, 'sla', 'name = $1', [name])).toBe(0);
  });

  test('createSla with a name that is taken is a CONFLICT', async () => {
    const sla = await givenSla();
    const extensions = expectError(
      await call(CREATE_SLA, { input: { name: sla.name, kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 8 } }),
      'CONFLICT',
      'input.name',
    );
    expect(extensions.existingId).toBe(sla.id);
    expect(await countRows(t, 'sla', 'name = $1', [sla.name])).toBe(1);
  });

  test('updateSla with an unknown id is NOT_FOUND', async () => {
    const description = unique('description');
    expectError(await call(UPDATE_SLA, { input: { id: UNKNOWN_ID, description } }), 'NOT_FOUND', 'input.id');
    expect(await countRows(t, 'sla', 'description = $1', [description])).toBe(0);
  });

  test('updateSla that would give RESPONSE_TIME a target leaves the SLA as it was', async () => {
    const sla = await givenSla();
    const version = await versionOf('sla', sla.id);
    expectError(await call(UPDATE_SLA, { input: { id: sla.id, target: 10 } }), 'BAD_USER_INPUT', 'input.target');
    expect(await versionOf('sla', sla.id)).toBe(version);
    expect(await countRows(t, 'sla', 'id = $1 AND target IS NULL', [sla.id])).toBe(1);
  });

  test('updateSla with a stale expectedVersion is a VERSION_CONFLICT', async () => {
    const sla = await givenSla();
    const version = await versionOf('sla', sla.id);
    expectError(
      await call(UPDATE_SLA, { input: { id: sla.id, expectedVersion: version + 1, withinHours: 12 } }),
      'VERSION_CONFLICT',
      'input.expectedVersion',
    );
    expect(await versionOf('sla', sla.id)).toBe(version);
  });

  test('archiveSla with an unknown id is NOT_FOUND', async () => {
    expectError(await call(ARCHIVE_SLA, { id: UNKNOWN_ID }), 'NOT_FOUND', 'id');
    expect(await countRows(t, 'audit_entry', 'subject_id = $1', [UNKNOWN_ID])).toBe(0);
  });
});

describe('users and tokens refuse bad input and change nothing', () => {
  test('createUser with a name that is taken is a CONFLICT', async () => {
    const name = unique('user');
    ok(await call(CREATE_USER, { input: { name, role: 'SALES' } }, Role.ADMIN));
    expectError(await call(CREATE_USER, { input: { name, role: 'OPS' } }, Role.ADMIN), 'CONFLICT', 'input.name');
    expect(await countRows(t, 'user', 'name = $1', [name])).toBe(1);
  });

  test('createUser with an invalid email', async () => {
    const name = unique('user');
    expectError(
      await call(CREATE_USER, { input: { name, role: 'SALES', email: 'nope' } }, Role.ADMIN),
      'BAD_USER_INPUT',
      'input.email',
    );
    expect(await countRows(t, 'user', 'name = $1', [name])).toBe(0);
  });

  test('deleteUser with an unknown id is NOT_FOUND', async () => {
    expectError(await call(DELETE_USER, { id: UNKNOWN_ID }, Role.ADMIN), 'NOT_FOUND', 'id');
    expect(await countRows(t, 'audit_entry', 'subject_id = $1', [UNKNOWN_ID])).toBe(0);
  });

  test('ADMIN cannot delete themselves, and their token keeps working', async () => {
    expectError(await call(DELETE_USER, { id: t.userIds.ADMIN }, Role.ADMIN), 'BAD_USER_INPUT', 'id');
    expect(await countRows(t, 'user', 'id = $1 AND deleted_at IS NULL', [t.userIds.ADMIN])).toBe(1);
    expect(ok(await call('{ me { id } }', {}, Role.ADMIN)).me).toEqual({ id: t.userIds.ADMIN });
  });

  test('createApiToken with an expiresAt in the past is refused and stores no token', async () => {
    const label = unique('label');
    const result = await call(
      CREATE_TOKEN,
      { input: { userId: t.userIds.SALES, label, expiresAt: new Date(Date.now() - 60_000).toISOString() } },
      Role.ADMIN,
    );
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(await countRows(t, 'api_token', 'label = $1', [label])).toBe(0);
  });

  test('createApiToken with an expiresAt in the past names the field input.expiresAt', async () => {
    const expiresAt = new Date(Date.now() - 60_000).toISOString();
    expectError(
      await call(CREATE_TOKEN, { input: { userId: t.userIds.SALES, expiresAt } }, Role.ADMIN),
      'BAD_USER_INPUT',
      'input.expiresAt',
    );
  });

  test('createApiToken for an unknown user is NOT_FOUND and stores no token', async () => {
    const label = unique('label');
    const result = await call(CREATE_TOKEN, { input: { userId: UNKNOWN_ID, label } }, Role.ADMIN);
    expect(result.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect(await countRows(t, 'api_token', 'label = $1', [label])).toBe(0);
  });

  test('createApiToken for an unknown user names the field input.userId', async () => {
    expectError(await call(CREATE_TOKEN, { input: { userId: UNKNOWN_ID } }, Role.ADMIN), 'NOT_FOUND', 'input.userId');
  });
});

describe('reads refuse bad arguments', () => {
  test.each([
    ['leads(first: -1)', '{ leads(first: -1) { nodes { id } } }', 'BAD_USER_INPUT', 'first'],
    ['leads(first: 101)', '{ leads(first: 101) { nodes { id } } }', 'BAD_USER_INPUT', 'first'],
    ['leads(after: "garbage")', '{ leads(after: "garbage") { nodes { id } } }', 'BAD_USER_INPUT', 'after'],
    [
      'leads(after:) with a well-formed cursor of the wrong kind',
      `{ leads(orderBy: SCORE_DESC, after: "${Buffer.from(JSON.stringify(['2030-01-01T00:00:00Z', UNKNOWN_ID])).toString('base64url')}") { nodes { id } } }`,
      'BAD_USER_INPUT',
      'after',
    ],
    [
      'leads(filter: {stages: ["nope"]})',
      '{ leads(filter: { stages: ["nope"] }) { nodes { id } } }',
      'BAD_USER_INPUT',
      'filter.stages',
    ],
    [
      'leads(filter: {search: ""})',
      '{ leads(filter: { search: "" }) { nodes { id } } }',
      'BAD_USER_INPUT',
      'filter.search',
    ],
    ['campaigns(first: 101)', '{ campaigns(first: 101) { nodes { id } } }', 'BAD_USER_INPUT', 'first'],
    ['feedback(after: "garbage")', '{ feedback(after: "garbage") { nodes { id } } }', 'BAD_USER_INPUT', 'after'],
    ['lead(id: unknown)', `{ lead(id: "${UNKNOWN_ID}") { id } }`, 'NOT_FOUND', 'id'],
    ['campaign(id: unknown)', `{ campaign(id: "${UNKNOWN_ID}") { id } }`, 'NOT_FOUND', 'id'],
  ])('%s', async (_label, document, code, field) => {
    expectError(await call(document, {}, Role.ANALYST), code, field);
  });

  test('Lead.activities(first: 101) names first', async () => {
    const lead = await givenLead(t);
    const result = await call(
      'query($id: ID!) { lead(id: $id) { activities(first: 101) { id } } }',
      { id: lead.id },
      Role.ANALYST,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  test('lead(id:) with an id that is not a uuid is NOT_FOUND, not an internal error', async () => {
    const result = await call('{ lead(id: "not-a-uuid") { id } }', {}, Role.ANALYST);
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions.field).toBe('id');
  });
});

describe('errors never reveal the server inside', () => {
  // Malformed ids are refused by name before they reach PostgreSQL, never as a masked internal error.
  test.each([
    ['lead', '{ lead(id: "not-a-uuid") { id } }', Role.ANALYST],
    ['campaign', '{ campaign(id: "not-a-uuid") { id } }', Role.ANALYST],
    ['archivePersona', 'mutation { archivePersona(id: "not-a-uuid") { id } }', Role.MARKETING],
    ['archiveSla', 'mutation { archiveSla(id: "not-a-uuid") { id } }', Role.OPS],
    ['deleteUser', 'mutation { deleteUser(id: "not-a-uuid") { id } }', Role.ADMIN],
    ['moveLeadToStage', 'mutation { moveLeadToStage(leadId: "not-a-uuid", stage: "mql") { id } }', Role.OPS],
  ])('%s with a malformed id is BAD_USER_INPUT', async (_label, document, role) => {
    const result = await call(document, {}, role);
    expect(result.errors).toHaveLength(1);
    const error = result.errors![0]!;
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/is not a valid id$/);
  });
});
