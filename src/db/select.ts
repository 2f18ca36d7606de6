import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { statementCounter } from './data-source';

/**
 * Reads for the API's hot paths (pages, loaders, auth) skip TypeORM's query builder and
 * hydration: the SQL is written once, columns come back already named as the entity's properties,
 * and the rows are handed to GraphQL as plain objects. Writes still go through TypeORM.
 */
type Queryable = DataSource | EntityManager;

const selectLists = new WeakMap<object, Map<string, string>>();

/** `alias."db_column" AS "property", ...` for every column of the entity, cached per alias. */
export function columnsOf(db: Queryable, entity: EntityTarget<ObjectLiteral>, alias: string): string {
  const metadata = ('connection' in db ? db.connection : db).getMetadata(entity);
  let byAlias = selectLists.get(metadata);
  if (!byAlias) selectLists.set(metadata, (byAlias = new Map<string, string>()));
  let list = byAlias.get(alias);
  if (list === undefined) {
    list = metadata.columns
      .map((column) => {
        // numeric arrives as a string to keep precision; money amounts here fit a double.
        // An array of a PostgreSQL enum arrives as its text ('{A,B}'): as text[] the driver parses it.
        const cast =
          column.type === 'numeric' ? '::float8' : column.type === 'enum' && column.isArray ? '::text[]' : '';
        const value = `${alias}."${column.databaseName}"${cast}`;
        return `${value} AS "${column.propertyName}"`;
      })
      .join(', ');
    byAlias.set(alias, list);
  }
  return list;
}

interface PgPool {
  query(sql: string, params: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Outside a transaction, reads go straight to the driver's pool: TypeORM's per-query runner
 * (acquire, log, release) was a tenth of the CPU of a page of leads. Inside one, they use the
 * transaction's connection. Every statement is counted either way.
 */
export async function selectRows<T>(db: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  // A manager without a query runner (the data source's own) is outside any transaction too.
  const dataSource = 'connection' in db ? (db.queryRunner ? undefined : db.connection) : db;
  if (dataSource) {
    const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
    if (pool) {
      statementCounter.count += 1;
      return (await pool.query(sql, params)).rows as T[];
    }
  }
  return db.query<T[]>(sql, params);
}

/**
 * Gives plain rows the entity's prototype. type-graphql turns every root of a field resolver
 * into an instance of its class (a `new` and a copy per lead and field) unless it already is one.
 */
export async function selectEntities<T extends object>(
  db: Queryable,
  entity: EntityTarget<ObjectLiteral>,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const rows = await selectRows<T>(db, sql, params);
  const prototype = (entity as { prototype?: object }).prototype;
  if (prototype) for (const row of rows) Object.setPrototypeOf(row, prototype);
  return rows;
}

/**
 * Collects SQL conditions with numbered parameters, so filters stay injection-free. For the
 * services' short list filters; the report and rollup SQL composes pg-sql2 fragments instead
 * (./fragments: whereOf, allOf, sql.value).
 */
export class Conditions {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];

  /** Adds a parameter and returns its placeholder (`$3`). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(condition: string): this {
    this.parts.push(condition);
    return this;
  }

  where(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}
