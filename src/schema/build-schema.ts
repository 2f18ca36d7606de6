import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, getMetadataStorage, type AuthChecker, type PubSub } from 'type-graphql';
import { projectRoot } from '../config';
import type { Context, CurrentUser } from '../context';
import type { Role } from '../entities/enums';
import { resolvers } from '../resolvers';
import { AppError, ErrorCode } from './errors';
import { validateArgument } from './validation';

/**
 * The one role check: no identity is UNAUTHENTICATED; an identity without the role is FORBIDDEN.
 * type-graphql's authChecker calls it while executing, and the websocket server before a
 * subscription starts (so a refused subscription is an `error` message, not a started stream).
 */
export function assertRole(
  user: CurrentUser | null,
  roles: readonly Role[],
  typeName: string,
  fieldName: string,
): asserts user is CurrentUser {
  if (!user) {
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send a valid token: Authorization: Bearer <token>', {
      field: fieldName,
    });
  }
  if (!roles.includes(user.role)) {
    throw new AppError(ErrorCode.FORBIDDEN, `${typeName}.${fieldName} is not allowed for role ${user.role}`, {
      field: fieldName,
    });
  }
}

const authChecker: AuthChecker<Context, Role> = ({ context, info }, roles) => {
  assertRole(context.user, roles, info.parentType.name, info.fieldName);
  return true;
};

/** The roles each `Query.x`, `Mutation.x` and `Subscription.x` declares with `@Authorized(...)`. */
export function rootFieldRoles(): Map<string, readonly Role[]> {
  const storage = getMetadataStorage();
  const declared = new Map<string, readonly Role[]>();
  for (const [operation, handlers] of [
    ['Query', storage.queries],
    ['Mutation', storage.mutations],
    ['Subscription', storage.subscriptions],
  ] as const) {
    for (const handler of handlers) {
      const authorized = storage.authorizedFields.find(
        (field) => field.target === handler.target && field.fieldName === handler.methodName,
      );
      if (authorized) declared.set(`${operation}.${handler.schemaName}`, authorized.roles as Role[]);
    }
  }
  return declared;
}

/** Root field names whose resolver declares the roles it allows. */
export function declaredRootFields(): Set<string> {
  return new Set(rootFieldRoles().keys());
}

/** Root fields without an access declaration: deny by default means the schema refuses to build. */
export function undeclaredRootFields(schema: GraphQLSchema): string[] {
  const declared = declaredRootFields();
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .flatMap((type) => (type ? Object.keys(type.getFields()).map((name) => `${type.name}.${name}`) : []))
    .filter((name) => !declared.has(name));
}

/**
 * type-graphql wants a PubSub as soon as one `@Subscription` exists; ours each bring their own
 * `subscribe` function (the events reach every process through LISTEN/NOTIFY, see
 * src/events/live-events.ts), so topics are never used.
 */
const noTopics: PubSub = {
  publish: () => {
    throw new Error('subscriptions use their own subscribe functions; nothing is published by topic');
  },
  subscribe: () => {
    throw new Error('subscriptions use their own subscribe functions; nothing is published by topic');
  },
};

let cached: GraphQLSchema | undefined;

export function buildAppSchema(): GraphQLSchema {
  if (cached) return cached;
  const schema = buildSchemaSync({
    resolvers,
    authChecker,
    authMode: 'error',
    validateFn: validateArgument,
    pubSub: noTopics,
    emitSchemaFile: false,
  });
  const undeclared = undeclaredRootFields(schema);
  if (undeclared.length > 0) {
    throw new Error(`root fields without @Authorized (deny by default): ${undeclared.join(', ')}`);
  }
  cached = schema;
  return schema;
}

export const schemaFile = path.join(projectRoot, 'schema.graphql');

/** The schema as committed in schema.graphql: sorted, so the file only changes when the API does. */
export function printAppSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildAppSchema()))}\n`;
}

export function writeSchemaFile(file: string = schemaFile): void {
  fs.writeFileSync(file, printAppSchema());
}
