import { Client } from 'pg';
import { Role } from '../src/entities/enums';
import { watchPublishedRules } from '../src/rules/rule-cache';
import { type TestApp, givenLead, givenRuleSetDraft, gql, ok, startTestApp, unique } from './helpers';

/**
 * The funnel and the rule sets in force are kept in memory while the process listens for their
 * changes (as the server does): an edit or a publish is in force for the very next write, with no
 * read of stage or rule-set rows in between.
 */
let t: TestApp;
let stopListening: () => Promise<void>;

beforeAll(async () => {
  t = await startTestApp();
  stopListening = await watchPublishedRules(t.dataSource, t.url);
}, 60_000);

afterAll(async () => {
  await stopListening();
  await t.close();
});

test('a stage created through the API takes leads at once', async () => {
  await givenLead(t); // the funnel is now cached
  const key = unique('stage').replace('-', '_');
  ok(
    await gql(t, 'mutation($input: CreateFunnelStageInput!) { createFunnelStage(input: $input) { id } }', {
      input: { key, name: 'Webinar', definition: 'Registered for a webinar and attended at least half of it.' },
    }),
  );
  const lead = await givenLead(t, { stage: key }, Role.ADMIN);
  expect(lead.stage.key).toBe(key);
});

test('a published scoring rule scores the very next write', async () => {
  await givenLead(t, { companySize: 900 }); // the rule sets in force are now cached
  const { versionId } = await givenRuleSetDraft(t);
  ok(
    await gql(t, 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { version { id } } }', { id: versionId }),
  );
  const lead = await givenLead(t, { companySize: 900 });
  const [{ score }] = await t.dataSource.query<[{ score: number }]>('SELECT score FROM lead WHERE id = $1', [lead.id]);
  expect(score).toBe(20);
});

test('while cached, a write reads neither the stage list nor the rule sets in force', async () => {
  await givenLead(t);
  const seen: string[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored below, called with its client
  const original = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    if (text) seen.push(text);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  try {
    await givenLead(t, { companySize: 900 });
  } finally {
    Client.prototype.query = original;
  }
  expect(seen.some((text) => text.includes('INSERT INTO "lead"'))).toBe(true);
  expect(seen.filter((text) => /FROM "funnel_stage"|FROM rule_set\b/.test(text))).toEqual([]);
});
