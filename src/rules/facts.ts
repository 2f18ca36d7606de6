import type { DataSource, EntityManager } from 'typeorm';
import { SALES_ACTIVITY_TYPES, type StageKind } from '../entities/enums';
import {
  ACTIVITY_FACT_TYPES,
  ACTIVITY_WINDOWS,
  FACT_CATALOG,
  FREE_EMAIL_DOMAINS,
  activityFactName,
  type FactDefinition,
} from './fact-catalog';

export type Facts = Record<string, string | number | boolean | null>;

/** What a scoring run needs to know about a lead besides its facts. */
export interface LeadState {
  id: string;
  stageId: string;
  stageKey: string;
  stagePosition: number;
  stageKind: StageKind;
  /** Cause of the move into the current stage (MANUAL, FEEDBACK, RULE, IMPORT). */
  stageCause: string | null;
  /** The lead was sent back to an earlier stage (by sales or their feedback): recycled. */
  movedBack: boolean;
  /** Whether the lead did something (not a sales contact attempt) after it entered its current stage. */
  activeSinceStageEntered: boolean;
  fitScore: number;
  engagementScore: number;
  score: number;
  /** Digest of the stored explanation: an evaluation with the same digest changes nothing. */
  explanationDigest: string | null;
  facts: Facts;
}

const activityColumns = ACTIVITY_FACT_TYPES.flatMap((type) =>
  ACTIVITY_WINDOWS.map(
    (days) =>
      `(count(*) FILTER (WHERE a.type = '${type}' AND a.occurred_at > $2::timestamptz - interval '${days} days'))::int AS "${activityFactName(type, days)}"`,
  ),
).join(',\n      ');

/**
 * Every fact of many leads in one statement: lead fields, the first-touch campaign's channel,
 * the persona, activity counts per type and window, recency and sales' latest verdict. `$2` is
 * the evaluation time, so a re-score and a simulation see the same clock for every lead.
 */
const FACTS_SQL = `
SELECT l.id, l.stage_id, s.key AS stage_key, s.position AS stage_position, s.kind AS stage_kind,
  l.fit_score AS stored_fit_score, l.engagement_score AS stored_engagement_score, l.score AS stored_score,
  l.score_explanation->>'digest' AS explanation_digest,
  l.job_title, l.company, l.industry, l.company_size, l.country, l.source, l.email, l.attributes,
  p.name AS persona, c.channel AS campaign_channel, l.owner_id IS NOT NULL AS has_owner,
  floor(extract(epoch FROM ($2::timestamptz - l.stage_entered_at)) / 86400)::int AS days_in_stage,
  floor(extract(epoch FROM ($2::timestamptz - l.created_at)) / 86400)::int AS days_since_created,
  act.*,
  moved.cause AS stage_cause, coalesce(moved.backward, false) AS moved_back,
  (SELECT f.disposition FROM feedback f WHERE f.lead_id = l.id AND f.disposition IS NOT NULL
    ORDER BY f.created_at DESC, f.id DESC LIMIT 1) AS latest_feedback_disposition
FROM lead l
JOIN funnel_stage s ON s.id = l.stage_id
LEFT JOIN persona p ON p.id = l.persona_id
LEFT JOIN campaign c ON c.id = l.campaign_id
CROSS JOIN LATERAL (
  SELECT
      ${activityColumns},
      (count(*) FILTER (WHERE a.type = 'PAGE_VIEW' AND a.occurred_at > $2::timestamptz - interval '30 days'
        AND a.metadata->>'url' LIKE '%/pricing%'))::int AS pricing_page_views_30d,
      floor(extract(epoch FROM ($2::timestamptz - max(a.occurred_at))) / 86400)::int AS days_since_last_activity,
      coalesce(bool_or(a.occurred_at > l.stage_entered_at AND a.type NOT IN (${SALES_ACTIVITY_TYPES.map((type) => `'${type}'`).join(', ')})), false)
        AS active_since_stage_entered
  FROM activity a WHERE a.lead_id = l.id AND a.occurred_at <= $2::timestamptz
) act
LEFT JOIN LATERAL (
  SELECT t.cause, fs.position > s.position AS backward
  FROM stage_transition t LEFT JOIN funnel_stage fs ON fs.id = t.from_stage_id
  WHERE t.lead_id = l.id ORDER BY t.at DESC, t.id DESC LIMIT 1
) moved ON true
WHERE l.id = ANY($1::uuid[])`;

type FactRow = Record<string, unknown> & {
  id: string;
  stage_id: string;
  stage_key: string;
  stage_position: number;
  stage_kind: StageKind;
  stage_cause: string | null;
  moved_back: boolean;
  active_since_stage_entered: boolean;
  stored_fit_score: number;
  stored_engagement_score: number;
  stored_score: number;
  explanation_digest: string | null;
  email: string;
  attributes: Record<string, unknown> | null;
};

function toFactValue(definition: FactDefinition, raw: unknown): string | number | boolean | null {
  if (raw === null || raw === undefined) return null;
  if (definition.type === 'number') return Number(raw); // counts arrive as bigint strings
  return raw as string | boolean;
}

function factsOf(row: FactRow): Facts {
  const facts: Facts = {};
  const domain = row.email.slice(row.email.lastIndexOf('@') + 1);
  for (const definition of FACT_CATALOG) facts[definition.name] = toFactValue(definition, row[definition.name]);
  facts.email_domain = domain;
  facts.is_free_email = FREE_EMAIL_DOMAINS.has(domain);
  facts.stage = row.stage_key;
  // Replaced by freshly computed scores when scoring rules run in the same evaluation.
  facts.fit_score = row.stored_fit_score;
  facts.engagement_score = row.stored_engagement_score;
  facts.score = row.stored_score;
  for (const [key, value] of Object.entries(row.attributes ?? {})) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      facts[`attributes.${key}`] = value as string | number | boolean | null;
    }
  }
  return facts;
}

/** Facts and state of the given leads, read through `db` (inside the caller's transaction if any). */
export async function loadLeadStates(
  db: DataSource | EntityManager,
  leadIds: string[],
  at: Date,
): Promise<LeadState[]> {
  if (leadIds.length === 0) return [];
  const rows = await db.query<FactRow[]>(FACTS_SQL, [leadIds, at]);
  return rows.map((row) => ({
    id: row.id,
    stageId: row.stage_id,
    stageKey: row.stage_key,
    stagePosition: row.stage_position,
    stageKind: row.stage_kind,
    stageCause: row.stage_cause,
    movedBack: row.moved_back,
    activeSinceStageEntered: row.active_since_stage_entered,
    fitScore: row.stored_fit_score,
    engagementScore: row.stored_engagement_score,
    score: row.stored_score,
    explanationDigest: row.explanation_digest,
    facts: factsOf(row),
  }));
}

/** The facts of a test case: every catalog fact at its empty value, then the case's own. */
export function testCaseFacts(given: Record<string, unknown>): Facts {
  const facts: Facts = {};
  for (const definition of FACT_CATALOG) {
    const counted = definition.source === 'score' || definition.name.includes('_count_');
    facts[definition.name] = counted ? 0 : null;
  }
  facts.pricing_page_views_30d = 0;
  facts.is_free_email = false;
  facts.has_owner = false;
  for (const [name, value] of Object.entries(given)) facts[name] = value as string | number | boolean | null;
  return facts;
}
