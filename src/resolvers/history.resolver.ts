import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../auth/roles';
import { config } from '../config';
import type { Context } from '../context';
import { readerOf } from '../context';
import { Lead } from '../entities/lead.entity';
import { LeadMerge } from '../entities/lead-merge.entity';
import { MetricsRebuildJob } from '../entities/metrics-rebuild-job.entity';
import { slaStatusesOfLeads } from '../reports/sla-report';
import { ActivityRetentionRun, MergeLeadsPayload } from '../schema/history/history.types';
import { getMetricsRebuildJobOrThrow, requestMetricsRebuild } from '../services/metrics-rebuild.service';
import { mergeLeads, mergesIntoLeads, SURVIVORSHIP_RULE } from '../services/merge.service';
import { eraseLead, leadDataOf, purgeActivityMetadataAudited } from '../services/privacy.service';
import DataLoader from 'dataloader';

/** One loader per request for Lead.mergedFrom, kept beside the request's other loaders. */
const mergeLoaders = new WeakMap<object, DataLoader<string, LeadMerge[]>>();

@Resolver(() => Lead)
export class HistoryResolver {
  @Authorized(Access.MANAGE_DATA)
  @Mutation(() => MetricsRebuildJob, {
    description:
      'Rebuilds the metric rollups from the facts as a background job: the per-lead rows of the leads created in [from, to) (every lead when both are omitted), then the daily sums of their days. Exact, whatever was lost or doubled; follow it with `rebuildMetricsJob(id)`.',
  })
  rebuildMetrics(
    @Ctx() ctx: Context,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Exclusive.' }) to: Date | null,
  ): Promise<MetricsRebuildJob> {
    return requestMetricsRebuild(ctx, from ?? null, to ?? null);
  }

  @Authorized(Access.READ)
  @Query(() => MetricsRebuildJob, { description: 'A metrics rebuild with its progress; NOT_FOUND when there is none.' })
  rebuildMetricsJob(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<MetricsRebuildJob> {
    return getMetricsRebuildJobOrThrow(ctx, id);
  }

  @Authorized(Access.MERGE_LEADS)
  @Mutation(() => MergeLeadsPayload, {
    description: `Merges duplicate leads into one survivor, in one transaction. ${SURVIVORSHIP_RULE} With dryRun: true the answer is exactly what the merge would do and nothing is written. A duplicate named twice, the survivor among the duplicates or an unknown id is BAD_USER_INPUT naming the argument (\`duplicateIds[1]\`).`,
  })
  mergeLeads(
    @Ctx() ctx: Context,
    @Arg('survivorId', () => ID) survivorId: string,
    @Arg('duplicateIds', () => [ID]) duplicateIds: string[],
    @Arg('dryRun', () => Boolean, { defaultValue: false }) dryRun: boolean,
  ): Promise<MergeLeadsPayload> {
    return mergeLeads(ctx, survivorId, duplicateIds, dryRun);
  }

  @Authorized(Access.MANAGE_DATA)
  @Mutation(() => Lead, {
    description:
      'Erases a person (right to erasure) and returns the lead as it is left: email becomes `erased-<id>@invalid`; names, custom attributes, activity metadata, feedback comments (and their copy in the reason of a verdict’s stage move), reasons typed for manual moves, the personal values in Lead.changes and the emails of leads merged into it are removed; `erasedAt` says when. Company, stages, history, times, scores and verdicts stay, so every metric counts the same. Recorded in the audit log with the number of records changed, never their content.',
  })
  async eraseLead(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Lead> {
    return (await eraseLead(ctx, id)).lead;
  }

  @Authorized(Access.MANAGE_DATA)
  @Query(() => GraphQLJSONObject, {
    description:
      'Everything stored about a person (subject access): `lead` (with scores and `scoreExplanation`), `activities`, `stageHistory`, `feedback`, `changes`, `merges`, `slaClocks` (one per stage entry) and `slaCases` (the latest case per SLA as the reports judge it now).',
  })
  async exportLeadData(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Record<string, unknown>> {
    const data = await leadDataOf(ctx, id);
    const cases = (await slaStatusesOfLeads(readerOf(ctx), [id])).get(id) ?? [];
    return { ...data, slaCases: JSON.parse(JSON.stringify(cases)) as unknown };
  }

  @Authorized(Access.MANAGE_DATA)
  @Mutation(() => ActivityRetentionRun, {
    description:
      'Clears the metadata of activities older than ACTIVITY_RETENTION_DAYS (unset: kept forever, nothing changes). dryRun (the default) only counts the rows; run it first. Activities stay, so every metric keeps its counts.',
  })
  purgeActivityMetadata(
    @Ctx() ctx: Context,
    @Arg('dryRun', () => Boolean, { defaultValue: true }) dryRun: boolean,
  ): Promise<ActivityRetentionRun> {
    return purgeActivityMetadataAudited(ctx, config.activityRetentionDays, dryRun);
  }

  @FieldResolver(() => [LeadMerge], { description: 'The merges of duplicates into this lead, newest first.' })
  mergedFrom(@Root() lead: Lead, @Ctx() ctx: Context): Promise<LeadMerge[]> {
    let loader = mergeLoaders.get(ctx.loaders);
    if (!loader) {
      loader = new DataLoader((ids: readonly string[]) => mergesIntoLeads(ctx, ids));
      mergeLoaders.set(ctx.loaders, loader);
    }
    return loader.load(lead.id);
  }
}
