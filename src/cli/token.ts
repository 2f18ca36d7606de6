import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/database';
import { afterMigrations } from '../release';
import { Role } from '../entities/enums';
import { createLoaders } from '../loaders';
import { issueTokenFor } from '../services/user.service';

/**
 * `npm run token -- --name NAME --role ROLE [--change-role]`: creates the user if new and prints a
 * fresh token once. An existing user with another role is an error that changes nothing, unless
 * `--change-role` says the change is meant.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { name: { type: 'string' }, role: { type: 'string' }, 'change-role': { type: 'boolean' } },
  });
  const roles = Object.values(Role) as string[];
  if (!values.name || !values.role || !roles.includes(values.role.toUpperCase())) {
    process.stderr.write(`usage: npm run token -- --name NAME --role ${roles.join('|')} [--change-role]\n`);
    process.exit(2);
  }
  const database = await openDatabase({ poolSize: 2, afterMigrations });
  try {
    const { token, user, created, roleChangedFrom } = await issueTokenFor(
      { requestId: 'cli', user: null, dataSource: database.dataSource, loaders: createLoaders(database.dataSource) },
      values.name,
      values.role.toUpperCase() as Role,
      { changeRole: values['change-role'] === true },
    );
    if (roleChangedFrom)
      process.stderr.write(`changed the role of ${user.name} from ${roleChangedFrom} to ${user.role}\n`);
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
