import DataLoader from 'dataloader';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { columnsOf, selectRows, selectEntities } from './db/select';
import { Activity } from './entities/activity.entity';
import { Campaign } from './entities/campaign.entity';
import { Feedback } from './entities/feedback.entity';
import { FunnelStage } from './entities/funnel-stage.entity';
import { Lead } from './entities/lead.entity';
import { Persona } from './entities/persona.entity';
import { ReviewAcknowledgement } from './entities/review-acknowledgement.entity';
import { ReviewComment } from './entities/review-comment.entity';
import { SlaTerms } from './entities/sla-terms.entity';
import { StageDefinition } from './entities/stage-definition.entity';
import { StageTransition } from './entities/stage-transition.entity';
import { User } from './entities/user.entity';

/**
 * Per-request batch loaders. Each batch is one `= ANY($1)` query read outside any transaction,
 * and results come back in key order. Keys are primitives (ids).
 *
 * The context carries them into the services, so they read entities only (the `loaders` layer,
 * just above db): loaders that read through a service or a report belong to the resolvers
 * (src/resolvers/request-loaders.ts).
 */
export interface Loaders {
  campaign: DataLoader<string, Campaign | null>;
  lead: DataLoader<string, Lead | null>;
  persona: DataLoader<string, Persona | null>;
  user: DataLoader<string, User | null>;
  /** All funnel stages, loaded once per request; the funnel is small. */
  stages: () => Promise<FunnelStage[]>;
  stage: DataLoader<string, FunnelStage | null>;
  stageHistory: DataLoader<string, StageTransition[]>;
  /** A funnel stage's definition texts, oldest first. */
  stageDefinitions: DataLoader<string, StageDefinition[]>;
  /** An SLA's terms versions, oldest first. */
  slaTerms: DataLoader<string, SlaTerms[]>;
  feedbackOfLead: DataLoader<string, Feedback[]>;
  targetPersonas: DataLoader<string, Persona[]>;
  /** A review's comments, oldest first. */
  reviewComments: DataLoader<string, ReviewComment[]>;
  /** A review's signatures, oldest first. */
  reviewAcknowledgements: DataLoader<string, ReviewAcknowledgement[]>;
  /** Latest activities of a lead; one loader per requested page size. */
  recentActivities: (limit: number) => DataLoader<string, Activity[]>;
}

function byId<T extends ObjectLiteral & { id: string }>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  table: string,
): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const rows = await selectEntities<T>(
      dataSource,
      entity,
      `SELECT ${columnsOf(dataSource, entity, 'e')} FROM "${table}" e WHERE e.id = ANY($1::uuid[])`,
      [ids],
    );
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}

/** The rows of `table` whose `parentColumn` is one of the keys, grouped by key, oldest first. */
function childrenOf<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  table: string,
  parentColumn: string,
  parentProperty: keyof T & string,
  timeColumn: string,
): DataLoader<string, T[]> {
  return new DataLoader(async (parentIds) => {
    const rows = await selectEntities<T>(
      dataSource,
      entity,
      `SELECT ${columnsOf(dataSource, entity, 'c')} FROM "${table}" c
       WHERE c.${parentColumn} = ANY($1::uuid[]) ORDER BY c.${timeColumn}, c.id`,
      [parentIds],
    );
    return groupBy(parentIds, rows, (row) => String(row[parentProperty]));
  });
}

export function createLoaders(dataSource: DataSource): Loaders {
  let stagesPromise: Promise<FunnelStage[]> | undefined;
  const stages = (): Promise<FunnelStage[]> =>
    (stagesPromise ??= selectRows<FunnelStage>(
      dataSource,
      `SELECT ${columnsOf(dataSource, FunnelStage, 's')} FROM funnel_stage s ORDER BY s.position`,
    ));
  const activityLoaders = new Map<number, DataLoader<string, Activity[]>>();
  const persona = byId(dataSource, Persona, 'persona');

  return {
    campaign: byId(dataSource, Campaign, 'campaign'),
    lead: byId(dataSource, Lead, 'lead'),
    persona,
    // Deleted users still show as the actors of past changes.
    user: byId(dataSource, User, 'user'),
    stages,
    stage: new DataLoader(async (ids) => {
      const all = new Map((await stages()).map((stage) => [stage.id, stage]));
      return ids.map((id) => all.get(id) ?? null);
    }),
    stageHistory: new DataLoader(async (leadIds) => {
      const rows = await selectRows<StageTransition>(
        dataSource,
        `SELECT ${columnsOf(dataSource, StageTransition, 't')} FROM stage_transition t
         WHERE t.lead_id = ANY($1::uuid[]) ORDER BY t.at, t.id`,
        [leadIds],
      );
      return groupBy(leadIds, rows, (row) => row.leadId);
    }),
    stageDefinitions: new DataLoader(async (stageIds) => {
      const rows = await selectRows<StageDefinition>(
        dataSource,
        `SELECT ${columnsOf(dataSource, StageDefinition, 'd')} FROM stage_definition d
         WHERE d.stage_id = ANY($1::uuid[]) ORDER BY d.at, d.id`,
        [stageIds],
      );
      return groupBy(stageIds, rows, (row) => row.stageId);
    }),
    slaTerms: new DataLoader(async (slaIds) => {
      const rows = await selectRows<SlaTerms>(
        dataSource,
        `SELECT ${columnsOf(dataSource, SlaTerms, 't')} FROM sla_terms t WHERE t.sla_id = ANY($1::uuid[]) ORDER BY t.version`,
        [slaIds],
      );
      return groupBy(slaIds, rows, (row) => row.slaId);
    }),
    feedbackOfLead: new DataLoader(async (leadIds) => {
      const rows = await selectRows<Feedback>(
        dataSource,
        `SELECT ${columnsOf(dataSource, Feedback, 'f')} FROM feedback f
         WHERE f.lead_id = ANY($1::uuid[]) ORDER BY f.created_at DESC, f.id DESC`,
        [leadIds],
      );
      return groupBy(leadIds, rows, (row) => row.leadId ?? '');
    }),
    targetPersonas: new DataLoader(async (campaignIds) => {
      const pairs: Array<{ campaign_id: string; persona_id: string }> = await dataSource.query(
        'SELECT campaign_id, persona_id FROM campaign_target_persona WHERE campaign_id = ANY($1::uuid[])',
        [campaignIds],
      );
      const personas = await persona.loadMany([...new Set(pairs.map((pair) => pair.persona_id))]);
      const byPersonaId = new Map(
        personas.filter((p): p is Persona => p !== null && !(p instanceof Error)).map((p) => [p.id, p]),
      );
      const rows = pairs.flatMap((pair) => {
        const found = byPersonaId.get(pair.persona_id);
        return found ? [{ campaignId: pair.campaign_id, persona: found }] : [];
      });
      return groupBy(campaignIds, rows, (row) => row.campaignId).map((group) =>
        group.map((row) => row.persona).sort((a, b) => a.name.localeCompare(b.name)),
      );
    }),
    reviewComments: childrenOf(dataSource, ReviewComment, 'review_comment', 'review_id', 'reviewId', 'created_at'),
    reviewAcknowledgements: childrenOf(
      dataSource,
      ReviewAcknowledgement,
      'review_acknowledgement',
      'review_id',
      'reviewId',
      'at',
    ),
    recentActivities: (limit) => {
      let loader = activityLoaders.get(limit);
      if (!loader) {
        loader = new DataLoader(async (leadIds) => {
          // The newest `limit` per lead in one statement, using the (lead_id, occurred_at) index.
          const rows = await selectRows<Activity>(
            dataSource,
            `SELECT ${columnsOf(dataSource, Activity, 'a')}
             FROM unnest($1::uuid[]) AS l(id)
             CROSS JOIN LATERAL (SELECT * FROM activity WHERE lead_id = l.id
                                 ORDER BY occurred_at DESC, id DESC LIMIT $2) a`,
            [leadIds, limit],
          );
          return groupBy(leadIds, rows, (row) => row.leadId);
        });
        activityLoaders.set(limit, loader);
      }
      return loader;
    },
  };
}
