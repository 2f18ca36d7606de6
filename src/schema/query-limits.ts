import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  type OperationDefinitionNode,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { getComplexity, type ComplexityEstimator, type ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { LRUCache } from 'lru-cache';
import type { QueryLimits } from '../config';
import { config } from '../config';
import { AppError, ErrorCode } from './errors';

/** How many items a list field without a `first` argument is assumed to hold. */
export const ASSUMED_LIST_SIZE = 10;

function tooComplex(limit: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(ErrorCode.QUERY_TOO_COMPLEX, message, { limit, ...details });
}

/**
 * graphql-armor's rules throw out of `validate()` by default, which Apollo answers with HTTP 500;
 * reporting through the context makes them ordinary validation errors (HTTP 400), with our code.
 */
function reportAs(limit: string, max: number) {
  return {
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        const message = error.message.replace(/^Syntax Error: /, '');
        context?.reportError(tooComplex(limit, message, { max }));
      },
    ],
  };
}

/** PostgreSQL cannot store NUL in text or jsonb; a literal holding one is refused up front. */
export const noNulCharactersRule: ValidationRule = (context) => ({
  StringValue(node) {
    if (node.value.includes('\u0000')) {
      context.reportError(
        new AppError(ErrorCode.BAD_USER_INPUT, 'A string holds a NUL character (\\u0000), which text may not contain', {
          field: 'query',
        }),
      );
    }
  },
});

/**
 * graphql-js 16 validates a subscription against a schema without subscriptions and only fails
 * when executing it (an internal error); refuse an operation type the schema lacks up front.
 */
export const knownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root =
      node.operation === OperationTypeNode.QUERY
        ? schema.getQueryType()
        : node.operation === OperationTypeNode.MUTATION
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (!root) context.reportError(new GraphQLError(`This API has no ${node.operation} operations`, { nodes: [node] }));
  },
});

/**
 * Depth, aliases and directives, known operation types and no NUL in string literals: checked
 * while validating, before anything runs.
 */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [
    knownOperationTypesRule,
    noNulCharactersRule,
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, ...reportAs('depth', limits.maxDepth) }),
    maxAliasesRule({ n: limits.maxAliases, allowList: [], ...reportAs('aliases', limits.maxAliases) }),
    maxDirectivesRule({ n: limits.maxDirectives, ...reportAs('directives', limits.maxDirectives) }),
  ];
}

/**
 * What a field costs: its declared `complexity` (type-graphql's option, e.g. for metrics) or 1
 * for an object and 0 for a scalar, plus its selection times the number of items it can return:
 * `first` (capped at the largest page, since more is refused anyway), 1 for the `edges`/`nodes`
 * of a connection (already counted by its `first`), and ASSUMED_LIST_SIZE for any other list.
 * Introspection costs nothing.
 */
export const costEstimator: ComplexityEstimator = (options: ComplexityEstimatorArgs) => {
  const { type, field, args, childComplexity } = options;
  // Introspection is served from memory; graphql-js's MaxIntrospectionDepthRule bounds its nesting.
  if (type.name.startsWith('__') || field.name.startsWith('__')) return childComplexity;
  const declared: unknown = field.extensions?.complexity;
  if (typeof declared === 'function') return (declared as ComplexityEstimator)(options);
  const own = typeof declared === 'number' ? declared : isLeafType(getNamedType(field.type)) ? 0 : 1;
  let items = 1;
  if (typeof args.first === 'number') {
    items = Math.min(Math.max(args.first, 0), config.maxPageSize);
  } else if (isListType(getNullableType(field.type)) && !type.name.endsWith('Connection')) {
    items = ASSUMED_LIST_SIZE;
  }
  return own + childComplexity * items;
};

/** The estimated cost of an operation (see costEstimator); undefined when its variables are invalid. */
export function operationCost(
  schema: GraphQLSchema,
  document: Parameters<typeof getComplexity>[0]['query'],
  variables: Record<string, unknown> | undefined,
  operationName: string | null | undefined,
  maxNodes: number,
): number | undefined {
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName),
  );
  if (!operation) return undefined;
  // Bad variables are refused by execution with a precise BAD_USER_INPUT before anything runs.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return undefined;
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName: operationName ?? undefined,
    estimators: [costEstimator],
    maxQueryNodes: maxNodes,
  });
}

/**
 * Costs by document (Apollo's hash of the query text) and operation, plus the values of the
 * operation's numeric variables (the only ones a cost can depend on: `first`). Keyed so, a
 * request's other variables never enter the cache: the key is as long as the document allows, and
 * the least recently used entries go first, so memory stays bounded whatever clients send.
 */
const costs = new LRUCache<string, { cost: number | undefined }>({ max: 2000 });

function costKey(
  queryHash: string,
  operationName: string | null | undefined,
  operation: OperationDefinitionNode | undefined,
  variables: Record<string, unknown> | undefined,
): string {
  const numeric = (operation?.variableDefinitions ?? []).map((definition) => {
    const value = variables?.[definition.variable.name.value];
    return typeof value === 'number' ? value : null;
  });
  return `${queryHash}\u0000${operationName ?? ''}\u0000${JSON.stringify(numeric)}`;
}

function cachedCost(key: string, estimate: () => number | undefined): number | undefined {
  const hit = costs.get(key);
  if (hit) return hit.cost;
  const cost = estimate();
  costs.set(key, { cost });
  return cost;
}

/** Refuses an operation whose estimated cost is over the limit, before it runs. */
export function costLimitPlugin(limits: QueryLimits): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ schema, document, request, operationName, operation, queryHash }) {
          let cost: number | undefined;
          try {
            cost = cachedCost(costKey(queryHash, operationName, operation, request.variables), () =>
              operationCost(schema, document, request.variables, operationName, limits.maxSelections),
            );
          } catch (error) {
            // graphql-query-complexity gives up past maxQueryNodes expanded selections.
            if ((error as Error).message.includes('maximum allowed number of nodes')) {
              throw tooComplex('selections', `The operation selects more than ${limits.maxSelections} fields`, {
                max: limits.maxSelections,
              });
            }
            throw error;
          }
          if (cost !== undefined && cost > limits.maxCost) {
            throw tooComplex(
              'cost',
              `The operation's estimated cost ${cost} is over the limit of ${limits.maxCost}: ask for fewer items (first) or fewer nested lists`,
              { max: limits.maxCost, found: cost },
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}
