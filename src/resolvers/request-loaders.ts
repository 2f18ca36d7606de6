import DataLoader from 'dataloader';
import type { Context } from '../context';
import type { LeadChange } from '../entities/lead-change.entity';
import type { Loaders } from '../loaders';
import { slaStatusesOfLeads, type SlaCaseFigures } from '../reports/sla-report';
import type { Page } from '../schema/connection';
import { leadChangePages, type LeadChangesArgs } from '../services/lead-changes.service';

/**
 * The per-request loaders of the resolver layer: those that read through a report or a service.
 * The entity loaders (src/loaders.ts) travel in the context down into the services, so they may
 * not import either; these are built on first use instead, once per request, keyed by the
 * request's `ctx.loaders` (server.ts makes one per request, and a context derived from it shares it).
 */
interface ResolverLoaders {
  slaStatuses?: DataLoader<string, SlaCaseFigures[]>;
  leadChanges: Map<string, DataLoader<string, Page<LeadChange>>>;
}

const ofRequest = new WeakMap<Loaders, ResolverLoaders>();

function resolverLoaders(ctx: Context): ResolverLoaders {
  let loaders = ofRequest.get(ctx.loaders);
  if (!loaders) {
    loaders = { leadChanges: new Map() };
    ofRequest.set(ctx.loaders, loaders);
  }
  return loaders;
}

/** Each lead's latest case under every time SLA whose stage it entered, with its status now. */
export function slaStatusLoader(ctx: Context): DataLoader<string, SlaCaseFigures[]> {
  const loaders = resolverLoaders(ctx);
  return (loaders.slaStatuses ??= new DataLoader(async (leadIds) => {
    const byLead = await slaStatusesOfLeads(ctx.dataSource, leadIds);
    return leadIds.map((id) => byLead.get(id) ?? []);
  }));
}

/** A page of a lead's record of changes; one loader per distinct page arguments. */
export function leadChangesLoader(ctx: Context, args: LeadChangesArgs): DataLoader<string, Page<LeadChange>> {
  const byArgs = resolverLoaders(ctx).leadChanges;
  const key = JSON.stringify([args.first, args.after ?? null, args.fields ?? null]);
  let loader = byArgs.get(key);
  if (!loader) {
    loader = new DataLoader((leadIds) => leadChangePages(ctx.dataSource, leadIds, args));
    byArgs.set(key, loader);
  }
  return loader;
}
