import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import type { Role } from './entities/enums';
import type { Loaders } from './loaders';

/** What the request log line says about a GraphQL request, noted as the request goes. */
export interface RequestObservation {
  /** The operation's metric label: its name, `anonymous`, `unknown` or `other`. */
  operation?: string;
  userId?: string;
  /** The first error code sent back, if any. */
  code?: string;
}

export interface CurrentUser {
  id: string;
  name: string;
  role: Role;
}

/**
 * What every resolver and service receives first. Inside a transaction `manager` is set, so
 * services called from one another share it without passing managers around.
 */
export interface Context {
  requestId: string;
  user: CurrentUser | null;
  /** The API token the caller presented; rate limits are counted per token. */
  tokenId?: string | null;
  dataSource: DataSource;
  /** A read replica (DATABASE_READ_URL) for metric queries and lists; absent, they read `dataSource`. */
  readDataSource?: DataSource;
  loaders: Loaders;
  manager?: EntityManager;
  /** Set for requests over HTTP: read by the request log. */
  observation?: RequestObservation;
}

export function managerOf(ctx: Context): EntityManager {
  return ctx.manager ?? ctx.dataSource.manager;
}

/**
 * Where a read that may lag the primary by the replica's delay goes: metric queries and list
 * pages. Inside a transaction it stays on the transaction (read-your-writes); without a replica
 * it is the primary. Never used for a read that a write depends on.
 */
export function readerOf(ctx: Context): EntityManager {
  return ctx.manager ?? (ctx.readDataSource ?? ctx.dataSource).manager;
}

export function repositoryOf<T extends ObjectLiteral>(ctx: Context, entity: EntityTarget<T>): Repository<T> {
  return managerOf(ctx).getRepository(entity);
}
