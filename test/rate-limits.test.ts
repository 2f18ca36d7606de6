import request from 'supertest';
import { Role } from '../src/entities/enums';
import { config } from '../src/config';
import { countRows, gql, ok, startTestApp, unique, type TestApp } from './helpers';

/** 3 mutations and 2 metric queries a minute per token, on a clock the test moves. */
let t: TestApp;
let clock = Date.now();

beforeAll(async () => {
  t = await startTestApp({
    rateLimits: { mutationsPerMinute: 3, metricsPerMinute: 2 },
    queryLimits: config.queryLimits,
    now: () => clock,
  });
});
afterAll(() => t.close());

const CREATE_PERSONA = 'mutation($name: String!) { createPersona(input: { name: $name }) { id } }';
const FUNNEL = '{ funnelReport { leads } }';

async function createPersona(as: Role = Role.MARKETING) {
  const name = unique('Persona');
  const res = await request(t.app)
    .post('/graphql')
    .set('Authorization', `Bearer ${t.tokens[as]}`)
    .send({ query: CREATE_PERSONA, variables: { name } });
  return { res, name, written: () => countRows(t, 'persona', 'name = $1', [name]) };
}

test('the 4th mutation in a minute is RATE_LIMITED with HTTP 429, a Retry-After and nothing written', async () => {
  for (let i = 0; i < 3; i += 1) expect((await createPersona()).res.body.errors).toBeUndefined();
  const refused = await createPersona();
  expect(refused.res.status).toBe(429);
  expect(refused.res.headers['retry-after']).toBe('20');
  expect(refused.res.body).toEqual({
    errors: [
      {
        message: expect.stringContaining('retry in 20 s'),
        extensions: { code: 'RATE_LIMITED', bucket: 'mutations', limitPerMinute: 3, retryAfterSeconds: 20 },
      },
    ],
  });
  expect(await refused.written()).toBe(0);

  // Other tokens and reads are not affected.
  expect((await createPersona(Role.OPS)).res.body.errors).toBeUndefined();
  expect(ok(await gql(t, '{ personas { id } }', {}, { as: Role.MARKETING })).personas.length).toBeGreaterThan(0);

  // The allowance refills continuously: one more call 20 s later, not two.
  clock += 20_000;
  expect((await createPersona()).res.body.errors).toBeUndefined();
  const again = await createPersona();
  expect(again.res.status).toBe(429);
  expect(again.res.body.errors[0].extensions.retryAfterSeconds).toBe(20);
  clock += 60_000;
});

test('a document with more mutations than are left runs none of them', async () => {
  clock += 60_000;
  for (let i = 0; i < 2; i += 1) expect((await createPersona(Role.ADMIN)).res.body.errors).toBeUndefined();
  const names = [unique('Persona'), unique('Persona')];
  const res = await request(t.app)
    .post('/graphql')
    .set('Authorization', `Bearer ${t.tokens.ADMIN}`)
    .send({
      query: `mutation { a: createPersona(input: { name: "${names[0]}" }) { id } b: createPersona(input: { name: "${names[1]}" }) { id } }`,
    });
  expect(res.status).toBe(429);
  expect(res.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 20 });
  expect(await countRows(t, 'persona', 'name = ANY($1)', [names])).toBe(0);
  // Nothing was taken by the refusal: the one call left still goes through.
  expect((await createPersona(Role.ADMIN)).res.body.errors).toBeUndefined();
});

test('metric queries have an allowance of their own, separate from mutations', async () => {
  clock += 60_000;
  for (let i = 0; i < 2; i += 1) expect(ok(await gql(t, FUNNEL, {}, { as: Role.ANALYST })).funnelReport).toBeDefined();
  const refused = await gql(t, `{ a: funnelReport { leads } }`, {}, { as: Role.ANALYST });
  expect(refused.status).toBe(429);
  expect(refused.errors?.[0]?.extensions).toMatchObject({
    code: 'RATE_LIMITED',
    bucket: 'metrics',
    retryAfterSeconds: 30,
  });
  // Through a fragment too, and plain queries still run.
  const viaFragment = await gql(
    t,
    'query { ...F } fragment F on Query { leadQuality { total { leads } } }',
    {},
    { as: Role.ANALYST },
  );
  expect(viaFragment.errors?.[0]?.extensions.code).toBe('RATE_LIMITED');
  expect(ok(await gql(t, '{ leads(first: 1) { nodes { id } } }', {}, { as: Role.ANALYST })).leads).toBeDefined();
  clock += 30_000;
  expect(ok(await gql(t, FUNNEL, {}, { as: Role.ANALYST })).funnelReport).toBeDefined();
});
