import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Context } from '../context';
import { repositoryOf } from '../context';
import { AuditEntry } from '../entities/audit-entry.entity';

/** A plain JSON copy: what the row looked like, without class instances or undefined values. */
function snapshot(value: unknown): Record<string, unknown> | null {
  return value === null ? null : (JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
}

/** Records a configuration change in the caller's transaction: it commits with the change or not at all. */
export async function recordAudit(
  ctx: Context,
  subject: string,
  subjectId: string | null,
  action: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  // TypeORM's insert typing rejects JSON columns typed as records; the value is plain JSON.
  await repositoryOf(ctx, AuditEntry).insert({
    actorId: ctx.user?.id ?? null,
    subject,
    subjectId,
    action,
    before: snapshot(before),
    after: snapshot(after),
  } as QueryDeepPartialEntity<AuditEntry>);
}
