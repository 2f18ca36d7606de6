import type { Context } from '../context';
import { EVENT_TYPES } from '../events/event-types';
import { liveEvents, rescoreProgress, type LiveEvent } from '../events/live-events';

export type { LiveEvent };
import type { RescoreJob } from '../entities/rescore-job.entity';
import { badInput } from '../schema/errors';
import type { LeadEventFilter } from '../schema/events/live-event.types';
import { assertId } from './references';
import { getRescoreJobOrThrow } from './rescore.service';

/** The SLA events `slaAlerts` delivers: a case past 75% of its allowed time, and past due. */
export const SLA_ALERT_TYPES: ReadonlySet<string> = new Set(['sla.at_risk', 'sla.breached']);

/** How often a `rescoreJobProgress` subscription reads its job. */
export const RESCORE_PROGRESS_INTERVAL_MS = 250;

const MAX_FILTER_ITEMS = 50;

function checkList(list: readonly unknown[] | null | undefined, field: string): string[] | undefined {
  if (list === null || list === undefined) return undefined;
  if (list.length > MAX_FILTER_ITEMS) throw badInput(field, `${field} may name at most ${MAX_FILTER_ITEMS} items`);
  return list.map(String);
}

/**
 * The committed lead events that pass `filter`, from now on. Unknown event types and stage keys
 * are refused (BAD_USER_INPUT naming the item), so a typo is not a silent stream of nothing.
 */
export async function leadEventStream(ctx: Context, filter: LeadEventFilter): Promise<AsyncIterable<LiveEvent>> {
  const types = checkList(filter.types, 'filter.types');
  types?.forEach((type, index) => {
    if (!isLeadEventType(type)) throw badInput(`filter.types[${index}]`, `${type} is not a lead event type`);
  });
  const stages = checkList(filter.stages, 'filter.stages');
  if (stages) {
    const known = new Set((await ctx.loaders.stages()).map((stage) => stage.key));
    stages.forEach((key, index) => {
      if (!known.has(key)) throw badInput(`filter.stages[${index}]`, `${key} is not a funnel stage key`);
    });
  }
  const ownerId = filter.ownerId ?? undefined;
  if (ownerId !== undefined) assertId(ownerId, 'filter.ownerId');
  const typeSet = types ? new Set(types) : undefined;
  const stageSet = stages ? new Set(stages) : undefined;
  return liveEvents(
    ctx.dataSource,
    typeSet,
    (event) =>
      event.leadId !== null &&
      (!typeSet || typeSet.has(event.type)) &&
      (!stageSet || (event.stage !== null && stageSet.has(event.stage))) &&
      (ownerId === undefined || event.ownerId === ownerId),
  );
}

/** `sla.at_risk` and `sla.breached` events, of the cases owned by `ownerId` when given. */
export async function slaAlertStream(
  ctx: Context,
  ownerId: string | null | undefined,
): Promise<AsyncIterable<LiveEvent>> {
  if (ownerId !== null && ownerId !== undefined) assertId(ownerId, 'ownerId');
  return liveEvents(
    ctx.dataSource,
    SLA_ALERT_TYPES,
    (event) =>
      event.leadId !== null &&
      SLA_ALERT_TYPES.has(event.type) &&
      (ownerId === null || ownerId === undefined || event.ownerId === ownerId),
  );
}

/** The job now, then at every change of its counts or status, until it is DONE or FAILED. */
export async function rescoreProgressStream(ctx: Context, id: string): Promise<AsyncIterable<RescoreJob>> {
  const job = await getRescoreJobOrThrow(ctx, id);
  return rescoreProgress(ctx.dataSource, job, RESCORE_PROGRESS_INTERVAL_MS);
}

/** Events about a lead: every type but `rule_set.published`. */
const LEAD_EVENT_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES.filter((type) => type !== 'rule_set.published'));

function isLeadEventType(type: string): boolean {
  return LEAD_EVENT_TYPES.has(type);
}
