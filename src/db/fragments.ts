import * as sql from 'pg-sql2';
import type { SQL } from 'pg-sql2';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { columnsOf, selectRows } from './select';

/**
 * The metric and rollup SQL is built from pg-sql2 fragments (4.x: CommonJS, runs on Node 20):
 * identifiers are quoted by `sql.identifier`, every input is a `sql.value` placeholder, and
 * pieces compose with `sql.join` instead of string concatenation. `sql.compile` turns a statement
 * into the `{ text, values }` pair the driver takes; test/report-sql.test.ts keeps each report's
 * compiled statement as a snapshot.
 */
export { sql, type SQL };

type Queryable = DataSource | EntityManager;

/** `a AND b AND ...`, or `true` when there are no conditions. */
export const allOf = (conditions: readonly SQL[]): SQL =>
  conditions.length ? sql.join([...conditions], ' AND ') : sql.query`true`;

/** `WHERE a AND b ...`, or nothing when there are no conditions. */
export const whereOf = (conditions: readonly SQL[]): SQL =>
  conditions.length ? sql.query`WHERE ${sql.join([...conditions], ' AND ')}` : sql.blank;

/** `alias.column` for one column name. */
export const column = (alias: string, name: string): SQL => sql.identifier(alias, name);

/** A bigint known to the code (a stage mask) as a SQL literal; bit 63 is the sign bit. */
export const bigintLiteral = (value: bigint): SQL => sql.raw(`(${BigInt.asIntN(64, value).toString()})::bigint`);

/** An integer known to the code (a count, a version, a share in hours) inlined, so plans may use it. */
export const intLiteral = (value: number | null | undefined): SQL => sql.literal(Math.trunc(Number(value)));

const metadataOf = (db: Queryable, entity: EntityTarget<ObjectLiteral>) =>
  ('connection' in db ? db.connection : db).getMetadata(entity);

/** The entity's database column names, in its declared order; `except` leaves some out. */
export function columnNamesOf(
  db: Queryable,
  entity: EntityTarget<ObjectLiteral>,
  except: readonly string[] = [],
): string[] {
  return metadataOf(db, entity)
    .columns.map((candidate) => candidate.databaseName)
    .filter((name) => !except.includes(name));
}

/** `alias.c1, alias.c2, ...` for the entity's columns (see columnNamesOf). */
export const columnListOf = (
  db: Queryable,
  entity: EntityTarget<ObjectLiteral>,
  alias: string,
  except: readonly string[] = [],
): SQL =>
  sql.join(
    columnNamesOf(db, entity, except).map((name) => column(alias, name)),
    ', ',
  );

/** `alias.db_column AS "property", ...`: rows come back named as the entity's properties (see columnsOf). */
export const selectListOf = (db: Queryable, entity: EntityTarget<ObjectLiteral>, alias: string): SQL =>
  sql.raw(columnsOf(db, entity, alias));

/** Runs a statement built from fragments (see selectRows: the pool outside a transaction). */
export function selectSql<T>(db: Queryable, statement: SQL): Promise<T[]> {
  const { text, values } = sql.compile(statement);
  return selectRows<T>(db, text, values ?? []);
}

/**
 * The text of a fragment that carries no values, for SQL still written as strings (the rollups'
 * statements). Refuses a fragment with values: their placeholders would be lost.
 */
export function textOf(fragment: SQL): string {
  const { text, values } = sql.compile(fragment);
  if (values && values.length > 0) throw new Error('textOf: the fragment has values; compile it instead');
  return text;
}
