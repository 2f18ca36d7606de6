import type { DataSource } from 'typeorm';
import type { Context } from '../context';
import { type Role, SlaKind, SlaPeriod } from '../entities/enums';
import { createLoaders } from '../loaders';
import type { CreateSlaInput } from '../schema/inputs/sla.inputs';
import { takeReviewSnapshot } from '../reports/review-snapshot';
import { acknowledgeReview, commentOnReview, createReview, parseReviewPeriod } from '../services/review.service';
import { createSla } from '../services/sla.service';

/**
 * What the demo company's sales and marketing agreed on, written through the services as ops
 * would write it through the API: a response-time SLA and a follow-up SLA on MQLs, a monthly MQL
 * goal, and the last two monthly reviews (the older one signed by both teams, the newer one open
 * with comments). Runs after the leads are seeded and scored; what already exists is kept.
 */
export const DEMO_SLAS = {
  response: 'MQL first contact within 24 hours',
  followUp: 'Three contact attempts within 7 days of MQL',
  goal: 'Monthly MQL goal',
} as const;

export interface DemoAgreements {
  slas: string[];
  reviews: string[];
}

async function userContext(dataSource: DataSource, name: string): Promise<Context> {
  const rows: Array<{ id: string; name: string; role: Role }> = await dataSource.query(
    'SELECT id, name, role FROM "user" WHERE name = $1 AND deleted_at IS NULL',
    [name],
  );
  const user = rows[0];
  if (!user) throw new Error(`demo data: found no user named "${name}"`);
  return { requestId: 'seed-demo', user, dataSource, loaders: createLoaders(dataSource) };
}

/** A round goal a little above the average MQLs of the last three whole months. */
async function monthlyMqlGoal(dataSource: DataSource, now: Date): Promise<number> {
  const [row]: Array<{ average: string | null }> = await dataSource.query(
    `SELECT count(DISTINCT t.lead_id)::numeric / 3 AS average
       FROM stage_transition t JOIN funnel_stage s ON s.id = t.to_stage_id
      WHERE s.key = 'mql'
        AND t.at >= date_trunc('month', $1::timestamptz) - interval '3 months'
        AND t.at < date_trunc('month', $1::timestamptz)`,
    [now],
  );
  const average = Number(row?.average ?? 0);
  return Math.max(10, Math.round((average * 1.1) / 10) * 10);
}

export async function seedDemoAgreements(dataSource: DataSource, now = new Date()): Promise<DemoAgreements> {
  const ops = await userContext(dataSource, 'Riley Chen');
  const existing = new Set(
    (await dataSource.query<Array<{ name: string }>>('SELECT name FROM sla')).map((row) => row.name),
  );
  const wanted: CreateSlaInput[] = [
    {
      name: DEMO_SLAS.response,
      kind: SlaKind.RESPONSE_TIME,
      stage: 'mql',
      withinHours: 24,
      description:
        'Sales makes a first contact attempt (call, email or meeting) within 24 hours of a lead becoming an MQL.',
    },
    {
      name: DEMO_SLAS.followUp,
      kind: SlaKind.FOLLOW_UP,
      stage: 'mql',
      attempts: 3,
      withinDays: 7,
      description: 'Sales makes at least three contact attempts within seven days of a lead becoming an MQL.',
    },
    {
      name: DEMO_SLAS.goal,
      kind: SlaKind.LEAD_VOLUME,
      stage: 'mql',
      period: SlaPeriod.MONTH,
      target: await monthlyMqlGoal(dataSource, now),
      description: 'Marketing delivers this many new MQLs every calendar month.',
    },
  ];
  const slas: string[] = [];
  for (const input of wanted) {
    if (existing.has(input.name)) continue;
    await createSla(ops, input);
    slas.push(input.name);
  }

  // The two whole months before this one: the older signed at its meeting, the newer open.
  const month = (back: number): string => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  const reviewed = new Set(
    (await dataSource.query<Array<{ period: string }>>('SELECT period FROM review')).map((row) => row.period),
  );
  const reviews: string[] = [];
  for (const [period, signed] of [
    [month(2), true],
    [month(1), false],
  ] as const) {
    if (reviewed.has(period)) continue;
    const parsed = parseReviewPeriod(period, now);
    const review = await createReview(ops, parsed, await takeReviewSnapshot(ops, parsed.start, parsed.end));
    reviews.push(period);
    const marketing = await userContext(dataSource, 'Hannah Brooks');
    const sales = await userContext(dataSource, 'Jonas Weber');
    if (signed) {
      await commentOnReview(
        sales,
        review.id,
        'EMEA missed the 24-hour response twice during the event week; we add a rota.',
      );
      await commentOnReview(
        marketing,
        review.id,
        'Paid social stays paused until its cost per MQL is back under target.',
      );
      await acknowledgeReview(
        marketing,
        review.id,
        'We keep the monthly MQL goal and tighten the paid-social targeting.',
      );
      await acknowledgeReview(sales, review.id, 'We contact every MQL within 24 hours, with a weekend rota.');
    } else {
      await commentOnReview(
        marketing,
        review.id,
        'Agenda: webinar leads, the goal for next month, the new scoring rules.',
      );
    }
  }
  return { slas, reviews };
}
