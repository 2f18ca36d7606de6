import { randomBytes } from 'node:crypto';
import type { Context } from '../context';
import { managerOf, readerOf, repositoryOf } from '../context';
import { Conditions } from '../db/select';
import { WebhookAttempt } from '../entities/webhook-attempt.entity';
import { WebhookDelivery } from '../entities/webhook-delivery.entity';
import { WebhookEndpoint } from '../entities/webhook-endpoint.entity';
import { EVENT_TYPES, isEventType } from '../events/event-types';
import { loadEvents } from '../events/outbox';
import { endpointFailureCounts, outboxLagSeconds, type EndpointFailureCounts } from '../events/webhooks-status';
import { checkedAddresses } from '../events/webhooks-target';
import type { Page } from '../schema/connection';
import { AppError, badInput, ErrorCode, notFound } from '../schema/errors';
import type {
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  WebhookDeliveriesArgs,
} from '../schema/inputs/webhook.inputs';
import { recordAudit } from './audit';
import { NEWEST_FIRST, keysetPage } from './pagination';
import { assertId, lockOrThrow } from './references';
import { inTransaction } from './transaction';

/**
 * Webhook endpoints, managed by OPS and ADMIN. A secret is a Standard Webhooks one (`whsec_` and
 * 32 random bytes in base64), answered by createWebhookEndpoint and rotateWebhookSecret only;
 * the audit record never holds it.
 */

export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** What the audit log keeps of an endpoint: everything but the secret. */
function audited(endpoint: WebhookEndpoint): Record<string, unknown> {
  return { url: endpoint.url, eventTypes: endpoint.eventTypes, active: endpoint.active, pausedAt: endpoint.pausedAt };
}

/** A URL deliveries may go to: http(s), and a host on public addresses (WEBHOOK_ALLOW_PRIVATE aside). */
async function assertDeliverableUrl(url: string, field: string): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badInput(field, `${field}: not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw badInput(field, `${field}: only http:// and https:// URLs receive webhooks`);
  }
  if (parsed.username || parsed.password) throw badInput(field, `${field}: credentials in the URL are not accepted`);
  try {
    await checkedAddresses(parsed.hostname);
  } catch (error) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `${field}: ${(error as Error).message}`, {
      field,
      reason: 'REFUSED_TARGET',
    });
  }
  return parsed.toString();
}

function assertEventTypes(types: string[], field: string): string[] {
  types.forEach((type, index) => {
    if (!isEventType(type)) {
      throw badInput(`${field}[${index}]`, `"${type}" is not an event type; the types are ${EVENT_TYPES.join(', ')}`);
    }
  });
  return [...new Set(types)];
}

export async function listWebhookEndpoints(ctx: Context): Promise<WebhookEndpoint[]> {
  return readerOf(ctx)
    .getRepository(WebhookEndpoint)
    .find({ order: { createdAt: 'ASC', id: 'ASC' } });
}

export async function createWebhookEndpoint(
  ctx: Context,
  input: CreateWebhookEndpointInput,
): Promise<EndpointWithSecret> {
  const eventTypes = assertEventTypes(input.eventTypes, 'input.eventTypes');
  const url = await assertDeliverableUrl(input.url, 'input.url');
  return inTransaction(ctx, async (tx) => {
    const repo = repositoryOf(tx, WebhookEndpoint);
    const secret = newSecret();
    const endpoint = await repo.save(repo.create({ url, eventTypes, active: input.active, secret }));
    await recordAudit(tx, 'webhook_endpoint', endpoint.id, 'create', null, audited(endpoint));
    return { endpoint, secret };
  });
}

export async function updateWebhookEndpoint(ctx: Context, input: UpdateWebhookEndpointInput): Promise<WebhookEndpoint> {
  assertId(input.id, 'input.id');
  const eventTypes = input.eventTypes ? assertEventTypes(input.eventTypes, 'input.eventTypes') : undefined;
  const url =
    input.url !== undefined && input.url !== null ? await assertDeliverableUrl(input.url, 'input.url') : undefined;
  return inTransaction(ctx, async (tx) => {
    const endpoint = await lockOrThrow(tx, WebhookEndpoint, 'webhook endpoint', input.id, 'input.id');
    const before = audited(endpoint);
    if (url !== undefined) endpoint.url = url;
    if (eventTypes !== undefined) endpoint.eventTypes = eventTypes;
    if (input.active !== undefined && input.active !== null) {
      endpoint.active = input.active;
      if (input.active) {
        endpoint.pausedAt = null;
        endpoint.consecutiveFailures = 0;
      }
    }
    const saved = await repositoryOf(tx, WebhookEndpoint).save(endpoint);
    await recordAudit(tx, 'webhook_endpoint', endpoint.id, 'update', before, audited(saved));
    return saved;
  });
}

/** Deletes the endpoint with its deliveries and their log; the audit log keeps what it was. */
export async function deleteWebhookEndpoint(ctx: Context, id: string): Promise<WebhookEndpoint> {
  assertId(id, 'id');
  return inTransaction(ctx, async (tx) => {
    const endpoint = await lockOrThrow(tx, WebhookEndpoint, 'webhook endpoint', id, 'id');
    await repositoryOf(tx, WebhookEndpoint).delete({ id });
    await recordAudit(tx, 'webhook_endpoint', id, 'delete', audited(endpoint), null);
    return Object.assign(endpoint, { id });
  });
}

/** A new secret at once; deliveries from now on are signed with it (the old one stops working). */
export async function rotateWebhookSecret(ctx: Context, id: string): Promise<EndpointWithSecret> {
  assertId(id, 'id');
  return inTransaction(ctx, async (tx) => {
    const endpoint = await lockOrThrow(tx, WebhookEndpoint, 'webhook endpoint', id, 'id');
    endpoint.secret = newSecret();
    const saved = await repositoryOf(tx, WebhookEndpoint).save(endpoint);
    await recordAudit(tx, 'webhook_endpoint', id, 'rotate_secret', null, null);
    return { endpoint: saved, secret: endpoint.secret };
  });
}

/**
 * Queues again every event of [from, to) (by when it happened) that the endpoint subscribes to:
 * delivered, dead-lettered and never-sent alike, as fresh deliveries (attempts from 0, the same
 * event id). Answers how many were queued. Order per lead holds as for any delivery.
 */
export async function redeliverWebhooks(ctx: Context, endpointId: string, from: Date, to: Date): Promise<number> {
  assertId(endpointId, 'endpointId');
  if (!(from < to)) throw badInput('to', '`to` must be after `from`');
  return inTransaction(ctx, async (tx) => {
    const endpoint = await lockOrThrow(tx, WebhookEndpoint, 'webhook endpoint', endpointId, 'endpointId');
    const rows = await managerOf(tx).query<Array<{ id: string }>>(
      `INSERT INTO webhook_delivery (endpoint_id, event_id, event_type, lead_id, position, next_attempt_at)
       SELECT $1, o.id, o.type, o.lead_id, o.position, clock_timestamp()
       FROM outbox_event o
       WHERE o.occurred_at >= $2 AND o.occurred_at < $3 AND o.type = ANY($4::varchar[]) AND o.dispatched_at IS NOT NULL
       ORDER BY o.position
       ON CONFLICT (endpoint_id, event_id) DO UPDATE SET
         status = 'PENDING', attempts = 0, next_attempt_at = clock_timestamp(), locked_until = NULL,
         delivered_at = NULL, dead_at = NULL, created_at = clock_timestamp()
       RETURNING id`,
      [endpoint.id, from, to, endpoint.eventTypes],
    );
    await recordAudit(tx, 'webhook_endpoint', endpoint.id, 'redeliver', null, {
      from: from.toISOString(),
      to: to.toISOString(),
      deliveries: rows.length,
    });
    return rows.length;
  });
}

export async function getWebhookEndpointOrThrow(ctx: Context, id: string, field = 'id'): Promise<WebhookEndpoint> {
  assertId(id, field);
  const endpoint = await readerOf(ctx).getRepository(WebhookEndpoint).findOneBy({ id });
  if (!endpoint) throw notFound('webhook endpoint', id, field);
  return endpoint;
}

/** The delivery log, newest queued first. */
export async function listWebhookDeliveries(ctx: Context, args: WebhookDeliveriesArgs): Promise<Page<WebhookDelivery>> {
  const where = new Conditions();
  const filter = args.filter ?? {};
  if (filter.endpointId) where.add(`t.endpoint_id = ${where.param(filter.endpointId)}`);
  if (filter.status) where.add(`t.status = ${where.param(filter.status)}`);
  if (filter.leadId) where.add(`t.lead_id = ${where.param(filter.leadId)}`);
  if (filter.eventId) where.add(`t.event_id = ${where.param(filter.eventId)}`);
  return keysetPage(readerOf(ctx), WebhookDelivery, 'webhook_delivery', where, NEWEST_FIRST, args.first, args.after);
}

/** The attempts of one delivery, oldest first. */
export async function listWebhookAttempts(ctx: Context, deliveryId: string): Promise<WebhookAttempt[]> {
  return readerOf(ctx)
    .getRepository(WebhookAttempt)
    .find({ where: { deliveryId }, order: { at: 'ASC', id: 'ASC' } });
}

/** See outboxLagSeconds: read on the primary, where the delivery worker writes. */
export function outboxLag(ctx: Context): Promise<number> {
  return outboxLagSeconds(managerOf(ctx));
}

export async function failuresOfEndpoint(ctx: Context, endpoint: WebhookEndpoint): Promise<EndpointFailureCounts> {
  const counts = (await endpointFailureCounts(managerOf(ctx), [endpoint.id])).get(endpoint.id);
  return (
    counts ?? {
      endpointId: endpoint.id,
      paused: endpoint.pausedAt !== null,
      consecutiveFailures: endpoint.consecutiveFailures,
      failedAttempts: 0,
      deadDeliveries: 0,
      pendingDeliveries: 0,
    }
  );
}

/** The body a delivery carries: `{ type, timestamp, data }`; null when the event is gone. */
export async function payloadOfDelivery(ctx: Context, delivery: WebhookDelivery): Promise<unknown> {
  const [envelope] = await loadEvents(managerOf(ctx), [delivery.eventId]);
  return envelope ? { type: envelope.type, timestamp: envelope.timestamp, data: envelope.data } : null;
}
