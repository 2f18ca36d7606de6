import type { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../context';
import { managerOf } from '../context';
import { columnsOf, selectEntities, selectRows } from '../db/select';
import type { TransitionCause } from '../entities/enums';
import { LeadChange } from '../entities/lead-change.entity';
import type { Page } from '../schema/connection';
import { cursorKeyOf, decodeCursor, encodeCursor } from './pagination';

/** One field of one lead going from `before` to `after` (null: unset). */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/**
 * Appends a lead's field changes to its record, in the caller's transaction, so they commit with
 * the change or not at all. All rows of one call share one time, actor and cause.
 */
export async function recordLeadChanges(
  tx: Context,
  leadId: string,
  changes: FieldChange[],
  cause: TransitionCause,
  at = new Date(),
): Promise<void> {
  if (changes.length === 0) return;
  await managerOf(tx).query(
    `INSERT INTO lead_change (lead_id, field, before, after, at, actor_id, cause)
     SELECT $1, u.field, u.before, u.after, $2, $3, $4
     FROM jsonb_to_recordset($5::jsonb) AS u(field text, before jsonb, after jsonb)`,
    [
      leadId,
      at,
      tx.user?.id ?? null,
      cause,
      JSON.stringify(
        changes.map(({ field, before, after }) => ({ field, before: before ?? null, after: after ?? null })),
      ),
    ],
  );
}

/**
 * Records stage moves as `stage` changes (stage keys before and after; a new lead has none
 * before). One statement however many leads moved, so the bulk re-score path can use it too.
 */
export async function recordStageChanges(
  tx: Context,
  moves: Array<{ leadId: string; fromStageId: string | null; toStageId: string }>,
  at: Date,
  cause: TransitionCause,
  actorId: string | null,
): Promise<void> {
  if (moves.length === 0) return;
  await managerOf(tx).query(
    `INSERT INTO lead_change (lead_id, field, before, after, at, actor_id, cause)
     SELECT u.lead_id, 'stage', to_jsonb(f.key), to_jsonb(t.key), $4, $5, $6
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS u(lead_id, from_id, to_id)
     JOIN funnel_stage t ON t.id = u.to_id
     LEFT JOIN funnel_stage f ON f.id = u.from_id`,
    [
      moves.map((move) => move.leadId),
      moves.map((move) => move.fromStageId),
      moves.map((move) => move.toStageId),
      at,
      actorId,
      cause,
    ],
  );
}

export interface LeadChangesArgs {
  first: number;
  after?: string | null;
  fields?: string[] | null;
}

/**
 * A page of each lead's changes, newest first, in one statement for all the leads (one LATERAL
 * scan of the (lead_id, at, id) index per lead), paged by (at, id) like every connection.
 */
export async function leadChangePages(
  db: DataSource | EntityManager,
  leadIds: readonly string[],
  args: LeadChangesArgs,
): Promise<Array<Page<LeadChange>>> {
  const params: unknown[] = [leadIds, args.first + 1];
  // Signed like every connection's cursors, and only good for a lead's changes.
  const key = await cursorKeyOf(db);
  const connection = 'lead_change:at:DESC';
  const conditions = ['c.lead_id = l.id'];
  if (args.fields) {
    params.push(args.fields);
    conditions.push(`c.field = ANY($${params.length}::text[])`);
  }
  if (args.after !== undefined && args.after !== null) {
    const [at, id] = decodeCursor(key, connection, args.after, 'date');
    params.push(at, id);
    conditions.push(`(c.at, c.id) < ($${params.length - 1}, $${params.length})`);
  }
  const rows = await selectEntities<LeadChange>(
    db,
    LeadChange,
    `SELECT ${columnsOf(db, LeadChange, 'c')}
     FROM unnest($1::uuid[]) AS l(id)
     CROSS JOIN LATERAL (SELECT * FROM lead_change c WHERE ${conditions.join(' AND ')}
                         ORDER BY c.at DESC, c.id DESC LIMIT $2) c`,
    params,
  );
  const byLead = new Map<string, LeadChange[]>(leadIds.map((id) => [id, []]));
  for (const row of rows) byLead.get(row.leadId)?.push(row);
  return leadIds.map((leadId) => {
    const mine = byLead.get(leadId) ?? [];
    const nodes = mine.slice(0, args.first);
    return {
      nodes,
      cursorAt: (index) => encodeCursor(key, connection, nodes[index]!.at, nodes[index]!.id),
      hasNextPage: mine.length > args.first,
      hasPreviousPage: args.after !== undefined && args.after !== null,
      countTotal: async () => {
        const [row] = await selectRows<{ count: number }>(
          db,
          `SELECT count(*)::int AS count FROM lead_change c
           WHERE c.lead_id = $1${args.fields ? ' AND c.field = ANY($2::text[])' : ''}`,
          args.fields ? [leadId, args.fields] : [leadId],
        );
        return row?.count ?? 0;
      },
    };
  });
}
