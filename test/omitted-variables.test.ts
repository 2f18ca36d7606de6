import { ApolloServer } from '@apollo/server';
import {
  buildSchema,
  execute,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  parse,
  printSchema,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { Role } from '../src/entities/enums';
import { buildAppSchema } from '../src/schema/build-schema';
import { jitGateway } from '../src/schema/jit-executor';
import { gql, givenLead, ok, startTestApp, type TestApp } from './helpers';

/** A value a variable of this type accepts (custom scalars of an SDL-built schema take anything). */
function sample(type: GraphQLInputType): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [];
  if (isEnumType(inner)) return inner.getValues()[0]!.name;
  if (isInputObjectType(inner)) {
    const value: Record<string, unknown> = {};
    for (const field of required(inner.getFields())) value[field.name] = sample(field.type);
    return value;
  }
  if (isScalarType(inner)) {
    return (
      ({ Int: 1, Float: 1.5, Boolean: true, ID: '00000000-0000-4000-8000-000000000001' } as Record<string, unknown>)[
        inner.name
      ] ?? 'x'
    );
  }
  throw new Error(`no sample for ${String(type)}`);
}

function required<T extends GraphQLInputField | GraphQLArgument>(fields: Record<string, T> | readonly T[]): T[] {
  return Object.values(fields).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
}

interface Probe {
  /** `Mutation.updateLead(input).ownerId` */
  name: string;
  mutation: string;
  document: string;
  variables: Record<string, unknown>;
  /** The variable that holds the probed field's value (never sent unless the test sends null). */
  variable: string;
  /** Where the probed field sits in the mutation's arguments: [argument, field, ..., field]. */
  path: string[];
}

/**
 * One probe per nullable field of every input object a mutation takes (at any depth, through
 * lists too): the field's value is a variable of its own, every required field and argument gets
 * a variable with a sample value.
 */
function probes(schema: GraphQLSchema): Probe[] {
  const result: Probe[] = [];
  const mutation = schema.getMutationType()!;
  for (const field of Object.values(mutation.getFields())) {
    for (const argument of field.args) {
      const walk = (type: GraphQLInputObjectType, path: string[], seen: Set<string>): void => {
        for (const inner of Object.values(type.getFields())) {
          const named = getNullableType(inner.type);
          const element = isListType(named) ? getNullableType(named.ofType) : named;
          if (!isNonNullType(inner.type)) result.push(probe(field.name, argument, [...path, inner.name], field.args));
          if (isInputObjectType(element) && !seen.has(element.name)) {
            walk(element, [...path, inner.name], new Set([...seen, element.name]));
          }
        }
      };
      const named = getNullableType(argument.type);
      const element = isListType(named) ? getNullableType(named.ofType) : named;
      if (isInputObjectType(element)) walk(element, [argument.name], new Set([element.name]));
    }
  }
  return result;

  function probe(
    mutationName: string,
    argument: GraphQLArgument,
    path: string[],
    args: readonly GraphQLArgument[],
  ): Probe {
    const definitions: string[] = [];
    const variables: Record<string, unknown> = {};
    let probed = '';
    const declare = (type: GraphQLInputType, value: unknown): string => {
      const name = `v${definitions.length}`;
      definitions.push(`$${name}: ${String(type)}`);
      if (value !== undefined) variables[name] = value;
      else probed = name;
      return `$${name}`;
    };
    /** The literal of an input object whose field `rest[0]` (at depth) is the probed variable. */
    const literal = (type: GraphQLInputType, rest: string[]): string => {
      const named = getNullableType(type);
      const object = (isListType(named) ? getNullableType(named.ofType) : named) as GraphQLInputObjectType;
      const [head, ...tail] = rest as [string, ...string[]];
      const fields = required(object.getFields())
        .filter((field) => field.name !== head)
        .map((field) => `${field.name}: ${declare(field.type, sample(field.type))}`);
      const target = object.getFields()[head]!;
      fields.push(`${head}: ${tail.length === 0 ? declare(target.type, undefined) : literal(target.type, tail)}`);
      return `{ ${fields.join(', ')} }`;
    };
    const argumentText = [`${argument.name}: ${literal(argument.type, path.slice(1))}`];
    for (const other of required(args)) {
      if (other.name !== argument.name) argumentText.push(`${other.name}: ${declare(other.type, sample(other.type))}`);
    }
    const returnType = schema.getMutationType()!.getFields()[mutationName]!.type;
    const selection = isScalarType(getNullableType(returnType)) ? '' : ' { __typename }';
    return {
      name: `Mutation.${mutationName}(${path[0]}).${path.slice(1).join('.')}`,
      mutation: mutationName,
      document: `mutation Probe(${definitions.join(', ')}) { ${mutationName}(${argumentText.join(', ')})${selection} }`,
      variables,
      variable: probed,
      path,
    };
  }
}

/** Keys with their values, undefined kept: `{ a: null }`, `{ a: undefined }` and `{}` all differ. */
function shape(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(shape).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${key}:${shape((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('omitted variables inside input objects', () => {
  // The app's schema, rebuilt from its SDL so its resolvers can be replaced by ones that only
  // record the arguments they were given.
  const schema = buildSchema(printSchema(buildAppSchema()));
  let seen: Record<string, unknown> | undefined;
  for (const field of Object.values(schema.getMutationType()!.getFields())) {
    field.resolve = (_root, args: Record<string, unknown>) => {
      seen = args;
      return null;
    };
  }
  const all = probes(schema);
  const server = new ApolloServer({ gateway: jitGateway(schema) });

  beforeAll(() => server.start());
  afterAll(() => server.stop());

  async function throughGraphqlJs(probe: Probe, variables: Record<string, unknown>): Promise<unknown> {
    seen = undefined;
    await execute({ schema, document: parse(probe.document), variableValues: variables });
    return seen;
  }

  async function throughServer(probe: Probe, variables: Record<string, unknown>): Promise<unknown> {
    seen = undefined;
    await server.executeOperation({ query: probe.document, variables });
    return seen;
  }

  test('the walk covers every mutation input, e.g. updateLead(input).ownerId', () => {
    expect(all.map((probe) => probe.name)).toContain('Mutation.updateLead(input).ownerId');
    const mutationsWithInputs = new Set(all.map((probe) => probe.mutation));
    expect(mutationsWithInputs.size).toBeGreaterThan(10);
    expect(all.length).toBeGreaterThan(100);
  });

  test('an omitted variable leaves the field absent (or at its default), exactly as graphql-js; an explicit null stays null', async () => {
    const wrong: string[] = [];
    for (const probe of all) {
      const omitted = await throughGraphqlJs(probe, probe.variables);
      // The spec's answer, as graphql-js gives it: no key for the field, unless it has a default.
      let parent = omitted as Record<string, unknown> | undefined;
      for (const key of probe.path.slice(0, -1)) {
        const next = parent?.[key];
        parent = (Array.isArray(next) ? next[0] : next) as Record<string, unknown> | undefined;
      }
      const field = probe.path[probe.path.length - 1]!;
      if (parent === undefined) wrong.push(`${probe.name}: graphql-js did not call the resolver`);
      else if (Object.prototype.hasOwnProperty.call(parent, field) && parent[field] === null) {
        wrong.push(`${probe.name}: graphql-js itself gave null`);
      }
      const served = await throughServer(probe, probe.variables);
      if (shape(served) !== shape(omitted)) wrong.push(`${probe.name} omitted: ${shape(served)} ≠ ${shape(omitted)}`);

      const withNull = { ...probe.variables, [probe.variable]: null };
      const expectedNull = await throughGraphqlJs(probe, withNull);
      const servedNull = await throughServer(probe, withNull);
      if (shape(servedNull) !== shape(expectedNull)) {
        wrong.push(`${probe.name} null: ${shape(servedNull)} ≠ ${shape(expectedNull)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('an input object sent as one variable without its optional fields gets them absent too', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const field of Object.values(schema.getMutationType()!.getFields())) {
      const variables: Record<string, unknown> = {};
      const definitions = field.args.map((argument) => `$${argument.name}: ${String(argument.type)}`);
      for (const argument of field.args) {
        const value = sample(argument.type);
        if (isNonNullType(argument.type) || isInputObjectType(getNullableType(argument.type))) {
          variables[argument.name] = value;
        }
      }
      if (!field.args.some((argument) => isInputObjectType(getNullableType(argument.type)))) continue;
      checked += 1;
      const call = field.args.map((argument) => `${argument.name}: $${argument.name}`).join(', ');
      const selection = isScalarType(getNullableType(field.type)) ? '' : ' { __typename }';
      const probe = {
        document: `mutation Probe(${definitions.join(', ')}) { ${field.name}(${call})${selection} }`,
      } as Probe;
      const expected = await throughGraphqlJs(probe, variables);
      const served = await throughServer(probe, variables);
      if (expected === undefined) wrong.push(`${field.name}: graphql-js did not call the resolver`);
      else if (shape(served) !== shape(expected)) wrong.push(`${field.name}: ${shape(served)} ≠ ${shape(expected)}`);
    }
    expect(checked).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  });
});

describe('updateLead with an omitted variable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const UPDATE = `mutation($id: ID!, $owner: ID, $company: String) {
    updateLead(input: { id: $id, ownerId: $owner, company: $company }) { company owner { id } }
  }`;

  test('sending $company without $owner keeps the owner; an explicit null $owner clears it', async () => {
    const lead = await givenLead(t, { ownerId: t.userIds[Role.SALES] }, Role.OPS);
    const kept = ok(await gql(t, UPDATE, { id: lead.id, company: 'Acme' }, { as: Role.OPS }));
    expect(kept.updateLead).toEqual({ company: 'Acme', owner: { id: t.userIds[Role.SALES] } });
    const [row] = await t.dataSource.query('SELECT owner_id, company FROM lead WHERE id = $1', [lead.id]);
    expect(row).toEqual({ owner_id: t.userIds[Role.SALES], company: 'Acme' });

    const cleared = ok(await gql(t, UPDATE, { id: lead.id, owner: null }, { as: Role.OPS }));
    expect(cleared.updateLead).toEqual({ company: 'Acme', owner: null });
  });
});
