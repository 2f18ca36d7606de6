import { config } from '../src/config';
import { Role } from '../src/entities/enums';
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
 * Input that used to become bad data or internal errors: look-alike emails made duplicate leads,
 * a lone surrogate or a deal value at its documented maximum was INTERNAL, forged cursors were
 * INTERNAL and a cursor of one list was accepted by another, and attributes grew without bound.
 * Every refusal is checked for its code, its field and for nothing written; a read of another
 * lead after each attack shows the service still serving.
 */
let t: TestApp;
let bystander: { id: string };

beforeAll(async () => {
  t = await startTestApp({ production: true });
  bystander = await givenLead(t, { company: 'Bystander Co' });
});

afterAll(async () => {
  await t.close();
});

afterEach(async () => {
  const read = ok(await gql(t, 'query($id: ID!) { lead(id: $id) { company } }', { id: bystander.id }));
  expect(read.lead.company).toBe('Bystander Co');
});

const CREATE = 'mutation($input: CreateLeadInput!) { createLead(input: $input) { id email emailAsGiven } }';
const UPSERT =
  'mutation($input: UpsertLeadInput!) { upsertLead(input: $input) { created lead { id email emailAsGiven company } } }';
const UPDATE = 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id version dealValue attributes } }';

/** The one error of a refused call: its code and field, and that the database did not change. */
async function expectRefused(
  call: () => Promise<GqlResult>,
  code: string,
  field: string,
  extra: Record<string, unknown> = {},
): Promise<GqlResult> {
  const before = await databaseFingerprint(t);
  const result = await call();
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0]!.extensions).toMatchObject({ code, field, ...extra });
  expect(result.errors![0]!.message).not.toMatch(/Internal error/);
  expect(await databaseFingerprint(t)).toEqual(before);
  return result;
}

describe('emails', () => {
  const local = unique('ann').toLowerCase();
  let lead: { id: string; email: string; emailAsGiven: string };

  beforeAll(async () => {
    lead = ok(
      await gql(t, CREATE, { input: { email: ` ${local.toUpperCase()}@Bücher.de ` } }, { as: Role.MARKETING }),
    ).createLead;
  });

  test('are stored in their canonical form, and as given for display', () => {
    expect(lead.email).toBe(`${local}@xn--bcher-kva.de`);
    expect(lead.emailAsGiven).toBe(`${local.toUpperCase()}@Bücher.de`);
  });

  const fullwidth = (text: string): string =>
    [...text]
      .map((char) => (/[a-z0-9]/.test(char) ? String.fromCodePoint(char.codePointAt(0)! + 0xfee0) : char))
      .join('');

  test.each([
    ['its punycode form', () => `${local}@xn--bcher-kva.de`],
    ['a zero-width space and a zero-width joiner', () => `${local.slice(0, 2)}\u200b${local.slice(2)}@bü\u200dcher.de`],
    ['fullwidth letters and a fullwidth @', () => `${fullwidth(local)}\uff20BÜCHER.DE`],
    ['a soft hyphen and a byte-order mark', () => `\ufeff${local}\u00ad@bücher.de`],
  ])('the same address written with %s is a CONFLICT naming the existing lead', async (_name, email) => {
    await expectRefused(
      () => gql(t, CREATE, { input: { email: email() } }, { as: Role.MARKETING }),
      'CONFLICT',
      'input.email',
      { existingLeadId: lead.id },
    );
  });

  test('upsertLead merges a look-alike address into the existing lead', async () => {
    const upserted = ok(
      await gql(t, UPSERT, { input: { email: `${fullwidth(local)}@bücher.de`, company: 'Merged Co' } }),
    ).upsertLead;
    expect(upserted).toMatchObject({ created: false, lead: { id: lead.id, company: 'Merged Co' } });
    expect(upserted.lead.email).toBe(`${local}@xn--bcher-kva.de`);
    const rows: Array<{ count: string }> = await t.dataSource.query(`SELECT count(*) FROM lead WHERE email LIKE $1`, [
      `${local}@%`,
    ]);
    expect(Number(rows[0]!.count)).toBe(1);
  });

  test('updateLead to a look-alike of another lead is a CONFLICT naming it', async () => {
    const other = await givenLead(t);
    await expectRefused(
      () => gql(t, UPDATE, { input: { id: other.id, email: `${local}@XN--BCHER-KVA.DE` } }),
      'CONFLICT',
      'input.email',
      { existingLeadId: lead.id },
    );
  });

  test('an address whose domain has no ASCII form is BAD_USER_INPUT', async () => {
    await expectRefused(
      () => gql(t, CREATE, { input: { email: `${local}@xn--a.com` } }, { as: Role.MARKETING }),
      'BAD_USER_INPUT',
      'input.email',
    );
  });
});

describe('lone surrogates', () => {
  test.each([
    ['in an email', CREATE, { input: { email: 'ann\ud800@example.com' } }, '$input.email'],
    ['as the low half alone', CREATE, { input: { email: 'ann\udc00@example.com' } }, '$input.email'],
    [
      'in an attribute value',
      CREATE,
      { input: { email: 'ok-attr@example.com', attributes: { note: 'a\ud83d' } } },
      '$input.attributes.note',
    ],
    [
      'in an attribute key',
      CREATE,
      { input: { email: 'ok-key@example.com', attributes: { ['k\udfff']: 1 } } },
      '$input.attributes',
    ],
    [
      'in a batch item',
      'mutation($inputs: [RecordActivityInput!]!) { recordActivities(inputs: $inputs) { id } }',
      { inputs: [{ leadId: '00000000-0000-4000-8000-000000000000', type: 'CALL', metadata: { x: '\ud800' } }] },
      '$inputs[0].metadata.x',
    ],
  ])('%s are BAD_USER_INPUT naming the variable', async (_name, document, variables, field) => {
    const result = await expectRefused(() => gql(t, document, variables, { as: Role.SALES }), 'BAD_USER_INPUT', field);
    expect(result.status).toBe(400);
  });

  test.each([
    ['raw', '\ud800'],
    ['as an escape', '\\ud800'],
  ])('one written %s in the document is BAD_USER_INPUT naming the query', async (_name, text) => {
    const before = await databaseFingerprint(t);
    const result = await gql(t, `mutation { createLead(input: { email: "x${text}@example.com" }) { id } }`);
    expect(result.status).toBe(400);
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'query' });
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test('a well-formed pair (an emoji) is accepted', async () => {
    const created = ok(
      await gql(t, CREATE, { input: { email: `${unique('emoji')}@example.com`, company: 'Rocket 🚀 Co' } }),
    ).createLead;
    expect(created.id).toBeDefined();
  });
});

describe('numeric maxima', () => {
  const MAX = 1_000_000_000_000;

  test('a dealValue of 1e12 is stored and read back', async () => {
    const lead = await givenLead(t);
    const updated = ok(await gql(t, UPDATE, { input: { id: lead.id, dealValue: MAX } }, { as: Role.SALES })).updateLead;
    expect(updated.dealValue).toBe(MAX);
    const rows: Array<{ deal_value: string }> = await t.dataSource.query('SELECT deal_value FROM lead WHERE id = $1', [
      lead.id,
    ]);
    expect(rows[0]!.deal_value).toBe('1000000000000.00');
  });

  test('a dealValue one cent past 1e12 is BAD_USER_INPUT naming the field', async () => {
    const lead = await givenLead(t);
    await expectRefused(
      () => gql(t, UPDATE, { input: { id: lead.id, dealValue: MAX + 0.01 } }, { as: Role.SALES }),
      'BAD_USER_INPUT',
      'input.dealValue',
    );
  });

  test('a campaign budget of 1e12 is stored; one cent more is BAD_USER_INPUT naming the field', async () => {
    const created = ok(
      await gql(
        t,
        'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { budget } }',
        { input: { name: unique('Big'), channel: 'EMAIL', budget: MAX } },
        { as: Role.MARKETING },
      ),
    ).createCampaign;
    expect(created.budget).toBe(MAX);
    await expectRefused(
      () =>
        gql(
          t,
          'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { budget } }',
          { input: { name: unique('Bigger'), channel: 'EMAIL', budget: MAX + 0.01 } },
          { as: Role.MARKETING },
        ),
      'BAD_USER_INPUT',
      'input.budget',
    );
  });
});

describe('cursors', () => {
  let cursor: string;

  beforeAll(async () => {
    await givenLead(t);
    await givenCampaign(t);
    cursor = ok(await gql(t, '{ leads(first: 1) { pageInfo { endCursor } } }')).leads.pageInfo.endCursor as string;
  });

  const page = (after: string, list = 'leads', args = ''): Promise<GqlResult> =>
    gql(t, `query($after: String) { ${list}(first: 5, after: $after${args}) { nodes { id } } }`, { after });

  test('a cursor the API issued pages on', async () => {
    const next = ok(await page(cursor));
    expect(Array.isArray(next.leads.nodes)).toBe(true);
  });

  test.each([
    [
      'an unsigned cursor of the old shape',
      () =>
        Buffer.from(JSON.stringify(['2030-01-01T00:00:00Z', '00000000-0000-4000-8000-000000000000'])).toString(
          'base64url',
        ),
    ],
    ['a payload with its signature cut off', () => cursor.split('.')[0]!],
    ['a signature that was altered', () => `${cursor.split('.')[0]}.${'A'.repeat(22)}`],
    [
      'a payload that was altered (a date PostgreSQL cannot hold) under the old signature',
      () => {
        const [, , id] = JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString()) as unknown[];
        const forged = Buffer.from(JSON.stringify(['lead:createdAt:DESC', '+275760-09-13T00:00:00.000Z', id])).toString(
          'base64url',
        );
        return `${forged}.${cursor.split('.')[1]}`;
      },
    ],
    ['three parts', () => `${cursor}.${cursor.split('.')[1]}`],
    ['characters outside base64url', () => `${cursor.slice(0, -2)}!$`],
    ['a very long cursor', () => `${'A'.repeat(5000)}.${'B'.repeat(22)}`],
  ])('%s is BAD_USER_INPUT naming after', async (_name, forged) => {
    const result = await page(forged());
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(result.data?.leads ?? null).toBeNull();
  });

  test("another list's cursor is BAD_USER_INPUT naming after", async () => {
    const campaignCursor = ok(await gql(t, '{ campaigns(first: 1) { pageInfo { endCursor } } }')).campaigns.pageInfo
      .endCursor as string;
    const foreign = await page(campaignCursor);
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(foreign.errors?.[0]?.message).toMatch(/another list/);
    // The same table in another order is another list too.
    const otherOrder = await page(cursor, 'leads', ', orderBy: CREATED_AT_ASC');
    expect(otherOrder.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const leadsCursorOnCampaigns = await page(cursor, 'campaigns');
    expect(leadsCursorOnCampaigns.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('custom attributes', () => {
  const { maxKeys, maxBytes } = config.leadAttributes;
  const update = (id: string, attributes: Record<string, unknown>): Promise<GqlResult> =>
    gql(t, UPDATE, { input: { id, attributes } }, { as: Role.MARKETING });

  test('25 valid updates of 100 new attributes each stop at the per-lead totals, naming attributes', async () => {
    const lead = await givenLead(t);
    let accepted = 0;
    let refused: GqlResult | undefined;
    for (let round = 0; round < 25 && !refused; round += 1) {
      // Each update alone is valid: 100 keys, values of 2,000 characters at most.
      const attributes = Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [`r${round}k${i}`, 'x'.repeat(round === 0 ? 10 : 2000)]),
      );
      const before = await databaseFingerprint(t);
      const result = await update(lead.id, attributes);
      if (result.errors) {
        refused = result;
        expect(await databaseFingerprint(t)).toEqual(before);
      } else accepted += 1;
    }
    expect(accepted).toBe(1);
    expect(refused!.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.attributes',
      maxKeys,
      maxBytes,
      keys: 200,
    });
    const stored: Array<{ keys: number; bytes: number }> = await t.dataSource.query(
      `SELECT (SELECT count(*) FROM jsonb_object_keys(attributes))::int AS keys, length(attributes::text) AS bytes
         FROM lead WHERE id = $1`,
      [lead.id],
    );
    expect(stored[0]!.keys).toBe(100);
  });

  test('the byte total holds with few keys, and removing attributes makes room again', async () => {
    const lead = await givenLead(t);
    const big = (prefix: string, count: number): Record<string, string> =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, 'y'.repeat(2000)]));
    // 30 attributes of 2,000 characters (about 61 KB) fit; 3 more pass 64 KB.
    ok(await update(lead.id, big('a', 30)));
    const refused = await expectRefused(() => update(lead.id, big('b', 3)), 'BAD_USER_INPUT', 'input.attributes', {
      keys: 33,
      maxBytes,
    });
    expect(refused.errors![0]!.extensions.bytes).toBeGreaterThan(maxBytes);
    // Dropping five and adding three in one update fits.
    const swap = { ...big('b', 3), a0: null, a1: null, a2: null, a3: null, a4: null };
    const updated = ok(await update(lead.id, swap)).updateLead;
    expect(Object.keys(updated.attributes as object)).toHaveLength(28);
  });
});
