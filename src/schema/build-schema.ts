import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, getMetadataStorage, type AuthChecker } from 'type-graphql';
import { projectRoot } from '../config';
import type { Context } from '../context';
import type { Role } from '../entities/enums';
import { resolvers } from '../resolvers';
import { AppError, ErrorCode } from './errors';
import { validateArgument } from './validation';

/** No identity is UNAUTHENTICATED; an identity without the role is FORBIDDEN. */
const authChecker: AuthChecker<Context, Role> = ({ context, info }, roles) => {
  if (!context.user) {
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send a valid token: Authorization: Bearer <token>', {
      field: info.fieldName,
    });
  }
  if (!roles.includes(context.user.role)) {
    throw new AppError(
      ErrorCode.FORBIDDEN,
      `${info.parentType.name}.${info.fieldName} is not allowed for role ${context.user.role}`,
      {
        field: info.fieldName,
      },
    );
  }
  return true;
};

/** `Query.x` and `Mutation.x` names whose resolver declares the roles it allows. */
export function declaredRootFields(): Set<string> {
  const storage = getMetadataStorage();
  const declared = new Set<string>();
  for (const [operation, handlers] of [
    ['Query', storage.queries],
    ['Mutation', storage.mutations],
  ] as const) {
    for (const handler of handlers) {
      const authorized = storage.authorizedFields.some(
        (field) => field.target === handler.target && field.fieldName === handler.methodName,
      );
      if (authorized) declared.add(`${operation}.${handler.schemaName}`);
    }
  }
  return declared;
}

/** Root fields without an access declaration: deny by default means the schema refuses to build. */
export function undeclaredRootFields(schema: GraphQLSchema): string[] {
  const declared = declaredRootFields();
  return [schema.getQueryType(), schema.getMutationType()]
    .flatMap((type) => (type ? Object.keys(type.getFields()).map((name) => `${type.name}.${name}`) : []))
    .filter((name) => !declared.has(name));
}

let cached: GraphQLSchema | undefined;

export function buildAppSchema(): GraphQLSchema {
  if (cached) return cached;
  const schema = buildSchemaSync({
    resolvers,
    authChecker,
    authMode: 'error',
    validateFn: validateArgument,
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
