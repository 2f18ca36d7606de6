import { once } from 'node:events';
import type { ApolloServer } from '@apollo/server';
import { stringify } from 'csv-stringify';
import express from 'express';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { Logger } from 'pino';
import type { Context } from './context';
import { buildAppSchema } from './schema/build-schema';

/**
 * CSV downloads for analysts' spreadsheets: `/exports/leads.csv` and the metric reports
 * (`funnel.csv`, `campaign-performance.csv`, `sla-cases.csv`). Each one runs the GraphQL
 * operation a client would run, as the caller (bearer token), through Apollo: the same arguments,
 * validation, role checks, rate limits and error codes as the API. Arguments come from the query
 * string: each field of the operation's filter input as a parameter of its own (lists repeated or
 * comma-separated), or the whole filter as JSON in `filter`; a parameter wins over the same field
 * in `filter`. Lists are read and written a page (100 rows) at a time, so an export of a million
 * leads never holds more than one page in memory. The columns are the operation's scalar fields,
 * nested objects flattened (`stage.key`, `campaign.name`); JSON values are written as JSON.
 * A text cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) is
 * prefixed with `'`.
 */

const PAGE = 100;

interface Export {
  /** The report's filter input type and the argument it is passed as; query-string fields mirror it. */
  filterType?: string;
  /** Other arguments, each a query-string parameter: name → GraphQL type. */
  args: Record<string, string>;
  /** Values of arguments the query string left out (graphql-jit needs every non-null variable). */
  defaults?: Record<string, unknown>;
  /** The root field and the path to its rows (a list, or a connection's `nodes`). */
  field: string;
  rowsType: string;
  /** The document around the row selection `ROWS`. */
  document: (rows: string) => string;
  /** Where the rows are in the answer: a list, or a connection (then paged by `endCursor`). */
  rowsPath: string[];
}

type Row = Record<string, unknown>;

interface Connection {
  nodes: Row[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The rows at `path` in an answer, and the cursor of the next page when they are a connection's. */
function rowsOf(data: unknown, path: string[]): { rows: Row[]; next: string | null } {
  const found = path.reduce<unknown>((value, key) => (value as Row | null)?.[key], data);
  if (Array.isArray(found)) return { rows: found as Row[], next: null };
  const connection = found as Connection;
  return { rows: connection.nodes, next: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null };
}

const EXPORTS: Record<string, Export> = {
  'leads.csv': {
    filterType: 'LeadFilter',
    args: { orderBy: 'LeadOrder' },
    defaults: { orderBy: 'CREATED_AT_DESC' },
    field: 'leads',
    rowsType: 'Lead',
    document: (rows) => `query ExportLeads($first: Int!, $after: String, $filter: LeadFilter, $orderBy: LeadOrder!) {
      leads(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { pageInfo { hasNextPage endCursor } nodes ${rows} } }`,
    rowsPath: ['leads'],
  },
  'funnel.csv': {
    filterType: 'LeadCohortFilter',
    args: { asOf: 'DateTimeISO', stages: '[String!]' },
    field: 'funnelReport',
    rowsType: 'FunnelStageMetrics',
    document: (rows) => `query ExportFunnel($filter: LeadCohortFilter, $asOf: DateTimeISO, $stages: [String!]) {
      funnelReport(filter: $filter, asOf: $asOf, stages: $stages) { stages ${rows} } }`,
    rowsPath: ['funnelReport', 'stages'],
  },
  'campaign-performance.csv': {
    filterType: 'CampaignPerformanceFilter',
    args: {},
    field: 'campaignPerformance',
    rowsType: 'CampaignPerformance',
    document: (rows) => `query ExportCampaignPerformance($filter: CampaignPerformanceFilter) {
      campaignPerformance(filter: $filter) ${rows} }`,
    rowsPath: ['campaignPerformance'],
  },
  'sla-cases.csv': {
    args: { slaId: 'ID!', from: 'DateTimeISO!', to: 'DateTimeISO!', ownerId: 'ID' },
    field: 'slaReport',
    rowsType: 'SlaCase',
    document: (
      rows,
    ) => `query ExportSlaCases($first: Int!, $after: String, $slaId: ID!, $from: DateTimeISO!, $to: DateTimeISO!, $ownerId: ID) {
      slaReport(slaId: $slaId, from: $from, to: $to) {
        breaches(first: $first, after: $after, ownerId: $ownerId) { pageInfo { hasNextPage endCursor } nodes ${rows} } } }`,
    rowsPath: ['slaReport', 'breaches'],
  },
};

/** Scalar fields without required arguments; of a nested object only its `key`, `name` or `email`. */
function rowSelection(type: GraphQLObjectType, nested = false): { selection: string; columns: string[] } {
  const parts: string[] = [];
  const columns: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
    const unwrapped = isNonNullType(field.type) ? field.type.ofType : field.type;
    if (isListType(unwrapped)) continue;
    const named = getNamedType(field.type);
    if (isScalarType(named) || isEnumType(named)) {
      if (nested && !['key', 'name', 'email'].includes(field.name)) continue;
      parts.push(field.name);
      columns.push(field.name);
    } else if (isObjectType(named) && !nested) {
      const inner = rowSelection(named, true);
      if (inner.columns.length === 0) continue;
      parts.push(`${field.name} ${inner.selection}`);
      columns.push(...inner.columns.map((column) => `${field.name}.${column}`));
    }
  }
  return { selection: `{ ${parts.join(' ')} }`, columns };
}

const FORMULA = /^[=+\-@\t\r]/;

function cell(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string' && FORMULA.test(value)) return `'${value}`;
  return value;
}

function pick(row: Row, column: string): unknown {
  return column.split('.').reduce<unknown>((value, key) => (value as Row | null)?.[key], row);
}

class BadParameter extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A query-string value as the GraphQL input type expects it; the API validates the rest. */
function coerce(raw: unknown, typeName: string): unknown {
  const list = typeName.startsWith('[');
  const named = typeName.replace(/[[\]!]/g, '');
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((value) =>
    list ? String(value).split(',') : [String(value)],
  );
  const one = (value: string): unknown => {
    if ((named === 'Int' || named === 'Float') && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
    if (named === 'Boolean' && (value === 'true' || value === 'false')) return value === 'true';
    return value;
  };
  return list ? values.map(one) : one(values[values.length - 1] ?? '');
}

function typeName(type: GraphQLInputType): string {
  if (isNonNullType(type)) return typeName(type.ofType);
  if (isListType(type)) return `[${typeName(type.ofType)}]`;
  return type.name;
}

function variablesOf(schema: GraphQLSchema, spec: Export, query: Record<string, unknown>): Record<string, unknown> {
  const variables: Record<string, unknown> = { ...spec.defaults };
  for (const [name, type] of Object.entries(spec.args)) {
    if (query[name] !== undefined) variables[name] = coerce(query[name], type);
  }
  if (!spec.filterType) return variables;
  let filter: Record<string, unknown> = {};
  if (query.filter !== undefined) {
    try {
      filter = JSON.parse(typeof query.filter === 'string' ? query.filter : '') as Record<string, unknown>;
    } catch {
      throw new BadParameter('filter', 'filter is not valid JSON');
    }
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
      throw new BadParameter('filter', 'filter must be a JSON object');
    }
  }
  const input = schema.getType(spec.filterType);
  if (!isInputObjectType(input)) throw new Error(`${spec.filterType} is not an input type`);
  for (const field of Object.values(input.getFields())) {
    if (query[field.name] !== undefined) filter[field.name] = coerce(query[field.name], typeName(field.type));
  }
  if (Object.keys(filter).length > 0) variables.filter = filter;
  return variables;
}

const STATUS: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  QUERY_TOO_COMPLEX: 400,
};

interface Failure {
  status: number;
  errors: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

function failureOf(errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>): Failure {
  const code = errors[0]?.extensions?.code;
  const status = typeof code === 'string' ? STATUS[code] : undefined;
  return { status: status ?? 500, errors: errors.map(({ message, extensions }) => ({ message, extensions })) };
}

/**
 * The router under `/exports`. `contextOf` authenticates the request as `/graphql` does (it
 * throws UNAUTHENTICATED for an unknown token).
 */
export function exportsRouter(
  apollo: ApolloServer<Context>,
  contextOf: (req: express.Request, res: express.Response) => Promise<Context>,
  logger: Logger,
): express.Router {
  const router = express.Router();
  const schema = buildAppSchema();
  for (const [file, spec] of Object.entries(EXPORTS)) {
    const { selection, columns } = rowSelection(schema.getType(spec.rowsType) as GraphQLObjectType);
    const document = spec.document(selection);
    const paged = document.includes('$first');
    router.get(`/${file}`, async (req, res) => {
      const fail = ({ status, errors }: Failure): void => {
        res.status(status).json({ errors });
      };
      let ctx: Context;
      let variables: Record<string, unknown>;
      try {
        ctx = await contextOf(req, res);
        variables = variablesOf(schema, spec, req.query);
      } catch (error) {
        const known = error as { message: string; extensions?: Record<string, unknown>; field?: string };
        if (error instanceof BadParameter) {
          return fail({
            status: 400,
            errors: [{ message: error.message, extensions: { code: 'BAD_USER_INPUT', field: error.field } }],
          });
        }
        if (known.extensions?.code) return fail(failureOf([known]));
        throw error;
      }
      const page = async (after: string | null): Promise<{ rows: Row[]; next: string | null; failure?: Failure }> => {
        const response = await apollo.executeOperation(
          { query: document, variables: paged ? { ...variables, first: PAGE, after } : variables },
          { contextValue: ctx },
        );
        if (response.body.kind !== 'single') throw new Error('unexpected incremental answer');
        const { data, errors } = response.body.singleResult;
        if (errors?.length) return { rows: [], next: null, failure: failureOf(errors) };
        return rowsOf(data, spec.rowsPath);
      };
      let current = await page(null);
      if (current.failure) return fail(current.failure);
      res.status(200);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${file}"`);
      const csv = stringify({ header: true, columns });
      csv.pipe(res);
      try {
        for (;;) {
          for (const row of current.rows) {
            if (!csv.write(columns.map((column) => cell(pick(row, column))))) await once(csv, 'drain');
          }
          const next = current.next;
          if (!paged || !next || res.destroyed) break;
          current = await page(next);
          if (current.failure) throw new Error(current.failure.errors[0]?.message);
        }
        csv.end();
      } catch (error) {
        // The header is sent: a cut-off download is the only way left to say it failed.
        logger.error({ err: error, export: file }, 'CSV export failed midway');
        csv.destroy();
        res.destroy(error as Error);
      }
      return undefined;
    });
  }
  return router;
}
