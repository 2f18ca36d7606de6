import { gql } from './api';

/** What the glossary and every number's link read: the schema's own descriptions. */
export interface SchemaType {
  name: string;
  kind: string;
  description: string | null;
  fields: Array<{ name: string; description: string | null }> | null;
  enumValues: Array<{ name: string; description: string | null }> | null;
  inputFields: Array<{ name: string; description: string | null }> | null;
}

export const SCHEMA_TYPES = `{
  __schema {
    types {
      name kind description
      fields { name description }
      enumValues { name description }
      inputFields { name description }
    }
  }
}`;

let cached: Promise<SchemaType[]> | undefined;

export function schemaTypes(token?: string | null): Promise<SchemaType[]> {
  cached ??= gql<{ __schema: { types: SchemaType[] } }>(SCHEMA_TYPES, {}, token).then((data) =>
    data.__schema.types.filter((type) => !type.name.startsWith('__')),
  );
  cached.catch(() => (cached = undefined));
  return cached;
}

/** "Type" and "Type.field" → description, for every type of the schema. */
export async function loadDefinitions(token?: string | null): Promise<Map<string, string>> {
  const definitions = new Map<string, string>();
  for (const type of await schemaTypes(token)) {
    if (type.description) definitions.set(type.name, type.description);
    for (const field of [...(type.fields ?? []), ...(type.enumValues ?? []), ...(type.inputFields ?? [])]) {
      if (field.description) definitions.set(`${type.name}.${field.name}`, field.description);
    }
  }
  return definitions;
}
