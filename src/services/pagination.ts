import { createHmac, timingSafeEqual } from 'node:crypto';
import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { columnsOf, selectRows, type Conditions, selectEntities } from '../db/select';
import { badInput } from '../schema/errors';
import type { Page } from '../schema/connection';

export type SortValueKind = 'date' | 'int';

export interface KeysetOrder {
  /** Entity property the page is sorted by; the primary key breaks ties. */
  property: string;
  column: string;
  kind: SortValueKind;
  direction: 'ASC' | 'DESC';
}

export const NEWEST_FIRST: KeysetOrder = {
  property: 'createdAt',
  column: 'created_at',
  kind: 'date',
  direction: 'DESC',
};

/** An ILIKE pattern matching `text` anywhere; `%` and `_` in it are literal, not wildcards. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CURSOR_LENGTH = 400;

/**
 * The key that signs cursors, from the `app_secret` table (made by migration from PostgreSQL's
 * random generator): every process behind a load balancer reads the same one, and no setting has
 * to be distributed. Read once per data source.
 */
const cursorKeys = new WeakMap<DataSource, Promise<Buffer>>();

export function cursorKeyOf(db: DataSource | EntityManager): Promise<Buffer> {
  const dataSource = db instanceof DataSource ? db : db.connection;
  let key = cursorKeys.get(dataSource);
  if (!key) {
    key = (async () => {
      const rows = await selectRows<{ value: string }>(db, `SELECT value FROM app_secret WHERE name = 'cursor'`, []);
      const value = rows[0]?.value;
      if (!value) throw new Error('app_secret has no cursor key: run the migrations');
      return Buffer.from(value, 'utf8');
    })();
    key.catch(() => cursorKeys.delete(dataSource));
    cursorKeys.set(dataSource, key);
  }
  return key;
}

function signature(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest().subarray(0, 16);
}

/**
 * A cursor is `payload.signature`: the payload names the connection it belongs to (table, sort
 * property and direction) with the position in it, and the HMAC proves this API issued it.
 */
export function encodeCursor(key: Buffer, connection: string, value: unknown, id: string): string {
  const sortValue = value instanceof Date ? value.toISOString() : value;
  const payload = Buffer.from(JSON.stringify([connection, sortValue, id])).toString('base64url');
  return `${payload}.${signature(key, payload).toString('base64url')}`;
}

/**
 * Cursors are opaque to clients: a forged or altered one, or one from another connection, is bad
 * input naming `after`, before anything reaches SQL.
 */
export function decodeCursor(
  key: Buffer,
  connection: string,
  cursor: string,
  kind: SortValueKind,
): [string | number, string] {
  const invalid = badInput('after', 'after is not a cursor issued by this API');
  const [payload, signed, ...rest] = cursor.length > MAX_CURSOR_LENGTH ? [] : cursor.split('.');
  if (!payload || !signed || rest.length > 0 || !BASE64URL.test(payload) || !BASE64URL.test(signed)) throw invalid;
  const given = Buffer.from(signed, 'base64url');
  const expected = signature(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) throw invalid;
  const [issuedFor, value, id] = decoded as [unknown, unknown, unknown];
  if (issuedFor !== connection) {
    throw badInput('after', 'after is a cursor of another list: pass a cursor from this same list');
  }
  if (typeof id !== 'string' || !UUID.test(id)) throw invalid;
  if (kind === 'int' && Number.isSafeInteger(value)) return [value as number, id];
  if (kind === 'date' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) return [value, id];
  throw invalid;
}

/**
 * Pages a table by key (sort column, id), as PostGraphile does: no OFFSET, so page 1000 costs
 * what page 1 costs. Fetches one extra row to know whether another page follows. The count runs
 * only when a client asks for `totalCount`.
 */
export async function keysetPage<T extends ObjectLiteral & { id: string }>(
  db: DataSource | EntityManager,
  entity: EntityTarget<T>,
  table: string,
  filter: Conditions,
  order: KeysetOrder,
  first: number,
  after: string | null | undefined,
): Promise<Page<T>> {
  const countSql = `SELECT count(*)::int AS count FROM ${table} t ${filter.where()}`;
  const countParams = [...filter.params];
  const key = await cursorKeyOf(db);
  const connection = `${table}:${order.property}:${order.direction}`;
  // `after: null` (an explicit null variable) is the first page, like no `after` at all.
  if (after !== undefined && after !== null) {
    const [value, id] = decodeCursor(key, connection, after, order.kind);
    const comparison = order.direction === 'DESC' ? '<' : '>';
    filter.add(`(t.${order.column}, t.id) ${comparison} (${filter.param(value)}, ${filter.param(id)})`);
  }
  const rows = await selectEntities<T>(
    db,
    entity,
    `SELECT ${columnsOf(db, entity, 't')} FROM ${table} t ${filter.where()}
     ORDER BY t.${order.column} ${order.direction}, t.id ${order.direction} LIMIT ${first + 1}`,
    filter.params,
  );
  const hasNextPage = rows.length > first;
  const nodes = rows.slice(0, first);
  return {
    nodes,
    cursorAt: (index) => encodeCursor(key, connection, nodes[index]![order.property], nodes[index]!.id),
    hasNextPage,
    hasPreviousPage: after !== undefined && after !== null,
    countTotal: async () => (await selectRows<{ count: number }>(db, countSql, countParams))[0]?.count ?? 0,
  };
}
