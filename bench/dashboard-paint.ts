/// <reference lib="dom" />
/**
 * Time to first paint and to the numbers of the overview, in Debian's headless Chromium, against
 * a running server (ORIGIN, TOKEN); OUT writes a screenshot (the README's), PAGES times other
 * pages, CREATE_SLAS adds the SLAs a company would agree on when there are none. Not part of
 * `npm run bench`: it needs a server with data, e.g. `npm start -- --demo`.
 *
 *   ORIGIN=http://127.0.0.1:4000 TOKEN=... RUNS=7 npx ts-node --transpile-only bench/dashboard-paint.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const origin = process.env.ORIGIN ?? 'http://127.0.0.1:4117';
const token = process.env.TOKEN!;
const out = process.env.OUT!;

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body: any = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function main(): Promise<void> {
  const { slas } = await gql('{ slas { id name } }');
  if (slas.length === 0 && process.env.CREATE_SLAS) {
    for (const input of [
      {
        name: 'MQLs per month',
        kind: 'LEAD_VOLUME',
        stage: 'mql',
        target: Number(process.env.TARGET ?? 150),
        period: 'MONTH',
      },
      { name: 'First contact in 24 h', kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 24 },
      { name: 'Three attempts in 7 days', kind: 'FOLLOW_UP', stage: 'mql', attempts: 3, withinDays: 7 },
    ]) {
      await gql('mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', { input });
    }
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dash-shot-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
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
  const foreign: string[] = [];
  await context.route('**/*', (route) =>
    route.request().url().startsWith(origin) ? route.continue() : (foreign.push(route.request().url()), route.abort()),
  );
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${origin}/`);
  await page.evaluate((t) => sessionStorage.setItem('smarketing.token', t), token);
  const runs: Array<{ fcp: number; numbers: number }> = [];
  for (let i = 0; i < Number(process.env.RUNS ?? 6); i++) {
    const started = Date.now();
    await page.goto(`${origin}/#/overview`);
    await page.reload();
    await page.waitForFunction(
      () => document.querySelector('main.page') && !document.querySelector('[data-loading]'),
      undefined,
      { timeout: 60000 },
    );
    const numbers = Date.now() - started;
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    runs.push({ fcp: Math.round(fcp), numbers });
  }
  console.log(JSON.stringify({ runs, foreign }));
  if (out) await page.screenshot({ path: out, fullPage: true });
  for (const route of (process.env.PAGES ?? '').split(',').filter(Boolean)) {
    const started = Date.now();
    await page.goto(`${origin}/#/${route}`);
    await page.reload();
    await page.waitForFunction(
      () => document.querySelector('main.page') && !document.querySelector('[data-loading]'),
      undefined,
      { timeout: 120000 },
    );
    console.log(route, Date.now() - started, 'ms');
  }
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
