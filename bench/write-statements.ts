import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { publishStarterRules } from '../src/demo/starter-rules';
import type { Context } from '../src/context';
import { createDataSource } from '../src/db/data-source';
import { migrateDatabase } from '../src/db/database';
import { afterMigrations } from '../src/release';
import { ActivityType, Role } from '../src/entities/enums';
import { createLoaders } from '../src/loaders';
import { recordActivity } from '../src/services/activity.service';
import { createCampaign } from '../src/services/campaign.service';
import { createLead } from '../src/services/lead.service';
import { watchPublishedRules } from '../src/rules/rule-cache';
import { issueTokenFor } from '../src/services/user.service';

/**
 * Statements per lead write (`npm run bench -- write-statements`): every query a createLead and a
 * recordActivity (with and without a campaign) sends, BEGIN and COMMIT included, counted at the
 * pg driver, with the starter rules published and the process listening for changes (as the server does). Runs on a fresh database next to DATABASE_URL.
 */
export async function main(): Promise<string> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL names the server to create the benchmark database on');
  const name = `bench_statements_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataSource = createDataSource(url.toString(), { poolSize: 4 });
  await dataSource.initialize();
  try {
    await migrateDatabase(dataSource, url.toString(), afterMigrations);
    await publishStarterRules(dataSource);
    // As in the server: the listening connection lets the funnel and the rule sets in force be cached.
    const stopListening = await watchPublishedRules(dataSource, url.toString());
    const base: Context = { requestId: 'bench', user: null, dataSource, loaders: createLoaders(dataSource) };
    const { user } = await issueTokenFor(base, `bench-${randomUUID().slice(0, 8)}`, Role.ADMIN);
    const ctx = (): Context => ({
      ...base,
      user: { id: user.id, name: user.name, role: Role.ADMIN },
      loaders: createLoaders(dataSource),
    });
    const campaign = await createCampaign(ctx(), { name: `bench ${randomUUID()}`, channel: 'EMAIL' } as never);

    // eslint-disable-next-line @typescript-eslint/unbound-method -- restored below, called with its client
    const original = Client.prototype.query;
    let counting = false;
    const seen: string[] = [];
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      if (counting) seen.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string })?.text));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
    const count = async (work: () => Promise<unknown>): Promise<{ statements: number; ms: number; cpuMs: number }> => {
      await work(); // warm caches
      seen.length = 0;
      counting = true;
      const started = performance.now();
      const cpu = process.cpuUsage();
      const rounds = 20;
      for (let i = 0; i < rounds; i += 1) await work();
      const used = process.cpuUsage(cpu);
      const ms = (performance.now() - started) / rounds;
      counting = false;
      return { statements: seen.length / rounds, ms, cpuMs: (used.user + used.system) / 1000 / rounds };
    };
    const lead = await createLead(ctx(), { email: `${randomUUID()}@example.com` });
    const rows: Array<[string, { statements: number; ms: number; cpuMs: number }]> = [
      ['createLead', await count(() => createLead(ctx(), { email: `${randomUUID()}@example.com` }))],
      ['recordActivity', await count(() => recordActivity(ctx(), { leadId: lead.id, type: ActivityType.PAGE_VIEW }))],
      [
        'recordActivity with a campaign',
        await count(() =>
          recordActivity(ctx(), { leadId: lead.id, type: ActivityType.EMAIL_CLICK, campaignId: campaign.id }),
        ),
      ],
    ];
    Client.prototype.query = original;
    await stopListening();
    if (process.env.SHOW_STATEMENTS) process.stderr.write(`${seen.join('\n---\n')}\n`);
    return [
      '## Statements per lead write',
      '',
      'Every statement one write sends (BEGIN and COMMIT included), counted at the pg driver, one client, starter rules published.',
      '',
      '| write | statements | ms per write (1 client, in process) | Node CPU ms per write |',
      '|---|---|---|---|',
      ...rows.map(
        ([label, { statements, ms, cpuMs }]) => `| ${label} | ${statements} | ${ms.toFixed(1)} | ${cpuMs.toFixed(1)} |`,
      ),
    ].join('\n');
  } finally {
    await dataSource.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}
