import type { Context } from '../context';
import { readerOf } from '../context';
import { Conditions } from '../db/select';
import { AuditEntry } from '../entities/audit-entry.entity';
import type { Page } from '../schema/connection';
import type { AuditLogArgs } from '../schema/inputs/audit.inputs';
import { keysetPage, type KeysetOrder } from './pagination';

const NEWEST_CHANGE_FIRST: KeysetOrder = { property: 'at', column: 'at', kind: 'date', direction: 'DESC' };

/** Recorded configuration changes, newest first, paged by (at, id). */
export async function listAuditEntries(ctx: Context, args: AuditLogArgs): Promise<Page<AuditEntry>> {
  const where = new Conditions();
  const filter = args.filter ?? {};
  if (filter.subject !== undefined) where.add(`t.subject = ${where.param(filter.subject)}`);
  if (filter.subjectId !== undefined) where.add(`t.subject_id = ${where.param(filter.subjectId)}`);
  if (filter.actorId !== undefined) where.add(`t.actor_id = ${where.param(filter.actorId)}`);
  if (filter.action !== undefined) where.add(`t.action = ${where.param(filter.action)}`);
  if (filter.from) where.add(`t.at >= ${where.param(filter.from)}`);
  if (filter.to) where.add(`t.at < ${where.param(filter.to)}`);
  return keysetPage(readerOf(ctx), AuditEntry, 'audit_entry', where, NEWEST_CHANGE_FIRST, args.first, args.after);
}
