import * as sql from 'pg-sql2';
import { columnsOf, type EntityClass } from '../entities/rollup-view';

/** The rollups' SQL is written as pg-sql2 fragments; this is their type. */
export type Fragment = sql.SQL;

/** What the rollups run their SQL through: a DataSource, or a transaction's EntityManager. */
export interface Queryable {
  query<T = unknown>(text: string, parameters?: unknown[]): Promise<T>;
}

/** Runs a fragment (compiled to text and $n parameters). */
export async function run<T = unknown>(db: Queryable, fragment: Fragment): Promise<T> {
  const { text, values } = sql.compile(fragment);
  return db.query<T>(text, values);
}

/** `alias.column`, or `column` without an alias. */
export const col = (alias: string | null, name: string): Fragment =>
  alias === null ? sql.identifier(name) : sql.identifier(alias, name);

/** A comma-separated column list, each column optionally qualified by `alias`. */
export const columnList = (names: readonly string[], alias: string | null = null): Fragment =>
  sql.join(
    names.map((name) => col(alias, name)),
    ', ',
  );

/** An entity's columns (from its decorators): all, its primary key, and the rest. */
export function tableColumns(entity: EntityClass): { all: string[]; key: string[]; values: string[] } {
  const columns = columnsOf(entity);
  return {
    all: columns.map((column) => column.name),
    key: columns.filter((column) => column.primary).map((column) => column.name),
    values: columns.filter((column) => !column.primary).map((column) => column.name),
  };
}

/** `c = EXCLUDED.c, ...` for an upsert that replaces these columns. */
export const replaceExcluded = (names: readonly string[]): Fragment =>
  sql.join(
    names.map((name) => sql.query`${sql.identifier(name)} = EXCLUDED.${sql.identifier(name)}`),
    ', ',
  );

/** `c = table.c + EXCLUDED.c, ...` for an upsert that adds these columns. */
export const addExcluded = (table: string, names: readonly string[]): Fragment =>
  sql.join(
    names.map((name) => sql.query`${sql.identifier(name)} = ${col(table, name)} + EXCLUDED.${sql.identifier(name)}`),
    ', ',
  );

/** `(table.a, ...) IS DISTINCT FROM (EXCLUDED.a, ...)`: an upsert that changes nothing writes nothing. */
export const changedFromExcluded = (table: string, names: readonly string[]): Fragment =>
  sql.query`(${columnList(names, table)}) IS DISTINCT FROM (${columnList(names, 'excluded')})`;
