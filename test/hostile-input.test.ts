import { getIntrospectionQuery } from 'graphql';
import request from 'supertest';
import { Role } from '../src/entities/enums';
import { MAX_VARIABLES_DEPTH } from '../src/server';
import {
  databaseFingerprint,
  givenLead,
  givenRuleSetDraft,
  gql,
  ok,
  startTestApp,
  unique,
  type TestApp,
} from './helpers';

/**
 * Careless and hostile requests, each answered with a clear code, without writing anything and
 * without a word about the inside (SQL, stacks, paths, hosts, schema suggestions). The app runs
 * in production mode, as it does when deployed. Cases that bad-input.test.ts and access.test.ts
 * already cover (a 255-character email, CR/LF in createLead's email, first: 101, a garbage
 * cursor, expired tokens, deleted users, FORBIDDEN through aliases and fragments) are not
 * repeated here; these are the ones around them.
 */
let t: TestApp;
let draft: { ruleSetId: string; versionId: string; number: number };
let leadId: string;
const USED_KEY = 'hostile-used-key';
/** Tokens that no longer work, each for another reason. */
const dead: Record<'revoked' | 'rotated' | 'expired' | 'deleted', string> = {
  revoked: '',
  rotated: '',
  expired: '',
  deleted: '',
};

async function givenToken(): Promise<{ userId: string; token: string; tokenId: string }> {
  const user = ok(
    await gql(
      t,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { name: unique('user'), role: 'OPS' } },
      { as: Role.ADMIN },
    ),
  ).createUser;
  const created = ok(
    await gql(
      t,
      'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token tokenId } }',
      { input: { userId: user.id, expiresAt: new Date(Date.now() + 3600_000).toISOString() } },
      { as: Role.ADMIN },
    ),
  ).createApiToken;
  return { userId: user.id, ...created };
}

beforeAll(async () => {
  t = await startTestApp({ production: true });
  draft = await givenRuleSetDraft(t);
  // Leads to find, so a filter that wrongly matched everything would show.
  leadId = (await givenLead(t, { company: 'Percent_Co' })).id;
  await givenLead(t, { company: 'Acme' });
  ok(await gql(t, UPSERT_LEAD_KEYED, { input: { email: email() }, key: USED_KEY }));

  const revoked = await givenToken();
  ok(
    await gql(t, 'mutation($id: ID!) { revokeApiToken(id: $id) { id } }', { id: revoked.tokenId }, { as: Role.ADMIN }),
  );
  dead.revoked = revoked.token;
  const rotated = await givenToken();
  ok(
    await gql(
      t,
      'mutation($id: ID!) { rotateApiToken(id: $id) { tokenId } }',
      { id: rotated.tokenId },
      { as: Role.ADMIN },
    ),
  );
  dead.rotated = rotated.token;
  const expired = await givenToken();
  await t.dataSource.query(`UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = $1`, [
    expired.tokenId,
  ]);
  dead.expired = expired.token;
  const deleted = await givenToken();
  ok(await gql(t, 'mutation($id: ID!) { deleteUser(id: $id) { id } }', { id: deleted.userId }, { as: Role.ADMIN }));
  dead.deleted = deleted.token;
});
afterAll(() => t.close());

interface Reply {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  headers: Record<string, string>;
}

async function reply(pending: request.Test): Promise<Reply> {
  const res = await pending;
  return { status: res.status, body: res.body as Reply['body'], headers: res.headers };
}

function post(body: unknown, options: { as?: Role | null; token?: string; contentType?: string } = {}) {
  const req = request(t.app)
    .post('/graphql')
    .set('Content-Type', options.contentType ?? 'application/json');
  const token = options.token ?? (options.as === null ? undefined : t.tokens[options.as ?? Role.OPS]);
  if (token) req.set('Authorization', `Bearer ${token}`);
  return reply(req.send(typeof body === 'string' ? body : JSON.stringify(body)));
}

const graphql = (query: string, variables: Record<string, unknown> = {}, as: Role | null = Role.OPS) =>
  post({ query, variables }, { as });

/** What must never reach a client. */
const LEAK =
  /\bSELECT\b|\bINSERT INTO\b|\bUPDATE "?\w+"? SET\b|QueryFailedError|DatabaseError|node_modules|\/work\/|\.ts:\d+|Did you mean|postgres(ql)?:\/\/|127\.0\.0\.1|ECONNREFUSED|relation "/;

const CREATE_LEAD = 'mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }';
const UPSERT_LEAD = 'mutation($input: UpsertLeadInput!) { upsertLead(input: $input) { created } }';
const UPSERT_LEAD_KEYED =
  'mutation($input: UpsertLeadInput!, $key: String) { upsertLead(input: $input, idempotencyKey: $key) { created } }';
const UPDATE_LEAD = 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id } }';
const RECORD_ACTIVITY = 'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }';
const SAVE_RULES =
  'mutation($id: ID!, $rules: JSON!, $base: Int, $caps: JSON, $tests: JSON) { saveRuleSetDraft(ruleSetId: $id, rules: $rules, baseVersion: $base, caps: $caps, testCases: $tests) { version { id } } }';

const email = () => `${unique('hostile')}@example.com`;
const nested = (levels: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value;
};
const rule = (conditions: unknown) => ({
  name: 'Broken',
  conditions,
  event: { type: 'score', params: { points: 5, dimension: 'fit' } },
});
const country = { fact: 'country', operator: 'equal', value: 'DE' };
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const fields = (count: number, make: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => make(i)).join(' ');

interface Case {
  /** What the request is. */
  send: () => Promise<Reply>;
  status: number;
  /** The code every error carries; null when the request must succeed (and change nothing). */
  code: string | null;
  /** Extensions the first error must have besides its code. */
  extensions?: Record<string, unknown>;
  check?: (reply: Reply) => void;
}

const cases: Record<string, Case> = {
  // --- the document: limits before anything runs ---
  'a query 50 levels deep': {
    send: () =>
      graphql(`{ leads { nodes { ${'feedback { lead { '.repeat(24)} id ${'} } '.repeat(24)} } } }`, {}, Role.ANALYST),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'depth', max: 10 },
  },
  '1000 aliases': {
    send: () => graphql(`{ ${fields(1000, (i) => `a${i}: __typename`)} }`),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'aliases', max: 30 },
  },
  '31 aliased createLead mutations in one document': {
    send: () =>
      graphql(`mutation { ${fields(31, (i) => `m${i}: createLead(input: { email: "${email()}" }) { id }`)} }`),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'aliases' },
  },
  '31 directives': {
    send: () => graphql(`{ me { ${fields(31, () => '__typename @include(if: true)')} } }`),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'directives', max: 30 },
  },
  'circular fragments (A spreads B, B spreads A)': {
    send: () => graphql('query { ...A } fragment A on Query { me { id } ...B } fragment B on Query { ...A }'),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  'a mutation through a fragment that spreads itself': {
    send: () =>
      graphql(`mutation { ...W } fragment W on Mutation { createLead(input: { email: "${email()}" }) { id } ...W }`),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  'fragments that double at every level (2^30 selections)': {
    send: () =>
      graphql(`
        query {
          ...F0
        }
        ${fields(30, (i) => `fragment F${i} on Query { me { id } ...F${i + 1} ...F${i + 1} }`)}
        fragment F30 on Query {
          me {
            id
          }
        }
      `),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'selections' },
  },
  'a 5000-token document': {
    send: () => graphql(`{ ${fields(4999, () => 'me')} }`),
    status: 400,
    code: 'GRAPHQL_PARSE_FAILED',
  },
  '2600 copies of one field (graphql-js gives up comparing them)': {
    send: () => graphql(`{ ${fields(2600, () => '__typename')} }`),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'validation' },
  },
  'nested lists whose cost explodes (100 leads x feedback x lead x feedback)': {
    send: () =>
      graphql('{ leads(first: 100) { nodes { feedback { lead { feedback { lead { id } } } } } } }', {}, Role.ANALYST),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'cost', max: 10000 },
  },
  'a cost explosion hidden in variables (first: $n)': {
    send: () =>
      graphql(
        'query($n: Int!) { leads(first: $n) { nodes { activities(first: $n) { campaign { targetPersonas { id } } } } } }',
        { n: 100 },
        Role.ANALYST,
      ),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'cost' },
  },
  'a misspelt field (no "Did you mean" in production)': {
    send: () => graphql('{ leadz { nodes { id } } }'),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  'a misspelt enum value in variables (no suggestion)': {
    send: () => graphql(RECORD_ACTIVITY, { input: { leadId, type: 'PAGE_VEIW' } }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  'a syntax error': {
    send: () => graphql('{ leads(first: 1 { nodes { id } } }'),
    status: 400,
    code: 'GRAPHQL_PARSE_FAILED',
  },
  'a subscription (the schema has none)': {
    send: () => graphql('subscription { leads { id } }'),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  'two operations and no operationName': {
    send: () => graphql(`query A { me { id } } mutation B { createLead(input: { email: "${email()}" }) { id } }`),
    status: 400,
    code: 'OPERATION_RESOLUTION_FAILURE',
  },

  // --- the HTTP request ---
  'malformed JSON': {
    send: () => post('{"query": "{ me { id } }", '),
    status: 400,
    code: 'BAD_REQUEST',
  },
  'a 5 MB body': {
    send: () => post({ query: CREATE_LEAD, variables: { input: { email: email(), company: 'x'.repeat(5_000_000) } } }),
    status: 413,
    code: 'BAD_REQUEST',
  },
  'a batch of 500 createLead operations': {
    send: () =>
      post(Array.from({ length: 500 }, () => ({ query: CREATE_LEAD, variables: { input: { email: email() } } }))),
    status: 400,
    code: 'BAD_REQUEST',
  },
  'a text/plain POST of a mutation (a CSRF form post)': {
    send: () => post({ query: CREATE_LEAD, variables: { input: { email: email() } } }, { contentType: 'text/plain' }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  'an application/x-www-form-urlencoded POST': {
    send: () =>
      post(`query=${encodeURIComponent('{ me { id } }')}`, { contentType: 'application/x-www-form-urlencoded' }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  'a mutation over GET': {
    send: () =>
      reply(
        request(t.app)
          .get('/graphql')
          .query({ query: `mutation { createLead(input: { email: "${email()}" }) { id } }` })
          .set('apollo-require-preflight', 'true')
          .set('Authorization', `Bearer ${t.tokens.OPS}`),
      ),
    status: 405,
    code: 'BAD_REQUEST',
    check: (r) => expect(r.headers.allow).toBe('POST'),
  },
  'a GET without a CSRF-safe header': {
    send: () =>
      reply(
        request(t.app).get('/graphql').query({ query: '{ me { id } }' }).set('Authorization', `Bearer ${t.tokens.OPS}`),
      ),
    status: 400,
    code: 'BAD_REQUEST',
  },
  'a JSON body without a query': {
    send: () => post({ variables: {} }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  'a query that is a number': {
    send: () => post({ query: 42 }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  'variables that are a string': {
    send: () => post({ query: CREATE_LEAD, variables: JSON.stringify({ input: { email: email() } }) }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  [`variables nested ${MAX_VARIABLES_DEPTH * 100} levels deep`]: {
    // Built as text: JSON.stringify itself cannot go this deep.
    send: () =>
      post(
        `{"query": ${JSON.stringify(CREATE_LEAD)}, "variables": {"input": {"email": "${email()}", "attributes": ${'{"a":'.repeat(6400)}1${'}'.repeat(6400)}}}}`,
      ),
    status: 400,
    code: 'BAD_REQUEST',
    extensions: { field: 'variables' },
  },

  // --- values ---
  'a 1 MB email': {
    // Over the variables cap (MAX_VARIABLES_SIZE), refused before GraphQL sees it.
    send: () => graphql(UPSERT_LEAD, { input: { email: `${'a'.repeat(1_000_000)}@example.com` } }),
    status: 400,
    code: 'BAD_REQUEST',
    extensions: { field: 'variables', limit: 'variables' },
  },
  'CR/LF in the email of upsertLead (header injection)': {
    send: () => graphql(UPSERT_LEAD, { input: { email: `${unique('crlf')}@example.com\r\nBcc: all@example.com` } }),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'input.email' },
  },
  'a NUL byte in a name (variables)': {
    send: () => graphql(CREATE_LEAD, { input: { email: email(), firstName: 'Ada\u0000Lovelace' } }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: '$input.firstName' },
  },
  'a NUL byte in a string literal': {
    send: () => graphql(`mutation { createLead(input: { email: "${email()}", company: "A\\u0000B" }) { id } }`),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  'a NUL byte in an attribute key': {
    send: () => graphql(UPDATE_LEAD, { input: { id: leadId, attributes: { 'a\u0000': 1 } } }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  'a NUL byte in a search filter': {
    send: () => graphql('query($s: String!) { leads(filter: { search: $s }) { nodes { id } } }', { s: 'a\u0000' }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  'an idempotency key used before, with another payload': {
    send: () => graphql(UPSERT_LEAD_KEYED, { input: { email: email() }, key: USED_KEY }),
    status: 200,
    code: 'IDEMPOTENCY_KEY_REUSED',
    extensions: { field: 'idempotencyKey' },
  },
  'an idempotency key of 10,000 characters': {
    send: () => graphql(UPSERT_LEAD_KEYED, { input: { email: email() }, key: 'k'.repeat(10_000) }),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'idempotencyKey' },
  },
  '30 February': {
    send: () => graphql(RECORD_ACTIVITY, { input: { leadId, type: 'PAGE_VIEW', occurredAt: '2025-02-30T10:00:00Z' } }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  'hour 25': {
    send: () => graphql(RECORD_ACTIVITY, { input: { leadId, type: 'PAGE_VIEW', occurredAt: '2025-02-28T25:00:00Z' } }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  'a date in year 275760': {
    send: () =>
      graphql(RECORD_ACTIVITY, { input: { leadId, type: 'PAGE_VIEW', occurredAt: '+275760-09-13T00:00:00.000Z' } }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  'a date in year 0': {
    send: () => graphql(RECORD_ACTIVITY, { input: { leadId, type: 'PAGE_VIEW', occurredAt: '0000-01-01T00:00:00Z' } }),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'input.occurredAt' },
  },
  '29 February 2025 as a literal': {
    send: () =>
      graphql(
        '{ slaReport(slaId: "ffffffff-ffff-4fff-bfff-ffffffffffff", from: "2025-02-29T00:00:00Z", to: "2025-03-01T00:00:00Z") { at } }',
        {},
        Role.ANALYST,
      ),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  'first: -1 on feedback': {
    send: () => graphql('{ feedback(first: -1) { nodes { id } } }', {}, Role.ANALYST),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'first' },
  },
  'first: 2147483648 as a literal': {
    send: () => graphql('{ leads(first: 2147483648) { nodes { id } } }', {}, Role.ANALYST),
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  'first: 2147483648 in a variable': {
    send: () => graphql('query($n: Int!) { campaigns(first: $n) { nodes { id } } }', { n: 2147483648 }, Role.ANALYST),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  'first: 2147483647 (a valid Int, refused by name, not by cost)': {
    send: () => graphql('{ leads(first: 2147483647) { nodes { id } } }', {}, Role.ANALYST),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'first' },
  },
  'a cursor carrying SQL': {
    send: () =>
      graphql(
        `{ leads(after: "${cursor(['2030-01-01T00:00:00Z', "' OR 1=1; DROP TABLE lead; --"])}") { nodes { id } } }`,
        {},
        Role.ANALYST,
      ),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'after' },
  },
  'a cursor whose date is not a date': {
    send: () =>
      graphql(
        `{ leads(after: "${cursor(['not a date', 'ffffffff-ffff-4fff-bfff-ffffffffffff'])}") { nodes { id } } }`,
        {},
        Role.ANALYST,
      ),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'after' },
  },
  'a 100 KB cursor': {
    send: () => graphql(`{ campaigns(after: "${'A'.repeat(100_000)}") { nodes { id } } }`, {}, Role.ANALYST),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'after' },
  },
  'a cursor with three parts': {
    send: () =>
      graphql(
        `{ feedback(after: "${cursor(['2030-01-01T00:00:00Z', 'x', 'y'])}") { nodes { id } } }`,
        {},
        Role.ANALYST,
      ),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'after' },
  },
  'an explicit null cursor is the first page, not an internal error': {
    send: () => graphql('query($after: String) { leads(first: 1, after: $after) { nodes { id } } }', { after: null }),
    status: 200,
    code: null,
    check: (r) => expect((r.body.data as any).leads.nodes).toHaveLength(1),
  },
  'a SQL-looking search is only text': {
    send: () =>
      graphql(
        `
          {
            leads(filter: { search: "'; DROP TABLE lead; --" }) {
              nodes {
                id
              }
            }
          }
        `,
        {},
        Role.ANALYST,
      ),
    status: 200,
    code: null,
    check: (r) => expect(r.body.data).toEqual({ leads: { nodes: [] } }),
  },
  'a "%" search matches a literal percent sign only': {
    send: () => graphql('{ leads(filter: { search: "%" }) { totalCount } }', {}, Role.ANALYST),
    status: 200,
    code: null,
    check: (r) => expect(r.body.data).toEqual({ leads: { totalCount: 0 } }),
  },
  'a "_" search matches a literal underscore only': {
    send: () => graphql('{ leads(filter: { search: "t_c" }) { totalCount } }', {}, Role.ANALYST),
    status: 200,
    code: null,
    check: (r) => expect(r.body.data).toEqual({ leads: { totalCount: 1 } }), // Percent_Co only by "t_C"
  },
  'a regular-expression search is only text': {
    send: () => graphql('{ leads(filter: { search: ".*" }) { totalCount } }', {}, Role.ANALYST),
    status: 200,
    code: null,
    check: (r) => expect(r.body.data).toEqual({ leads: { totalCount: 0 } }),
  },

  // --- JSON documents ---
  'attributes nested 60 levels (inside the variables limit)': {
    send: () => graphql(CREATE_LEAD, { input: { email: email(), attributes: { deep: nested(60, 1) } } }),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'input.attributes.deep' },
  },
  'attributes with 10,000 keys': {
    send: () =>
      graphql(CREATE_LEAD, {
        input: {
          email: email(),
          attributes: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])),
        },
      }),
    status: 200,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'input.attributes' },
  },
  'attributes with __proto__, constructor and prototype keys on updateLead': {
    send: () =>
      graphql(UPDATE_LEAD, {
        input: {
          id: leadId,
          attributes: JSON.parse('{"__proto__": {"role": "ADMIN"}, "constructor": {"prototype": {"x": 1}}}'),
        },
      }),
    status: 200,
    code: 'BAD_USER_INPUT',
    check: () => expect(({} as Record<string, unknown>).role).toBeUndefined(),
  },
  'activity metadata with a __proto__ key': {
    send: () =>
      graphql(RECORD_ACTIVITY, {
        input: { leadId, type: 'PAGE_VIEW', metadata: JSON.parse('{"__proto__": {"polluted": true}}') },
      }),
    status: 200,
    code: 'BAD_USER_INPUT',
    check: () => expect(({} as Record<string, unknown>).polluted).toBeUndefined(),
  },
  'rules that are an object, not a list': {
    send: () => graphql(SAVE_RULES, { id: draft.ruleSetId, base: draft.number, rules: { Broken: rule(country) } }),
    status: 200,
    code: 'RULE_SET_INVALID',
    extensions: { field: 'rules' },
  },
  'rules holding null and a string': {
    send: () => graphql(SAVE_RULES, { id: draft.ruleSetId, base: draft.number, rules: [null, 'rule'] }),
    status: 200,
    code: 'RULE_SET_INVALID',
    extensions: { field: 'rules[0]' },
  },
  'a rule whose conditions are a string': {
    send: () => graphql(SAVE_RULES, { id: draft.ruleSetId, base: draft.number, rules: [rule('all')] }),
    status: 200,
    code: 'RULE_SET_INVALID',
    extensions: { field: 'rules[0].conditions' },
  },
  'a rule without an event': {
    send: () =>
      graphql(SAVE_RULES, {
        id: draft.ruleSetId,
        base: draft.number,
        rules: [{ name: 'x', conditions: { all: [country] } }],
      }),
    status: 200,
    code: 'RULE_SET_INVALID',
    extensions: { field: 'rules[0].event' },
  },
  'a rule whose event params are a list': {
    send: () =>
      graphql(SAVE_RULES, {
        id: draft.ruleSetId,
        base: draft.number,
        rules: [{ ...rule({ all: [country] }), event: { type: 'score', params: [5] } }],
      }),
    status: 200,
    code: 'RULE_SET_INVALID',
    extensions: { field: 'rules[0].event.params' },
  },
  'conditions nested 30 levels': {
    send: () => {
      let conditions: unknown = country;
      for (let i = 0; i < 30; i += 1) conditions = { all: [conditions] };
      return graphql(SAVE_RULES, { id: draft.ruleSetId, base: draft.number, rules: [rule(conditions)] });
    },
    status: 200,
    code: 'RULE_SET_INVALID',
  },
  '201 rules': {
    send: () =>
      graphql(SAVE_RULES, {
        id: draft.ruleSetId,
        base: draft.number,
        rules: Array.from({ length: 201 }, (_, i) => ({ ...rule({ all: [country] }), name: `r${i}` })),
      }),
    status: 200,
    code: 'RULE_SET_INVALID',
    extensions: { field: 'rules' },
  },
  'a rule with a __proto__ key': {
    send: () =>
      graphql(SAVE_RULES, {
        id: draft.ruleSetId,
        base: draft.number,
        rules: [{ ...rule({ all: [country] }), ...JSON.parse('{"__proto__": {"polluted": true}}') }],
      }),
    status: 200,
    code: 'RULE_SET_INVALID',
    check: () => expect(({} as Record<string, unknown>).polluted).toBeUndefined(),
  },
  'caps that are not numbers and test cases that are not a list': {
    send: () =>
      graphql(SAVE_RULES, {
        id: draft.ruleSetId,
        base: draft.number,
        rules: [rule({ all: [country] })],
        caps: { fit: 'lots', total: -5 },
        tests: { name: 'x' },
      }),
    status: 200,
    code: 'RULE_SET_INVALID',
  },
  'a rule name of 500 KB (inside the variables cap)': {
    send: () =>
      graphql(SAVE_RULES, {
        id: draft.ruleSetId,
        base: draft.number,
        rules: [{ ...rule({ all: [country] }), name: 'n'.repeat(500_000) }],
      }),
    status: 200,
    code: 'RULE_SET_INVALID',
    check: (r) => expect(JSON.stringify(r.body).length).toBeLessThan(10_000),
  },

  // --- who is calling ---
  'no token, a mutation behind an alias in a fragment': {
    send: () =>
      graphql(
        `mutation { ...W } fragment W on Mutation { harmless: createLead(input: { email: "${email()}" }) { id } }`,
        {},
        null,
      ),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  'no token, an ADMIN query behind an inline fragment and an alias': {
    send: () => graphql('{ ... on Query { everyone: users { id } } }', {}, null),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  'ANALYST, a write behind two aliases and an inline fragment': {
    send: () =>
      graphql(
        `mutation { ... on Mutation { a: createLead(input: { email: "${email()}" }) { id } b: createLead(input: { email: "${email()}" }) { id } } }`,
        {},
        Role.ANALYST,
      ),
    status: 200,
    code: 'FORBIDDEN',
  },
  'SALES, a rule-set write behind a named fragment with an alias': {
    send: () =>
      graphql(
        `mutation { ...R } fragment R on Mutation { x: createRuleSet(name: "${unique('rs')}", kind: SCORING) { id } }`,
        {},
        Role.SALES,
      ),
    status: 200,
    code: 'FORBIDDEN',
  },
};

for (const [why, kind] of [
  ['a revoked token, on a mutation in a fragment', 'revoked'],
  ['the old token after a rotation, on an aliased mutation', 'rotated'],
  ['an expired token, on an ADMIN query through an inline fragment', 'expired'],
  ["a deleted user's token, on a rule-set write", 'deleted'],
] as const) {
  const documents = {
    revoked: () => `mutation { ...W } fragment W on Mutation { createLead(input: { email: "${email()}" }) { id } }`,
    rotated: () => `mutation { x: createLead(input: { email: "${email()}" }) { id } }`,
    expired: () => '{ ... on Query { auditLog(first: 1) { totalCount } } }',
    deleted: () => `mutation { createRuleSet(name: "${unique('rs')}", kind: SCORING) { id } }`,
  };
  cases[why] = {
    send: () => post({ query: documents[kind]() }, { token: dead[kind] }),
    status: 401,
    code: 'UNAUTHENTICATED',
    extensions: { field: 'Authorization' },
  };
}

describe('hostile input is refused with a clear code, writes nothing and leaks nothing', () => {
  test('there are at least 40 cases', () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(40);
  });

  test.each(Object.entries(cases))('%s', async (_name, c) => {
    const before = await databaseFingerprint(t);
    const r = await c.send();
    expect({ status: r.status, codes: (r.body.errors ?? []).map((e) => e.extensions?.code) }).toEqual({
      status: c.status,
      codes: c.code === null ? [] : expect.arrayContaining([c.code]),
    });
    for (const error of r.body.errors ?? []) {
      expect(error.extensions?.code).toBe(c.code);
      expect(error.extensions).not.toHaveProperty('stacktrace');
      expect(error.extensions).not.toHaveProperty('exception');
    }
    if (c.extensions) expect(r.body.errors?.[0]?.extensions).toMatchObject(c.extensions);
    expect(JSON.stringify(r.body)).not.toMatch(LEAK);
    expect(r.headers['content-type']).toMatch(/json/);
    c.check?.(r);
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test('Apollo Sandbox introspection passes every limit', async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const r = await graphql(query, {}, null);
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
  });

  test("the README's page of 50 leads with their history passes every limit", async () => {
    const r = await graphql(
      `
        query {
          leads(first: 50, filter: { stages: ["lead", "mql"], search: "acme", scoreMin: 0 }, orderBy: CREATED_AT_DESC) {
            totalCount
            pageInfo {
              hasNextPage
              endCursor
            }
            nodes {
              id
              email
              name
              company
              score
              stage {
                key
              }
              campaign {
                name
              }
              owner {
                name
              }
              stageHistory {
                from {
                  key
                }
                to {
                  key
                }
                at
                cause
                reason
                actor {
                  name
                }
              }
            }
          }
        }
      `,
      {},
      Role.ANALYST,
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toMatchObject({ leads: { totalCount: 1 } });
  });

  test('the server still answers afterwards', async () => {
    expect(ok(await gql(t, '{ me { role } }')).me).toEqual({ role: 'OPS' });
  });
});
