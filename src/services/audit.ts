import type { Context } from '../context';
import { repositoryOf } from '../context';
import { AuditEntry } from '../entities/audit-entry.entity';

/** Records a configuration change in the caller's transaction: it commits with the change or not at all. */
export async function recordAudit(
  ctx: Context,
  subject: string,
  subjectId: string | null,
  action: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  await repositoryOf(ctx, AuditEntry).insert({
    actorId: ctx.user?.id ?? null,
    subject,
    subjectId,
    action,
    before: before === null ? null : (JSON.parse(JSON.stringify(before)) as unknown),
    after: after === null ? null : (JSON.parse(JSON.stringify(after)) as unknown),
  });
}
