import { Role } from '../src/entities/enums';
import { givenLead, gql, ok, startTestApp, type TestApp } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

test('a lead can be created and read back', async () => {
  const lead = await givenLead(t, { email: '  Smoke.Test@Example.COM ' });
  expect(lead.email).toBe('smoke.test@example.com');
  const data = ok(
    await gql(t, 'query($id: ID!) { lead(id: $id) { id email stage { key } } }', { id: lead.id }, { as: Role.ANALYST }),
  );
  expect(data.lead).toEqual({ id: lead.id, email: 'smoke.test@example.com', stage: { key: 'lead' } });
});
