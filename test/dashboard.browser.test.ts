/// <reference lib="dom" />
// (The callbacks given to page.evaluate run in the browser.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Role } from '../src/entities/enums';
import express from 'express';
import request from 'supertest';
import { WEB_DIR, dashboardRouter } from '../src/dashboard';
import { runRescoreJob } from '../src/services/rescore.service';
import { formatInstant, formatNumber, headlineKind, type NumberKind } from '../src/web/format';
import { monthOf, quarterOf } from '../src/web/periods';
import {
  SCORE_RULE,
  givenCampaign,
  givenLead,
  givenPersona,
  givenRuleSetDraft,
  gql,
  ok,
  startTestApp,
  type TestApp,
} from './helpers';

/**
 * The dashboard in Debian's headless Chromium against the app on a fresh database: sign in, open
 * every page, compare each number shown with the API's own answer (formatted by the page's one
 * formatter), refuse every request to another host, and run a query in the offline explorer.
 * Screenshots go to test-results/screenshots/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '..', 'test-results', 'screenshots');
const WEB_SOURCES = path.resolve(__dirname, '..', 'src', 'web');

let t: TestApp;
let server: http.Server;
let origin: string;
let context: BrowserContext;
let page: Page;
let profile: string;
const foreignRequests: string[] = [];
const browserErrors: string[] = [];
const seeded: {
  campaigns: Record<string, string>;
  emails: string[];
  slas: Record<string, string>;
  reviews: Record<'current' | 'previous', { id: string; period: string }>;
} = {
  campaigns: {},
  emails: [],
  slas: {},
  reviews: {} as Record<'current' | 'previous', { id: string; period: string }>,
};

function newestSource(dir: string): number {
  return Math.max(
    ...fs.readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs;
    }),
  );
}

/** A clean clone has no build: make one, as `npm run build` would; rebuild when sources are newer. */
function ensureBuilt(): void {
  const index = path.join(WEB_DIR, 'index.html');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestSource(WEB_SOURCES)) return;
  const root = path.resolve(__dirname, '..');
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'src/web/vite.config.mts'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}

const as = Role.ANALYST;

async function seed(): Promise<void> {
  // Rules first, so the leads below are scored and qualified as they arrive.
  const scoring = await givenRuleSetDraft(t, {
    rules: [
      SCORE_RULE('Big company', 30, { all: [{ fact: 'company_size', operator: 'greaterThanInclusive', value: 500 }] }),
    ],
  });
  const qualifying = await givenRuleSetDraft(t, {
    kind: 'QUALIFICATION',
    rules: [
      {
        name: 'Fit enough',
        conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 30 }] },
        event: { type: 'qualify', params: { stage: 'mql', rank: 1 } },
      },
    ],
  });
  const publish = 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { rescoreJob { id } } }';
  for (const versionId of [scoring.versionId, qualifying.versionId]) {
    const published = ok(await gql(t, publish, { id: versionId })).publishRuleSetVersion;
    await runRescoreJob(t.dataSource, published.rescoreJob.id);
  }
  const persona = await givenPersona(t, { name: 'Ops Olivia' });
  seeded.campaigns.webinar = (await givenCampaign(t, { name: 'Spring webinar', channel: 'WEBINAR', budget: 1200 })).id;
  seeded.campaigns.search = (await givenCampaign(t, { name: 'Search ads', channel: 'PAID_SEARCH', budget: 900 })).id;
  for (const name of ['volume', 'response', 'followUp']) {
    const input = {
      volume: { kind: 'LEAD_VOLUME', target: 6, period: 'MONTH' },
      response: { kind: 'RESPONSE_TIME', withinHours: 4 },
      followUp: { kind: 'FOLLOW_UP', attempts: 2, withinDays: 3 },
    }[name]!;
    const created = ok(
      await gql(t, 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', {
        input: { name: `${name} SLA`, stage: 'mql', ...input },
      }),
    ).createSla;
    seeded.slas[name] = created.id;
  }
  const cast: Array<[string, number]> = [
    ['webinar', 800],
    ['webinar', 1200],
    ['webinar', 40],
    ['search', 600],
    ['search', 20],
  ];
  for (const [index, [campaign, companySize]] of cast.entries()) {
    const lead = await givenLead(t, {
      email: `buyer${index}@example.com`,
      company: `Company ${index}`,
      companySize,
      campaignId: seeded.campaigns[campaign],
      personaId: persona.id,
      ownerId: t.userIds.SALES,
    });
    seeded.emails.push(lead.email);
    if (lead.stage.key !== 'mql') continue;
    if (index === 0) {
      ok(
        await gql(
          t,
          'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }',
          { input: { leadId: lead.id, type: 'CALL' } },
          { as: Role.SALES },
        ),
      );
    }
    const verdict =
      index === 0
        ? { disposition: 'ACCEPTED' }
        : index === 3
          ? { disposition: 'REJECTED', rejectionReason: 'NO_BUDGET' }
          : null;
    if (verdict) {
      ok(
        await gql(
          t,
          'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }',
          { input: { leadId: lead.id, kind: 'LEAD_QUALITY', ...verdict } },
          { as: Role.SALES },
        ),
      );
    }
  }
  const won = await givenLead(t, { email: 'won@example.com', campaignId: seeded.campaigns.search, companySize: 10 });
  ok(
    await gql(t, 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id } }', {
      input: { id: won.id, dealValue: 25000 },
    }),
  );
  ok(await gql(t, 'mutation($id: ID!) { moveLeadToStage(leadId: $id, stage: "customer") { id } }', { id: won.id }));

  // This month's review and last month's, opened by OPS; MARKETING has commented and signed this one.
  const now = new Date();
  const periods = {
    previous: monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))).label,
    current: monthOf(now).label,
  };
  for (const which of ['previous', 'current'] as const) {
    const created = ok(
      await gql(
        t,
        'mutation($period: String!) { createReview(period: $period) { id period } }',
        { period: periods[which] },
        { as: Role.OPS },
      ),
    ).createReview;
    seeded.reviews[which] = created;
  }
  const reviewId = seeded.reviews.current.id;
  ok(
    await gql(
      t,
      'mutation($id: ID!) { commentOnReview(reviewId: $id, body: "Webinar leads look strong.") { id } }',
      { id: reviewId },
      { as: Role.MARKETING },
    ),
  );
  ok(
    await gql(
      t,
      'mutation($id: ID!) { acknowledgeReview(reviewId: $id, note: "Two webinars next month.") { signed } }',
      { id: reviewId },
      { as: Role.MARKETING },
    ),
  );
}

// A browser and a shared machine: each step gets more room than jest's default.
jest.setTimeout(60_000);

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  }
  ensureBuilt();
  t = await startTestApp({ rateLimits: { mutationsPerMinute: 0, metricsPerMinute: 0 } });
  await seed();
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'smarketing-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Every request must stay on this server: anything else is recorded (and fails the run).
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    foreignRequests.push(url);
    return route.abort('blockedbyclient');
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => browserErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(message.text());
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  if (server) await new Promise((resolve) => server.close(resolve));
  await t?.close();
});

afterEach(() => {
  expect(foreignRequests).toEqual([]);
  expect(browserErrors).toEqual([]);
});

/** Opens a page of the dashboard and waits until every query on it has answered. */
async function open(route: string): Promise<void> {
  await page.goto(`${origin}/#/${route}`);
  await settle();
}

async function settle(): Promise<void> {
  await page.waitForFunction(() => document.querySelector('main.page') && !document.querySelector('[data-loading]'));
  const failure = await page.locator('.error[role=alert]').allTextContents();
  expect(failure).toEqual([]);
}

async function shown(id: string): Promise<string> {
  const locator = page.locator(`[data-num="${id}"]`);
  expect(await locator.count()).toBe(1);
  return (await locator.textContent())!;
}

async function expectShown(id: string, value: number | null, kind: NumberKind): Promise<void> {
  expect([id, await shown(id)]).toEqual([id, formatNumber(value, kind)]);
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Every "Type.field" a number on the current page links to. */
async function definitionsLinked(): Promise<string[]> {
  return page.locator('a.num').evaluateAll((links) => links.map((link) => link.getAttribute('data-def')!));
}
const linked = new Set<string>();

describe('the dashboard in a real browser', () => {
  test('signs in with a token kept in sessionStorage; a bad token is refused', async () => {
    await page.goto(`${origin}/`);
    expect(await page.evaluate(() => sessionStorage.getItem('smarketing.token'))).toBeNull();
    await page.fill('#token', 'not-a-token');
    await page.click('button[type=submit]');
    await page.locator('.sign-in .error').waitFor();
    expect(await page.locator('.sign-in .error').textContent()).toMatch(/unknown, revoked or expired/);
    expect(await page.evaluate(() => sessionStorage.getItem('smarketing.token'))).toBeNull();
    // The browser logs the refused calls; those 401s are the point here.
    expect(browserErrors.length).toBeGreaterThan(0);
    expect(browserErrors.filter((text) => !text.includes('status of 401'))).toEqual([]);
    browserErrors.length = 0;

    await page.fill('#token', t.tokens[as]);
    await page.click('button[type=submit]');
    await settle();
    expect(await page.evaluate(() => sessionStorage.getItem('smarketing.token'))).toBe(t.tokens[as]);
    expect(await page.locator('.who').textContent()).toContain('ANALYST');
    // The audit log is ADMIN's to read: no link, and its address shows the overview instead.
    expect(await page.locator('nav a', { hasText: 'Audit' }).count()).toBe(0);
    await open('audit');
    expect(await page.locator('main.page').getAttribute('data-page')).toBe('overview');
  });

  test('overview: this month and quarter, goal pacing and SLA compliance equal the API', async () => {
    const started = Date.now();
    await page.goto(`${origin}/#/overview`);
    await page.reload();
    await settle();
    const loadedMs = Date.now() - started;
    const paint = await page.evaluate(() =>
      performance.getEntriesByType('paint').map((entry) => [entry.name, Math.round(entry.startTime)]),
    );
    fs.writeFileSync(
      path.join(SCREENSHOTS, '..', 'overview-timing.json'),
      JSON.stringify({ paint: Object.fromEntries(paint), numbersShownMs: loadedMs }, null, 2),
    );
    const month = monthOf(new Date());
    const quarter = quarterOf(new Date());
    const api = ok(
      await gql(
        t,
        `query($month: LeadCohortFilter!, $quarter: LeadCohortFilter!) {
          month: funnelReport(filter: $month, stages: ["mql"]) { leads wonRevenue stages { reached } }
          quarter: funnelReport(filter: $quarter, stages: ["mql"]) { leads wonRevenue stages { reached } }
          monthQuality: leadQuality(filter: $month) { total { acceptanceRate } }
          quarterQuality: leadQuality(filter: $quarter) { total { acceptanceRate } }
          goalProgress(slaId: "${seeded.slas.volume}") { actual target expectedToDate projected }
        }`,
        {
          month: { createdFrom: month.createdFrom, createdTo: month.createdTo },
          quarter: { createdFrom: quarter.createdFrom, createdTo: quarter.createdTo },
        },
        { as },
      ),
    );
    for (const name of ['month', 'quarter'] as const) {
      await expectShown(`${name}.leads`, api[name].leads, 'count');
      await expectShown(`${name}.mqls`, api[name].stages[0].reached, 'count');
      await expectShown(`${name}.wonRevenue`, api[name].wonRevenue, 'money');
      await expectShown(`${name}.acceptanceRate`, api[`${name}Quality`].total.acceptanceRate, 'rate');
    }
    expect(api.month.leads).toBe(6);
    expect(api.month.wonRevenue).toBe(25000);
    await expectShown('goal:volume SLA.actual', api.goalProgress.actual, 'count');
    await expectShown('goal:volume SLA.target', 6, 'count');
    // expectedToDate and projected move with the clock: the page's figure is the API's a moment earlier.
    const expected = Number((await shown('goal:volume SLA.expectedToDate')).replace(/,/g, ''));
    expect(expected).toBeCloseTo(api.goalProgress.expectedToDate, 1);
    expect(await page.locator('.goal .chart canvas').count()).toBe(1);
    for (const name of ['volume', 'response', 'followUp']) {
      const report = ok(
        await gql(
          t,
          'query($id: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { slaReport(slaId: $id, from: $from, to: $to) { total { compliance met breached pending } } }',
          { id: seeded.slas[name], from: month.createdFrom, to: month.createdTo },
          { as },
        ),
      ).slaReport.total;
      await expectShown(`compliance:${name} SLA.month`, report.compliance, 'rate');
      await expectShown(`compliance:${name} SLA.month.met`, report.met, 'count');
      await expectShown(`compliance:${name} SLA.month.pending`, report.pending, 'count');
    }
    (await definitionsLinked()).forEach((def) => linked.add(def));
    await screenshot('overview');
  });

  test('funnel: every stage of the cohort, then a campaign picked in the cohort picker', async () => {
    await open('funnel');
    const FUNNEL = `query($filter: LeadCohortFilter) { funnelReport(filter: $filter) {
      leads stages { stage { key } reached current conversionToNext medianHoursToNext p90HoursToNext } } }`;
    const all = ok(await gql(t, FUNNEL, {}, { as })).funnelReport;
    await expectShown('funnel.leads', all.leads, 'count');
    for (const row of all.stages) {
      const key = `funnel:${row.stage.key}`;
      await expectShown(`${key}.reached`, row.reached, 'count');
      await expectShown(`${key}.current`, row.current, 'count');
      await expectShown(`${key}.conversionToNext`, row.conversionToNext, 'rate');
      await expectShown(`${key}.medianHoursToNext`, row.medianHoursToNext, 'hours');
      await expectShown(`${key}.p90HoursToNext`, row.p90HoursToNext, 'hours');
    }
    (await definitionsLinked()).forEach((def) => linked.add(def));
    await screenshot('funnel');

    await page.selectOption('select[name=campaignId]', { label: 'Spring webinar' });
    await page.click('form[aria-label=Cohort] button[type=submit]');
    await page.waitForFunction(
      (expected) => document.querySelector('[data-num="funnel.leads"]')?.textContent === expected,
      formatNumber(3, 'count'),
    );
    await settle();
    const webinar = ok(await gql(t, FUNNEL, { filter: { campaignId: seeded.campaigns.webinar } }, { as })).funnelReport;
    expect(webinar.leads).toBe(3);
    for (const row of webinar.stages) await expectShown(`funnel:${row.stage.key}.reached`, row.reached, 'count');
  });

  test('SLAs: compliance per SLA and owner, the worklist of open cases, and a lead from it', async () => {
    await open('slas');
    const month = monthOf(new Date());
    for (const name of ['response', 'followUp']) {
      const report = ok(
        await gql(
          t,
          `query($id: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { slaReport(slaId: $id, from: $from, to: $to) {
            total { cases met breached pending compliance } byOwner { owner { name } cases met compliance } } }`,
          { id: seeded.slas[name], from: month.createdFrom, to: month.createdTo },
          { as },
        ),
      ).slaReport;
      for (const field of ['cases', 'met', 'breached', 'pending'] as const) {
        await expectShown(`sla:${name} SLA.total.${field}`, report.total[field], 'count');
      }
      await expectShown(`sla:${name} SLA.total.compliance`, report.total.compliance, 'rate');
      for (const owner of report.byOwner) {
        await expectShown(`sla:${name} SLA.owner:${owner.owner?.name ?? 'unassigned'}.cases`, owner.cases, 'count');
      }
    }
    // The worklist, with on-track cases included: the same leads, due soonest first, as the API's.
    const worklist = page.locator('[data-worklist="followUp SLA"]');
    await worklist.locator('input[type=checkbox]').check();
    await settle();
    const openCases = ok(
      await gql(
        t,
        'query($id: ID!) { openSlaCases(slaId: $id, atRiskOnly: false, first: 50) { nodes { lead { email name } dueAt } } }',
        { id: seeded.slas.followUp },
        { as },
      ),
    ).openSlaCases.nodes;
    expect(openCases.length).toBeGreaterThan(0);
    expect(await worklist.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(
      openCases.map((row: any) => row.lead.name || row.lead.email),
    );
    await screenshot('slas');
    await worklist.locator('tbody tr a').first().click();
    // The link navigates: wait for the lead's page, or settle() may see the SLA page still there.
    await page.waitForSelector('main.page[data-page="lead"]');
    await settle();
    expect(await page.locator('main.page').getAttribute('data-page')).toBe('lead');
    expect(await page.locator('[data-lead]').count()).toBe(1);
  });

  test('campaigns: first touch and linear side by side, each figure as the API has it', async () => {
    await open('campaigns');
    const rows = ok(
      await gql(
        t,
        `{ campaignPerformance { campaign { name } cost
           firstTouch { leads mqls customers wonRevenue costPerLead costPerMql roi acceptanceRate }
           linear { leads mqls customers wonRevenue costPerLead costPerMql roi acceptanceRate } } }`,
        {},
        { as },
      ),
    ).campaignPerformance;
    expect(rows.map((row: any) => row.campaign.name).sort()).toEqual(['Search ads', 'Spring webinar']);
    for (const row of rows) {
      const key = `campaign:${row.campaign.name}`;
      await expectShown(`${key}.cost`, row.cost, 'money');
      for (const model of ['firstTouch', 'linear'] as const) {
        const count = model === 'linear' ? 'decimal' : 'count';
        await expectShown(`${key}.${model}.leads`, row[model].leads, count);
        await expectShown(`${key}.${model}.mqls`, row[model].mqls, count);
        await expectShown(`${key}.${model}.wonRevenue`, row[model].wonRevenue, 'money');
        await expectShown(`${key}.${model}.costPerLead`, row[model].costPerLead, 'decimal');
        await expectShown(`${key}.${model}.costPerMql`, row[model].costPerMql, 'decimal');
        await expectShown(`${key}.${model}.roi`, row[model].roi, 'rate');
        await expectShown(`${key}.${model}.acceptanceRate`, row[model].acceptanceRate, 'rate');
      }
    }
    // Three leads and one verdict are far too few to lean on: the page says so.
    expect(await page.locator('[data-campaign="Spring webinar"] .small-sample').count()).toBeGreaterThan(0);
    (await definitionsLinked()).forEach((def) => linked.add(def));
    await screenshot('campaigns');
  });

  test('lead quality: by campaign, persona, rule-set version (by name and number) and scoring rule', async () => {
    await open('quality');
    const report = ok(
      await gql(
        t,
        `{ leadQuality {
          total { leads handedOver acceptanceRate }
          byCampaign { campaign { name } leads acceptanceRate }
          byPersona { persona { name } leads }
          byRuleSetVersion { ruleSetVersionId leads handedOver }
          byScoringRule { rule leads }
        } }`,
        {},
        { as },
      ),
    ).leadQuality;
    await expectShown('quality:all.leads', report.total.leads, 'count');
    await expectShown('quality:all.handedOver', report.total.handedOver, 'count');
    await expectShown('quality:all.acceptanceRate', report.total.acceptanceRate, 'rate');
    for (const group of report.byCampaign) {
      const name = group.campaign?.name ?? 'no campaign';
      await expectShown(`quality.campaign:${name}.leads`, group.leads, 'count');
      await expectShown(`quality.campaign:${name}.acceptanceRate`, group.acceptanceRate, 'rate');
    }
    await expectShown('quality.persona:Ops Olivia.leads', report.byPersona[0].leads, 'count');
    const versionRows = await page
      .locator('[data-group]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-group')!));
    const versionNamed = versionRows.filter((name) => / v\d+$/.test(name));
    // Leads handed over by hand (no rule version) are a group of their own, named as such.
    expect(versionNamed.length).toBe(
      report.byRuleSetVersion.filter((g: any) => g.handedOver > 0 && g.ruleSetVersionId !== null).length,
    );
    if (report.byRuleSetVersion.some((g: any) => g.ruleSetVersionId === null)) {
      expect(versionRows).toContain('moved by hand or imported');
    }
    expect(await page.locator('main.page').textContent()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}/);
    expect(report.byScoringRule.map((row: any) => row.rule)).toContain('Big company');
    expect(await page.locator('[data-rule="Big company"]').count()).toBeGreaterThan(0);
    (await definitionsLinked()).forEach((def) => linked.add(def));
    await screenshot('quality');
  });

  test('rules: rule sets, versions with their diffs, and re-score progress', async () => {
    await open('rules');
    const api = ok(
      await gql(
        t,
        '{ ruleSets { name versions { number } } rescoreJobs(first: 10) { id done total changed } }',
        {},
        { as },
      ),
    );
    for (const set of api.ruleSets) {
      expect(await page.locator(`[data-rule-set="${set.name}"] tbody tr`).count()).toBe(set.versions.length);
    }
    expect(api.rescoreJobs.length).toBe(2);
    for (const job of api.rescoreJobs) {
      await expectShown(`job:${job.id}.done`, job.done, 'count');
      await expectShown(`job:${job.id}.total`, job.total, 'count');
      await expectShown(`job:${job.id}.changed`, job.changed, 'count');
    }
    await screenshot('rules');
  });

  test('lead: found by the search box, with stage history, activities, score explanation and SLA status', async () => {
    await open('lead');
    await page.fill('input[name=search]', seeded.emails[0]!);
    await page.click('form[role=search] button');
    await settle();
    await page.locator('form[role=search] ~ table a').first().click();
    await page.waitForSelector('[data-lead]');
    await settle();
    const id = (await page.locator('[data-lead]').getAttribute('data-lead'))!;
    const lead = ok(
      await gql(
        t,
        'query($id: ID!) { lead(id: $id) { email score fitScore engagementScore stageHistory { id } activities { id } slaStatus { status } } }',
        { id },
        { as },
      ),
    ).lead;
    expect(lead.email).toBe(seeded.emails[0]);
    await expectShown('lead.score', lead.score, 'count');
    await expectShown('lead.fitScore', lead.fitScore, 'count');
    await expectShown('lead.engagementScore', lead.engagementScore, 'count');
    expect(await page.locator('text=Big company').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-sla]').count()).toBe(lead.slaStatus.length);
    (await definitionsLinked()).forEach((def) => linked.add(def));
    await screenshot('lead');
  });

  test('review: the list, the agenda equal to the API, and SALES signs through the page', async () => {
    await page.evaluate((token) => sessionStorage.setItem('smarketing.token', token), t.tokens.SALES);
    await page.goto(`${origin}/#/review`);
    await page.reload();
    await settle();
    const api = ok(
      await gql(
        t,
        `query($id: ID!) {
          reviews(first: 24) { nodes { period signed } }
          review(id: $id) {
            period signed
            comparison { key current previous change }
            snapshot {
              headlines { key value }
              goals { slaName target actual expectedToDate projected }
              slas { slaName cases met breached pending compliance byOwner { ownerName cases met breached pending compliance } }
              campaigns { name leads mqls wonRevenue }
              rejectionReasons { reason count share }
              funnel { key reached }
              ruleChanges { ruleSetName versionNumber }
            }
          }
        }`,
        { id: seeded.reviews.current.id },
        { as: Role.SALES },
      ),
    );
    // The list, newest period first; without an id the newest review is the one shown.
    expect(api.reviews.nodes.map((row: any) => row.period)).toEqual([
      seeded.reviews.current.period,
      seeded.reviews.previous.period,
    ]);
    expect(
      await page
        .locator('[data-review-row]')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-review-row'))),
    ).toEqual(api.reviews.nodes.map((row: any) => row.period));
    expect(await page.locator('[data-review]').getAttribute('data-period')).toBe(seeded.reviews.current.period);
    const { review } = api;
    expect(review.snapshot.headlines.find((row: any) => row.key === 'leads').value).toBe(6);
    for (const headline of review.snapshot.headlines) {
      await expectShown(`review.headline:${headline.key}`, headline.value, headlineKind(headline.key));
    }
    // Compared with last month's review: current, previous and change, as the API puts them.
    expect(await page.locator('[data-comparison] th').nth(2).textContent()).toBe(seeded.reviews.previous.period);
    expect(review.comparison.length).toBe(review.snapshot.headlines.length);
    for (const row of review.comparison) {
      for (const field of ['current', 'previous', 'change'] as const) {
        await expectShown(`review.comparison:${row.key}.${field}`, row[field], headlineKind(row.key));
      }
    }
    expect(review.snapshot.goals.map((goal: any) => goal.slaName)).toEqual(['volume SLA']);
    for (const goal of review.snapshot.goals) {
      const id = `review.goal:${goal.slaName}`;
      await expectShown(`${id}.target`, goal.target, 'count');
      await expectShown(`${id}.actual`, goal.actual, 'count');
      await expectShown(`${id}.expectedToDate`, goal.expectedToDate, 'decimal');
      await expectShown(`${id}.projected`, goal.projected, 'decimal');
    }
    const response = review.snapshot.slas.find((sla: any) => sla.slaName === 'response SLA');
    expect(response.byOwner.length).toBeGreaterThan(0);
    for (const field of ['cases', 'met', 'breached', 'pending'] as const) {
      await expectShown(`review.sla:response SLA.total.${field}`, response[field], 'count');
    }
    const owner = response.byOwner[0];
    for (const field of ['cases', 'met', 'breached', 'pending'] as const) {
      await expectShown(`review.sla:response SLA.owner:${owner.ownerName}.${field}`, owner[field], 'count');
    }
    await expectShown(`review.sla:response SLA.owner:${owner.ownerName}.compliance`, owner.compliance, 'rate');
    expect(review.snapshot.rejectionReasons.map((row: any) => row.reason)).toEqual(['NO_BUDGET']);
    await expectShown('review.reason:NO_BUDGET.count', review.snapshot.rejectionReasons[0].count, 'count');
    await expectShown('review.reason:NO_BUDGET.share', review.snapshot.rejectionReasons[0].share, 'rate');
    for (const row of review.snapshot.campaigns) {
      await expectShown(`review.campaign:${row.name}.leads`, row.leads, 'count');
      await expectShown(`review.campaign:${row.name}.wonRevenue`, row.wonRevenue, 'money');
    }
    for (const stage of review.snapshot.funnel) {
      await expectShown(`review.funnel:${stage.key}.reached`, stage.reached, 'count');
    }
    // The two rule sets the seed published this month are the period's rule changes.
    expect(review.snapshot.ruleChanges.length).toBe(2);
    expect(
      await page
        .locator('[data-rule-change]')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-rule-change'))),
    ).toEqual(review.snapshot.ruleChanges.map((row: any) => row.ruleSetName));
    expect(await page.locator('[data-comments] li').allTextContents()).toEqual([
      expect.stringContaining('Webinar leads look strong.'),
    ]);
    (await definitionsLinked()).forEach((def) => linked.add(def));

    // MARKETING has signed; SALES has not: the page offers SALES the button, and signing closes the review.
    expect(review.signed).toBe(false);
    expect(await page.locator('[data-review-state]').getAttribute('data-review-state')).toBe('open');
    expect(
      await page
        .locator('[data-signature]')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-signature'))),
    ).toEqual(['MARKETING']);
    await page.fill('#sign-note', 'Every MQL called within 4 hours.');
    await page.click('button:has-text("Sign for my team")');
    await page.locator('[data-signature=SALES]').waitFor();
    await settle();
    const after = ok(
      await gql(
        t,
        'query($id: ID!) { me { name } review(id: $id) { signed signedAt acknowledgements { role note at user { name } } } }',
        { id: seeded.reviews.current.id },
        { as: Role.SALES },
      ),
    );
    expect(after.review.signed).toBe(true);
    const sales = after.review.acknowledgements.find((row: any) => row.role === 'SALES');
    expect(sales).toMatchObject({ note: 'Every MQL called within 4 hours.', user: { name: after.me.name } });
    const salesRow = page.locator('[data-signature=SALES] td');
    expect(await salesRow.allTextContents()).toEqual([
      after.me.name,
      'SALES',
      'Every MQL called within 4 hours.',
      formatInstant(sales.at),
    ]);
    expect(await page.locator('[data-review-state]').getAttribute('data-review-state')).toBe('signed');
    expect(await page.locator('[data-review-state] time').textContent()).toBe(formatInstant(after.review.signedAt));
    expect(await page.locator(`[data-review-row="${seeded.reviews.current.period}"]`).textContent()).toContain(
      'signed',
    );
    // Each user signs once: the button is gone.
    expect(await page.locator('button:has-text("Sign for my team")').count()).toBe(0);
    await screenshot('review');
  });

  test('review: ANALYST sees no form; OPS comments and opens a period (a future one refused); MARKETING signs once', async () => {
    await page.evaluate((token) => sessionStorage.setItem('smarketing.token', token), t.tokens[as]);
    await page.goto(`${origin}/#/review/${seeded.reviews.previous.id}`);
    await page.reload();
    await settle();
    expect(await page.locator('[data-review]').getAttribute('data-period')).toBe(seeded.reviews.previous.period);
    expect(await page.locator('main.page form').count()).toBe(0);
    expect(await page.locator('main.page button').count()).toBe(0);
    expect(await page.locator('main.page').textContent()).not.toMatch(/Sign for my team|Open the review|Add comment/);

    await page.evaluate((token) => sessionStorage.setItem('smarketing.token', token), t.tokens.OPS);
    await page.reload();
    await settle();
    const forms = await page
      .locator('main.page form')
      .evaluateAll((found) => found.map((form) => form.getAttribute('aria-label')));
    expect(forms.sort()).toEqual(['Comment', 'Open a review']);
    // OPS comments through the page; the comment appears, and the API has it.
    await page.fill('#comment-body', 'Weekend rota agreed.');
    await page.click('button:has-text("Add comment")');
    await page.locator('[data-comments] li', { hasText: 'Weekend rota agreed.' }).waitFor();
    await settle();
    const comments = ok(
      await gql(
        t,
        'query($id: ID!) { review(id: $id) { comments { body } } }',
        { id: seeded.reviews.previous.id },
        { as },
      ),
    ).review.comments;
    expect(comments.map((row: any) => row.body)).toEqual(['Weekend rota agreed.']);

    // A period that has not begun is refused with the API's code, and no review is opened.
    const countReviews = async (): Promise<number> =>
      ok(await gql(t, '{ reviews(first: 100) { nodes { id } } }', {}, { as })).reviews.nodes.length;
    const before = await countReviews();
    await page.fill('input[name=period]', '2099-01');
    await page.click('button:has-text("Open the review of a period")');
    const refusal = page.locator('form[aria-label="Open a review"] .error[role=alert]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^BAD_USER_INPUT: .*has not begun/);
    expect(await countReviews()).toBe(before);
    // This quarter's review, opened through the page, is the one the page then shows.
    const quarter = quarterOf(new Date()).label.replace(' ', '-');
    await page.fill('input[name=period]', quarter);
    await page.click('button:has-text("Open the review of a period")');
    await page.waitForFunction(
      (period) => document.querySelector('[data-review]')?.getAttribute('data-period') === period,
      quarter,
    );
    await settle();
    const id = decodeURIComponent(new URL(page.url()).hash.replace('#/review/', ''));
    expect(ok(await gql(t, 'query($id: ID!) { review(id: $id) { period } }', { id }, { as })).review.period).toBe(
      quarter,
    );
    expect(await countReviews()).toBe(before + 1);
    expect(await page.locator(`[data-review-row="${quarter}"]`).count()).toBe(1);

    // MARKETING signed in the setup: no second signature offered, but a comment is.
    await page.evaluate((token) => sessionStorage.setItem('smarketing.token', token), t.tokens.MARKETING);
    await page.goto(`${origin}/#/review/${seeded.reviews.current.id}`);
    await page.reload();
    await settle();
    expect(await page.locator('[data-signature=MARKETING]').count()).toBe(1);
    const marketingForms = await page
      .locator('main.page form')
      .evaluateAll((found) => found.map((form) => form.getAttribute('aria-label')));
    expect(marketingForms).toEqual(['Comment']);
  });

  test('glossary: every stage definition and every number’s definition, from the schema', async () => {
    await open('glossary');
    const stages = ok(await gql(t, '{ funnelStages { key definition } }', {}, { as })).funnelStages;
    for (const stage of stages) {
      expect(await page.locator(`[id="def-stage:${stage.key}"] p`).first().textContent()).toBe(stage.definition);
    }
    // Each number on the other pages links to an entry here.
    expect(linked.size).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const def of linked) if ((await page.locator(`[id="def-${def}"]`).count()) !== 1) missing.push(def);
    expect(missing).toEqual([]);
    expect(await page.locator('[id="def-GoalProgress.expectedToDate"] dd').textContent()).toContain('target ×');
    await screenshot('glossary');
    // A number's link lands on its definition.
    await page.goto(`${origin}/#/glossary/FunnelReport.wonRevenue`);
    await settle();
    expect(await page.locator('.focused').getAttribute('id')).toBe('def-FunnelReport.wonRevenue');
  });

  test('ADMIN sees the audit log; signing out forgets the token', async () => {
    await page.evaluate((token) => sessionStorage.setItem('smarketing.token', token), t.tokens.ADMIN);
    await page.goto(`${origin}/#/audit`);
    await page.reload();
    await settle();
    expect(await page.locator('main.page').getAttribute('data-page')).toBe('audit');
    expect(await page.locator('nav a', { hasText: 'Audit' }).count()).toBe(1);
    expect(await page.locator('main.page tbody tr').count()).toBeGreaterThan(0);
    await screenshot('audit');
    await page.click('text=Sign out');
    await page.locator('#token').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('smarketing.token'))).toBeNull();
  });

  test('/graphiql loads with nothing from another host and runs a query with the signed-in token', async () => {
    await page.goto(`${origin}/`);
    await page.evaluate((token) => sessionStorage.setItem('smarketing.token', token), t.tokens[as]);
    const response = await page.goto(`${origin}/graphiql`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    // The editors load on their own after the page: run once the query is in the editor.
    await page.locator('.graphiql-query-editor .CodeMirror-line', { hasText: 'funnelStages' }).waitFor();
    await page.click('.graphiql-execute-button');
    await page.waitForFunction(() => document.querySelector('.result-window')?.textContent?.includes('ANALYST'));
    expect(await page.locator('.result-window').textContent()).toContain('funnelStages');
    await screenshot('graphiql');
  });
});

describe('serving the bundle', () => {
  test('pages are revalidated and same-origin only; hashed assets are cached for a year', async () => {
    const index = await request(t.app).get('/');
    expect(index.status).toBe(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toContain("connect-src 'self'");
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index.text)![1]!;
    const cached = await request(t.app).get(asset);
    expect(cached.status).toBe(200);
    expect(cached.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await request(t.app).get('/assets/no-such-file.js')).status).toBe(404);
    // The API's own routes are untouched.
    expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
  });

  test('before a build the pages say how to build, with 503', async () => {
    const app = express().use(dashboardRouter(path.join(os.tmpdir(), 'no-such-build')));
    for (const page of ['/', '/graphiql']) {
      const response = await request(app).get(page);
      expect(response.status).toBe(503);
      expect(response.text).toContain('npm run build');
    }
  });
});
