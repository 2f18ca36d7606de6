import { randomUUID } from 'node:crypto';
import { Role } from '../src/entities/enums';
import { purgeExpiredIdempotencyKeys } from '../src/services/idempotency.service';
import { countRows, databaseFingerprint, givenLead, gql, ok, startTestApp, unique, type TestApp } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const UPSERT = `mutation($input: UpsertLeadInput!, $key: String) {
  upsertLead(input: $input, idempotencyKey: $key) { created lead { id version createdAt stage { key } } }
}`;
const RECORD = `mutation($inputs: [RecordActivityInput!]!, $key: String) {
  recordActivities(inputs: $inputs, idempotencyKey: $key) { id type occurredAt }
}`;
const FEEDBACK = `mutation($input: SubmitFeedbackInput!, $key: String) {
  submitFeedback(input: $input, idempotencyKey: $key) { id disposition createdAt lead { stage { key } } }
}`;

const keys = () => countRows(t, 'idempotency_key');

describe('upsertLead with an idempotency key', () => {
  test('a retry returns the first answer without writing again', async () => {
    const key = randomUUID();
    const input = { email: `${unique('idem')}@example.com`, company: 'Acme' };
    const first = ok(await gql(t, UPSERT, { input, key }, { as: Role.MARKETING })).upsertLead;
    expect(first.created).toBe(true);
    const before = await databaseFingerprint(t);

    const retry = ok(await gql(t, UPSERT, { input, key }, { as: Role.MARKETING })).upsertLead;
    expect(retry).toEqual(first); // created: true again: the first answer, not a second upsert's
    expect(await databaseFingerprint(t)).toEqual(before);

    // The same call without a key is an ordinary second upsert.
    expect(ok(await gql(t, UPSERT, { input }, { as: Role.MARKETING })).upsertLead.created).toBe(false);
  });

  test('a replay is exactly the first answer: a string under a key ending in At stays a string', async () => {
    const key = randomUUID();
    const document = `mutation($input: UpsertLeadInput!, $key: String) {
      upsertLead(input: $input, idempotencyKey: $key) { created lead { id createdAt attributes } }
    }`;
    const input = {
      email: `${unique('idem')}@example.com`,
      attributes: { followUpAt: '2026-03-01', lastCallAt: 'March 5', seenAt: '2026-03-01T10:00:00+02:00' },
    };
    const first = ok(await gql(t, document, { input, key }, { as: Role.MARKETING })).upsertLead;
    expect(first.lead.attributes).toEqual(input.attributes);
    const retry = ok(await gql(t, document, { input, key }, { as: Role.MARKETING })).upsertLead;
    expect(retry).toEqual(first);
    expect(retry.lead.createdAt).toBe(first.lead.createdAt);
  });

  test('the same payload with its keys in another order is the same request', async () => {
    const key = randomUUID();
    const email = `${unique('idem')}@example.com`;
    const first = ok(
      await gql(t, UPSERT, { input: { email, company: 'A', jobTitle: 'CTO' }, key }, { as: Role.SALES }),
    );
    const retry = ok(
      await gql(t, UPSERT, { input: { jobTitle: 'CTO', company: 'A', email }, key }, { as: Role.SALES }),
    );
    expect(retry).toEqual(first);
  });

  test('the same key with another payload is IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
    const key = randomUUID();
    ok(await gql(t, UPSERT, { input: { email: `${unique('idem')}@example.com` }, key }, { as: Role.MARKETING }));
    const before = await databaseFingerprint(t);
    const other = `${unique('idem')}@example.com`;
    const reused = await gql(t, UPSERT, { input: { email: other }, key }, { as: Role.MARKETING });
    expect(reused.errors).toHaveLength(1);
    expect(reused.errors![0]!.extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' });
    expect(reused.data ?? null).toBeNull();
    expect(await countRows(t, 'lead', 'email = $1', [other])).toBe(0);
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test('the same key on another mutation is IDEMPOTENCY_KEY_REUSED', async () => {
    const key = randomUUID();
    const lead = await givenLead(t);
    ok(await gql(t, UPSERT, { input: { email: lead.email }, key }, { as: Role.SALES }));
    const reused = await gql(
      t,
      FEEDBACK,
      { input: { kind: 'DEMO', leadId: lead.id, comment: 'x' }, key },
      { as: Role.SALES },
    );
    expect(reused.errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' });
    expect(reused.errors?.[0]?.message).toMatch(/upsertLead/);
    expect(await countRows(t, 'feedback', 'lead_id = $1', [lead.id])).toBe(0);
  });

  test("keys are per user: another caller's equal key is another request", async () => {
    const key = randomUUID();
    const input = { email: `${unique('idem')}@example.com` };
    expect(ok(await gql(t, UPSERT, { input, key }, { as: Role.MARKETING })).upsertLead.created).toBe(true);
    expect(ok(await gql(t, UPSERT, { input, key }, { as: Role.SALES })).upsertLead.created).toBe(false);
    expect(await countRows(t, 'idempotency_key', 'key = $1', [key])).toBe(2);
  });

  test('a failed first attempt stores no key: its retry runs again', async () => {
    const key = randomUUID();
    const email = `${unique('idem')}@example.com`;
    const missing = 'ffffffff-ffff-4fff-bfff-ffffffffffff';
    const failed = await gql(t, UPSERT, { input: { email, campaignId: missing }, key }, { as: Role.MARKETING });
    expect(failed.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect(await countRows(t, 'idempotency_key', 'key = $1', [key])).toBe(0);
    // Corrected and retried under the same key: it runs, since nothing was stored.
    expect(ok(await gql(t, UPSERT, { input: { email }, key }, { as: Role.MARKETING })).upsertLead.created).toBe(true);
  });

  test('ten concurrent calls with one key write once and all get the same answer', async () => {
    const key = randomUUID();
    const input = { email: `${unique('idem')}@example.com` };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => gql(t, UPSERT, { input, key }, { as: Role.MARKETING })),
    );
    const payloads = answers.map((answer) => ok(answer).upsertLead);
    for (const payload of payloads) expect(payload).toEqual(payloads[0]);
    expect(payloads[0].created).toBe(true);
    expect(await countRows(t, 'lead', 'email = $1', [input.email])).toBe(1);
    expect(await countRows(t, 'stage_transition', 'lead_id = $1', [payloads[0].lead.id])).toBe(1);
  });

  test('a malformed key is BAD_USER_INPUT and writes nothing', async () => {
    for (const key of ['', 'has space', 'x'.repeat(256), 'tab\there']) {
      const email = `${unique('idem')}@example.com`;
      const result = await gql(t, UPSERT, { input: { email }, key }, { as: Role.MARKETING });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
      expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(0);
    }
  });
});

describe('recordActivities and submitFeedback with an idempotency key', () => {
  test('a retried batch of activities is recorded once and answered with the same activities', async () => {
    const lead = await givenLead(t);
    const key = randomUUID();
    const inputs = [
      { leadId: lead.id, type: 'PAGE_VIEW', metadata: { url: '/pricing' } },
      { leadId: lead.id, type: 'EMAIL_OPEN' },
    ];
    const first = ok(await gql(t, RECORD, { inputs, key }, { as: Role.MARKETING })).recordActivities;
    const retry = ok(await gql(t, RECORD, { inputs, key }, { as: Role.MARKETING })).recordActivities;
    expect(retry).toEqual(first);
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(2);

    const changed = await gql(t, RECORD, { inputs: inputs.slice(0, 1), key }, { as: Role.MARKETING });
    expect(changed.errors?.[0]?.extensions.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(2);
  });

  test('a retried verdict is stored once and moves the lead once', async () => {
    const lead = await givenLead(t, { stage: 'mql' });
    const key = randomUUID();
    const input = { kind: 'LEAD_QUALITY', leadId: lead.id, disposition: 'ACCEPTED', rating: 4 };
    const first = ok(await gql(t, FEEDBACK, { input, key }, { as: Role.SALES })).submitFeedback;
    expect(first.lead.stage.key).toBe('sql');
    const transitions = await countRows(t, 'stage_transition', 'lead_id = $1', [lead.id]);
    const retry = ok(await gql(t, FEEDBACK, { input, key }, { as: Role.SALES })).submitFeedback;
    expect(retry).toEqual(first);
    expect(await countRows(t, 'feedback', 'lead_id = $1', [lead.id])).toBe(1);
    expect(await countRows(t, 'stage_transition', 'lead_id = $1', [lead.id])).toBe(transitions);
  });
});

describe('retention', () => {
  test('a key past its 24 hours is forgotten: reusable, and swept', async () => {
    const key = randomUUID();
    ok(await gql(t, UPSERT, { input: { email: `${unique('idem')}@example.com` }, key }, { as: Role.MARKETING }));
    const [{ expires_at: expiresAt }] = await t.dataSource.query(
      'SELECT expires_at FROM idempotency_key WHERE key = $1',
      [key],
    );
    expect(new Date(expiresAt).getTime() - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    await t.dataSource.query(`UPDATE idempotency_key SET expires_at = now() - interval '1 second' WHERE key = $1`, [
      key,
    ]);

    const email = `${unique('idem')}@example.com`;
    expect(ok(await gql(t, UPSERT, { input: { email }, key }, { as: Role.MARKETING })).upsertLead.created).toBe(true);
    expect(await countRows(t, 'idempotency_key', 'key = $1', [key])).toBe(1);

    const other = randomUUID();
    ok(await gql(t, UPSERT, { input: { email: `${unique('idem')}@example.com` }, key: other }, { as: Role.MARKETING }));
    await t.dataSource.query(`UPDATE idempotency_key SET expires_at = now() - interval '1 second' WHERE key = $1`, [
      other,
    ]);
    const total = await keys();
    expect(await purgeExpiredIdempotencyKeys(t.dataSource)).toBeGreaterThanOrEqual(1);
    expect(await countRows(t, 'idempotency_key', 'key = $1', [other])).toBe(0);
    expect(await countRows(t, 'idempotency_key', 'key = $1', [key])).toBe(1);
    expect(await keys()).toBeLessThan(total);
  });
});

describe('the key and the writes commit together', () => {
  test('when storing the answer fails, the mutation leaves nothing behind', async () => {
    const marker = unique('fault');
    await t.dataSource.query(`
      CREATE FUNCTION fail_answer_${marker.replace(/-/g, '_')}() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql`);
    await t.dataSource.query(`
      CREATE TRIGGER fail_answer BEFORE UPDATE ON idempotency_key
      FOR EACH ROW EXECUTE FUNCTION fail_answer_${marker.replace(/-/g, '_')}()`);
    try {
      const key = randomUUID();
      const email = `${marker}@example.com`;
      const before = await databaseFingerprint(t);
      const result = await gql(t, UPSERT, { input: { email }, key }, { as: Role.MARKETING });
      expect(result.errors?.[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(result.errors)).not.toMatch(/injected fault|idempotency_key|UPDATE/);
      expect(await databaseFingerprint(t)).toEqual(before);
      expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(0);
    } finally {
      await t.dataSource.query('DROP TRIGGER fail_answer ON idempotency_key');
    }
  });
});
