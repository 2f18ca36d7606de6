import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Role } from '../entities/enums';
import { rebuildAllLeadFacts } from '../rollups/lead-facts';
import { CAMPAIGNS, PERSONAS, USERS } from './demo-content';
import {
  DAY,
  HISTORY,
  STAGE_KEYS,
  campaignDates,
  tellStory,
  type ActivityRow,
  type Cast,
  type FeedbackRow,
  type LeadRow,
  type StageKey,
  type TransitionRow,
} from './demo-story';

/**
 * Seeds the demo company (Flowline, a B2B SaaS vendor) for exploring the API: personas, campaigns,
 * users, and ~3,000 leads with six months of activities, stage history and sales feedback. The
 * copy lives in demo-content.ts, the made-up history in demo-story.ts; this file writes them.
 *
 * Re-running: the lead table is the test. With `onlyIfEmpty` a database that has leads is left
 * alone (null); without it, seeding fails with a clear error rather than duplicating. Personas,
 * campaigns and users are matched by their unique names, so a database that already has some of
 * them (but no leads) reuses those rows. All of it is one transaction: a failed seed leaves nothing.
 */

export interface DemoSummary {
  leads: number;
  activities: number;
  transitions: number;
  feedback: number;
}

const SEED = 20250601;
const LEAD_COUNT = 3000;
/** Rows per INSERT: ~2,000 rows of arrays is a few hundred kB per statement. */
const CHUNK = 2000;

export async function seedDemo(dataSource: DataSource, options: { onlyIfEmpty: boolean }): Promise<DemoSummary | null> {
  return dataSource.transaction(async (manager) => {
    // Two servers started with --demo at the same moment must not both seed.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('smarketing:seed-demo'))`);
    const existing: Array<{ count: number }> = await manager.query('SELECT count(*)::int AS count FROM lead');
    const count = existing[0]?.count ?? 0;
    if (count > 0) {
      if (options.onlyIfEmpty) return null;
      throw new Error(
        `demo data goes into a database without leads, but this one has ${count}; use a fresh database (or --if-empty to skip)`,
      );
    }
    // The story ends at midnight UTC, so every run on one day writes the same data (uuids aside).
    const now = Math.floor(Date.now() / DAY) * DAY;
    const story = tellStory(await writeCast(manager, now), { seed: SEED, leads: LEAD_COUNT });
    await bulkInsert(manager, 'lead', LEAD_COLUMNS, story.leads);
    await bulkInsert(manager, 'activity', ACTIVITY_COLUMNS, story.activities);
    await bulkInsert(manager, 'stage_transition', TRANSITION_COLUMNS, story.transitions);
    await bulkInsert(manager, 'feedback', FEEDBACK_COLUMNS, story.feedback);
    // The story does not say who owned a lead at each move: its owner at the end stands in.
    await manager.query(
      'UPDATE stage_transition t SET owner_id = l.owner_id FROM lead l WHERE l.id = t.lead_id AND l.owner_id IS NOT NULL',
    );
    // Each lead's record of changes starts with its stage moves, as the services would have written them.
    await manager.query(
      `INSERT INTO lead_change (lead_id, field, before, after, at, actor_id, cause)
       SELECT t.lead_id, 'stage', to_jsonb(f.key), to_jsonb(s.key), t.at, t.actor_id, t.cause
         FROM stage_transition t
         JOIN funnel_stage s ON s.id = t.to_stage_id
         LEFT JOIN funnel_stage f ON f.id = t.from_stage_id`,
    );
    // The rows went in behind the services' back: build their metric rollups in the same transaction.
    await rebuildAllLeadFacts(manager);
    return {
      leads: story.leads.length,
      activities: story.activities.length,
      transitions: story.transitions.length,
      feedback: story.feedback.length,
    };
  });
}

type Cell = string | number | null;
type Column<Row> = readonly [name: string, pgType: string, value: (row: Row) => Cell];
const iso = (ms: number): string => new Date(ms).toISOString();

/** INSERT ... SELECT FROM unnest(one array per column): one statement per chunk, whatever the width. */
async function bulkInsert<Row>(
  manager: EntityManager,
  table: string,
  columns: ReadonlyArray<Column<Row>>,
  rows: readonly Row[],
): Promise<void> {
  const names = columns.map(([name]) => `"${name}"`).join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const params = columns.map(([, , value]) => chunk.map(value));
    await manager.query(`INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${arrays})`, params);
  }
}

// Scores stay at their default 0: they come from published scoring rules, not from the seed.
const LEAD_COLUMNS: Array<Column<LeadRow>> = [
  ['id', 'uuid', (r) => r.id],
  ['email', 'text', (r) => r.email],
  ['first_name', 'text', (r) => r.firstName],
  ['last_name', 'text', (r) => r.lastName],
  ['company', 'text', (r) => r.company],
  ['job_title', 'text', (r) => r.jobTitle],
  ['industry', 'text', (r) => r.industry],
  ['company_size', 'int', (r) => r.companySize],
  ['country', 'text', (r) => r.country],
  ['source', 'text', (r) => r.source],
  ['campaign_id', 'uuid', (r) => r.campaignId],
  ['persona_id', 'uuid', (r) => r.personaId],
  ['owner_id', 'uuid', (r) => r.ownerId],
  ['stage_id', 'uuid', (r) => r.stageId],
  ['stage_entered_at', 'timestamptz', (r) => iso(r.stageEnteredAt)],
  ['attributes', 'jsonb', (r) => JSON.stringify(r.attributes)],
  ['deal_value', 'numeric', (r) => r.dealValue],
  ['created_at', 'timestamptz', (r) => iso(r.createdAt)],
  ['updated_at', 'timestamptz', (r) => iso(r.stageEnteredAt)],
  ['version', 'int', () => 1],
];
const ACTIVITY_COLUMNS: Array<Column<ActivityRow>> = [
  ['id', 'uuid', () => randomUUID()],
  ['lead_id', 'uuid', (r) => r.leadId],
  ['type', 'activity_type', (r) => r.type],
  ['occurred_at', 'timestamptz', (r) => iso(r.at)],
  ['campaign_id', 'uuid', (r) => r.campaignId],
  ['actor_id', 'uuid', (r) => r.actorId],
  ['metadata', 'jsonb', (r) => JSON.stringify(r.metadata)],
  ['created_at', 'timestamptz', (r) => iso(r.at)],
  // The story's reps log each activity as it happens.
  ['recorded_at', 'timestamptz', (r) => iso(r.at)],
];
const TRANSITION_COLUMNS: Array<Column<TransitionRow>> = [
  ['id', 'uuid', () => randomUUID()],
  ['lead_id', 'uuid', (r) => r.leadId],
  ['from_stage_id', 'uuid', (r) => r.from],
  ['to_stage_id', 'uuid', (r) => r.to],
  ['at', 'timestamptz', (r) => iso(r.at)],
  ['cause', 'transition_cause', (r) => r.cause],
  ['actor_id', 'uuid', (r) => r.actorId],
  ['reason', 'text', (r) => r.reason],
];
const FEEDBACK_COLUMNS: Array<Column<FeedbackRow>> = [
  ['id', 'uuid', () => randomUUID()],
  ['lead_id', 'uuid', (r) => r.leadId],
  ['campaign_id', 'uuid', (r) => r.campaignId],
  ['author_id', 'uuid', (r) => r.authorId],
  ['kind', 'feedback_kind', (r) => r.kind],
  ['disposition', 'feedback_disposition', (r) => r.disposition],
  ['rejection_reason', 'rejection_reason', (r) => r.rejectionReason],
  ['rating', 'smallint', (r) => r.rating],
  ['comment', 'text', (r) => r.comment],
  ['created_at', 'timestamptz', (r) => iso(r.at)],
];

async function idsByName(manager: EntityManager, table: string, names: string[]): Promise<Map<string, string>> {
  const rows: Array<{ id: string; name: string }> = await manager.query(
    `SELECT id, name FROM "${table}" WHERE name = ANY($1)`,
    [names],
  );
  return new Map(rows.map((row) => [row.name, row.id]));
}

function idOf(ids: Map<string, string>, name: string): string {
  const id = ids.get(name);
  if (!id) throw new Error(`demo data: found no row named "${name}"`);
  return id;
}

/** Writes the personas, campaigns and users that are missing, and returns the ids the story needs. */
async function writeCast(manager: EntityManager, now: number): Promise<Cast> {
  const stageRows: Array<{ id: string; key: string }> = await manager.query(
    'SELECT id, key FROM funnel_stage WHERE key = ANY($1)',
    [STAGE_KEYS],
  );
  const stageIds = new Map(stageRows.map((row) => [row.key, row.id]));
  const stage = Object.fromEntries(STAGE_KEYS.map((key) => [key, idOf(stageIds, key)])) as Record<StageKey, string>;

  for (const p of PERSONAS) {
    await manager.query(
      `INSERT INTO persona (id, name, description, pains, goals, objections, talking_points, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 1) ON CONFLICT (name) DO NOTHING`,
      [randomUUID(), p.name, p.description, p.pains, p.goals, p.objections, p.talkingPoints],
    );
  }
  const personaIds = await idsByName(
    manager,
    'persona',
    PERSONAS.map((p) => p.name),
  );
  const persona = new Map(PERSONAS.map((p) => [p.key, idOf(personaIds, p.name)]));

  for (const c of CAMPAIGNS) {
    const { startsAt, endsAt } = campaignDates(c, now);
    await manager.query(
      `INSERT INTO campaign (id, name, channel, status, description, starts_at, ends_at, budget, talking_points, created_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) ON CONFLICT (name) DO NOTHING`,
      [
        randomUUID(),
        c.name,
        c.channel,
        c.status,
        c.description,
        iso(startsAt),
        endsAt === null ? null : iso(endsAt),
        c.budget,
        c.talkingPoints,
        iso(Math.min(startsAt, now) - 14 * DAY),
      ],
    );
  }
  const campaignIds = await idsByName(
    manager,
    'campaign',
    CAMPAIGNS.map((c) => c.name),
  );
  const campaigns = CAMPAIGNS.map((def) => ({ def, id: idOf(campaignIds, def.name), ...campaignDates(def, now) }));
  const targets = campaigns.flatMap((c) =>
    c.def.personas.map((key) => ({ campaignId: c.id, personaId: persona.get(key) })),
  );
  await manager.query(
    `INSERT INTO campaign_target_persona (campaign_id, persona_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
    [targets.map((t) => t.campaignId), targets.map((t) => t.personaId)],
  );

  for (const u of USERS) {
    await manager.query(
      `INSERT INTO "user" (id, name, email, role, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING`,
      [randomUUID(), u.name, u.email, u.role, iso(now - HISTORY - 30 * DAY)],
    );
  }
  const users: Array<{ id: string; name: string; role: Role }> = await manager.query(
    'SELECT id, name, role FROM "user" WHERE name = ANY($1)',
    [USERS.map((u) => u.name)],
  );
  for (const u of USERS) {
    // Feedback and transitions are attributed by role: a same-named user in another role would mislead.
    const found = users.find((row) => row.name === u.name);
    if (found && found.role !== u.role) {
      throw new Error(`demo data: user "${u.name}" exists with role ${found.role}, the demo needs ${u.role}`);
    }
  }
  const userIds = new Map(users.map((u) => [u.name, u.id]));
  const idsOf = (role: Role): string[] => USERS.filter((u) => u.role === role).map((u) => idOf(userIds, u.name));
  return {
    now,
    stage,
    persona,
    campaigns,
    reps: USERS.filter((u) => u.role === Role.SALES).map((u) => ({
      id: idOf(userIds, u.name),
      region: u.region ?? 'AMER',
      responsiveness: u.responsiveness ?? 1,
    })),
    marketers: idsOf(Role.MARKETING),
    opsId: idOf(userIds, 'Riley Chen'),
    formsId: idOf(userIds, 'Website Forms Integration'),
  };
}
