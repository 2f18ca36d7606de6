import type { DataSource } from 'typeorm';
import { seedDemoAgreements, type DemoAgreements } from './demo-agreements';
import { seedDemo, type DemoSummary } from './demo-data';
import { publishStarterRules } from './starter-rules';

export interface DemoCompany {
  /** Null when the database already had leads and was left alone. */
  seeded: DemoSummary | null;
  rules: Awaited<ReturnType<typeof publishStarterRules>>;
  /** Null when the database is not the demo company's (it has leads but no demo users). */
  agreements: DemoAgreements | null;
}

/**
 * The whole demo, in the order a company would live it: leads and their history, the starter
 * rule sets that score them, then the SLAs, the goal and the reviews over those numbers. Used by
 * `npm start -- --demo` and `npm run seed:demo`; every step keeps what already exists.
 */
export async function seedDemoCompany(dataSource: DataSource, options: { onlyIfEmpty: boolean }): Promise<DemoCompany> {
  const seeded = await seedDemo(dataSource, options);
  const rules = await publishStarterRules(dataSource);
  const demoUsers: Array<{ count: number }> = await dataSource.query(
    `SELECT count(*)::int AS count FROM "user" WHERE name = 'Riley Chen' AND role = 'OPS' AND deleted_at IS NULL`,
  );
  const agreements = (demoUsers[0]?.count ?? 0) > 0 ? await seedDemoAgreements(dataSource) : null;
  return { seeded, rules, agreements };
}
