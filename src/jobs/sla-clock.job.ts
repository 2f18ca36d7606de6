import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Context } from '../context';
import { managerOf } from '../context';
import { emitEvents, type NewEvent } from '../events/outbox';
import type { EventType } from '../events/event-types';
import { createLoaders } from '../loaders';
import { completedSql, dueSql, termsInForceSql } from '../rollups/sla-case';
import { inTransaction } from '../services/transaction';

/**
 * SLA clocks that fire. Every minute (a pg-boss schedule) the clock looks at the time SLAs' cases
 * (a stage visit judged by the terms in force when its clock started: src/rollups/sla-case.ts, the
 * definition Lead.slaStatus and slaReport use) and emits, once per case:
 *
 * - `sla.at_risk` when 75 % of the allowed time has passed and the case was not completed by then
 *   (Lead.slaStatus says AT_RISK from that moment until the case is met or due);
 * - `sla.breached` when the case is due and was not completed by then (BREACHED);
 * - `sla.met` when the case was completed in time (MET).
 *
 * A case that completes between 75 % and due has fired at_risk and then met; a clock that was
 * stopped past a case's due time fires at_risk and breached together, in that order. The table
 * sla_clock_alert (primary key: case, kind) makes each fire once, across restarts and processes.
 * Only moments within the last LOOKBACK are fired: a database that had no clock running does not
 * flood its subscribers with the distant past.
 */

export const AT_RISK_SHARE = 0.75;
const LOOKBACK = '7 days';
const BATCH = 1000;

interface DueAlert {
  visit_id: string;
  sla_id: string;
  kind: 'at_risk' | 'breached' | 'met';
  lead_id: string;
  sla_name: string;
  sla_kind: string;
  stage_key: string;
  owner_id: string | null;
  terms_version: number;
  started_at: Date;
  at_risk_at: Date;
  due_at: Date;
  completed_at: Date | null;
  moment: Date;
}

const STATUS: Record<DueAlert['kind'], string> = { at_risk: 'AT_RISK', breached: 'BREACHED', met: 'MET' };

/** The alerts due at `now` that have not fired yet, oldest moment first. */
function dueAlertsSql(): string {
  const due = dueSql('v', 'st');
  const completed = completedSql('v', 'st');
  const atRisk = `(v.entered_at + (${due} - v.entered_at) * ${AT_RISK_SHARE})`;
  return `
    WITH cases AS (
      SELECT v.id AS visit_id, s.id AS sla_id, v.lead_id, s.name AS sla_name, s.kind::text AS sla_kind,
        fs.key AS stage_key, v.owner_id, st.version AS terms_version, v.entered_at AS started_at,
        ${atRisk} AS at_risk_at, ${due} AS due_at, ${completed} AS completed_at
      FROM stage_visit v
      JOIN sla_terms st ON ${termsInForceSql('v', 'st')}
      JOIN sla s ON s.id = st.sla_id AND s.archived_at IS NULL AND s.kind IN ('RESPONSE_TIME', 'FOLLOW_UP')
      JOIN funnel_stage fs ON fs.id = v.stage_id
      WHERE v.entered_at <= $1
        AND v.entered_at >= $1::timestamptz - interval '${LOOKBACK}' - (
          SELECT coalesce(max(greatest(make_interval(hours => t.within_hours), make_interval(days => t.within_days))), interval '0')
          FROM sla_terms t)
    )
    SELECT c.*, k.kind, k.moment FROM cases c
    CROSS JOIN LATERAL (VALUES
      ('at_risk', c.at_risk_at, c.at_risk_at <= $1 AND (c.completed_at IS NULL OR c.completed_at > c.at_risk_at)),
      ('breached', c.due_at, c.due_at <= $1 AND (c.completed_at IS NULL OR c.completed_at > c.due_at)),
      ('met', c.completed_at, c.completed_at <= c.due_at AND c.completed_at <= $1)
    ) AS k(kind, moment, fires)
    WHERE k.fires AND k.moment >= $1::timestamptz - interval '${LOOKBACK}'
      AND NOT EXISTS (SELECT 1 FROM sla_clock_alert a WHERE a.visit_id = c.visit_id AND a.sla_id = c.sla_id AND a.kind = k.kind)
    ORDER BY k.moment, c.visit_id, k.kind
    LIMIT ${BATCH}`;
}

function eventOf(alert: DueAlert, id: string): NewEvent {
  return {
    id,
    type: `sla.${alert.kind}` as EventType,
    leadId: alert.lead_id,
    data: {
      slaId: alert.sla_id,
      slaName: alert.sla_name,
      slaKind: alert.sla_kind,
      caseId: alert.visit_id,
      stage: alert.stage_key,
      ownerId: alert.owner_id,
      termsVersion: alert.terms_version,
      startedAt: alert.started_at.toISOString(),
      atRiskAt: alert.at_risk_at.toISOString(),
      dueAt: alert.due_at.toISOString(),
      completedAt: alert.completed_at?.toISOString() ?? null,
      status: STATUS[alert.kind],
    },
  };
}

/**
 * Fires the SLA alerts due at `now` (injectable for tests); answers how many fired. Each batch is
 * one transaction: the leads are locked (their event sequence), the (case, kind) rows are
 * claimed with ON CONFLICT DO NOTHING, and only the claimed ones become events.
 */
export async function runSlaClock(dataSource: DataSource, now = new Date()): Promise<number> {
  const ctx: Context = { requestId: 'sla-clock', user: null, dataSource, loaders: createLoaders(dataSource) };
  let fired = 0;
  for (;;) {
    const batch = await inTransaction(ctx, async (tx) => {
      const db = managerOf(tx);
      const due = await db.query<DueAlert[]>(dueAlertsSql(), [now]);
      if (due.length === 0) return { found: 0, fired: 0 };
      const leadIds = [...new Set(due.map((alert) => alert.lead_id))].sort();
      await db.query('SELECT id FROM lead WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [leadIds]);
      const ids = due.map(() => randomUUID());
      const claimed = await db.query<Array<{ event_id: string }>>(
        `INSERT INTO sla_clock_alert (visit_id, sla_id, kind, event_id, fired_at)
         SELECT u.*, clock_timestamp() FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::uuid[]) AS u
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [due.map((alert) => alert.visit_id), due.map((alert) => alert.sla_id), due.map((alert) => alert.kind), ids],
      );
      const won = new Set(claimed.map((row) => row.event_id));
      await emitEvents(
        tx,
        due.flatMap((alert, index) => (won.has(ids[index]!) ? [eventOf(alert, ids[index]!)] : [])),
      );
      return { found: due.length, fired: won.size };
    });
    fired += batch.fired;
    if (batch.found < BATCH) return fired;
  }
}
