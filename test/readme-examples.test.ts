import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { DEMO_SLAS } from '../src/demo/demo-agreements';
import { seedDemoCompany } from '../src/demo/demo-company';
import { MAX_DEAL_SEATS } from '../src/demo/demo-story';
import { Role } from '../src/entities/enums';
import { gql, ok, startTestApp, type TestApp } from './helpers';

/**
 * The demo company holds together, and every GraphQL example in the README runs verbatim against
 * it, in the order a reader meets them. Variables are filled the way the README says: ids of
 * demo things looked up by name, and ids that an earlier example returned.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedDemoCompany(t.dataSource, { onlyIfEmpty: true });
}, 120_000);
afterAll(() => t.close());

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

interface Example {
  /** Where it is: the README line of the block and the operation's name or first field. */
  label: string;
  document: string;
  operation: OperationDefinitionNode;
  role: Role;
}

/** Every operation of every ```graphql block, with the role its block says (`# as SALES`), ADMIN otherwise. */
function examples(): Example[] {
  const found: Example[] = [];
  const block = /```graphql\n([\s\S]*?)```/g;
  for (let match = block.exec(README); match; match = block.exec(README)) {
    const source = match[1]!;
    const line = README.slice(0, match.index).split('\n').length;
    const document: DocumentNode = parse(source);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      // The comment lines right above an operation may say who runs it: `# as SALES`.
      const above = source.slice(0, definition.loc!.start).split('\n').slice(0, -1);
      const comments: string[] = [];
      while (above.length > 0 && above[above.length - 1]!.trimStart().startsWith('#')) comments.unshift(above.pop()!);
      const role = /#.*\bas (ADMIN|OPS|MARKETING|SALES|ANALYST)\b/.exec(comments.join('\n'))?.[1] as Role | undefined;
      const first = definition.selectionSet.selections[0];
      const name = definition.name?.value ?? (first?.kind === Kind.FIELD ? first.name.value : '?');
      found.push({
        label: `README.md:${line} ${name} as ${role ?? Role.ADMIN}`,
        document: print(definition),
        operation: definition,
        role: role ?? Role.ADMIN,
      });
    }
  }
  return found;
}

/** Ids by the variable names the README uses. */
const known = new Map<string, unknown>();

async function idByName(table: string, name: string): Promise<string> {
  const rows: Array<{ id: string }> = await t.dataSource.query(`SELECT id FROM "${table}" WHERE name = $1`, [name]);
  if (!rows[0]) throw new Error(`no ${table} named ${name}`);
  return rows[0].id;
}

async function variableValue(name: string): Promise<unknown> {
  if (known.has(name)) return known.get(name);
  switch (name) {
    case 'sla':
      return idByName('sla', DEMO_SLAS.response);
    case 'goal':
      return idByName('sla', DEMO_SLAS.goal);
    case 'persona':
      return idByName('persona', 'Ops Olivia – Head of Operations');
    case 'campaign':
      return idByName('campaign', 'Webinar: Killing the Spreadsheet Handoff');
    case 'lead': {
      const rows: Array<{ id: string }> = await t.dataSource.query(`SELECT id FROM lead WHERE email = 'ann@acme.com'`);
      return rows[0]?.id;
    }
    case 'review': {
      const rows: Array<{ id: string }> = await t.dataSource.query(
        'SELECT id FROM review ORDER BY period_start DESC LIMIT 1',
      );
      return rows[0]?.id;
    }
    default:
      throw new Error(
        `the README uses $${name}, which this test does not know how to fill: add it here and say in the README what it is`,
      );
  }
}

/** Remembers ids the README's later examples refer to by these names. */
function remember(data: Record<string, any>): void {
  if (data.createRuleSet?.id) known.set('ruleSet', data.createRuleSet.id);
  if (data.saveRuleSetDraft?.version?.id) known.set('version', data.saveRuleSetDraft.version.id);
  if (data.publishRuleSetVersion?.rescoreJob?.id) known.set('job', data.publishRuleSetVersion.rescoreJob.id);
  if (data.createLead?.id) known.set('lead', data.createLead.id);
  if (data.createReview?.id) known.set('review', data.createReview.id);
}

/** True when a report answered with something: a positive number somewhere in it. */
function hasNumbers(value: unknown): boolean {
  if (typeof value === 'number') return value > 0;
  if (Array.isArray(value)) return value.some(hasNumbers);
  if (value && typeof value === 'object') return Object.values(value).some(hasNumbers);
  return false;
}

const METRICS = new Set(['funnelReport', 'slaReport', 'goalProgress', 'campaignPerformance', 'leadQuality']);

describe('the demo company', () => {
  test('has the SLAs a company would agree on, a monthly MQL goal, and an open and a signed review', async () => {
    const data = ok(
      await gql(
        t,
        '{ slas { name kind stage { key } withinHours attempts withinDays target period } reviews(first: 5) { nodes { period signed acknowledgements { role } comments { body } } } }',
        {},
        { as: Role.ANALYST },
      ),
    );
    const slas = Object.fromEntries(data.slas.map((sla: any) => [sla.name, sla]));
    expect(slas[DEMO_SLAS.response]).toMatchObject({ kind: 'RESPONSE_TIME', stage: { key: 'mql' }, withinHours: 24 });
    expect(slas[DEMO_SLAS.followUp]).toMatchObject({ kind: 'FOLLOW_UP', attempts: 3, withinDays: 7 });
    expect(slas[DEMO_SLAS.goal]).toMatchObject({ kind: 'LEAD_VOLUME', stage: { key: 'mql' }, period: 'MONTH' });
    expect(slas[DEMO_SLAS.goal].target).toBeGreaterThanOrEqual(10);
    const reviews = data.reviews.nodes;
    expect(reviews).toHaveLength(2);
    expect(reviews.map((r: any) => r.signed)).toEqual([false, true]);
    expect(reviews[1].acknowledgements.map((a: any) => a.role).sort()).toEqual(['MARKETING', 'SALES']);
    expect(reviews[0].comments.length).toBeGreaterThan(0);
  });

  test('its SLAs have met and breached cases and its goal has MQLs this month', async () => {
    const ids = { sla: await variableValue('sla'), goal: await variableValue('goal') };
    const from = new Date(Date.now() - 90 * 86_400_000).toISOString();
    const data = ok(
      await gql(
        t,
        `query($sla: ID!, $goal: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
          slaReport(slaId: $sla, from: $from, to: $to) { total { cases met breached } byOwner { owner { name } } }
          goalProgress(slaId: $goal) { actual target }
        }`,
        { ...ids, from, to: new Date().toISOString() },
        { as: Role.ANALYST },
      ),
    );
    expect(data.slaReport.total.met).toBeGreaterThan(0);
    expect(data.slaReport.total.breached).toBeGreaterThan(0);
    expect(data.slaReport.byOwner.length).toBeGreaterThan(1);
    expect(data.goalProgress.actual).toBeGreaterThan(0);
  });

  test('webinar attendance is spread over the sessions of each webinar, and deals stay believable', async () => {
    const [webinars]: Array<{ days: number }> = await t.dataSource.query(
      `SELECT count(DISTINCT date_trunc('day', occurred_at))::int AS days FROM activity WHERE type = 'WEBINAR_ATTENDED'`,
    );
    expect(webinars!.days).toBeGreaterThanOrEqual(4);
    const [deals]: Array<{ max: string }> = await t.dataSource.query('SELECT max(deal_value) AS max FROM lead');
    expect(Number(deals!.max)).toBeGreaterThan(0);
    expect(Number(deals!.max)).toBeLessThanOrEqual(MAX_DEAL_SEATS * 720);
  });

  test('seeding again adds nothing', async () => {
    const again = await seedDemoCompany(t.dataSource, { onlyIfEmpty: true });
    expect(again).toMatchObject({ seeded: null, rules: { published: false }, agreements: { slas: [], reviews: [] } });
  });
});

describe('every GraphQL example in the README runs verbatim against the demo', () => {
  const all = examples();

  test('the README has examples to run', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  // In order: later examples use what earlier ones created.
  test.each(all.map((example) => [example.label, example] as const))('%s', async (_label, example) => {
    const variables: Record<string, unknown> = {};
    for (const definition of example.operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      variables[name] = await variableValue(name);
    }
    const data = ok(await gql(t, example.document, variables, { as: example.role }));
    remember(data);
    for (const [field, value] of Object.entries(data as Record<string, unknown>)) {
      expect([field, value]).not.toEqual([field, null]);
      if (METRICS.has(field)) expect([field, hasNumbers(value)]).toEqual([field, true]);
    }
  });
});
