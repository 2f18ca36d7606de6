import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/database';
import { Role } from '../entities/enums';
import { createLoaders } from '../loaders';
import { issueTokenFor } from '../services/user.service';

/** `npm run token -- --name NAME --role ROLE`: creates the user if new and prints a fresh token once. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { name: { type: 'string' }, role: { type: 'string' } } });
  const roles = Object.values(Role) as string[];
  if (!values.name || !values.role || !roles.includes(values.role.toUpperCase())) {
    process.stderr.write(`usage: npm run token -- --name NAME --role ${roles.join('|')}\n`);
    process.exit(2);
  }
  const database = await openDatabase({ poolSize: 2 });
  try {
    const { token, user, created } = await issueTokenFor(
      { requestId: 'cli', user: null, dataSource: database.dataSource, loaders: createLoaders(database.dataSource) },
      values.name,
      values.role.toUpperCase() as Role,
    );
    process.stderr.write(`${created ? 'created' : 'found'} user ${user.name} (${user.role}, id ${user.id})\n`);
    process.stdout.write(`${token}\n`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
