import 'reflect-metadata';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/database';
import { afterMigrations } from '../release';
import { ImportFormat, ImportJobStatus } from '../entities/import-job.entity';
import { User } from '../entities/user.entity';
import { createLoaders } from '../loaders';
import { runImportJob } from '../services/import-run';
import { assertMayImport, dryRunOf, duplicatePolicyOf, storeImport } from '../services/import.service';

const USAGE =
  'usage: npm run import -- FILE [--dry-run] [--on-duplicate skip|update|refuse] [--format ndjson|csv] [--user EMAIL]\n';

/**
 * `npm run import -- FILE`: the same import as POST /imports, run in this process (it stores the
 * file, then imports it and prints progress). The format follows the file's extension (`.csv`:
 * leads in CSV; anything else: NDJSON) unless `--format` says. `--user` names the OPS or ADMIN
 * user the import acts as (the assertion policy judges what they may assert and they author the
 * feedback that names no author); without it the import acts as the server itself.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean' },
      'on-duplicate': { type: 'string' },
      format: { type: 'string' },
      user: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const format = values.format
    ? values.format.toLowerCase() === 'csv'
      ? ImportFormat.CSV
      : ImportFormat.NDJSON
    : file.toLowerCase().endsWith('.csv')
      ? ImportFormat.CSV
      : ImportFormat.NDJSON;
  const options = {
    format,
    dryRun: dryRunOf(values['dry-run'] ? 'true' : undefined),
    onDuplicate: duplicatePolicyOf(values['on-duplicate']),
  };
  const database = await openDatabase({ poolSize: 4, afterMigrations });
  try {
    const dataSource = database.dataSource;
    let user = null;
    if (values.user) {
      const found = await dataSource
        .getRepository(User)
        .createQueryBuilder('u')
        .where('lower(u.email) = lower(:email)', { email: values.user })
        .getOne();
      if (!found) throw new Error(`no user has the email ${values.user}`);
      user = { id: found.id, name: found.name, role: found.role };
    }
    const ctx = { requestId: 'cli-import', user, dataSource, loaders: createLoaders(dataSource) };
    assertMayImport(ctx);
    const stored = await storeImport(ctx, fs.createReadStream(file), options);
    process.stderr.write(`import ${stored.id}: ${stored.rowsTotal} rows stored\n`);
    if (!stored.stored) throw new Error(stored.error ?? 'the file could not be stored');
    const job = await runImportJob(dataSource, stored.id, {
      afterBatch: (progress) =>
        process.stderr.write(`  ${progress.rowsDone}/${progress.rowsTotal} rows, ${progress.rowsRejected} rejected\n`),
    });
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    const errors = await dataSource.query<Array<{ line: number; field: string | null; code: string; message: string }>>(
      'SELECT line, field, code, message FROM import_error WHERE import_id = $1 ORDER BY line LIMIT 20',
      [job.id],
    );
    for (const error of errors) {
      process.stderr.write(`  line ${error.line}: ${error.code} ${error.field ?? '(line)'}: ${error.message}\n`);
    }
    if (job.rowsRejected > errors.length)
      process.stderr.write(`  ... ${job.rowsRejected - errors.length} more: importJob(id) { errors }\n`);
    if (job.status !== ImportJobStatus.DONE) process.exitCode = 1;
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
