import { getNamedType, isNonNullType, isObjectType, type GraphQLObjectType, type GraphQLOutputType } from 'graphql';
import { config } from '../src/config';
import { createDataSource } from '../src/db/data-source';
import { migrateDatabase } from '../src/db/database';
import { Role } from '../src/entities/enums';
import { rebuildAllLeadFacts } from '../src/rollups/lead-facts';
import { buildAppSchema } from '../src/schema/build-schema';
import { runMetricsRebuildJob } from '../src/services/metrics-rebuild.service';
import { installJobQueue } from '../src/jobs/job-queue';
import { startJobs } from '../src/jobs/start-jobs';
import { afterMigrations } from '../src/release';
import { foldRollupDeltas } from '../src/rollups/fold';
import {
  countRows,
  databaseFingerprint,
  givenCampaign,
  givenLead,
  givenPersona,
  gql,
  ok,
  startTestApp,
  unique,
  until,
  type GqlResult,
  type TestApp,
} from './helpers';

/**
 * The history operations of issue 13 as users notice them: a rebuild and a restart leave every
 * report as a rebuild from the facts has it; a merge counts the person once and says what it did
 * (a dry run says the same and writes nothing); an erased person is gone from the data and from
 * nothing in the metrics; the retention run clears old metadata after a dry run.
 */
let t: TestApp;
let slaId: string;
const from = new Date(Date.now() - 400 * 86_400_000).toISOString();
const to = new Date(Date.now() + 86_400_000).toISOString();

const schema = buildAppSchema();

/** Every field of a type that needs no argument, scalars as they are, objects with an id by id. */
function selectionOf(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  const fields = Object.values((named as GraphQLObjectType).getFields()).filter(
    (field) => !field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined),
  );
  const parts = fields.map((field) => {
    const inner = getNamedType(field.type);
    if (!isObjectType(inner)) return field.name;
    if ('id' in inner.getFields() && depth > 0) return `${field.name} { id }`;
    if (depth >= 3) return '';
    const selection = selectionOf(field.type, depth + 1);
    return selection ? `${field.name} ${selection}` : '';
  });
  return `{ ${parts.filter(Boolean).join(' ')} }`;
}

const reportType = (field: string): GraphQLOutputType => schema.getQueryType()!.getFields()[field]!.type;

/** Every metric report of the API, every field of each, as ANALYST reads them. */
async function everyReport(): Promise<Record<string, unknown>> {
  const document = `query($sla: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
    funnelReport ${selectionOf(reportType('funnelReport'))}
    cohort: funnelReport(filter: { createdFrom: $from, createdTo: $to }) ${selectionOf(reportType('funnelReport'))}
    campaignPerformance ${selectionOf(reportType('campaignPerformance'))}
    leadQuality ${selectionOf(reportType('leadQuality'))}
    slaReport(slaId: $sla, from: $from, to: $to) ${selectionOf(reportType('slaReport')).replace(/ at /, ' ')}
  }`;
  const data = ok(await gql(t, document, { sla: slaId, from, to }, { as: Role.ANALYST }));
  // `at` of the SLA report is the instant of the query.
  delete (data.slaReport as Record<string, unknown>).at;
  return data;
}

const MOVE = 'mutation($id: ID!, $stage: String!) { moveLeadToStage(leadId: $id, stage: $stage) { id } }';
const ACTIVITY = 'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }';
const FEEDBACK = 'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }';

/** A lead with a history: handed over, worked, judged, with a campaign touch and a comment. */
async function givenWorkedLead(
  campaignId: string,
  personaId: string,
  options: { verdict?: 'ACCEPTED' | 'REJECTED'; input?: Record<string, unknown> } = {},
): Promise<{ id: string; email: string }> {
  const lead = await givenLead(
    t,
    {
      campaignId,
      personaId,
      ownerId: t.userIds.SALES,
      attributes: { budget: 'high', phone: '+44 20 7946 0000' },
      ...options.input,
    },
    Role.OPS,
  );
  ok(await gql(t, MOVE, { id: lead.id, stage: 'mql' }, { as: Role.MARKETING }));
  ok(
    await gql(t, ACTIVITY, {
      input: { leadId: lead.id, type: 'PAGE_VIEW', campaignId, metadata: { url: `/pricing?who=${lead.email}` } },
    }),
  );
  ok(await gql(t, ACTIVITY, { input: { leadId: lead.id, type: 'CALL' } }, { as: Role.SALES }));
  if (options.verdict) {
    ok(
      await gql(
        t,
        FEEDBACK,
        {
          input: {
            leadId: lead.id,
            kind: 'LEAD_QUALITY',
            disposition: options.verdict,
            rejectionReason: options.verdict === 'REJECTED' ? 'NO_BUDGET' : undefined,
            comment: `Spoke to ${lead.email} on the phone`,
          },
        },
        { as: Role.SALES },
      ),
    );
  }
  return lead;
}

let campaign: { id: string };
let persona: { id: string };

beforeAll(async () => {
  t = await startTestApp();
  campaign = await givenCampaign(t, { budget: 1000 });
  persona = await givenPersona(t);
  const sla = ok(
    await gql(
      t,
      'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }',
      { input: { name: unique('Sla'), kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 24 } },
      { as: Role.OPS },
    ),
  );
  slaId = sla.createSla.id;
  await givenWorkedLead(campaign.id, persona.id, { verdict: 'ACCEPTED', input: { dealValue: 5000 } });
  await givenWorkedLead(campaign.id, persona.id, { verdict: 'REJECTED' });
  await givenWorkedLead(campaign.id, persona.id);
  await givenLead(t, { campaignId: campaign.id });
}, 60_000);
afterAll(() => t.close());

/** What the reports say after a rebuild of every rollup from the facts. */
async function reportsAfterFullRebuild(): Promise<Record<string, unknown>> {
  await t.dataSource.transaction((manager) => rebuildAllLeadFacts(manager));
  return everyReport();
}

/** A restart: a new process on the same database runs the release step. */
async function restart(): Promise<void> {
  const dataSource = createDataSource(t.url, { poolSize: 2 });
  await dataSource.initialize();
  try {
    await migrateDatabase(dataSource, t.url, afterMigrations);
  } finally {
    await dataSource.destroy();
  }
}

const oneLead = async (): Promise<string> =>
  (await t.dataSource.query<Array<{ lead_id: string }>>('SELECT lead_id FROM lead_fact ORDER BY lead_id LIMIT 1'))[0]!
    .lead_id;

describe('the restart never double counts', () => {
  test('a lost lead_fact row: the cohort counts each lead once after a restart', async () => {
    const before = await everyReport();
    expect((before.funnelReport as { leads: number }).leads).toBe(4);
    await t.dataSource.query('DELETE FROM lead_fact WHERE lead_id = $1', [await oneLead()]);
    await restart();
    const after = await everyReport();
    expect((after.funnelReport as { leads: number }).leads).toBe(4);
    expect(after).toEqual(before);
    expect(await reportsAfterFullRebuild()).toEqual(before);
  }, 60_000);

  test('lost daily rows, credit rows and stage visits: every report is back after a restart', async () => {
    const before = await everyReport();
    // The daily rows are folded first, so the damage below hits rows a report reads.
    await foldRollupDeltas(t.dataSource);
    await t.dataSource.query('DELETE FROM funnel_daily_folded WHERE ctid IN (SELECT ctid FROM funnel_daily_folded LIMIT 1)');
    await t.dataSource.query('DELETE FROM campaign_daily_folded');
    await t.dataSource.query('DELETE FROM sla_daily_folded');
    await t.dataSource.query('DELETE FROM lead_campaign_credit WHERE lead_id = $1', [await oneLead()]);
    await t.dataSource.query('DELETE FROM stage_visit WHERE ctid IN (SELECT ctid FROM stage_visit LIMIT 1)');
    expect(await everyReport()).not.toEqual(before);
    await restart();
    expect(await everyReport()).toEqual(before);
    expect(await reportsAfterFullRebuild()).toEqual(before);
  }, 60_000);
});

describe('rebuildMetrics', () => {
  const REBUILD =
    'mutation($from: DateTimeISO, $to: DateTimeISO) { rebuildMetrics(from: $from, to: $to) { id status } }';
  const JOB = 'query($id: ID!) { rebuildMetricsJob(id: $id) { status done total error } }';
  /** Without a job queue in the process (as here) the server runs the job itself in the background. */
  const finished = (id: string) =>
    until(
      async () => ok(await gql(t, JOB, { id }, { as: Role.ANALYST })).rebuildMetricsJob,
      (progress: { status: string; done: number; total: number }) => ['DONE', 'FAILED'].includes(progress.status),
      30_000,
    );

  test('a second run of a finished job changes nothing', async () => {
    const job = ok(await gql(t, REBUILD, {}, { as: Role.ADMIN })).rebuildMetrics;
    await finished(job.id);
    const fingerprint = await databaseFingerprint(t);
    expect((await runMetricsRebuildJob(t.dataSource, job.id)).status).toBe('DONE');
    expect(await databaseFingerprint(t)).toEqual(fingerprint);
  });

  test('ADMIN repairs doubled and lost rollups with a job whose progress can be followed', async () => {
    const before = await everyReport();
    // The daily rows are folded first, so the damage below hits rows a report reads.
    await foldRollupDeltas(t.dataSource);
    await t.dataSource.query('UPDATE funnel_daily_folded SET leads = leads * 2');
    await t.dataSource.query('DELETE FROM lead_fact WHERE lead_id = $1', [await oneLead()]);
    await t.dataSource.query('UPDATE campaign_daily_folded SET first_touch_leads = first_touch_leads + 3');
    expect(await everyReport()).not.toEqual(before);
    const job = ok(await gql(t, REBUILD, {}, { as: Role.ADMIN })).rebuildMetrics;
    expect(job.status).toBe('QUEUED');
    const leads = await countRows(t, 'lead');
    expect(await finished(job.id)).toEqual({
      status: 'DONE',
      done: leads,
      total: leads,
      error: null,
    });
    expect(await everyReport()).toEqual(before);
  });

  test('a range rebuilds the leads created in it and the days they were created on', async () => {
    const before = await everyReport();
    // The daily rows are folded first, so the damage below hits rows a report reads.
    await foldRollupDeltas(t.dataSource);
    await t.dataSource.query('UPDATE funnel_daily_folded SET leads = leads + 1');
    const job = ok(
      await gql(t, REBUILD, { from: new Date(Date.now() - 86_400_000).toISOString(), to }, { as: Role.ADMIN }),
    ).rebuildMetrics;
    expect((await finished(job.id)).status).toBe('DONE');
    expect(await everyReport()).toEqual(before);
  });

  test('runs on the job queue: the mutation queues it, a worker finishes it', async () => {
    const before = await everyReport();
    await installJobQueue(t.url);
    const stop = await startJobs(t.dataSource, t.url);
    try {
      await t.dataSource.query('UPDATE funnel_daily_folded SET leads = leads + 2');
      const job = ok(await gql(t, REBUILD, {}, { as: Role.ADMIN })).rebuildMetrics;
      const done = await until(
        async () => ok(await gql(t, JOB, { id: job.id }, { as: Role.ANALYST })).rebuildMetricsJob,
        (progress: { status: string; done: number; total: number }) => progress.status === 'DONE',
        30_000,
      );
      expect(done.done).toBe(done.total);
    } finally {
      await stop();
    }
    expect(await everyReport()).toEqual(before);
  }, 60_000);

  test('an empty range is BAD_USER_INPUT naming `to`, OPS may not rebuild; nothing is written', async () => {
    const fingerprint = await databaseFingerprint(t);
    const bad = await gql(t, REBUILD, { from: to, to: from }, { as: Role.ADMIN });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    const refused = await gql(t, REBUILD, {}, { as: Role.OPS });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await databaseFingerprint(t)).toEqual(fingerprint);
  });
});

const MERGE = `mutation($survivor: ID!, $duplicates: [ID!]!, $dryRun: Boolean) {
  mergeLeads(survivorId: $survivor, duplicateIds: $duplicates, dryRun: $dryRun) {
    dryRun removedLeadIds removedEmails
    fields { field before after fromLeadId }
    moved { activities stageTransitions feedback changes idempotencyKeys }
    survivor { id email firstName company createdAt stage { key } }
    merge { id }
  }
}`;

function expectBadInput(result: GqlResult, field: string): void {
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
}

describe('mergeLeads', () => {
  test('moves the duplicate’s history to the survivor, by the survivorship rule; the metrics count the person once', async () => {
    const survivor = await givenLead(t, { firstName: null, company: 'Acme', campaignId: campaign.id });
    const duplicate = await givenWorkedLead(campaign.id, persona.id, {
      verdict: 'ACCEPTED',
      input: { firstName: 'Ann', company: 'Acme Corp' },
    });
    // The duplicate was known first.
    await t.dataSource.query(`UPDATE lead SET created_at = created_at - interval '2 days' WHERE id = $1`, [
      duplicate.id,
    ]);
    await reportsAfterFullRebuild();
    const leadsBefore = ((await everyReport()).funnelReport as { leads: number }).leads;
    const [{ created_at: earliest }] = await t.dataSource.query('SELECT created_at FROM lead WHERE id = $1', [
      duplicate.id,
    ]);

    const fingerprint = await databaseFingerprint(t);
    const variables = { survivor: survivor.id, duplicates: [duplicate.id] };
    const dry = ok(await gql(t, MERGE, { ...variables, dryRun: true })).mergeLeads;
    expect(await databaseFingerprint(t)).toEqual(fingerprint);

    const merged = ok(await gql(t, MERGE, variables, { as: Role.OPS })).mergeLeads;
    expect({ ...dry, dryRun: false, merge: null, survivor: { ...dry.survivor } }).toEqual({
      ...merged,
      merge: null,
      survivor: { ...merged.survivor },
    });
    expect(merged.survivor).toMatchObject({
      id: survivor.id,
      email: survivor.email,
      firstName: 'Ann',
      company: 'Acme',
      createdAt: new Date(earliest as Date).toISOString(),
      stage: { key: 'sql' },
    });
    expect(merged.removedLeadIds).toEqual([duplicate.id]);
    expect(merged.removedEmails).toEqual([duplicate.email]);
    expect(merged.moved).toMatchObject({ activities: 2, feedback: 1 });
    expect(merged.fields.map((f: { field: string }) => f.field)).toEqual(
      expect.arrayContaining(['firstName', 'personaId', 'ownerId', 'attributes.budget', 'createdAt']),
    );
    expect(merged.fields.map((f: { field: string }) => f.field)).not.toContain('company');

    const seen = ok(
      await gql(
        t,
        `query($id: ID!) { lead(id: $id) {
          mergedFrom { mergedLeadIds mergedEmails }
          changes(first: 50) { nodes { field cause } }
          activities { id } feedback { id } stageHistory { to { key } }
        } }`,
        { id: survivor.id },
      ),
    ).lead;
    expect(seen.mergedFrom).toEqual([{ mergedLeadIds: [duplicate.id], mergedEmails: [duplicate.email] }]);
    expect(seen.changes.nodes).toEqual(
      expect.arrayContaining([
        { field: 'firstName', cause: 'MERGE' },
        { field: 'stage', cause: 'MERGE' },
      ]),
    );
    expect(seen.activities).toHaveLength(2);
    expect(seen.feedback).toHaveLength(1);
    const gone = await gql(t, 'query($id: ID!) { lead(id: $id) { id } }', { id: duplicate.id });
    expect(gone.errors?.[0]?.extensions.code).toBe('NOT_FOUND');

    const after = await everyReport();
    expect((after.funnelReport as { leads: number }).leads).toBe(leadsBefore - 1);
    expect(await reportsAfterFullRebuild()).toEqual(after);
  });

  test('an idempotent retry that created the duplicate answers with the survivor after the merge', async () => {
    const survivor = await givenLead(t);
    const email = `${unique('dup')}@example.com`;
    const UPSERT =
      'mutation($input: UpsertLeadInput!, $key: String) { upsertLead(input: $input, idempotencyKey: $key) { lead { id } } }';
    const input = { email };
    const duplicateId = ok(await gql(t, UPSERT, { input, key: 'form-1' })).upsertLead.lead.id;
    const merged = ok(await gql(t, MERGE, { survivor: survivor.id, duplicates: [duplicateId] })).mergeLeads;
    expect(merged.moved.idempotencyKeys).toBe(1);
    expect(ok(await gql(t, UPSERT, { input, key: 'form-1' })).upsertLead.lead.id).toBe(survivor.id);
  });

  test('bad input names the argument and writes nothing; SALES and MARKETING may not merge', async () => {
    const survivor = await givenLead(t);
    const duplicate = await givenLead(t);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const fingerprint = await databaseFingerprint(t);
    expectBadInput(
      await gql(t, MERGE, { survivor: survivor.id, duplicates: [duplicate.id, duplicate.id] }),
      'duplicateIds[1]',
    );
    expectBadInput(await gql(t, MERGE, { survivor: survivor.id, duplicates: [survivor.id] }), 'duplicateIds[0]');
    expectBadInput(await gql(t, MERGE, { survivor: survivor.id, duplicates: [unknown] }), 'duplicateIds[0]');
    expectBadInput(await gql(t, MERGE, { survivor: unknown, duplicates: [duplicate.id] }), 'survivorId');
    expectBadInput(await gql(t, MERGE, { survivor: survivor.id, duplicates: [] }), 'duplicateIds');
    expectBadInput(await gql(t, MERGE, { survivor: survivor.id, duplicates: ['nope'] }), 'duplicateIds[0]');
    for (const role of [Role.SALES, Role.MARKETING, Role.ANALYST]) {
      const refused = await gql(t, MERGE, { survivor: survivor.id, duplicates: [duplicate.id] }, { as: role });
      expect(refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    }
    expect(await databaseFingerprint(t)).toEqual(fingerprint);
  });
});

describe('eraseLead and exportLeadData', () => {
  const EXPORT = 'query($id: ID!) { exportLeadData(id: $id) }';
  const ERASE = 'mutation($id: ID!) { eraseLead(id: $id) { email firstName lastName attributes erasedAt } }';

  test('the export holds everything about the person; after erasure nothing personal is left and every report is the same', async () => {
    const lead = await givenWorkedLead(campaign.id, persona.id, {
      verdict: 'REJECTED',
      input: { firstName: 'Grace', lastName: 'Hopper' },
    });
    ok(
      await gql(t, 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id } }', {
        input: { id: lead.id, lastName: 'Murray Hopper' },
      }),
    );
    const data = ok(await gql(t, EXPORT, { id: lead.id }, { as: Role.ADMIN })).exportLeadData;
    expect(data.lead).toMatchObject({ id: lead.id, email: lead.email, firstName: 'Grace' });
    expect(data.activities).toHaveLength(2);
    expect(data.stageHistory.length).toBeGreaterThanOrEqual(2);
    expect(data.feedback).toHaveLength(1);
    expect(data.changes.length).toBeGreaterThan(3);
    expect(data.slaCases).toEqual([expect.objectContaining({ slaId, leadId: lead.id })]);
    expect(JSON.stringify(data)).toContain('Murray Hopper');

    const before = await everyReport();
    const erased = ok(await gql(t, ERASE, { id: lead.id }, { as: Role.ADMIN })).eraseLead;
    expect(erased).toMatchObject({
      email: `erased-${lead.id}@invalid`,
      firstName: null,
      lastName: null,
      attributes: {},
    });
    expect(erased.erasedAt).not.toBeNull();
    expect(await everyReport()).toEqual(before);

    const left = JSON.stringify(ok(await gql(t, EXPORT, { id: lead.id }, { as: Role.ADMIN })).exportLeadData);
    for (const personal of [lead.email, 'Grace', 'Hopper', '7946', 'Spoke to']) expect(left).not.toContain(personal);
    const audit = ok(
      await gql(
        t,
        'query($id: ID!) { auditLog(first: 5, filter: { subject: "lead", subjectId: $id }) { nodes { action after } } }',
        { id: lead.id },
        { as: Role.ADMIN },
      ),
    ).auditLog.nodes;
    expect(audit).toEqual([expect.objectContaining({ action: 'erase' })]);
    expect(audit[0].after).toMatchObject({ activities: 1, feedback: 1, stageReasons: 1 });
    expect(JSON.stringify(audit)).not.toContain(lead.email);
  });

  test('OPS may neither erase nor export a person; an unknown id is NOT_FOUND; nothing is written', async () => {
    const lead = await givenLead(t);
    const fingerprint = await databaseFingerprint(t);
    for (const document of [ERASE, EXPORT]) {
      const refused = await gql(t, document, { id: lead.id }, { as: Role.OPS });
      expect(refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    }
    const unknown = await gql(t, ERASE, { id: '00000000-0000-4000-8000-000000000000' }, { as: Role.ADMIN });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect(await databaseFingerprint(t)).toEqual(fingerprint);
  });
});

describe('activity metadata retention', () => {
  const PURGE = 'mutation($dryRun: Boolean) { purgeActivityMetadata(dryRun: $dryRun) { dryRun retentionDays rows } }';
  const settings = config as { activityRetentionDays: number | undefined };
  afterEach(() => {
    settings.activityRetentionDays = undefined;
  });

  test('unset keeps metadata forever', async () => {
    expect(ok(await gql(t, PURGE, { dryRun: false }, { as: Role.ADMIN })).purgeActivityMetadata).toEqual({
      dryRun: false,
      retentionDays: null,
      rows: 0,
    });
  });

  test('a dry run counts the old activities and writes nothing; the run clears them, and the metrics keep their counts', async () => {
    const lead = await givenWorkedLead(campaign.id, persona.id);
    await t.dataSource.query(`UPDATE activity SET occurred_at = now() - interval '40 days' WHERE lead_id = $1`, [
      lead.id,
    ]);
    settings.activityRetentionDays = 30;
    const before = await everyReport();
    const old = await countRows(t, 'activity', `occurred_at < now() - interval '30 days' AND metadata <> '{}'`);
    expect(old).toBeGreaterThan(0);
    const fingerprint = await databaseFingerprint(t);
    const dry = ok(await gql(t, PURGE, {}, { as: Role.ADMIN })).purgeActivityMetadata;
    expect(dry).toEqual({ dryRun: true, retentionDays: 30, rows: old });
    expect(await databaseFingerprint(t)).toEqual(fingerprint);
    const run = ok(await gql(t, PURGE, { dryRun: false }, { as: Role.ADMIN })).purgeActivityMetadata;
    expect(run).toEqual({ dryRun: false, retentionDays: 30, rows: old });
    expect(await countRows(t, 'activity', `occurred_at < now() - interval '30 days' AND metadata <> '{}'`)).toBe(0);
    expect(await everyReport()).toEqual(before);
    const refused = await gql(t, PURGE, { dryRun: false }, { as: Role.OPS });
    expect(refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });
});
