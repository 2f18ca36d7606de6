import { getMetadataArgsStorage } from 'typeorm';

/** An entity class (any constructor). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EntityClass = abstract new (...args: any[]) => unknown;
import { snakeCase } from 'typeorm/util/StringUtils';

/**
 * The database columns an entity class declares (with its parents'), in declaration order, named
 * as SnakeNamingStrategy names them. Read from the decorators, so it works before any data source
 * exists (view expressions, SQL built at module load) and a column is never listed twice by hand.
 */
export function columnNamesOf(target: EntityClass): string[] {
  return columnsOf(target).map((column) => column.name);
}

/** The same, with whether each column is part of the primary key. */
export function columnsOf(target: EntityClass): Array<{ name: string; primary: boolean }> {
  const chain: unknown[] = [];
  for (let current: unknown = target; typeof current === 'function' && current !== Function.prototype;) {
    chain.unshift(current);
    current = Object.getPrototypeOf(current);
  }
  return getMetadataArgsStorage()
    .columns.filter((column) => chain.includes(column.target))
    .map((column) => ({
      name: snakeCase(column.options.name ?? column.propertyName),
      primary: column.options.primary === true,
    }));
}

/**
 * A daily rollup as the reports read it: the folded rows and the deltas not folded yet, side by
 * side (`UNION ALL`). A key may appear several times, with signed values; whoever reads it sums.
 * PostgreSQL pushes a report's conditions into both branches, so the folded table's key index is used.
 */
export function foldedAndDeltaView(folded: string, delta: string, columns: EntityClass): string {
  const list = columnNamesOf(columns).join(', ');
  return `SELECT ${list} FROM ${folded} UNION ALL SELECT ${list} FROM ${delta}`;
}
