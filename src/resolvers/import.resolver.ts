import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  Float,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { ImportError, ImportJob } from '../entities/import-job.entity';
import { Connection, toConnection } from '../schema/connection';
import {
  getImportJobOrThrow,
  importErrorPage,
  listImportJobs,
  rowsPerSecond,
  undoImport,
} from '../services/import.service';

@ObjectType()
export class ImportErrorConnection extends Connection(ImportError) {}

@Resolver(() => ImportJob)
export class ImportResolver {
  @Authorized(Access.READ)
  @Query(() => ImportJob, {
    description: 'An import started by POST /imports or `npm run import`: progress, counts, rejected rows.',
  })
  importJob(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<ImportJob> {
    return getImportJobOrThrow(ctx, id);
  }

  @Authorized(Access.READ)
  @Query(() => [ImportJob], { description: 'The latest imports, newest first.' })
  importJobs(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: 20, description: '1 to 100.' }) first: number,
  ): Promise<ImportJob[]> {
    return listImportJobs(ctx, first);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => ImportJob, {
    description:
      'Removes what an import added (its leads with everything attached, and the transitions, activities and feedback it added to existing leads; fields it updated go back) and brings the metrics back exactly. OPS and ADMIN.',
  })
  undoImport(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<ImportJob> {
    return undoImport(ctx, id);
  }

  @FieldResolver(() => Float, { description: 'Rows imported per second while the job was importing rows.' })
  rowsPerSecond(@Root() job: ImportJob): number {
    return rowsPerSecond(job);
  }

  @FieldResolver(() => ImportErrorConnection, { description: 'The rejected rows, in line order.' })
  async errors(
    @Root() job: ImportJob,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: 20, description: '0 to 100.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ImportErrorConnection> {
    return toConnection(ImportErrorConnection, await importErrorPage(ctx, job.id, first, after));
  }
}
