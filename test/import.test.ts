import request from 'supertest';
import { config } from '../src/config';
import { Role } from '../src/entities/enums';
import { DuplicatePolicy, ImportFormat, ImportJobStatus } from '../src/entities/import-job.entity';
import { runImportJob } from '../src/services/import-run';
import { storeImport } from '../src/services/import.service';
import { Readable } from 'node:stream';
import {
  countRows,
  databaseFingerprint,
  givenLead,
  gql,
  ok,
  startTestApp,
  startServerProcess,
  systemContext,
  unique,
  until,
  type TestApp,
} from './helpers';

/**
 * Imports with history. The cohort is the one of test/metrics.test.ts (January 2001), brought in
 * as a file instead of SQL, so every report must give the numbers worked out by hand there:
 *
 *   lead  campaign  owner  history (hours after T0 = 2001-01-01T00:00Z)
 *   L1    A (+A, B)  S     lead 0, mql 10, sql 20 (accepted), opportunity 50, customer 100; deal 1000
 *   L2    A          S     lead 0, mql 5, lead 30 (rejected BAD_FIT), mql 60, sql 70 (accepted)
 *   L3    A (+B)     O     lead 0, sql 20 (skipped mql), disqualified 30
 *   L4    B          O     lead 0, mql 8, lead 40 (rejected NO_BUDGET)
 *   L5    A          S     lead 0
 *   L6    A          S     lead 0, mql 2, opportunity 50 (skipped sql), disqualified 80; deal 500
 *
 * Sales contacts: L1 CALL 12; L2 CALL 9 and 70; L6 CALL 3, EMAIL_SENT 20, MEETING 30.
 * Marketing touches: L1 PAGE_VIEW(A) 1, EMAIL_CLICK(B) 2; L3 PAGE_VIEW(B) 3.
 */
let t: TestApp;
const T0 = Date.UTC(2001, 0, 1);
const at = (hours: number): string => new Date(T0 + hours * 3_600_000).toISOString();
const WINDOW = { createdFrom: '2001-01-01T00:00:00Z', createdTo: '2001-02-01T00:00:00Z' };
const emails: Record<Role, string> = {} as Record<Role, string>;

beforeAll(async () => {
  t = await startTestApp();
  for (const role of Object.values(Role)) {
    emails[role] = `${role.toLowerCase()}-${unique()}@example.com`;
    await t.dataSource.query('UPDATE "user" SET email = $2 WHERE id = $1', [t.userIds[role], emails[role]]);
  }
});
afterAll(() => t.close());

const ndjson = (records: object[]): string => records.map((record) => JSON.stringify(record)).join('\n') + '\n';

async function postImport(
  body: string,
  options: { as?: Role | null; query?: string; contentType?: string } = {},
): Promise<request.Response> {
  const req = request(t.app)
    .post(`/imports${options.query ? `?${options.query}` : ''}`)
    .set('Content-Type', options.contentType ?? 'application/x-ndjson');
  if (options.as !== null) req.set('Authorization', `Bearer ${t.tokens[options.as ?? Role.OPS]}`);
  return req.send(body);
}

const JOB = `query($id: ID!, $after: String) { importJob(id: $id) {
  id status rowsDone rowsTotal rowsPerSecond rowsRejected leadsCreated leadsUpdated leadsSkipped
  transitionsAdded activitiesAdded feedbackAdded dryRun error
  errors(first: 100, after: $after) { totalCount nodes { line field code message } pageInfo { hasNextPage endCursor } }
} }`;

/** Posts a file and follows the job, as a client would, until it is DONE or FAILED. */
async function imported(body: string, options: { query?: string; contentType?: string } = {}): Promise<any> {
  const res = await postImport(body, options);
  expect(res.status).toBe(202);
  expect(res.body.id).toEqual(expect.any(String));
  const job = await until(
    async () => ok(await gql(t, JOB, { id: res.body.id })).importJob,
    (job: any) => job.status === 'DONE' || job.status === 'FAILED',
    20_000,
  );
  expect(job.error).toBeNull();
  expect(job.status).toBe('DONE');
  return job;
}

describe('the cohort with history', () => {
  const FUNNEL = `query($filter: LeadCohortFilter, $stages: [String!]) { funnelReport(filter: $filter, stages: $stages) {
    leads recycled stages { stage { key } entered reached skipped current movedBack reentered conversionToNext medianHoursToNext } } }`;
  const PERFORMANCE = `query($filter: CampaignPerformanceFilter) { campaignPerformance(filter: $filter) {
    campaign { id } cost firstTouch { ...f } linear { ...f } } }
    fragment f on CampaignAttribution { leads mqls sqls customers wonRevenue accepted rejected rejectionReasons { reason count } }`;
  const QUALITY = `query($filter: LeadCohortFilter) { leadQuality(filter: $filter) {
    total { leads handedOver accepted rejected acceptanceRate reachedSqlShare reachedCustomerShare rejectionReasons { reason count share } }
    byCampaign { campaign { id } leads handedOver accepted rejected } } }`;
  const SLA = `query($slaId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { slaReport(slaId: $slaId, from: $from, to: $to) {
    total { cases met breached pending } breaches(first: 10) { totalCount nodes { lead { id } startedAt completedAt } } } }`;
  const CORE = ['lead', 'mql', 'sql', 'opportunity', 'customer', 'disqualified'];

  test('every report equals the numbers worked out by hand; undoImport brings every report back', async () => {
    const a = unique('Spring webinar');
    const b = unique('Partner list');
    const persona = unique('Ops lead');
    const campaign = async (name: string, input: object): Promise<string> =>
      ok(
        await gql(t, 'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }', {
          input: { name, channel: 'EMAIL', ...input },
        }),
      ).createCampaign.id as string;
    const campaignA = await campaign(a, {
      budget: 6000,
      startsAt: '2000-12-01T00:00:00Z',
      endsAt: '2001-02-01T00:00:00Z',
    });
    const campaignB = await campaign(b, { budget: 1000 });
    const personaId = ok(
      await gql(t, 'mutation($input: CreatePersonaInput!) { createPersona(input: $input) { id } }', {
        input: { name: persona },
      }),
    ).createPersona.id as string;
    const slaId = ok(
      await gql(t, 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', {
        input: { name: unique('Sla'), kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 6 },
      }),
    ).createSla.id as string;

    const filter = { ...WINDOW, personaId };
    const reports = async (): Promise<Record<string, unknown>> => ({
      funnel: ok(await gql(t, FUNNEL, { filter, stages: CORE }, { as: Role.ANALYST })).funnelReport,
      performance: ok(await gql(t, PERFORMANCE, { filter: { ...WINDOW, campaignIds: [campaignA, campaignB] } }))
        .campaignPerformance,
      quality: ok(await gql(t, QUALITY, { filter })).leadQuality,
      sla: ok(await gql(t, SLA, { slaId, from: WINDOW.createdFrom, to: WINDOW.createdTo })).slaReport,
    });
    const before = await reports();

    const S = emails.SALES;
    const O = emails.OPS;
    const lead = (name: string, campaignName: string, owner: string, extra: object = {}) => ({
      type: 'lead',
      email: `${name.toLowerCase()}-${T0}@cohort.example`,
      externalId: `crm-${name}-${unique()}`,
      firstName: name,
      createdAt: at(0),
      campaign: campaignName,
      persona,
      owner,
      ...extra,
    });
    const leads = {
      L1: lead('L1', a, S, { dealValue: 1000 }),
      L2: lead('L2', a, S),
      L3: lead('L3', a, O),
      L4: lead('L4', b, O),
      L5: lead('L5', a, S),
      L6: lead('L6', a, S, { dealValue: 500 }),
    };
    type Name = keyof typeof leads;
    // L3 and L6 are named by their external id, the others by email.
    const ref = (name: Name) =>
      name === 'L3' || name === 'L6'
        ? { externalId: leads[name].externalId }
        : { email: leads[name].email.toUpperCase() };
    const moves = (name: Name, path: Array<[string, number]>) =>
      path.map(([to, hours]) => ({
        type: 'transition',
        lead: ref(name),
        to,
        at: at(hours),
        actor: S,
        reason: 'as it happened',
      }));
    const activity = (name: Name, activityType: string, hours: number, campaignName?: string) => ({
      type: 'activity',
      lead: ref(name),
      activityType,
      occurredAt: at(hours),
      ...(campaignName ? { campaign: campaignName } : {}),
    });
    const verdict = (name: Name, disposition: string, reason: string | null, hours: number) => ({
      type: 'feedback',
      lead: ref(name),
      kind: 'LEAD_QUALITY',
      disposition,
      ...(reason ? { reason } : {}),
      at: at(hours),
      author: S,
    });
    const file = ndjson([
      ...Object.values(leads),
      ...moves('L1', [
        ['mql', 10],
        ['sql', 20],
        ['opportunity', 50],
        ['customer', 100],
      ]),
      ...moves('L2', [
        ['mql', 5],
        ['lead', 30],
        ['mql', 60],
        ['sql', 70],
      ]),
      ...moves('L3', [
        ['sql', 20],
        ['disqualified', 30],
      ]),
      ...moves('L4', [
        ['mql', 8],
        ['lead', 40],
      ]),
      // L5's entry restated as its first transition (same stage, same time): nothing is added.
      ...moves('L5', [['lead', 0]]),
      ...moves('L6', [
        ['mql', 2],
        ['opportunity', 50],
        ['disqualified', 80],
      ]),
      activity('L1', 'CALL', 12),
      activity('L2', 'CALL', 9),
      activity('L2', 'CALL', 70),
      activity('L6', 'CALL', 3),
      activity('L6', 'EMAIL_SENT', 20),
      activity('L6', 'MEETING', 30),
      activity('L1', 'PAGE_VIEW', 1, a),
      activity('L1', 'EMAIL_CLICK', 2, b),
      activity('L3', 'PAGE_VIEW', 3, b),
      // An imported verdict does not move the lead: the transitions above say where it went.
      verdict('L1', 'ACCEPTED', null, 20),
      verdict('L2', 'REJECTED', 'BAD_FIT', 30),
      verdict('L2', 'ACCEPTED', null, 70),
      verdict('L4', 'REJECTED', 'NO_BUDGET', 40),
    ]);
    const job = await imported(file);
    expect(job).toMatchObject({
      rowsTotal: 35,
      rowsDone: 35,
      rowsRejected: 0,
      leadsCreated: 6,
      transitionsAdded: 16,
      activitiesAdded: 9,
      feedbackAdded: 4,
    });
    expect(job.errors.totalCount).toBe(0);

    // Provenance: every row carries the import's id; imported moves have cause IMPORT; createdAt kept.
    const [ids] = await t.dataSource.query<Array<Record<string, number>>>(
      `SELECT (SELECT count(*)::int FROM lead WHERE import_id = $1) AS leads,
              (SELECT count(*)::int FROM stage_transition WHERE import_id = $1 AND cause = 'IMPORT') AS moves,
              (SELECT count(*)::int FROM activity WHERE import_id = $1) AS activities,
              (SELECT count(*)::int FROM feedback WHERE import_id = $1) AS feedback,
              (SELECT count(*)::int FROM lead WHERE import_id = $1 AND created_at = $2) AS kept`,
      [job.id, at(0)],
    );
    expect(ids).toEqual({ leads: 6, moves: 21, activities: 9, feedback: 4, kept: 6 });
    const l6 = ok(
      await gql(
        t,
        'query($f: LeadFilter) { leads(filter: $f) { nodes { stage { key } stageEnteredAt externalId } } }',
        {
          f: { search: leads.L6.email },
        },
      ),
    ).leads.nodes;
    expect(l6).toEqual([{ stage: { key: 'disqualified' }, stageEnteredAt: at(80), externalId: leads.L6.externalId }]);

    const after = await reports();
    const funnel = after.funnel as any;
    expect(funnel.leads).toBe(6);
    expect(funnel.recycled).toBe(2);
    const s = Object.fromEntries(funnel.stages.map((row: any) => [row.stage.key, row]));
    expect(s.lead).toMatchObject({ entered: 6, reached: 6, skipped: 0, current: 2, movedBack: 0, reentered: 2 });
    expect(s.lead.conversionToNext).toBeCloseTo(5 / 6);
    expect(s.lead.medianHoursToNext).toBeCloseTo(8);
    expect(s.mql).toMatchObject({ entered: 4, reached: 5, skipped: 1, current: 0, movedBack: 2, reentered: 1 });
    expect(s.mql.medianHoursToNext).toBeCloseTo(48);
    expect(s.sql).toMatchObject({ entered: 3, reached: 4, skipped: 1, current: 1, movedBack: 0 });
    expect(s.opportunity).toMatchObject({ entered: 2, reached: 2, current: 0, conversionToNext: 0.5 });
    expect(s.customer).toMatchObject({ entered: 1, reached: 1, current: 1 });
    expect(s.disqualified).toMatchObject({ entered: 2, reached: 2, current: 2 });

    const performance = after.performance as any[];
    const rowA = performance.find((row) => row.campaign.id === campaignA);
    const rowB = performance.find((row) => row.campaign.id === campaignB);
    expect(rowA.cost).toBeCloseTo(3000);
    expect(rowA.firstTouch).toMatchObject({
      leads: 5,
      mqls: 4,
      sqls: 4,
      customers: 1,
      wonRevenue: 1000,
      accepted: 2,
      rejected: 1,
    });
    expect(rowA.firstTouch.rejectionReasons).toEqual([{ reason: 'BAD_FIT', count: 1 }]);
    expect(rowB.firstTouch).toMatchObject({
      leads: 1,
      mqls: 1,
      sqls: 0,
      customers: 0,
      wonRevenue: 0,
      accepted: 0,
      rejected: 1,
    });
    expect(rowA.linear.leads).toBeCloseTo(2 / 3 + 1 + 1 / 2 + 1 + 1);
    expect(rowA.linear.wonRevenue).toBeCloseTo(2000 / 3);
    expect(rowB.linear.leads).toBeCloseTo(1 / 3 + 1 / 2 + 1);
    expect(rowB.linear.customers).toBeCloseTo(1 / 3);

    expect((after.quality as any).total).toEqual({
      leads: 6,
      handedOver: 5,
      accepted: 2,
      rejected: 2,
      acceptanceRate: 0.5,
      reachedSqlShare: 0.8,
      reachedCustomerShare: 0.2,
      rejectionReasons: [
        { reason: 'BAD_FIT', count: 1, share: 0.5 },
        { reason: 'NO_BUDGET', count: 1, share: 0.5 },
      ],
    });
    // L1 2h met, L2 4h met, L2 again 10h late, L4 never contacted, L6 1h met.
    expect((after.sla as any).total).toEqual({ cases: 5, met: 3, breached: 2, pending: 0 });
    expect((after.sla as any).breaches.nodes.map((node: any) => [node.startedAt, node.completedAt])).toEqual([
      [at(60), at(70)],
      [at(8), null],
    ]);

    // Undo: the leads and everything the import added are gone, and every report is as before.
    const undone = ok(
      await gql(t, 'mutation($id: ID!) { undoImport(id: $id) { id undoneAt } }', { id: job.id }),
    ).undoImport;
    expect(undone.undoneAt).toEqual(expect.any(String));
    expect(await countRows(t, 'lead', 'import_id = $1', [job.id])).toBe(0);
    expect(await countRows(t, 'stage_transition', 'import_id = $1', [job.id])).toBe(0);
    expect(await reports()).toEqual(before);
    expect((before.funnel as any).leads).toBe(0);
    expect((before.sla as any).total.cases).toBe(0);
    const [daily] = await t.dataSource.query<Array<{ leads: number; credit: number; sla: number }>>(
      `SELECT (SELECT coalesce(sum(leads), 0)::int FROM funnel_daily WHERE day >= '2001-01-01' AND day < '2001-02-01') AS leads,
              (SELECT coalesce(sum(credit), 0)::float8 FROM campaign_daily WHERE campaign_id = ANY($1::uuid[])) AS credit,
              (SELECT coalesce(sum(met + late + open), 0)::int FROM sla_daily WHERE sla_id = $2) AS sla`,
      [[campaignA, campaignB], slaId],
    );
    // Linear credit is a float summed over folded rows and signed deltas: zero up to rounding.
    expect({ ...daily, credit: Math.abs(daily!.credit) < 1e-9 ? 0 : daily!.credit }).toEqual({
      leads: 0,
      credit: 0,
      sla: 0,
    });
  });
});

describe('rows', () => {
  test('a bad row is reported with its line, field and code, and nothing of it is written', async () => {
    const good = `${unique('good')}@example.com`;
    const bad = `${unique('bad')}@example.com`;
    const file = [
      JSON.stringify({ type: 'lead', email: good, createdAt: '2010-05-01T00:00:00Z' }),
      '{not json',
      JSON.stringify({ type: 'lead', email: 'not-an-email' }),
      JSON.stringify({ type: 'lead', email: bad, companySize: -3 }),
      '',
      JSON.stringify({ type: 'transition', lead: { email: good }, to: 'no_such_stage', at: '2010-05-02T00:00:00Z' }),
      JSON.stringify({ type: 'transition', lead: { email: good }, to: 'mql', at: '2009-01-01T00:00:00Z' }),
      JSON.stringify({
        type: 'activity',
        lead: { externalId: 'nobody' },
        activityType: 'CALL',
        occurredAt: '2010-05-02T00:00:00Z',
      }),
      JSON.stringify({
        type: 'feedback',
        lead: { email: good },
        kind: 'LEAD_QUALITY',
        disposition: 'REJECTED',
        at: '2010-05-03T00:00:00Z',
      }),
      JSON.stringify({
        type: 'activity',
        lead: { email: good },
        activityType: 'NAP',
        occurredAt: '2010-05-02T00:00:00Z',
      }),
      JSON.stringify({
        type: 'activity',
        lead: { email: good },
        activityType: 'CALL',
        occurredAt: '2999-01-01T00:00:00Z',
      }),
      JSON.stringify({ type: 'merge' }),
      JSON.stringify({ type: 'transition', lead: { email: good }, to: 'mql', at: '2010-05-02T00:00:00Z' }),
    ].join('\n');
    const job = await imported(file);
    expect(job).toMatchObject({ rowsTotal: 12, rowsDone: 12, rowsRejected: 10, leadsCreated: 1, transitionsAdded: 1 });
    expect(job.errors.totalCount).toBe(10);
    expect(job.errors.nodes.map(({ line, field, code }: any) => [line, field, code])).toEqual([
      [2, null, 'BAD_USER_INPUT'],
      [3, 'email', 'BAD_USER_INPUT'],
      [4, 'companySize', 'BAD_USER_INPUT'],
      [6, 'to', 'NOT_FOUND'],
      [7, 'at', 'BAD_USER_INPUT'],
      [8, 'lead', 'NOT_FOUND'],
      [9, 'reason', 'BAD_USER_INPUT'],
      [10, 'activityType', 'BAD_USER_INPUT'],
      [11, 'occurredAt', 'BAD_USER_INPUT'],
      [12, 'type', 'BAD_USER_INPUT'],
    ]);
    expect(await countRows(t, 'lead', 'email = $1', [bad])).toBe(0);
    expect(await countRows(t, 'activity', 'lead_id IN (SELECT id FROM lead WHERE email = $1)', [good])).toBe(0);
    expect(await countRows(t, 'feedback', 'lead_id IN (SELECT id FROM lead WHERE email = $1)', [good])).toBe(0);
    // The lead entered `lead` at its createdAt, then `mql` from line 13.
    const history = await t.dataSource.query(
      `SELECT s.key, t.at, t.cause FROM stage_transition t JOIN lead l ON l.id = t.lead_id JOIN funnel_stage s ON s.id = t.to_stage_id
        WHERE l.email = $1 ORDER BY t.at`,
      [good],
    );
    expect(history).toEqual([
      { key: 'lead', at: new Date('2010-05-01T00:00:00Z'), cause: 'IMPORT' },
      { key: 'mql', at: new Date('2010-05-02T00:00:00Z'), cause: 'IMPORT' },
    ]);
    // Paging the errors by cursor.
    const first = ok(
      await gql(
        t,
        'query($id: ID!) { importJob(id: $id) { errors(first: 4) { nodes { line } pageInfo { endCursor } } } }',
        {
          id: job.id,
        },
      ),
    ).importJob.errors;
    const next = ok(await gql(t, JOB, { id: job.id, after: first.pageInfo.endCursor })).importJob.errors;
    expect(first.nodes.map((n: any) => n.line)).toEqual([2, 3, 4, 6]);
    expect(next.nodes[0].line).toBe(7);
  });

  test('a file that lists the entry as the first transition: the entry is restated, an undated lead takes its time', async () => {
    const email = `${unique('entry')}@example.com`;
    const job = await imported(
      ndjson([
        { type: 'lead', email },
        {
          type: 'transition',
          lead: { email },
          from: null,
          to: 'lead',
          at: '2016-01-01T00:00:00Z',
          actor: emails.SALES,
        },
        { type: 'transition', lead: { email }, from: 'lead', to: 'mql', at: '2016-01-02T00:00:00Z' },
      ]),
    );
    expect(job).toMatchObject({ rowsRejected: 0, leadsCreated: 1, transitionsAdded: 2 });
    const history = await t.dataSource.query(
      `SELECT s.key, t.at, t.actor_id AS actor, l.created_at AS created FROM stage_transition t JOIN lead l ON l.id = t.lead_id
         JOIN funnel_stage s ON s.id = t.to_stage_id WHERE l.email = $1 ORDER BY t.at`,
      [email],
    );
    const created = new Date('2016-01-01T00:00:00Z');
    expect(history).toEqual([
      { key: 'lead', at: created, actor: t.userIds.SALES, created },
      { key: 'mql', at: new Date('2016-01-02T00:00:00Z'), actor: t.userIds.OPS, created },
    ]);
  });

  test('a dry run reports what would happen and writes nothing but its job', async () => {
    const email = `${unique('dry')}@example.com`;
    const file = ndjson([
      { type: 'lead', email, createdAt: '2011-01-01T00:00:00Z', dealValue: 10 },
      { type: 'transition', lead: { email }, to: 'mql', at: '2011-01-02T00:00:00Z' },
      { type: 'activity', lead: { email }, activityType: 'PAGE_VIEW', occurredAt: '2011-01-02T00:00:00Z' },
      { type: 'transition', lead: { email }, to: 'nowhere', at: '2011-01-03T00:00:00Z' },
    ]);
    const without = (print: Record<string, string>): Record<string, string> =>
      Object.fromEntries(Object.entries(print).filter(([table]) => !table.startsWith('import_')));
    const before = without(await databaseFingerprint(t));
    // One row a batch: what earlier batches would have written is remembered by the dry run itself.
    const saved = config.importBatchRows;
    config.importBatchRows = 1;
    const dry = await imported(file, { query: 'dryRun=true' }).finally(() => (config.importBatchRows = saved));
    expect(without(await databaseFingerprint(t))).toEqual(before);
    expect(dry).toMatchObject({
      dryRun: true,
      leadsCreated: 1,
      transitionsAdded: 1,
      activitiesAdded: 1,
      rowsRejected: 1,
    });
    expect(dry.errors.nodes).toEqual([expect.objectContaining({ line: 4, field: 'to', code: 'NOT_FOUND' })]);
    // The same file for real does exactly what the dry run said.
    const real = await imported(file);
    const counts = (job: any) => [job.leadsCreated, job.transitionsAdded, job.activitiesAdded, job.rowsRejected];
    expect(counts(real)).toEqual(counts(dry));
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(1);
    await expect(
      gql(t, 'mutation($id: ID!) { undoImport(id: $id) { id } }', { id: dry.id }).then(
        (r) => r.errors?.[0]?.extensions.code,
      ),
    ).resolves.toBe('BAD_USER_INPUT');
  });

  test('duplicates by normalised email or externalId: skip, update or refuse', async () => {
    const existing = await givenLead(t, { company: 'Before Ltd' });
    const shouting = `  ${existing.email.toUpperCase()} `;
    const record = { type: 'lead', email: shouting, company: 'After Ltd', externalId: unique('crm') };
    const company = async (): Promise<string> =>
      (await t.dataSource.query('SELECT company FROM lead WHERE id = $1', [existing.id]))[0].company;

    const skipped = await imported(ndjson([record]), { query: 'onDuplicate=skip' });
    expect(skipped).toMatchObject({ leadsSkipped: 1, leadsCreated: 0, leadsUpdated: 0, rowsRejected: 0 });
    expect(await company()).toBe('Before Ltd');

    const refused = await imported(ndjson([record]), { query: 'onDuplicate=refuse' });
    expect(refused.errors.nodes).toEqual([expect.objectContaining({ line: 1, field: 'email', code: 'CONFLICT' })]);
    expect(await company()).toBe('Before Ltd');

    const updated = await imported(ndjson([record]), { query: 'onDuplicate=update' });
    expect(updated).toMatchObject({ leadsUpdated: 1, leadsCreated: 0 });
    expect(await company()).toBe('After Ltd');
    // Now known by its external id too: a record naming it so is a duplicate as well.
    const byExternal = await imported(ndjson([{ ...record, email: `${unique('other')}@example.com` }]), {
      query: 'onDuplicate=refuse',
    });
    expect(byExternal.errors.nodes).toEqual([expect.objectContaining({ field: 'externalId', code: 'CONFLICT' })]);
    // Undoing the update puts the old value back.
    ok(await gql(t, 'mutation($id: ID!) { undoImport(id: $id) { id } }', { id: updated.id }));
    expect(await company()).toBe('Before Ltd');
    expect(await countRows(t, 'lead', 'id = $1', [existing.id])).toBe(1);

    const bad = await postImport(ndjson([record]), { query: 'onDuplicate=merge' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'onDuplicate' });
  });

  test('CSV for leads: a header names the fields, each bad record reported with its line', async () => {
    const ann = `${unique('ann')}@example.com`;
    const bob = `${unique('bob')}@example.com`;
    const csv = [
      'email,firstName,company,companySize,country,createdAt,attributes.plan',
      `${ann},Ann,"Acme, Inc.",250,de,2012-03-01T00:00:00Z,pro`,
      `${bob},Bob,Bobco,lots,fr,2012-03-02T00:00:00Z,`,
    ].join('\n');
    const job = await imported(csv, { contentType: 'text/csv' });
    expect(job).toMatchObject({ rowsTotal: 2, leadsCreated: 1, rowsRejected: 1 });
    expect(job.errors.nodes).toEqual([
      expect.objectContaining({ line: 3, field: 'companySize', code: 'BAD_USER_INPUT' }),
    ]);
    const [lead] = await t.dataSource.query(
      'SELECT first_name, company, company_size, country, created_at, attributes FROM lead WHERE email = $1',
      [ann],
    );
    expect(lead).toEqual({
      first_name: 'Ann',
      company: 'Acme, Inc.',
      company_size: 250,
      country: 'DE',
      created_at: new Date('2012-03-01T00:00:00Z'),
      attributes: { plan: 'pro' },
    });
  });

  test('what the policy refuses the importing user is reported per row', async () => {
    const key = unique('sales_only').replace('-', '_');
    ok(
      await gql(t, 'mutation($input: CreateFunnelStageInput!) { createFunnelStage(input: $input) { id } }', {
        input: { key, name: key, definition: 'Only sales may put a lead here.', manualEntryRoles: ['SALES'] },
      }),
    );
    const email = `${unique('policy')}@example.com`;
    const job = await imported(
      ndjson([
        { type: 'lead', email, createdAt: '2013-01-01T00:00:00Z' },
        { type: 'transition', lead: { email }, to: key, at: '2013-01-02T00:00:00Z' },
        { type: 'lead', email: `${unique('policy')}@example.com`, stage: key },
      ]),
    );
    expect(job.errors.nodes).toEqual([
      expect.objectContaining({ line: 2, field: 'to', code: 'FORBIDDEN' }),
      expect.objectContaining({ line: 3, field: 'stage', code: 'FORBIDDEN' }),
    ]);
    expect(await countRows(t, 'stage_transition', 'lead_id IN (SELECT id FROM lead WHERE email = $1)', [email])).toBe(
      1,
    );
  });
});

describe('who may import', () => {
  test.each([Role.SALES, Role.MARKETING, Role.ANALYST])(
    '%s is refused with a JSON error and nothing is stored',
    async (role) => {
      const jobs = await countRows(t, 'import_job');
      const res = await postImport(ndjson([{ type: 'lead', email: `${unique('no')}@example.com` }]), { as: role });
      expect(res.status).toBe(403);
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', allowedRoles: ['ADMIN', 'OPS'] });
      expect(await countRows(t, 'import_job')).toBe(jobs);
    },
  );

  test('no token is UNAUTHENTICATED; an unknown Content-Type is refused', async () => {
    const anonymous = await postImport('{}', { as: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const xml = await postImport('<lead/>', { contentType: 'application/xml' });
    expect(xml.status).toBe(415);
  });
});

describe('a stopped import', () => {
  test('resumes at the next batch after a restart, and imports every row once', async () => {
    const saved = config.importBatchRows;
    config.importBatchRows = 3;
    try {
      const records = Array.from({ length: 5 }, (_, index) => {
        const email = `${unique(`resume${index}`)}@example.com`;
        return [
          { type: 'lead', email, createdAt: '2014-01-01T00:00:00Z' },
          { type: 'transition', lead: { email }, to: 'mql', at: '2014-01-02T00:00:00Z' },
        ];
      }).flat();
      const user = { id: t.userIds.OPS, name: 'ops', role: Role.OPS };
      const stored = await storeImport(systemContext(t.dataSource, user), Readable.from([ndjson(records)]), {
        format: ImportFormat.NDJSON,
        dryRun: false,
        onDuplicate: DuplicatePolicy.SKIP,
      });
      expect(stored).toMatchObject({ rowsTotal: 10, chunksTotal: 4 });
      // The app stops after the first batch: the job is left RUNNING with its cursor at chunk 1.
      const stop = new AbortController();
      const stopped = await runImportJob(t.dataSource, stored.id, {
        stop: stop.signal,
        afterBatch: () => stop.abort(),
      });
      expect(stopped).toMatchObject({ status: ImportJobStatus.RUNNING, chunkCursor: 1, rowsDone: 3 });
      const done = await runImportJob(t.dataSource, stored.id);
      expect(done).toMatchObject({
        status: ImportJobStatus.DONE,
        rowsDone: 10,
        leadsCreated: 5,
        transitionsAdded: 5,
        attempts: 2,
      });
      expect(await countRows(t, 'lead', 'import_id = $1', [stored.id])).toBe(5);
      expect(await countRows(t, 'stage_transition', 'import_id = $1', [stored.id])).toBe(10);
      expect(await countRows(t, 'import_chunk', 'import_id = $1', [stored.id])).toBe(0);
      // A lead whose transition came in the batch after its lead record is where the transition took it.
      const stages = await t.dataSource.query<Array<{ key: string; entered: Date }>>(
        `SELECT s.key, l.stage_entered_at AS entered FROM lead l JOIN funnel_stage s ON s.id = l.stage_id WHERE l.import_id = $1`,
        [stored.id],
      );
      expect(stages).toEqual(Array(5).fill({ key: 'mql', entered: new Date('2014-01-02T00:00:00Z') }));
    } finally {
      config.importBatchRows = saved;
    }
  });

  test('a killed server process: the next one resumes the import at the batch after the last one committed', async () => {
    const env = { IMPORT_BATCH_ROWS: '20' };
    const records = Array.from({ length: 3000 }, (_, index) => {
      const email = `killed-${index}-${unique()}@example.com`;
      return [
        { type: 'lead', email, createdAt: '2015-01-01T00:00:00Z' },
        { type: 'transition', lead: { email }, to: 'mql', at: '2015-01-02T00:00:00Z' },
      ];
    }).flat();
    const progress = async (id: string): Promise<any> => ok(await gql(t, JOB, { id })).importJob;
    const first = await startServerProcess(t.url, env);
    let id: string;
    try {
      const res = await request(first.baseUrl)
        .post('/imports')
        .set('Content-Type', 'application/x-ndjson')
        .set('Authorization', `Bearer ${t.tokens.OPS}`)
        .send(ndjson(records));
      expect(res.status).toBe(202);
      id = res.body.id as string;
      await until(
        () => progress(id),
        (job) => job.rowsDone >= 200,
        60_000,
      );
    } finally {
      first.child.kill('SIGKILL');
      await first.stop();
    }
    const killed = await progress(id);
    expect(killed.status).toBe('RUNNING');
    expect(killed.rowsDone).toBeLessThan(6000);
    const second = await startServerProcess(t.url, env);
    try {
      const done = await until(
        () => progress(id),
        (job) => job.status === 'DONE',
        120_000,
      );
      expect(done).toMatchObject({ rowsDone: 6000, rowsRejected: 0, leadsCreated: 3000, transitionsAdded: 3000 });
      expect(await countRows(t, 'lead', 'import_id = $1', [id])).toBe(3000);
      expect(await countRows(t, 'stage_transition', 'import_id = $1', [id])).toBe(6000);
    } finally {
      await second.stop();
    }
  }, 300_000);
});
