import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerToken } from './auth/tokens';
import type { QueryLimits } from './config';
import type { Context } from './context';
import { databaseTrouble, logDatabaseTrouble } from './db/db-errors';
import { prepareLiveEvents, stopLiveEvents } from './events/live-events';
import { createLoaders } from './loaders';
import { assertRole, rootFieldRoles } from './schema/build-schema';
import { AppError, ErrorCode } from './schema/errors';
import { limitRules, operationCost } from './schema/query-limits';
import { identityForToken, recordTokenUse, type Identity } from './services/api-token.service';

/** What graphql-ws keeps per connection: the socket, its upgrade request and who opened it. */
interface Connection extends Record<PropertyKey, unknown> {
  socket: WebSocket;
  request: http.IncomingMessage;
  identity?: Identity;
}

/**
 * Close codes of a refused connection: 4401 (graphql-ws's Unauthorized) when the connection_init
 * payload has no valid `authorization` (missing, malformed, unknown, revoked or expired token),
 * which graphql-ws clients treat as final: retrying the same token cannot help. 4503 when the
 * database cannot say who the token belongs to: clients retry that one.
 */
export const CLOSE_UNAUTHORIZED = CloseCode.Unauthorized;
export const CLOSE_UNAVAILABLE = 4503;

/** Subscriptions one connection may hold at once: each is a filter every event is tested against. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

export interface SubscriptionServerOptions {
  path: string;
  queryLimits: QueryLimits;
  production: boolean;
  logger: Logger;
  readDataSource: DataSource | undefined;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/** graphql-js's own parse and validation errors carry no code; Apollo names them so on HTTP. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions.code !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

function refusal(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return withCode(error, 'GRAPHQL_PARSE_FAILED');
  return new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal error', { cause: String(error) });
}

/** Over HTTP a subscription cannot be served: say where it can, before anything runs. */
export const noSubscriptionsOverHttpRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== OperationTypeNode.SUBSCRIPTION) return;
    context.reportError(
      new GraphQLError('Subscriptions are served over a websocket (graphql-ws) on this same path, not over HTTP', {
        nodes: [node],
      }),
    );
  },
});

/** The names of the root fields an operation selects, through fragments too. */
function rootFieldNames(selectionSet: SelectionSetNode, document: DocumentNode): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFieldNames(selection.selectionSet, document);
    const fragment = document.definitions.find(
      (definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
    );
    return fragment?.kind === Kind.FRAGMENT_DEFINITION ? rootFieldNames(fragment.selectionSet, document) : [];
  });
}

/**
 * GraphQL subscriptions over graphql-ws, on the HTTP server's port and path. The token comes in
 * the connection_init payload (`{ "authorization": "Bearer <token>" }`) and is checked once per
 * connection; each subscription is parsed, validated with the same query limits as HTTP
 * operations (tokens, depth, aliases, directives, selections, cost) and the same role checks,
 * before it starts, so a refusal is an `error` message and nothing runs. Queries and mutations
 * stay on HTTP, where rate limits, metrics and request logs apply. Subscriptions run through
 * graphql-js's `subscribe` (graphql-ws's default), not the graphql-jit gateway, which Apollo
 * only uses for HTTP operations; each event is one small execution of the selection.
 */
export function startSubscriptionServer(
  httpServer: http.Server,
  schema: GraphQLSchema,
  dataSource: DataSource,
  options: SubscriptionServerOptions,
): { dispose: () => Promise<void> } {
  const limits = options.queryLimits;
  const rules = [...specifiedRules, ...limitRules(limits)];
  const roles = rootFieldRoles();
  const formatErrors = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((error) => {
      // An error thrown by an event stream reaches graphql-ws wrapped without its extensions.
      const own = error.originalError instanceof GraphQLError ? error.originalError : error;
      return options.formatError(own.toJSON(), own);
    });
  const wsServer = new WebSocketServer({ server: httpServer, path: options.path });
  let disposed = false;
  const cleanup = useServer<Record<string, unknown>, Connection>(
    {
      isProd: true, // no internal message ever closes a socket as its reason
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const token = typeof header === 'string' ? bearerToken(header) : undefined;
        if (!token) {
          socket.close(
            CLOSE_UNAUTHORIZED,
            'Unauthorized: send connection_init with { "authorization": "Bearer <token>" }',
          );
          return false;
        }
        let identity: Identity | null;
        try {
          identity = await identityForToken({ dataSource }, token);
        } catch (error) {
          if (!databaseTrouble(error)) throw error;
          logDatabaseTrouble(error, { while: 'authenticating a websocket' });
          socket.close(CLOSE_UNAVAILABLE, 'The database is unavailable; retry shortly');
          return false;
        }
        if (!identity) {
          socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: the token is unknown, revoked or expired');
          return false;
        }
        recordTokenUse(dataSource, identity.tokenId);
        ctx.extra.identity = identity;
        if (!disposed) prepareLiveEvents(dataSource); // LISTEN while the client receives its ack
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        try {
          // graphql-ws has already counted this one.
          if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
            return [
              new AppError(
                ErrorCode.QUERY_TOO_COMPLEX,
                `A connection may hold at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions at once`,
                { limit: 'subscriptions', max: MAX_SUBSCRIPTIONS_PER_CONNECTION },
              ),
            ];
          }
          const document = parse(payload.query, { maxTokens: limits.maxTokens });
          const invalid = validate(schema, document, rules);
          if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
          const operation = getOperationAST(document, payload.operationName);
          if (!operation) return [new AppError(ErrorCode.BAD_USER_INPUT, 'Name the operation to run (operationName)')];
          if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
            return [
              new AppError(ErrorCode.BAD_USER_INPUT, `Send ${operation.operation} operations over HTTP: POST /graphql`),
            ];
          }
          const user = ctx.extra.identity?.user ?? null;
          for (const field of rootFieldNames(operation.selectionSet, document)) {
            if (field.startsWith('__')) continue;
            assertRole(user, roles.get(`Subscription.${field}`) ?? [], 'Subscription', field);
          }
          let cost: number | undefined;
          try {
            cost = operationCost(
              schema,
              document,
              payload.variables ?? undefined,
              payload.operationName,
              limits.maxSelections,
            );
          } catch (error) {
            if (!(error as Error).message.includes('maximum allowed number of nodes')) throw error;
            return [
              new AppError(
                ErrorCode.QUERY_TOO_COMPLEX,
                `The operation selects more than ${limits.maxSelections} fields`,
                {
                  limit: 'selections',
                  max: limits.maxSelections,
                },
              ),
            ];
          }
          if (cost !== undefined && cost > limits.maxCost) {
            return [
              new AppError(
                ErrorCode.QUERY_TOO_COMPLEX,
                `The operation's estimated cost ${cost} is over the limit of ${limits.maxCost}`,
                { limit: 'cost', max: limits.maxCost, found: cost },
              ),
            ];
          }
          const contextValue: Context = {
            requestId: randomUUID(),
            user,
            tokenId: ctx.extra.identity?.tokenId ?? null,
            dataSource,
            readDataSource: options.readDataSource,
            loaders: createLoaders(dataSource),
          };
          return {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue,
          };
        } catch (error) {
          if (!(error instanceof GraphQLError)) options.logger.error({ err: error }, 'subscription refused');
          return [refusal(error)];
        }
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: formatErrors(result.errors) } : undefined,
      onError: (_ctx, _id, _payload, errors) => formatErrors(errors),
    },
    wsServer,
  );
  return {
    dispose: async () => {
      disposed = true;
      await cleanup.dispose();
      await stopLiveEvents(dataSource);
    },
  };
}
