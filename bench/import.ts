import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { publishStarterRules } from '../src/demo/starter-rules';
import type { Context } from '../src/context';
import { Role, SlaKind } from '../src/entities/enums';
import { ImportJobStatus } from '../src/entities/import-job.entity';
import { createSla } from '../src/services/sla.service';
import { createLoaders } from '../src/loaders';
import { createApp } from '../src/server';
import { getImportJobOrThrow, undoImport } from '../src/services/import.service';
import { issueTokenFor } from '../src/services/user.service';
import { benchDatabase } from './bench-db';

/**
 * `npm run bench -- import`: a file of leads with 3 transitions and 5 activities each (9 records a
 * lead), generated on the fly to a temporary file, posted to POST /imports on 127.0.0.1 as a
 * client would (streamed), followed until DONE, then undone. BENCH_IMPORT_RECORDS sets the size
 * (default 1,000,000). The starter rules are in force, so the end of the import scores and
 * qualifies every lead, and a RESPONSE_TIME SLA is kept by the rollups.
 */
const RECORDS = Number(process.env.BENCH_IMPORT_RECORDS ?? 1_000_000);
const PER_LEAD = 9;

function generate(file: string, leads: number, campaigns: string[], owner: string): void {
  const fd = fs.openSync(file, 'w');
  const start = Date.UTC(2020, 0, 1);
  const hour = 3_600_000;
  let buffer: string[] = [];
  const types = ['PAGE_VIEW', 'EMAIL_OPEN', 'EMAIL_CLICK', 'CALL', 'CONTENT_DOWNLOAD'];
  for (let i = 0; i < leads; i += 1) {
    const created = start + (i % 1500) * 24 * hour + (i % 24) * 60_000;
    const ref = { externalId: `crm-${i}` };
    const at = (hours: number): string => new Date(created + hours * hour).toISOString();
    buffer.push(
      JSON.stringify({
        type: 'lead',
        email: `lead${i}@import-bench.example`,
        externalId: `crm-${i}`,
        firstName: 'Lead',
        lastName: String(i),
        company: `Company ${i % 5000}`,
        jobTitle: i % 3 === 0 ? 'Head of Operations' : 'Analyst',
        industry: i % 2 === 0 ? 'Software' : 'Retail',
        companySize: 10 + (i % 990),
        country: i % 2 === 0 ? 'DE' : 'US',
        source: 'crm',
        createdAt: at(0),
        owner,
        campaign: campaigns[i % campaigns.length],
        ...(i % 10 === 0 ? { dealValue: 1000 + (i % 7) * 250 } : {}),
      }),
    );
    const path: Array<[string, number]> =
      i % 4 === 0
        ? [
            ['mql', 5],
            ['sql', 30],
            ['opportunity', 200],
          ]
        : i % 4 === 1
          ? [
              ['mql', 10],
              ['lead', 40],
              ['mql', 90],
            ]
          : i % 4 === 2
            ? [
                ['sql', 20],
                ['opportunity', 60],
                ['customer', 300],
              ]
            : [
                ['mql', 3],
                ['sql', 50],
                ['disqualified', 100],
              ];
    for (const [to, hours] of path) buffer.push(JSON.stringify({ type: 'transition', lead: ref, to, at: at(hours) }));
    for (let a = 0; a < 5; a += 1) {
      buffer.push(
        JSON.stringify({
          type: 'activity',
          lead: ref,
          activityType: types[(i + a) % types.length],
          occurredAt: at(1 + a * 7),
          ...(a === 0 ? { campaign: campaigns[(i + 1) % campaigns.length] } : {}),
        }),
      );
    }
    if (buffer.length >= 9000) {
      fs.writeSync(fd, `${buffer.join('\n')}\n`);
      buffer = [];
    }
  }
  if (buffer.length > 0) fs.writeSync(fd, `${buffer.join('\n')}\n`);
  fs.closeSync(fd);
}

function post(port: number, token: string, file: string): Promise<{ id: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/imports',
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () =>
          res.statusCode === 202 ? resolve(JSON.parse(body) as { id: string }) : reject(new Error(body)),
        );
      },
    );
    req.on('error', reject);
    fs.createReadStream(file).pipe(req);
  });
}

export async function main(): Promise<string> {
  const { dataSource, close } = await benchDatabase('import');
  const file = path.join(os.tmpdir(), `smarketing-import-bench-${process.pid}.ndjson`);
  try {
    await dataSource.query('SET statement_timeout = 0');
    await dataSource.query(
      `TRUNCATE lead, funnel_daily, campaign_daily, campaign_reason_daily, sla_daily, lead_stage_time,
         import_job, import_chunk, import_error, import_lead_update CASCADE`,
    );
    const system: Context = { requestId: 'bench', user: null, dataSource, loaders: createLoaders(dataSource) };
    const { token, user } = await issueTokenFor(system, 'import-bench-ops', Role.OPS);
    const ownerEmail = 'owner@import-bench.example';
    const { user: owner } = await issueTokenFor(system, 'import-bench-sales', Role.SALES);
    await dataSource.query('UPDATE "user" SET email = $2 WHERE id = $1', [owner.id, ownerEmail]);
    await publishStarterRules(dataSource);
    const campaigns = ['Import bench webinar', 'Import bench ads'];
    for (const name of campaigns) {
      const [found] = await dataSource.query<unknown[]>('SELECT 1 FROM campaign WHERE name = $1', [name]);
      if (!found)
        await dataSource.query(`INSERT INTO campaign (name, channel, version) VALUES ($1, 'EMAIL', 1)`, [name]);
    }
    const [sla] = await dataSource.query<unknown[]>(`SELECT 1 FROM sla WHERE name = 'Import bench response'`);
    if (!sla) {
      await createSla(
        { ...system, user: { id: user.id, name: user.name, role: Role.OPS } },
        {
          name: 'Import bench response',
          kind: SlaKind.RESPONSE_TIME,
          stage: 'mql',
          withinHours: 24,
        },
      );
    }

    const leads = Math.ceil(RECORDS / PER_LEAD);
    let started = performance.now();
    generate(file, leads, campaigns, ownerEmail);
    const generated = (performance.now() - started) / 1000;
    const records = leads * PER_LEAD;
    process.stderr.write(`  generated ${records} records (${leads} leads) in ${generated.toFixed(1)} s\n`);

    const { httpServer, apollo } = await createApp(dataSource, { requestLog: false, metrics: false });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const { port } = httpServer.address() as AddressInfo;
    const ctx: Context = { ...system, user: { id: user.id, name: user.name, role: Role.OPS } };
    try {
      started = performance.now();
      const { id } = await post(port, token, file);
      const uploaded = (performance.now() - started) / 1000;
      process.stderr.write(`  stored in ${uploaded.toFixed(1)} s\n`);
      let job = await getImportJobOrThrow(ctx, id);
      let lastReport = 0;
      while (job.status === ImportJobStatus.QUEUED || job.status === ImportJobStatus.RUNNING) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        job = await getImportJobOrThrow(ctx, id);
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          process.stderr.write(`  ${job.rowsDone}/${job.rowsTotal} rows, ${job.leadsScored} leads scored\n`);
        }
      }
      const total = (performance.now() - started) / 1000;
      if (job.status !== ImportJobStatus.DONE) throw new Error(`import ${job.status}: ${job.error}`);
      const importing = job.activeMs / 1000;
      const scoring = total - uploaded - importing;
      started = performance.now();
      await undoImport(ctx, id);
      const undo = (performance.now() - started) / 1000;
      const [left] = await dataSource.query<Array<{ leads: number; daily: number }>>(
        'SELECT (SELECT count(*)::int FROM lead) AS leads, (SELECT coalesce(sum(leads), 0)::int FROM funnel_daily) AS daily',
      );
      const perSecond = records / total;
      const million = (seconds: number): string => ((seconds * 1_000_000) / records).toFixed(0);
      return [
        '## Import with history (`npm run bench -- import`)',
        '',
        `${records.toLocaleString('en')} records: ${leads.toLocaleString('en')} leads with 3 transitions and 5 activities each, posted to POST /imports on 127.0.0.1 (streamed NDJSON), imported in batches of ${process.env.IMPORT_BATCH_ROWS ?? 10000} rows, then every lead scored and qualified by the starter rules; rejected rows ${job.rowsRejected}.`,
        '',
        '| step | seconds | records / s |',
        '|---|---:|---:|',
        `| store the body (upload) | ${uploaded.toFixed(1)} | ${(records / uploaded).toFixed(0)} |`,
        `| import the rows (bulk inserts, rollups per batch) | ${importing.toFixed(1)} | ${(records / importing).toFixed(0)} |`,
        `| score and qualify ${job.leadsScored.toLocaleString('en')} leads (${job.leadsQualified.toLocaleString('en')} moved), with the statistics refreshes | ${scoring.toFixed(1)} | |`,
        `| **end to end, POST to DONE** | **${total.toFixed(1)}** | **${perSecond.toFixed(0)}** |`,
        `| undoImport | ${undo.toFixed(1)} | ${(records / undo).toFixed(0)} |`,
        '',
        records >= 1_000_000
          ? `${records.toLocaleString('en')} records: import ${total.toFixed(0)} s, undo ${undo.toFixed(0)} s (measured, not extrapolated).`
          : `1,000,000 records, extrapolated linearly from this run: import about ${million(total)} s, undo about ${million(undo)} s.`,
        `After the undo: ${left?.leads ?? '?'} leads, ${left?.daily ?? '?'} leads in funnel_daily.`,
      ].join('\n');
    } finally {
      await apollo.stop();
      httpServer.close();
    }
  } finally {
    fs.rmSync(file, { force: true });
    await close();
  }
}
